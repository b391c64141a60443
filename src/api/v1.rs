//! The HTTP API's bodies, version 1: frozen shapes, converted from the internal types so that
//! refactoring never changes what a client sends or reads. Versioned by the `/v1/` path. The
//! OpenAPI document (`schemas/openapi.json`) is generated from these types; golden files in
//! `tests/golden/` hold an example of each, so a renamed field fails a test.
//!
//! The row, change-set and op shapes are also the shapes of the export file, the saved plan
//! and what the store keeps as JSON (audit entries, outcomes of idempotent writes), which
//! hold the same values. The conversions from the store's types live beside them, in
//! `store/v1.rs`; this module depends on nothing but the catalog.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Model, Tier};

/// What an identifier-like value in a request may be (names, versions, ids, models): not
/// blank, no control characters, at most 1 KiB — as `store::values` checks.
const IDENTIFIER: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";
/// An optional identifier-like value in a request: no control characters.
const PLAIN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";
/// Text that must hold more than white space.
const NOT_BLANK: &str = r"\S";

/// Who a row belongs to. Only production rows are managed from git.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Scope")]
pub enum ScopeV1 {
    Production,
    Developer,
}

/// What a change does, as plans and the audit log name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Action")]
pub enum ActionV1 {
    Create,
    Update,
    Replace,
    Backfill,
    Deactivate,
}

/// One row of the store (`ai_prompts`): the seed's columns plus `id`, `row_version` and
/// `updated_at`. Times are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Row")]
pub struct RowV1<'a> {
    pub id: Cow<'a, str>,
    pub row_version: i64,
    pub updated_at: i64,
    pub prompt_name: Cow<'a, str>,
    pub prompt_version: Cow<'a, str>,
    pub prompt_template: Cow<'a, str>,
    pub description: Option<Cow<'a, str>>,
    /// JSON Schema as JSON text, as the seed stores it.
    pub input_schema: Option<Cow<'a, str>>,
    /// JSON Schema as JSON text, as the seed stores it.
    pub output_schema: Option<Cow<'a, str>>,
    pub scope: ScopeV1,
    pub developer_session_id: Option<Cow<'a, str>>,
    pub parent_prompt_id: Option<Cow<'a, str>>,
    pub expires_at: Option<i64>,
    pub workflow_step: Option<Cow<'a, str>>,
    pub subsystem: Option<Cow<'a, str>>,
    /// Missing only in legacy rows; no write path creates a row without one.
    pub ai_model: Option<Cow<'a, str>>,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub is_active: bool,
    pub created_at: i64,
    pub created_by: Option<Cow<'a, str>>,
    pub replaced_at: Option<i64>,
    /// The `prompt_version` that replaced this row.
    pub replaced_by: Option<Cow<'a, str>>,
}

/// `GET /v1/snapshot`: every row, with the store's id and revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Snapshot")]
pub struct SnapshotV1<'a> {
    pub store_id: Cow<'a, str>,
    pub revision: i64,
    pub rows: Vec<RowV1<'a>>,
}

/// An export file (`store export`), and `GET /v1/backups/{id}`: a snapshot with its format
/// version, restorable as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Export")]
pub struct ExportV1<'a> {
    /// Always 1.
    pub format_version: u32,
    pub store_id: Cow<'a, str>,
    pub revision: i64,
    pub rows: Vec<RowV1<'a>>,
}

/// A row to insert. `ai_model` is required: no write creates a row without a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NewRow")]
pub struct NewRowV1 {
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub prompt_name: String,
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub prompt_version: String,
    #[schemars(regex(pattern = NOT_BLANK))]
    pub prompt_template: String,
    pub description: Option<String>,
    /// JSON Schema as JSON text.
    pub input_schema: Option<String>,
    /// JSON Schema as JSON text.
    pub output_schema: Option<String>,
    #[schemars(length(max = 1024), regex(pattern = PLAIN))]
    pub workflow_step: Option<String>,
    #[schemars(length(max = 1024), regex(pattern = PLAIN))]
    pub subsystem: Option<String>,
    /// A model of the server's catalog (`GET /v1/models`).
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub ai_model: String,
    #[serde(default, deserialize_with = "integer::optional")]
    #[schemars(range(min = 1))]
    pub max_tokens: Option<i64>,
    #[schemars(range(min = 0.0, max = 2.0))]
    pub temperature: Option<f64>,
    pub is_active: bool,
}

/// The fields an update sets. An absent field is left as it is; `null` clears it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Patch")]
pub struct PatchV1 {
    /// A model of the server's catalog; a model is never cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub ai_model: Option<String>,
    #[serde(
        default,
        serialize_with = "present::serialize",
        deserialize_with = "integer::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<i64>", range(min = 1))]
    pub max_tokens: Option<Option<i64>>,
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<f64>", range(min = 0.0, max = 2.0))]
    pub temperature: Option<Option<f64>>,
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", length(max = 1024), regex(pattern = PLAIN))]
    pub workflow_step: Option<Option<String>>,
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", length(max = 1024), regex(pattern = PLAIN))]
    pub subsystem: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(
        default,
        serialize_with = "present::serialize",
        deserialize_with = "integer::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<i64>", range(min = 0))]
    pub replaced_at: Option<Option<i64>>,
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", length(max = 1024), regex(pattern = PLAIN))]
    pub replaced_by: Option<Option<String>>,
}

/// `"field": null` in a patch means "clear it" (`Some(None)`), which serde would otherwise
/// read as "leave it" (`None`).
mod present {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Integers as JSON Schema reads them: `12.0` is the integer 12 (a client in a language with
/// one number type sends it so), `12.5` is not an integer.
mod integer {
    use serde::de::{self, Deserializer, Visitor};

    struct Integer;

    impl Visitor<'_> for Integer {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value).map_err(|_| E::custom(format!("{value} is too large")))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<i64, E> {
            // Exactly representable integers only: beyond 2^53 a float is not the integer
            // its digits say.
            if value.fract() == 0.0 && value.abs() <= 9_007_199_254_740_992.0 {
                Ok(value as i64)
            } else {
                Err(E::invalid_type(de::Unexpected::Float(value), &self))
            }
        }
    }

    pub(super) fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        deserializer.deserialize_any(Integer)
    }

    pub(super) fn optional<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        struct Maybe;
        impl<'de> Visitor<'de> for Maybe {
            type Value = Option<i64>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an integer or null")
            }

            fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
                Ok(None)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Option<i64>, D::Error> {
                required(deserializer).map(Some)
            }
        }
        deserializer.deserialize_option(Maybe)
    }

    /// A patch field: present (`Some`), holding an integer or null.
    pub(super) fn present<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<i64>>, D::Error> {
        optional(deserializer).map(Some)
    }
}

/// One write of a change set, with its precondition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
#[schemars(rename = "Op")]
pub enum OpV1 {
    /// Insert a new row. Refused when a production row of the same name and version exists,
    /// or, with `expect_new_name`, any production row of the name.
    Insert {
        action: ActionV1,
        row: NewRowV1,
        #[serde(default)]
        expect_new_name: bool,
    },
    /// Patch a row, only if its `row_version` is still `expected_row_version`.
    Update {
        action: ActionV1,
        #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
        id: String,
        #[serde(deserialize_with = "integer::required")]
        expected_row_version: i64,
        patch: PatchV1,
    },
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
    /// `method_not_allowed`, `bad_request`, `payload_too_large`, `unprocessable`, `conflict`,
    /// `wrong_store`, `not_empty`, `timeout`, `outcome_unknown`, `unavailable`, `internal`.
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
                recommended: model.recommended,
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
