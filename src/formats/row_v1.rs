//! The row format of SPEC §5.1, version 1, and the change-set writes built of it: one row of
//! `ai_prompts`, a new row, a patch and an op. Frozen: the HTTP API, export files, saved plans
//! and `list --format json` all carry rows in this one shape, so refactoring the store never
//! changes what a client or a file holds. Each conversion is written out field by field: a
//! field added inside never reaches a client or a file unless it is added here too.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::store::{Action, LiveRow, NewRow, Op, Patch, Scope};

/// What an identifier-like value in a request may be (names, versions, ids, models): not
/// blank, no control characters, at most 1 KiB — as `store::values` checks.
pub(crate) const IDENTIFIER: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";
/// An optional identifier-like value in a request: no control characters.
pub(crate) const PLAIN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";
/// Text that must hold more than white space.
pub(crate) const NOT_BLANK: &str = r"\S";

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
    /// The model a share of the traffic runs (a canary); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_model: Option<Cow<'a, str>>,
    /// The canary's share of subjects, in percent (above 0, below 100); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_percent: Option<f64>,
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
    /// A canary: a model of the catalog that `canary_percent` of the subjects run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), regex(pattern = IDENTIFIER))]
    pub canary_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.01, max = 99.99))]
    pub canary_percent: Option<f64>,
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
    /// Set a canary's model (with `canary_percent`), or end the canary (both `null`).
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", length(max = 1024), regex(pattern = IDENTIFIER))]
    pub canary_model: Option<Option<String>>,
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<f64>", range(min = 0.01, max = 99.99))]
    pub canary_percent: Option<Option<f64>>,
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
pub(crate) mod integer {
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

    pub(crate) fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        deserializer.deserialize_any(Integer)
    }

    pub(crate) fn optional<'de, D: Deserializer<'de>>(
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
    pub(crate) fn present<'de, D: Deserializer<'de>>(
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

impl From<Scope> for ScopeV1 {
    fn from(scope: Scope) -> ScopeV1 {
        match scope {
            Scope::Production => ScopeV1::Production,
            Scope::Developer => ScopeV1::Developer,
        }
    }
}

impl From<ScopeV1> for Scope {
    fn from(scope: ScopeV1) -> Scope {
        match scope {
            ScopeV1::Production => Scope::Production,
            ScopeV1::Developer => Scope::Developer,
        }
    }
}

impl From<Action> for ActionV1 {
    fn from(action: Action) -> ActionV1 {
        match action {
            Action::Create => ActionV1::Create,
            Action::Update => ActionV1::Update,
            Action::Replace => ActionV1::Replace,
            Action::Backfill => ActionV1::Backfill,
            Action::Deactivate => ActionV1::Deactivate,
        }
    }
}

impl From<ActionV1> for Action {
    fn from(action: ActionV1) -> Action {
        match action {
            ActionV1::Create => Action::Create,
            ActionV1::Update => Action::Update,
            ActionV1::Replace => Action::Replace,
            ActionV1::Backfill => Action::Backfill,
            ActionV1::Deactivate => Action::Deactivate,
        }
    }
}

fn borrowed(text: &Option<String>) -> Option<Cow<'_, str>> {
    text.as_deref().map(Cow::Borrowed)
}

fn owned(text: Option<Cow<'_, str>>) -> Option<String> {
    text.map(Cow::into_owned)
}

impl<'a> From<&'a LiveRow> for RowV1<'a> {
    fn from(row: &'a LiveRow) -> RowV1<'a> {
        RowV1 {
            id: Cow::Borrowed(&row.id),
            row_version: row.row_version,
            updated_at: row.updated_at,
            prompt_name: Cow::Borrowed(&row.prompt_name),
            prompt_version: Cow::Borrowed(&row.prompt_version),
            prompt_template: Cow::Borrowed(&row.prompt_template),
            description: borrowed(&row.description),
            input_schema: borrowed(&row.input_schema),
            output_schema: borrowed(&row.output_schema),
            scope: row.scope.into(),
            developer_session_id: borrowed(&row.developer_session_id),
            parent_prompt_id: borrowed(&row.parent_prompt_id),
            expires_at: row.expires_at,
            workflow_step: borrowed(&row.workflow_step),
            subsystem: borrowed(&row.subsystem),
            ai_model: borrowed(&row.ai_model),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
            created_at: row.created_at,
            created_by: borrowed(&row.created_by),
            replaced_at: row.replaced_at,
            replaced_by: borrowed(&row.replaced_by),
            canary_model: borrowed(&row.canary_model),
            canary_percent: row.canary_percent,
        }
    }
}

impl From<RowV1<'_>> for LiveRow {
    fn from(row: RowV1<'_>) -> LiveRow {
        LiveRow {
            id: row.id.into_owned(),
            row_version: row.row_version,
            updated_at: row.updated_at,
            prompt_name: row.prompt_name.into_owned(),
            prompt_version: row.prompt_version.into_owned(),
            prompt_template: row.prompt_template.into_owned(),
            description: owned(row.description),
            input_schema: owned(row.input_schema),
            output_schema: owned(row.output_schema),
            scope: row.scope.into(),
            developer_session_id: owned(row.developer_session_id),
            parent_prompt_id: owned(row.parent_prompt_id),
            expires_at: row.expires_at,
            workflow_step: owned(row.workflow_step),
            subsystem: owned(row.subsystem),
            ai_model: owned(row.ai_model),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
            created_at: row.created_at,
            created_by: owned(row.created_by),
            replaced_at: row.replaced_at,
            replaced_by: owned(row.replaced_by),
            canary_model: owned(row.canary_model),
            canary_percent: row.canary_percent,
            template_sha256: None,
        }
    }
}

