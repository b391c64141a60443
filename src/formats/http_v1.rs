//! The HTTP API's bodies, version 1 (`/v1/`): frozen shapes, converted from the internal types
//! so that refactoring never changes what a client sends or reads. The OpenAPI document
//! (`schemas/openapi.json`) is generated from these types; golden files in `tests/golden/api/`
//! hold an example of each, so a renamed field fails a test. Rows and ops are the row format
//! ([`super::row_v1`]).

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::row_v1::{IDENTIFIER, OpV1, PLAIN, RowV1};
use crate::catalog::{Model, Tier};
use crate::diag::Code;
use crate::policy::Enforcement;
use crate::store::rules::Rule;
use crate::store::{
    ApplyOutcome, AuditEntry, Backup, ChangeSet, Conflict, LiveRow, Op, PolicyOverride, Published,
    Refusal, RestoreOutcome, Rules, RulesUpdate, Snapshot,
};

/// `GET /v1/snapshot`: every row, with the store's id and revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Snapshot")]
pub struct SnapshotV1<'a> {
    pub store_id: Cow<'a, str>,
    pub revision: i64,
    pub rows: Vec<RowV1<'a>>,
}

/// `POST /v1/changesets`: writes applied together or not at all, to the store `store_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ChangeSet")]
pub struct ChangeSetV1 {
    pub store_id: String,
    /// Who applies it, for the audit log (beside the token's name).
    #[schemars(length(max = 1024), regex(pattern = PLAIN))]
    pub actor: String,
    /// A retry with a key already applied returns the first outcome (the `Idempotency-Key`
    /// header does the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub idempotency_key: Option<String>,
    pub ops: Vec<OpV1>,
    /// Soft-mandatory policies the plan was allowed to break; each is recorded in the audit
    /// log as a `policy-override` entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_overrides: Vec<PolicyOverrideV1>,
    /// Rules of record to publish with the change set; its ops are checked against them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesUpdateV1>,
}

/// Rules of record a write publishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RulesUpdate")]
pub struct RulesUpdateV1 {
    /// The rules document (`GET /v1/rules` shows one).
    #[schemars(with = "RulesDocument")]
    pub rules: serde_json::Value,
    /// The digest of the rules the writer read from the store (null: none were published).
    /// A write made against other rules is refused as stale (409).
    pub expected_digest: Option<String>,
}

/// The rules of record: `{"format_version":1,"models":[…],"policies":[…],"usage":[…]}`, the
/// models as models.yaml lists them, the policies as promptctl.yaml's `policies:`, the usage
/// as usage.yaml's `usage:`.
#[derive(JsonSchema)]
#[schemars(rename = "RulesDocument")]
#[allow(dead_code)]
struct RulesDocument(serde_json::Map<String, serde_json::Value>);

/// `GET /v1/rules`: the rules of record the store holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PublishedRules")]
pub struct PublishedRulesV1 {
    /// The revision that published them.
    pub revision: i64,
    /// When, milliseconds since the Unix epoch.
    pub at: i64,
    pub actor: String,
    pub digest: String,
    #[schemars(with = "RulesDocument")]
    pub rules: serde_json::Value,
}

