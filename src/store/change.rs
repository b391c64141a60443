//! Change sets: the writes a plan (or an API client) asks of a store, each with its
//! precondition, and what a store answers. No write path may create a row without a model.

use std::fmt;
use std::sync::Arc;

use super::rules::{Refusal, Rule, RulesUpdate};
use super::values::{self, FieldProblem};
use super::{LiveRow, Scope};

/// A row to insert. `ai_model` is not optional: the type refuses a row without a model.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRow {
    pub prompt_name: String,
    pub prompt_version: String,
    /// Shared with the prompt it was made from: a first apply of 100,000 prompts holds each
    /// template once.
    pub prompt_template: Arc<str>,
    pub description: Option<String>,
    pub input_schema: Option<String>,
    pub output_schema: Option<String>,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
    pub ai_model: String,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub is_active: bool,
    pub canary_model: Option<String>,
    pub canary_percent: Option<f64>,
}

/// Fields an update may set; `None` leaves a field as it is. `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Patch {
    pub ai_model: Option<String>,
    pub max_tokens: Option<Option<i64>>,
    pub temperature: Option<Option<f64>>,
    pub description: Option<Option<String>>,
    pub workflow_step: Option<Option<String>>,
    pub subsystem: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub replaced_at: Option<Option<i64>>,
    pub replaced_by: Option<Option<String>>,
    /// Set or end a canary: set with `canary_percent`, both `Some(None)` to end it.
    pub canary_model: Option<Option<String>>,
    pub canary_percent: Option<Option<f64>>,
}

impl Patch {
    /// Every value a patch sets that [`values`] does not allow.
    fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        let mut note = |field: &'static str, checked: Result<(), String>| {
            if let Err(problem) = checked {
                problems.push((field, problem));
            }
        };
        if let Some(model) = &self.ai_model {
            note("ai_model", values::model(model));
        }
        for (field, value) in [
            ("workflow_step", &self.workflow_step),
            ("subsystem", &self.subsystem),
            ("replaced_by", &self.replaced_by),
        ] {
            if let Some(Some(value)) = value {
                note(field, values::optional_identifier(value));
            }
        }
        if let Some(Some(max_tokens)) = self.max_tokens {
            note("max_tokens", values::max_tokens(max_tokens));
        }
        if let Some(Some(temperature)) = self.temperature {
            note("temperature", values::temperature(temperature));
        }
        if let Some(Some(at)) = self.replaced_at {
            note("replaced_at", values::time(at));
        }
        if let Some(Some(model)) = &self.canary_model {
            note("canary_model", values::model(model));
        }
        if let Some(Some(percent)) = self.canary_percent {
            note("canary_percent", crate::canary::check_percent(percent));
        }
        problems
    }

    /// Whether the patch sets nothing.
    pub fn is_empty(&self) -> bool {
        *self == Patch::default()
    }

    /// The fields of this patch that would change `row`: a field set to the value the row
    /// already holds changes nothing, and is no change to audit.
    pub fn effective(&self, row: &LiveRow) -> Patch {
        fn changed<T: PartialEq + Clone>(new: &Option<T>, old: &T) -> Option<T> {
            new.as_ref().filter(|new| *new != old).cloned()
        }
        Patch {
            ai_model: self
                .ai_model
                .clone()
                .filter(|m| row.ai_model.as_deref() != Some(m.as_str())),
            max_tokens: changed(&self.max_tokens, &row.max_tokens),
            temperature: changed(&self.temperature, &row.temperature),
            description: changed(&self.description, &row.description),
            workflow_step: changed(&self.workflow_step, &row.workflow_step),
            subsystem: changed(&self.subsystem, &row.subsystem),
            is_active: changed(&self.is_active, &row.is_active),
            replaced_at: changed(&self.replaced_at, &row.replaced_at),
            replaced_by: changed(&self.replaced_by, &row.replaced_by),
            canary_model: changed(&self.canary_model, &row.canary_model),
            canary_percent: changed(&self.canary_percent, &row.canary_percent),
        }
    }

    /// Fold `other` into this patch; `other`'s values win where both set a field.
    pub fn merge(&mut self, other: Patch) {
        macro_rules! take {
            ($($field:ident),*) => { $(if other.$field.is_some() { self.$field = other.$field; })* };
        }
        take!(
            ai_model,
            max_tokens,
            temperature,
            description,
            workflow_step,
            subsystem,
            is_active,
            replaced_at,
            replaced_by,
            canary_model,
            canary_percent
        );
    }
}

