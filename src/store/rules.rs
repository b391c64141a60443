//! The rules of record: what every write to a store keeps, whatever face it comes through —
//! `apply` (direct or a saved plan), a change set through the HTTP API, a restore, the web
//! console. They are the project's model catalog, the policies of the store's environment and
//! its usage figures, published into the store by `apply` (versioned with the revision, in the
//! audit log) so a server that cannot read git enforces what git says. A store that holds
//! none yet is guarded by the built-in catalog and no policies.
//!
//! Each check is the one `validate` runs on a prompt file: the catalog's
//! ([`Catalog::check_use`]), a prompt's content ([`crate::validate::content`]), the name
//! pattern, and the policies ([`crate::policy::judge`]). Nothing here decides differently.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ChangeSet, LiveRow, NewRow, Op, Patch, Restore, Scope, values};
use crate::catalog::{Catalog, Model};
use crate::diag::Code;
use crate::policy::{Enforcement, Policy, PolicyContext, Subject};
use crate::usage::{UsageEntry, UsageFile};

/// The version of the rules document this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The rules one store's writes are held to.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub catalog: Catalog,
    /// The policies of the store's environment (those limited to other environments left out).
    pub policies: Vec<Policy>,
    /// Requests and tokens per prompt, for `max_monthly_cost_usd` and cost estimates.
    pub usage: Option<UsageFile>,
}

/// The rules as a store keeps them and the API carries them: the catalog's models, the
/// policies and the usage entries in the shapes of models.yaml, promptctl.yaml and
/// usage.yaml.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesDocument {
    format_version: u32,
    models: Vec<Model>,
    #[serde(default)]
    policies: Vec<Policy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    usage: Option<Vec<UsageEntry>>,
}

/// The rules a store holds, and who published them when.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    /// The revision that published them.
    pub revision: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor: String,
    pub rules: Rules,
}

/// Rules a write publishes, with the digest of the rules it expects the store to hold now
/// (`None`: none published): a plan made against other rules is stale.
#[derive(Clone, Debug, PartialEq)]
pub struct RulesUpdate {
    pub rules: Rules,
    pub expected_digest: Option<String>,
}

impl Rules {
    /// What guards a store that holds no published rules: the built-in catalog, no policies.
    pub fn builtin() -> Rules {
        Rules {
            catalog: Catalog::builtin(),
            policies: Vec::new(),
            usage: None,
        }
    }

    /// The rules as the JSON document a store keeps.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(RulesDocument {
            format_version: FORMAT_VERSION,
            models: self.catalog.models().to_vec(),
            policies: self.policies.clone(),
            usage: self.usage.as_ref().map(|u| u.usage.clone()),
        })
        .unwrap_or(Value::Null)
    }

    /// Read a rules document, checked as the files it comes from are: a catalog with every
    /// model well formed, policies named once, usage figures that are numbers.
    pub fn from_value(value: Value) -> Result<Rules, String> {
        let document: RulesDocument =
            serde_json::from_value(value).map_err(|e| format!("the rules do not read: {e}"))?;
        if document.format_version != FORMAT_VERSION {
            return Err(format!(
                "rules format_version {} is not supported (this build reads {FORMAT_VERSION})",
                document.format_version
            ));
        }
        let catalog = Catalog::from_models(document.models, "the rules of record")
            .map_err(|e| e.to_string())?;
        let mut names = std::collections::HashSet::new();
        for policy in &document.policies {
            values::identifier(&policy.name).map_err(|e| format!("a policy's name {e}"))?;
            if !names.insert(policy.name.as_str()) {
                return Err(format!("policy `{}` is listed twice", policy.name));
            }
        }
        let usage = document.usage.map(|usage| UsageFile {
            usage,
            scenarios: Default::default(),
        });
        if let Some(usage) = &usage {
            usage
                .check("the rules of record")
                .map_err(|e| e.to_string())?;
        }
        Ok(Rules {
            catalog,
            policies: document.policies,
            usage,
        })
    }

    /// The hex SHA-256 of the document: equal rules, equal digests.
    pub fn digest(&self) -> String {
        crate::digest::sha256_hex(self.to_value().to_string().as_bytes())
    }

    /// `14 models, 2 policies (cost-cap, no-deprecated)`.
    pub fn describe(&self) -> String {
        let models = self.catalog.models().len();
        let mut text = format!("{models} model{}", plural(models));
        let policies = self.policies.len();
        text.push_str(&format!(
            ", {policies} polic{}",
            if policies == 1 { "y" } else { "ies" }
        ));
        if policies > 0 {
            let names: Vec<&str> = self.policies.iter().map(|p| p.name.as_str()).collect();
            text.push_str(&format!(" ({})", names.join(", ")));
        }
        if self.usage.is_some() {
            text.push_str(", usage");
        }
        text
    }

    /// What moving from `before` (none published: `None`) to these rules changes, one line
    /// each: `+ model acme/small-1`, `~ policy cost-cap`, `- usage`.
    pub fn changes_from(&self, before: Option<&Rules>) -> Vec<String> {
        let Some(before) = before else {
            return vec![format!("+ {} (none were published)", self.describe())];
        };
        let mut lines = Vec::new();
        let old: BTreeMap<&str, &Model> = before
            .catalog
            .models()
            .iter()
            .map(|m| (m.id.as_str(), m))
            .collect();
        let new: BTreeMap<&str, &Model> = self
            .catalog
            .models()
            .iter()
            .map(|m| (m.id.as_str(), m))
            .collect();
        diff_lines("model", &old, &new, &mut lines);
        let old: BTreeMap<&str, &Policy> = before
            .policies
            .iter()
            .map(|p| (p.name.as_str(), p))
            .collect();
        let new: BTreeMap<&str, &Policy> =
            self.policies.iter().map(|p| (p.name.as_str(), p)).collect();
        diff_lines("policy", &old, &new, &mut lines);
        match (&before.usage, &self.usage) {
            (None, Some(_)) => lines.push("+ usage".to_owned()),
            (Some(_), None) => lines.push("- usage".to_owned()),
            (Some(a), Some(b)) if a != b => lines.push("~ usage".to_owned()),
            _ => {}
        }
        if lines.is_empty() && before != self {
            lines.push("~ the order of models or policies".to_owned());
        }
        lines
    }
}