/// One thing a write may not do: the rule that refuses it, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Refusal")]
pub struct RefusalV1 {
    /// `op 3`, `row 5`, `the change set`.
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule: a `validate` code (`retired-model`, `temperature-unsupported`, …),
    /// `invalid-value`, or `policy-violation`.
    pub code: String,
    /// For a policy: its name and enforcement (`soft-mandatory`, `hard-mandatory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<String>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A soft-mandatory policy passed by `plan --override-policy NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PolicyOverride")]
pub struct PolicyOverrideV1 {
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub policy: String,
    /// Who made the plan that overrode it.
    #[schemars(length(max = 1024), regex(pattern = PLAIN))]
    pub actor: String,
    /// The prompts whose violations it passed.
    pub prompts: Vec<String>,
}

/// What an applied change set did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ApplyOutcome")]
pub struct ApplyOutcomeV1 {
    /// The store's revision after the change set (unchanged when nothing changed).
    pub revision: i64,
    /// How many ops changed a row.
    pub applied: usize,
}

/// A precondition that no longer holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Conflict")]
pub struct ConflictV1 {
    /// Empty when the row is known only by its id (it is gone).
    pub prompt_name: String,
    pub prompt_version: String,
    pub id: Option<String>,
    pub expected_row_version: Option<i64>,
    pub actual_row_version: Option<i64>,
    pub reason: String,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AuditEntry")]
pub struct AuditEntryV1 {
    pub revision: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor: String,
    /// `create`, `update`, `replace`, `backfill`, `deactivate` or `restore`.
    pub change: String,
    pub row_id: Option<String>,
    pub prompt_name: Option<String>,
    pub prompt_version: Option<String>,
    /// The changed fields before (an object); null for a create or a restore.
    pub before: Option<serde_json::Value>,
    /// The changed fields after (an object).
    pub after: Option<serde_json::Value>,
}

/// `POST /v1/restore`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RestoreRequest")]
pub struct RestoreRequestV1 {
    /// An export (`{"format_version":1,"rows":[…]}`) or a legacy export: an array of rows.
    /// Read as `promptctl store restore` reads a file: every row checked, the first bad one
    /// named with its field.
    #[schemars(with = "RestoreDocument")]
    pub restore: serde_json::Value,
    /// Replace the rows of a non-empty store; they are kept in a backup inside the store.
    #[serde(default)]
    pub force: bool,
    /// With `force`, let a restore of no rows empty the store (refused otherwise).
    #[serde(default)]
    pub allow_empty: bool,
    /// A retry with a key already applied returns the first outcome (the `Idempotency-Key`
    /// header does the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub idempotency_key: Option<String>,
    /// Rules of record to publish with the restore; its rows are checked against them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesUpdateV1>,
}

/// What `restore` may hold: an export, an array of (legacy) rows, or one row.
#[derive(JsonSchema)]
#[schemars(rename = "RestoreDocument")]
#[allow(dead_code)]
#[serde(untagged)]
enum RestoreDocument {
    Export(serde_json::Map<String, serde_json::Value>),
    Rows(Vec<serde_json::Map<String, serde_json::Value>>),
}

/// `POST /v1/restore`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RestoreResponse")]
pub struct RestoreResponseV1 {
    pub revision: i64,
    /// Rows restored.
    pub restored: usize,
    /// The rows replaced, kept in the store (`GET /v1/backups/{id}`); null when none were.
    pub backup: Option<BackupV1>,
    /// What the restore let in but a change set would be refused for (a policy a legacy row
    /// breaks), one sentence each; absent when there is nothing to say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Rows a forced restore replaced, kept inside the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Backup")]
pub struct BackupV1 {
    pub id: String,
    pub rows: usize,
    /// The revision the rows were at.
    pub revision: i64,
    /// When they were replaced, milliseconds since the Unix epoch.
    pub at: i64,
}

/// `GET /v1/prompts/{name}`: what an application needs to run a prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ActivePrompt")]
pub struct ActivePromptV1 {
    pub prompt_name: String,
    pub prompt_version: String,
    pub prompt_template: String,
    /// The row's model, or the server's default model where the row has none.
    pub ai_model: String,
    /// The model to fall back to when `ai_model` fails.
    pub fallback_model: String,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    /// Parsed JSON Schema of the template's variables.
    pub input_schema: Option<serde_json::Value>,
    /// Parsed JSON Schema of the expected output.
    pub output_schema: Option<serde_json::Value>,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
    /// The store revision this answer reflects.
    pub revision: i64,
    /// The prompt's canary, where it has one: without `?subject=`, a client splits itself by
    /// the published rule (README: canaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<CanaryV1>,
    /// With `?subject=ID` on a prompt with a canary: the arm the subject is on, `canary` or
    /// `stable`; `ai_model` is that arm's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// A canary: the model a share of the subjects runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Canary")]
pub struct CanaryV1 {
    pub ai_model: String,
    /// Above 0, below 100.
    pub percent: f64,
}

/// One entry of `GET /v1/prompts`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PromptSummary")]
pub struct PromptSummaryV1 {
    pub prompt_name: String,
    pub prompt_version: String,
    pub ai_model: String,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
}

/// `GET /v1/prompts`: the active production prompts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PromptList")]
pub struct PromptListV1 {
    pub revision: i64,
    pub prompts: Vec<PromptSummaryV1>,
}

/// The data of one `revision` event of `GET /v1/watch`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WatchEvent")]
pub struct WatchEventV1 {
    pub revision: i64,
    /// The prompts the revision changed, by name (at most 1,000).
    pub names: Vec<String>,
    /// Names left out of `names`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: usize,
    /// The revision replaced every row (a `store restore`): refresh everything.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Health")]
pub struct HealthV1 {
    /// Always `ok`.
    pub status: String,
    /// The revision the server's prompt cache is at.
    pub revision: i64,
}

/// Price and capability band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "Tier")]
pub enum TierV1 {
    CostEffective,
    MidRange,
    Premium,
}

/// A catalog entry (`GET /v1/models`, `promptctl models --format json`), and whether it is
/// the effective default or fallback model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Model")]
pub struct ModelV1 {
    /// `provider/model`: the value of a prompt's `ai_model`.
    pub id: String,
    pub name: String,
    pub provider: String,
    /// USD per 1M input tokens.
    pub input_cost_per_1m: f64,
    /// USD per 1M output tokens.
    pub output_cost_per_1m: f64,
    /// Maximum input tokens.
    pub context_window: u64,
    pub max_output_tokens: u64,
    pub supports_temperature: bool,
    pub recommended: bool,
    pub tier: TierV1,
    /// YYYY-MM-DD; absent when not deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated_on: Option<String>,
    /// YYYY-MM-DD; absent when not retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
    pub default: bool,
    pub fallback: bool,
}

/// Every error: `{"error":{"code":…,"message":…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ErrorBody")]
pub struct ErrorBodyV1 {
    pub error: ErrorDetailV1,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ErrorDetail")]
pub struct ErrorDetailV1 {
    /// Stable, machine-readable: `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `bad_request`, `payload_too_large`, `unsupported_media_type`,
    /// `wrong_host`, `unprocessable`, `refused`, `conflict`, `wrong_store`, `not_empty`,
    /// `timeout`, `outcome_unknown`, `unavailable`, `internal`.
    pub code: String,
    pub message: String,
    /// For `conflict`: every precondition that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<ConflictV1>,
    /// For `wrong_store`: the store id the change set was made for, and this store's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// For `not_empty`: how many rows the store holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// For `refused`: every rule of record the write breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<RefusalV1>,
}

impl ErrorDetailV1 {
    pub fn new(code: &str, message: impl Into<String>) -> ErrorDetailV1 {
        ErrorDetailV1 {
            code: code.to_owned(),
            message: message.into(),
            conflicts: Vec::new(),
            expected_store_id: None,
            store_id: None,
            rows: None,
            refusals: Vec::new(),
        }
    }
}

impl From<Tier> for TierV1 {
    fn from(tier: Tier) -> TierV1 {
        match tier {
            Tier::CostEffective => TierV1::CostEffective,
            Tier::MidRange => TierV1::MidRange,
            Tier::Premium => TierV1::Premium,
        }
    }
}

impl ModelV1 {
    /// The catalog, each entry marked as the default or fallback model where it is.
    pub fn list(models: &[Model], default_model: &str, fallback_model: &str) -> Vec<ModelV1> {
        models
            .iter()
            .map(|model| ModelV1 {
                id: model.id.clone(),
                name: model.name.clone(),
                provider: model.provider.clone(),
                input_cost_per_1m: model.input_cost_per_1m,
                output_cost_per_1m: model.output_cost_per_1m,
                context_window: model.context_window,
                max_output_tokens: model.max_output_tokens,
                supports_temperature: model.supports_temperature,
                recommended: model.is_recommended(),
                tier: model.tier.into(),
                deprecated_on: model.deprecated_on.clone(),
                retired_on: model.retired_on.clone(),
                successor: model.successor.clone(),
                default: model.id == default_model,
                fallback: model.id == fallback_model,
            })
            .collect()
    }
}

impl<'a> From<&'a Snapshot> for SnapshotV1<'a> {
    fn from(snapshot: &'a Snapshot) -> SnapshotV1<'a> {
        SnapshotV1 {
            store_id: Cow::Borrowed(&snapshot.store_id),
            revision: snapshot.revision,
            rows: snapshot.rows.iter().map(RowV1::from).collect(),
        }
    }
}

impl From<SnapshotV1<'_>> for Snapshot {
    fn from(snapshot: SnapshotV1<'_>) -> Snapshot {
        Snapshot {
            store_id: snapshot.store_id.into_owned(),
            revision: snapshot.revision,
            rows: snapshot.rows.into_iter().map(LiveRow::from).collect(),
        }
    }
}

impl From<&ChangeSet> for ChangeSetV1 {
    fn from(changes: &ChangeSet) -> ChangeSetV1 {
        ChangeSetV1 {
            store_id: changes.store_id.clone(),
            actor: changes.actor.clone(),
            idempotency_key: changes.idempotency_key.clone(),
            ops: changes.ops.iter().map(OpV1::from).collect(),
            policy_overrides: changes
                .policy_overrides
                .iter()
                .map(PolicyOverrideV1::from)
                .collect(),
            rules: changes.rules.as_ref().map(RulesUpdateV1::from),
        }
    }
}

impl TryFrom<ChangeSetV1> for ChangeSet {
    /// Why the rules it carries do not read.
    type Error = String;

