//! Environments that differ on purpose, as Kustomize overlays do: `environments.<name>.models`
//! in promptctl.yaml gives the prompts a rule matches another model in that environment (dev
//! runs everything on a cheap model; prod runs what the files say). The files stay as they
//! are; `plan --env NAME` and `status` diff the store against the prompts as overlaid.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::policy::PolicyMatch;
use crate::prompt::Prompt;

/// One rule: the prompts it matches run on `ai_model` in this environment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelRule {
    /// Which prompts (as in policies); every prompt without it.
    #[serde(default, rename = "match")]
    pub matches: Option<PolicyMatch>,
    /// The model they run on here.
    pub ai_model: String,
}

impl ModelRule {
    /// `every prompt → openai/gpt-5-nano`, for headers.
    pub fn describe(&self) -> String {
        format!(
            "{} → {}",
            self.matches
                .as_ref()
                .map_or_else(|| "every prompt".to_owned(), PolicyMatch::describe),
            self.ai_model
        )
    }
}

/// What one rule changed.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayEffect {
    /// The rule's position in the environment's `models:` list, from 1.
    pub rule: usize,
    pub description: String,
    /// The prompts whose model it changed (name and version).
    pub prompts: Vec<(String, String)>,
}

/// A prompt the overlay put on a model it cannot run on.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayProblem {
    pub prompt_name: String,
    pub prompt_version: String,
    pub file: std::sync::Arc<std::path::Path>,
    pub message: String,
}

impl OverlayProblem {
    fn of(prompt: &Prompt, message: String) -> OverlayProblem {
        OverlayProblem {
            prompt_name: prompt.prompt_name().to_owned(),
            prompt_version: prompt.prompt_version().to_owned(),
            file: std::sync::Arc::clone(&prompt.origin().file),
            message,
        }
    }
}

/// Give each prompt the model of the first rule that matches it (rules are read in order,
/// like a routing table). Every rule's model is in the catalog (settings check it). Returns
/// what each rule changed, and the prompts whose settings the new model cannot take.
pub fn apply(
    rules: &[ModelRule],
    prompts: &mut [Prompt],
    catalog: &Catalog,
) -> (Vec<OverlayEffect>, Vec<OverlayProblem>) {
    let mut effects: Vec<OverlayEffect> = rules
        .iter()
        .enumerate()
        .map(|(index, rule)| OverlayEffect {
            rule: index + 1,
            description: rule.describe(),
            prompts: Vec::new(),
        })
        .collect();
    let mut problems = Vec::new();
    if rules.is_empty() {
        return (Vec::new(), problems);
    }
    for prompt in prompts.iter_mut() {
        let Some(index) = rules
            .iter()
            .position(|rule| rule.matches.as_ref().is_none_or(|m| m.matches(prompt)))
        else {
            continue;
        };
        let rule = &rules[index];
        if rule.ai_model == prompt.ai_model() {
            continue;
        }
        let Some(model) = catalog.get(&rule.ai_model) else {
            continue;
        };
        if let Some(max_tokens) = prompt.max_tokens()
            && max_tokens > model.max_output_tokens
        {
            problems.push(OverlayProblem::of(
                prompt,
                format!(
                    "rule {} gives it `{}`, whose output is at most {} tokens, but max_tokens is {max_tokens}",
                    index + 1,
                    model.id,
                    model.max_output_tokens
                ),
            ));
        }
        if prompt.temperature().is_some() && !model.supports_temperature {
            problems.push(OverlayProblem::of(
                prompt,
                format!(
                    "rule {} gives it `{}`, which does not accept a temperature, but the file sets one",
                    index + 1,
                    model.id
                ),
            ));
        }
        prompt.run_on(&model.id);
        effects[index].prompts.push((
            prompt.prompt_name().to_owned(),
            prompt.prompt_version().to_owned(),
        ));
    }
    effects.retain(|e| !e.prompts.is_empty());
    (effects, problems)
}

/// `prompts` as an environment with `rules` runs them: borrowed as they are without rules, a
/// copy with the rules applied otherwise (for checks that need the models, not the effects).
pub fn overlaid<'a>(
    rules: &[ModelRule],
    prompts: &'a [Prompt],
    catalog: &Catalog,
) -> Cow<'a, [Prompt]> {
    if rules.is_empty() {
        return Cow::Borrowed(prompts);
    }
    let mut copy = prompts.to_vec();
    apply(rules, &mut copy, catalog);
    Cow::Owned(copy)
}