/// `+ kind key` for what is new, `- kind key` for what is gone, `~ kind key` for what changed.
fn diff_lines<T: PartialEq>(
    kind: &str,
    old: &BTreeMap<&str, &T>,
    new: &BTreeMap<&str, &T>,
    lines: &mut Vec<String>,
) {
    for (key, value) in new {
        match old.get(key) {
            None => lines.push(format!("+ {kind} {key}")),
            Some(was) if was != value => lines.push(format!("~ {kind} {key}")),
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|key| !new.contains_key(*key)) {
        lines.push(format!("- {kind} {key}"));
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Which rule refused a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A value no row may hold: the row format (control characters, a blank name, a bad
    /// number), under the code `validate` gives it where it has one.
    RowFormat(Option<Code>),
    /// The catalog or the prompt's content, under the code `validate` reports it with.
    Check(Code),
    /// A mandatory policy, not overridden.
    Policy {
        name: String,
        enforcement: Enforcement,
    },
}

impl Rule {
    /// A stable name: the diagnostic code, `invalid-value`, or `policy-violation`.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::RowFormat(None) => "invalid-value",
            Rule::RowFormat(Some(code)) | Rule::Check(code) => code.as_str(),
            Rule::Policy { .. } => Code::PolicyViolation.as_str(),
        }
    }
}

/// One thing a write may not do, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What is refused, as the caller sent it: `op 3`, `row 5`, `the change set`.
    pub what: String,
    /// The prompt, where known.
    pub prompt: Option<(String, String)>,
    /// The field at fault, where one is.
    pub field: Option<String>,
    pub rule: Rule,
    /// What is wrong; for a policy, the rule of it that is broken.
    pub message: String,
    pub help: Option<String>,
}

impl Refusal {
    /// The rule and what breaks it, without where: `breaks the hard-mandatory policy `x`:
    /// allowed_tiers: … [policy-violation]`.
    pub fn reason(&self) -> String {
        match &self.rule {
            Rule::Policy { name, enforcement } => format!(
                "breaks the {} policy `{name}`: {} [{}]",
                enforcement.as_str(),
                self.message,
                self.rule.code()
            ),
            rule => format!("{} [{}]", self.message, rule.code()),
        }
    }
}

impl fmt::Display for Refusal {
    /// `row 2, field `ai_model`: `x` was retired on 2025-07-21 [retired-model] (a v1); move…`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.reason())?;
        // Names come from the writer and may hold anything: escaped, they forge no line.
        if let Some((name, version)) = &self.prompt {
            write!(f, " ({} {})", name.escape_debug(), version.escape_debug())?;
        }
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

/// What checks a write: the rules, the day (for retirement and deprecation), and who is
/// refused what.
struct Judge<'a> {
    rules: &'a Rules,
    today: &'a str,
    refusals: Vec<Refusal>,
}