    fn try_from(changes: ChangeSetV1) -> Result<ChangeSet, String> {
        Ok(ChangeSet {
            store_id: changes.store_id,
            actor: changes.actor,
            idempotency_key: changes.idempotency_key,
            request_sha256: None,
            ops: changes.ops.into_iter().map(Op::from).collect(),
            policy_overrides: changes
                .policy_overrides
                .into_iter()
                .map(PolicyOverride::from)
                .collect(),
            rules: changes.rules.map(RulesUpdate::try_from).transpose()?,
        })
    }
}

impl From<&RulesUpdate> for RulesUpdateV1 {
    fn from(update: &RulesUpdate) -> RulesUpdateV1 {
        RulesUpdateV1 {
            rules: update.rules.to_value(),
            expected_digest: update.expected_digest.clone(),
        }
    }
}

impl TryFrom<RulesUpdateV1> for RulesUpdate {
    type Error = String;

    fn try_from(update: RulesUpdateV1) -> Result<RulesUpdate, String> {
        Ok(RulesUpdate {
            rules: Rules::from_value(update.rules)?,
            expected_digest: update.expected_digest,
        })
    }
}

impl From<&Published> for PublishedRulesV1 {
    fn from(published: &Published) -> PublishedRulesV1 {
        PublishedRulesV1 {
            revision: published.revision,
            at: published.at,
            actor: published.actor.clone(),
            digest: published.rules.digest(),
            rules: published.rules.to_value(),
        }
    }
}

impl TryFrom<PublishedRulesV1> for Published {
    type Error = String;