/// What a change does, as the plan and the audit log name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Create,
    Update,
    Replace,
    Backfill,
    Deactivate,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Backfill,
        Action::Deactivate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Backfill => "backfill",
            Action::Deactivate => "deactivate",
        }
    }
}

/// One write of a change set.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Insert a new row. Refused when a production row with the same name and version exists,
    /// or, with `expect_new_name`, any production row with the name (a concurrent create).
    Insert {
        action: Action,
        row: NewRow,
        expect_new_name: bool,
    },
    /// Patch a row, only if its `row_version` is still `expected_row_version`.
    Update {
        action: Action,
        id: String,
        expected_row_version: i64,
        patch: Patch,
    },
}

impl Op {
    pub fn action(&self) -> Action {
        match self {
            Op::Insert { action, .. } | Op::Update { action, .. } => *action,
        }
    }
}

/// Writes applied together or not at all, to the store `store_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSet {
    pub store_id: String,
    /// Who applies it, for the audit log.
    pub actor: String,
    /// Set by clients that may retry: a change set with a key already applied is not applied
    /// again; the first outcome is returned.
    pub idempotency_key: Option<String>,
    /// The SHA-256 of the request the key came with (an API body): the key is bound to it,
    /// and the same key with another request is refused.
    pub request_sha256: Option<String>,
    pub ops: Vec<Op>,
    /// Soft-mandatory policies the plan was allowed to break (`plan --override-policy`):
    /// each goes into the audit log with the change.
    pub policy_overrides: Vec<PolicyOverride>,
    /// Rules of record to publish with the change (`apply` publishes the project's when the
    /// store's differ); the change is checked against them.
    pub rules: Option<RulesUpdate>,
}

/// A soft-mandatory policy passed by `--override-policy`, and who passed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyOverride {
    pub policy: String,
    /// Who made the plan that overrode it.
    pub actor: String,
    /// The prompts whose violations it passed.
    pub prompts: Vec<String>,
}

impl ChangeSet {
    /// Every value of the change set no store may write, naming the op and field: a row
    /// without a model or with a value no other path could make (see [`values`]), two updates
    /// of one row, two inserts of one version. The rules of record ([`super::rules`]) start
    /// from these.
    pub fn value_problems(&self) -> Vec<Refusal> {
        let mut out = Vec::new();
        let mut refuse =
            |what: String, prompt: Option<(&str, &str)>, field: &str, message: String| {
                out.push(Refusal {
                    what,
                    prompt: prompt.map(|(n, v)| (n.to_owned(), v.to_owned())),
                    field: Some(field.to_owned()),
                    rule: Rule::RowFormat(None),
                    message,
                    help: None,
                });
            };
        let set = || "the change set".to_owned();
        if let Err(e) = values::optional_identifier(&self.actor) {
            refuse(set(), None, "actor", e);
        }
        if let Some(key) = &self.idempotency_key
            && let Err(e) = values::identifier(key)
        {
            refuse(
                set(),
                None,
                "idempotency_key",
                format!("`idempotency_key` {e}"),
            );
        }
        for o in &self.policy_overrides {
            if let Err(e) = values::identifier(&o.policy) {
                refuse(
                    set(),
                    None,
                    "policy_overrides",
                    format!("a policy override's `policy` {e}"),
                );
            }
            if let Err(e) = values::optional_identifier(&o.actor) {
                refuse(
                    set(),
                    None,
                    "policy_overrides",
                    format!("a policy override's `actor` {e}"),
                );
            }
        }
        let mut updated = std::collections::HashSet::new();
        let mut inserted = std::collections::HashSet::new();
        for (index, op) in self.ops.iter().enumerate() {
            let what = format!("op {}", index + 1);
            match op {
                Op::Insert { row, .. } => {
                    let prompt = Some((row.prompt_name.as_str(), row.prompt_version.as_str()));
                    for (field, problem) in row.problems() {
                        refuse(what.clone(), prompt, field, problem);
                    }
                    if !inserted.insert((row.prompt_name.as_str(), row.prompt_version.as_str())) {
                        refuse(
                            what.clone(),
                            prompt,
                            "prompt_version",
                            "the version is inserted twice in one change set".to_owned(),
                        );
                    }
                }
                Op::Update {
                    id,
                    patch,
                    expected_row_version,
                    ..
                } => {
                    if let Err(e) = values::identifier(id) {
                        refuse(what.clone(), None, "id", e);
                    }
                    if let Err(e) = values::row_version(*expected_row_version) {
                        refuse(what.clone(), None, "expected_row_version", e);
                    }
                    for (field, problem) in patch.problems() {
                        refuse(
                            format!("{what} (row {})", id.escape_debug()),
                            None,
                            field,
                            problem,
                        );
                    }
                    if !updated.insert(id.as_str()) {
                        refuse(
                            what.clone(),
                            None,
                            "id",
                            format!(
                                "row {} is updated twice in one change set",
                                id.escape_debug()
                            ),
                        );
                    }
                }
            }
        }
        out
    }
}