/// A row as a write leaves it, for the checks: what it is and which of its fields the write
/// sets (an unchanged field is not judged again).
struct Written<'a> {
    what: String,
    prompt_name: &'a str,
    prompt_version: &'a str,
    scope: Scope,
    is_active: bool,
    ai_model: Option<&'a str>,
    max_tokens: Option<i64>,
    temperature: Option<f64>,
    subsystem: Option<&'a str>,
    workflow_step: Option<&'a str>,
    canary_model: Option<&'a str>,
    canary_percent: Option<f64>,
    /// The write sets the model, a limit, or what policies match on, or turns the row on.
    judged: bool,
}

impl Judge<'_> {
    fn refuse(
        &mut self,
        what: &str,
        prompt: Option<(&str, &str)>,
        rule: Rule,
        field: Option<&str>,
        message: String,
        help: Option<String>,
    ) {
        self.refusals.push(Refusal {
            what: what.to_owned(),
            prompt: prompt.map(|(n, v)| (n.to_owned(), v.to_owned())),
            field: field.map(str::to_owned),
            rule,
            message,
            help,
        });
    }

    /// The catalog's rules for the row as written, where the write sets its model, a limit or
    /// turns it on (a write that only turns a row off, or leaves those fields alone, is never
    /// refused for them). A model the catalog does not have is refused on any such row; the
    /// rest only where the row stays active (an inactive row runs nowhere).
    fn catalog(&mut self, row: &Written<'_>) {
        let Some(model) = row.ai_model else { return };
        if !row.judged {
            return;
        }
        let max_tokens = row.max_tokens.and_then(|n| u64::try_from(n).ok());
        let prompt = Some((row.prompt_name, row.prompt_version));
        for problem in self
            .rules
            .catalog
            .check_use(model, max_tokens, row.temperature, self.today)
        {
            let unknown = matches!(problem, crate::catalog::UseProblem::Unknown { .. });
            if !(unknown || row.is_active) {
                continue;
            }
            let help = Some(problem.help());
            self.refuse(
                &row.what,
                prompt,
                Rule::Check(problem.code()),
                Some(problem.field()),
                problem.message(),
                help,
            );
        }
    }

    /// The policies' judgement of a production row a write leaves active; what a soft-mandatory
    /// policy the write overrides for that prompt passes.
    fn policies(&mut self, row: &Written<'_>, overrides: &[super::PolicyOverride]) -> Vec<String> {
        let mut advisories = Vec::new();
        let Some(model) = row.ai_model else {
            return advisories;
        };
        if row.scope != Scope::Production || !row.is_active || !row.judged {
            return advisories;
        }
        let subject = Subject {
            prompt_name: row.prompt_name,
            prompt_version: row.prompt_version,
            subsystem: row.subsystem,
            workflow_step: row.workflow_step,
            ai_model: model,
            max_tokens: row.max_tokens.and_then(|n| u64::try_from(n).ok()),
        };
        let cx = PolicyContext {
            catalog: &self.rules.catalog,
            usage: self.rules.usage.as_ref(),
            environment: None,
            today: self.today,
        };
        for (policy, broken) in crate::policy::judge(&self.rules.policies, &subject, &cx) {
            let overridden = policy.enforcement == Enforcement::SoftMandatory
                && overrides.iter().any(|o| {
                    o.policy == policy.name && o.prompts.iter().any(|p| p == row.prompt_name)
                });
            if policy.enforcement == Enforcement::Advisory || overridden {
                advisories.push(format!(
                    "{} ({} {}): policy `{}` ({}{}): {broken}",
                    row.what,
                    row.prompt_name,
                    row.prompt_version,
                    policy.name,
                    policy.enforcement.as_str(),
                    if overridden { ", overridden" } else { "" }
                ));
                continue;
            }
            let help = match policy.enforcement {
                Enforcement::SoftMandatory => format!(
                    "choose a model the policy allows; only `promptctl plan --override-policy {}` can pass this soft-mandatory policy",
                    policy.name
                ),
                _ => "choose a model the policy allows (hard-mandatory: no override)".to_owned(),
            };
            self.refuse(
                &row.what,
                Some((row.prompt_name, row.prompt_version)),
                Rule::Policy {
                    name: policy.name.clone(),
                    enforcement: policy.enforcement,
                },
                Some("ai_model"),
                broken,
                Some(help),
            );
        }
        advisories
    }

    /// The canary of the row as written: model and percent together, and its model judged as
    /// the row's own is (catalog, policies), since a share of the traffic runs it.
    fn canary(&mut self, row: &Written<'_>, overrides: &[super::PolicyOverride]) -> Vec<String> {
        if let Err(problem) = super::values::canary(row.canary_model, row.canary_percent) {
            self.refuse(
                &row.what,
                Some((row.prompt_name, row.prompt_version)),
                Rule::RowFormat(None),
                Some("canary"),
                problem,
                None,
            );
            return Vec::new();
        }
        let Some(model) = row.canary_model else {
            return Vec::new();
        };
        let canary = Written {
            what: format!("{} (canary)", row.what),
            ai_model: Some(model),
            canary_model: None,
            canary_percent: None,
            ..*row
        };
        self.catalog(&canary);
        self.policies(&canary, overrides)
    }

    /// A new row's content, as `validate` checks a prompt file's: its schemas and template.
    fn content(&mut self, what: &str, row: &NewRow) {
        let prompt = Some((row.prompt_name.as_str(), row.prompt_version.as_str()));
        let parse = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
        };
        let (input, output) = (parse(&row.input_schema), parse(&row.output_schema));
        for problem in
            crate::validate::content::check(&row.prompt_template, input.as_ref(), output.as_ref())
        {
            self.refuse(
                what,
                prompt,
                Rule::Check(problem.code),
                Some(problem.field),
                problem.message,
                problem.help,
            );
        }
    }

    /// The name a new row is given: `[a-z0-9_.-]{1,128}`, as a prompt file's.
    fn name(&mut self, what: &str, name: &str, version: &str) {
        if !crate::prompt::raw::is_valid_name(name) {
            self.refuse(
                what,
                None,
                Rule::RowFormat(Some(Code::InvalidPromptName)),
                Some("prompt_name"),
                format!(
                    "`{}` (of version `{}`) is not a valid prompt_name",
                    name.escape_debug(),
                    version.escape_debug()
                ),
                Some("use 1 to 128 lowercase letters, digits, `_`, `.` or `-`".to_owned()),
            );
        }
    }
}