    fn try_from(published: PublishedRulesV1) -> Result<Published, String> {
        let rules = Rules::from_value(published.rules)?;
        if rules.digest() != published.digest {
            return Err("the rules do not match their digest".to_owned());
        }
        Ok(Published {
            revision: published.revision,
            at: published.at,
            actor: published.actor,
            rules,
        })
    }
}

impl From<&Refusal> for RefusalV1 {
    fn from(refusal: &Refusal) -> RefusalV1 {
        let (policy, enforcement) = match &refusal.rule {
            Rule::Policy { name, enforcement } => {
                (Some(name.clone()), Some(enforcement.as_str().to_owned()))
            }
            _ => (None, None),
        };
        RefusalV1 {
            what: refusal.what.clone(),
            prompt_name: refusal.prompt.as_ref().map(|(n, _)| n.clone()),
            prompt_version: refusal.prompt.as_ref().map(|(_, v)| v.clone()),
            field: refusal.field.clone(),
            code: refusal.rule.code().to_owned(),
            policy,
            enforcement,
            message: refusal.message.clone(),
            help: refusal.help.clone(),
        }
    }
}

impl From<RefusalV1> for Refusal {
    fn from(refusal: RefusalV1) -> Refusal {
        let rule = match (refusal.policy, refusal.enforcement.as_deref()) {
            (Some(name), Some(level)) => Rule::Policy {
                name,
                enforcement: match level {
                    "advisory" => Enforcement::Advisory,
                    "soft-mandatory" => Enforcement::SoftMandatory,
                    _ => Enforcement::HardMandatory,
                },
            },
            _ => match Code::parse(&refusal.code) {
                Some(code) => Rule::Check(code),
                None => Rule::RowFormat(None),
            },
        };
        Refusal {
            what: refusal.what,
            prompt: refusal.prompt_name.zip(refusal.prompt_version),
            field: refusal.field,
            rule,
            message: refusal.message,
            help: refusal.help,
        }
    }
}

impl From<&ApplyOutcome> for ApplyOutcomeV1 {
    fn from(outcome: &ApplyOutcome) -> ApplyOutcomeV1 {
        ApplyOutcomeV1 {
            revision: outcome.revision,
            applied: outcome.applied,
        }
    }
}

impl From<ApplyOutcomeV1> for ApplyOutcome {
    fn from(outcome: ApplyOutcomeV1) -> ApplyOutcome {
        ApplyOutcome {
            revision: outcome.revision,
            applied: outcome.applied,
        }
    }
}

impl From<&Conflict> for ConflictV1 {
    fn from(conflict: &Conflict) -> ConflictV1 {
        ConflictV1 {
            prompt_name: conflict.prompt_name.clone(),
            prompt_version: conflict.prompt_version.clone(),
            id: conflict.id.clone(),
            expected_row_version: conflict.expected_row_version,
            actual_row_version: conflict.actual_row_version,
            reason: conflict.reason.clone(),
        }
    }
}

impl From<ConflictV1> for Conflict {
    fn from(conflict: ConflictV1) -> Conflict {
        Conflict {
            prompt_name: conflict.prompt_name,
            prompt_version: conflict.prompt_version,
            id: conflict.id,
            expected_row_version: conflict.expected_row_version,
            actual_row_version: conflict.actual_row_version,
            reason: conflict.reason,
        }
    }
}

impl From<&AuditEntry> for AuditEntryV1 {
    fn from(entry: &AuditEntry) -> AuditEntryV1 {
        AuditEntryV1 {
            revision: entry.revision,
            at: entry.at,
            actor: entry.actor.clone(),
            change: entry.change.clone(),
            row_id: entry.row_id.clone(),
            prompt_name: entry.prompt_name.clone(),
            prompt_version: entry.prompt_version.clone(),
            before: entry.before.clone(),
            after: entry.after.clone(),
        }
    }
}

impl From<AuditEntryV1> for AuditEntry {
    fn from(entry: AuditEntryV1) -> AuditEntry {
        AuditEntry {
            revision: entry.revision,
            at: entry.at,
            actor: entry.actor,
            change: entry.change,
            row_id: entry.row_id,
            prompt_name: entry.prompt_name,
            prompt_version: entry.prompt_version,
            before: entry.before,
            after: entry.after,
        }
    }
}

impl From<&Backup> for BackupV1 {
    fn from(backup: &Backup) -> BackupV1 {
        BackupV1 {
            id: backup.id.clone(),
            rows: backup.rows,
            revision: backup.revision,
            at: backup.at,
        }
    }
}

impl From<BackupV1> for Backup {
    fn from(backup: BackupV1) -> Backup {
        Backup {
            id: backup.id,
            rows: backup.rows,
            revision: backup.revision,
            at: backup.at,
        }
    }
}

impl From<&RestoreOutcome> for RestoreResponseV1 {
    fn from(outcome: &RestoreOutcome) -> RestoreResponseV1 {
        RestoreResponseV1 {
            revision: outcome.revision,
            restored: outcome.restored,
            backup: outcome.backup.as_ref().map(BackupV1::from),
            warnings: outcome.warnings.clone(),
        }
    }
}

impl From<RestoreResponseV1> for RestoreOutcome {
    fn from(response: RestoreResponseV1) -> RestoreOutcome {
        RestoreOutcome {
            revision: response.revision,
            restored: response.restored,
            backup: response.backup.map(Backup::from),
            warnings: response.warnings,
        }
    }
}

impl From<&PolicyOverride> for PolicyOverrideV1 {
    fn from(o: &PolicyOverride) -> PolicyOverrideV1 {
        PolicyOverrideV1 {
            policy: o.policy.clone(),
            actor: o.actor.clone(),
            prompts: o.prompts.clone(),
        }
    }
}

impl From<PolicyOverrideV1> for PolicyOverride {
    fn from(o: PolicyOverrideV1) -> PolicyOverride {
        PolicyOverride {
            policy: o.policy,
            actor: o.actor,
            prompts: o.prompts,
        }
    }
}

/// `GET /v1/usage`: reads of each prompt on this server since it started (a replica counts
/// its own: sum the replicas).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Usage")]
pub struct UsageV1 {
    /// When counting started (the server's start), milliseconds since the Unix epoch.
    pub since: i64,
    /// When this answer was made.
    pub now: i64,
    pub prompts: Vec<PromptUsageV1>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PromptUsage")]
pub struct PromptUsageV1 {
    pub prompt_name: String,
    pub requests: u64,
    /// Of which on the stable model, and on the canary's.
    pub stable: u64,
    pub canary: u64,
}

/// `GET /v1/webhooks/deliveries`: one webhook endpoint's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WebhookDelivery")]
pub struct WebhookDeliveryV1 {
    /// The endpoint's URL, its secrets (userinfo, query) left out.
    pub url: String,
    /// Every revision up to this one was delivered (acknowledged with a 2xx).
    pub delivered_revision: i64,
    /// Failed attempts since the last success.
    pub failed_attempts: i64,
    /// The last answer (`200`, `503`) or failure (`cannot connect: …`).
    pub last_status: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub last_attempt_at: Option<i64>,
}

impl From<&crate::store::WebhookDelivery> for WebhookDeliveryV1 {
    fn from(d: &crate::store::WebhookDelivery) -> WebhookDeliveryV1 {
        WebhookDeliveryV1 {
            url: d.shown_url.clone(),
            delivered_revision: d.delivered_revision,
            failed_attempts: d.attempts,
            last_status: d.last_status.clone(),
            last_attempt_at: d.last_attempt_at,
        }
    }
}