impl NewRow {
    /// Every value of a new row [`values`] does not allow.
    fn problems(&self) -> Vec<FieldProblem> {
        values::row(&values::RowFields {
            prompt_name: &self.prompt_name,
            prompt_version: &self.prompt_version,
            prompt_template: &self.prompt_template,
            ai_model: Some(&self.ai_model),
            workflow_step: self.workflow_step.as_deref(),
            subsystem: self.subsystem.as_deref(),
            input_schema: self.input_schema.as_deref(),
            output_schema: self.output_schema.as_deref(),
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            canary_model: self.canary_model.as_deref(),
            canary_percent: self.canary_percent,
        })
    }
}

/// A precondition that no longer holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub prompt_name: String,
    pub prompt_version: String,
    /// The row, when the conflict is about an existing row.
    pub id: Option<String>,
    pub expected_row_version: Option<i64>,
    /// The row's version now; `None` when it is gone or, for an insert, already there.
    pub actual_row_version: Option<i64>,
    pub reason: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            // A row the store no longer has is known only by its id.
            Some(id) if self.prompt_name.is_empty() => write!(f, "row {id}: {}", self.reason),
            _ => write!(
                f,
                "{} {}: {}",
                self.prompt_name, self.prompt_version, self.reason
            ),
        }
    }
}

/// What an applied change set did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// The store's revision after the change set.
    pub revision: i64,
    /// How many ops were applied.
    pub applied: usize,
}

/// The fields a patch sets, before and after, as JSON objects for the audit log. Only the
/// patched fields are serialised: a bulk change of 10,000 rows must not copy their templates.
pub fn audit_values(row: &LiveRow, patch: &Patch) -> (serde_json::Value, serde_json::Value) {
    let after = super::record::patch_values(patch);
    let before: serde_json::Map<String, serde_json::Value> = after
        .keys()
        .map(|field| (field.clone(), super::record::row_value(row, field)))
        .collect();
    (before.into(), after.into())
}

/// The row an insert creates, as stored.
pub fn row_from_new(new: &NewRow, id: String, now: i64, actor: &str) -> LiveRow {
    LiveRow {
        id,
        row_version: 1,
        updated_at: now,
        prompt_name: new.prompt_name.clone(),
        prompt_version: new.prompt_version.clone(),
        prompt_template: new.prompt_template.to_string(),
        description: new.description.clone(),
        input_schema: new.input_schema.clone(),
        output_schema: new.output_schema.clone(),
        scope: Scope::Production,
        developer_session_id: None,
        parent_prompt_id: None,
        expires_at: None,
        workflow_step: new.workflow_step.clone(),
        subsystem: new.subsystem.clone(),
        ai_model: Some(new.ai_model.clone()),
        max_tokens: new.max_tokens,
        temperature: new.temperature,
        is_active: new.is_active,
        created_at: now,
        created_by: Some(actor.to_owned()),
        replaced_at: None,
        replaced_by: None,
        canary_model: new.canary_model.clone(),
        canary_percent: new.canary_percent,
        template_sha256: None,
    }
}