/// What checking a write found: what refuses it, and what it passes but is worth saying
/// (advisory policies, overridden ones).
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub refusals: Vec<Refusal>,
    pub notes: Vec<String>,
}

/// Check a change set against `rules`, given the rows its updates touch as they are now (by
/// id; an update of a row not among them is a conflict, reported elsewhere). Every problem of
/// every op is reported.
pub fn check_change_set<'r>(
    rules: &Rules,
    changes: &ChangeSet,
    rows: impl Fn(&str) -> Option<&'r LiveRow>,
    today: &str,
) -> Verdict {
    let mut judge = Judge {
        rules,
        today,
        refusals: Vec::new(),
    };
    let mut notes = Vec::new();
    for problem in changes.value_problems() {
        judge.refusals.push(problem);
    }
    for o in &changes.policy_overrides {
        let known = rules.policies.iter().find(|p| p.name == o.policy);
        let problem = match known.map(|p| p.enforcement) {
            None => Some(format!(
                "overrides policy `{}`, which the store's rules of record do not have",
                o.policy
            )),
            Some(Enforcement::SoftMandatory) => None,
            Some(other) => Some(format!(
                "overrides policy `{}`, which is {} and cannot be overridden",
                o.policy,
                other.as_str()
            )),
        };
        if let Some(message) = problem {
            judge.refuse(
                "the change set",
                None,
                Rule::RowFormat(None),
                Some("policy_overrides"),
                message,
                None,
            );
        }
    }
    for (index, op) in changes.ops.iter().enumerate() {
        let what = format!("op {}", index + 1);
        match op {
            Op::Insert { row, .. } => {
                judge.name(&what, &row.prompt_name, &row.prompt_version);
                judge.content(&what, row);
                let written = Written {
                    what: what.clone(),
                    prompt_name: &row.prompt_name,
                    prompt_version: &row.prompt_version,
                    scope: Scope::Production,
                    is_active: row.is_active,
                    ai_model: Some(&row.ai_model),
                    max_tokens: row.max_tokens,
                    temperature: row.temperature,
                    subsystem: row.subsystem.as_deref(),
                    workflow_step: row.workflow_step.as_deref(),
                    canary_model: row.canary_model.as_deref(),
                    canary_percent: row.canary_percent,
                    judged: true,
                };
                judge.catalog(&written);
                notes.extend(judge.policies(&written, &changes.policy_overrides));
                notes.extend(judge.canary(&written, &changes.policy_overrides));
            }
            Op::Update { id, patch, .. } => {
                let Some(row) = rows(id) else { continue };
                let written = after_patch(what, row, patch);
                judge.catalog(&written);
                notes.extend(judge.policies(&written, &changes.policy_overrides));
                notes.extend(judge.canary(&written, &changes.policy_overrides));
            }
        }
    }
    Verdict {
        refusals: judge.refusals,
        notes,
    }
}