impl From<&NewRow> for NewRowV1 {
    fn from(row: &NewRow) -> NewRowV1 {
        NewRowV1 {
            prompt_name: row.prompt_name.clone(),
            prompt_version: row.prompt_version.clone(),
            prompt_template: row.prompt_template.to_string(),
            description: row.description.clone(),
            input_schema: row.input_schema.clone(),
            output_schema: row.output_schema.clone(),
            workflow_step: row.workflow_step.clone(),
            subsystem: row.subsystem.clone(),
            ai_model: row.ai_model.clone(),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
            canary_model: row.canary_model.clone(),
            canary_percent: row.canary_percent,
        }
    }
}

impl From<NewRowV1> for NewRow {
    fn from(row: NewRowV1) -> NewRow {
        NewRow {
            prompt_name: row.prompt_name,
            prompt_version: row.prompt_version,
            prompt_template: row.prompt_template.into(),
            description: row.description,
            input_schema: row.input_schema,
            output_schema: row.output_schema,
            workflow_step: row.workflow_step,
            subsystem: row.subsystem,
            ai_model: row.ai_model,
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
            canary_model: row.canary_model,
            canary_percent: row.canary_percent,
        }
    }
}

impl From<&Patch> for PatchV1 {
    fn from(patch: &Patch) -> PatchV1 {
        PatchV1 {
            ai_model: patch.ai_model.clone(),
            max_tokens: patch.max_tokens,
            temperature: patch.temperature,
            description: patch.description.clone(),
            workflow_step: patch.workflow_step.clone(),
            subsystem: patch.subsystem.clone(),
            is_active: patch.is_active,
            replaced_at: patch.replaced_at,
            replaced_by: patch.replaced_by.clone(),
            canary_model: patch.canary_model.clone(),
            canary_percent: patch.canary_percent,
        }
    }
}

impl From<PatchV1> for Patch {
    fn from(patch: PatchV1) -> Patch {
        Patch {
            ai_model: patch.ai_model,
            max_tokens: patch.max_tokens,
            temperature: patch.temperature,
            description: patch.description,
            workflow_step: patch.workflow_step,
            subsystem: patch.subsystem,
            is_active: patch.is_active,
            replaced_at: patch.replaced_at,
            replaced_by: patch.replaced_by,
            canary_model: patch.canary_model,
            canary_percent: patch.canary_percent,
        }
    }
}

impl From<&Op> for OpV1 {
    fn from(op: &Op) -> OpV1 {
        match op {
            Op::Insert {
                action,
                row,
                expect_new_name,
            } => OpV1::Insert {
                action: (*action).into(),
                row: row.into(),
                expect_new_name: *expect_new_name,
            },
            Op::Update {
                action,
                id,
                expected_row_version,
                patch,
            } => OpV1::Update {
                action: (*action).into(),
                id: id.clone(),
                expected_row_version: *expected_row_version,
                patch: patch.into(),
            },
        }
    }
}

impl From<OpV1> for Op {
    fn from(op: OpV1) -> Op {
        match op {
            OpV1::Insert {
                action,
                row,
                expect_new_name,
            } => Op::Insert {
                action: action.into(),
                row: row.into(),
                expect_new_name,
            },
            OpV1::Update {
                action,
                id,
                expected_row_version,
                patch,
            } => Op::Update {
                action: action.into(),
                id,
                expected_row_version,
                patch: patch.into(),
            },
        }
    }
}