/// `row` as `patch` leaves it.
fn after_patch<'a>(what: String, row: &'a LiveRow, patch: &'a Patch) -> Written<'a> {
    let activates = patch.is_active == Some(true) && !row.is_active;
    let judged = activates
        || patch.ai_model.is_some()
        || patch.max_tokens.is_some()
        || patch.temperature.is_some()
        || patch.subsystem.is_some()
        || patch.workflow_step.is_some()
        || patch.canary_model.is_some()
        || patch.canary_percent.is_some();
    Written {
        what,
        prompt_name: &row.prompt_name,
        prompt_version: &row.prompt_version,
        scope: row.scope,
        is_active: patch.is_active.unwrap_or(row.is_active),
        ai_model: patch.ai_model.as_deref().or(row.ai_model.as_deref()),
        max_tokens: patch.max_tokens.unwrap_or(row.max_tokens),
        temperature: patch.temperature.unwrap_or(row.temperature),
        subsystem: match &patch.subsystem {
            Some(value) => value.as_deref(),
            None => row.subsystem.as_deref(),
        },
        workflow_step: match &patch.workflow_step {
            Some(value) => value.as_deref(),
            None => row.workflow_step.as_deref(),
        },
        canary_model: match &patch.canary_model {
            Some(value) => value.as_deref(),
            None => row.canary_model.as_deref(),
        },
        canary_percent: patch.canary_percent.unwrap_or(row.canary_percent),
        judged,
    }
}

/// Check a restore's rows against `rules`: the row format and the catalog refuse (legacy rows
/// may lack a model); a policy a row breaks is only noted, since a restore brings back what
/// was, and the next plan shows what git wants instead.
pub fn check_restore(rules: &Rules, restore: &Restore, today: &str) -> Verdict {
    check_restore_numbered(rules, restore, today, &|index| index + 1)
}

/// [`check_restore`], naming each row by `number` of its index (its row in the file, when
/// rows that did not read are left out).
pub fn check_restore_numbered(
    rules: &Rules,
    restore: &Restore,
    today: &str,
    number: &dyn Fn(usize) -> usize,
) -> Verdict {
    let mut judge = Judge {
        rules,
        today,
        refusals: Vec::new(),
    };
    let mut notes = Vec::new();
    if let Some(revision) = restore.revision
        && let Err(message) = values::revision(revision)
    {
        judge.refuse(
            "the export",
            None,
            Rule::RowFormat(None),
            Some("revision"),
            message,
            None,
        );
    }
    for (index, row) in restore.rows.iter().enumerate() {
        let what = format!("row {}", number(index));
        for (field, message) in super::restored_row_problems(row) {
            judge.refuse(
                &what,
                Some((&row.prompt_name, &row.prompt_version)),
                Rule::RowFormat(None),
                Some(field),
                message,
                None,
            );
        }
        judge.name(&what, &row.prompt_name, &row.prompt_version);
        let written = Written {
            what: what.clone(),
            prompt_name: &row.prompt_name,
            prompt_version: &row.prompt_version,
            scope: row.scope,
            is_active: row.is_active,
            ai_model: row.ai_model.as_deref(),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            subsystem: row.subsystem.as_deref(),
            workflow_step: row.workflow_step.as_deref(),
            canary_model: row.canary_model.as_deref(),
            canary_percent: row.canary_percent,
            judged: true,
        };
        judge.catalog(&written);
        let before = judge.refusals.len();
        notes.extend(judge.policies(&written, &[]));
        notes.extend(judge.canary(&written, &[]));
        // A restore is not refused for a policy: what would refuse it is said instead.
        for refusal in judge.refusals.drain(before..) {
            notes.push(refusal.to_string());
        }
    }
    Verdict {
        refusals: judge.refusals,
        notes,
    }
}
