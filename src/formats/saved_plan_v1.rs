//! The saved plan, version 1 (`plan --out FILE`): a JSON file holding every change with its
//! preconditions, and the monthly costs shown with it. `apply FILE` applies exactly those
//! changes, or refuses.
//!
//! The file is the frozen [`SavedPlanV1`], converted from the internal [`Plan`]: refactoring
//! never breaks a saved plan, and `schemas/plan.schema.json` is generated from it. A golden
//! file (`tests/golden/saved-plan.json`) keeps its shape.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::http_v1::PolicyOverrideV1;
use super::row_v1::{ActionV1, OpV1, ScopeV1};
use crate::overlay::OverlayEffect;
use crate::plan::cost::{Cost, PlanCost};
use crate::plan::notes::{Deprecation, Notes};
use crate::plan::{Change, FieldChange, Plan, PlanError, RulesChange};
use crate::policy::{Enforcement, Violation};
use crate::store::Rules;

/// The version of the saved-plan format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A saved plan, as written to disk.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl saved plan", rename = "SavedPlan")]
pub struct SavedPlanV1 {
    /// Always 1.
    pub format_version: u32,
    /// The promptctl version that made it.
    pub promptctl_version: String,
    /// When it was made, milliseconds since the Unix epoch.
    pub created_at: i64,
    pub plan: PlanV1,
}

/// Everything `plan` decided, and what it was decided against.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Plan")]
pub struct PlanV1 {
    /// Where the store is (no secrets).
    pub store: String,
    pub store_id: String,
    /// The store's revision the plan was made at.
    pub revision: i64,
    /// The model backfills set.
    pub default_model: String,
    pub changes: Vec<ChangeV1>,
    /// Reasons the plan cannot be applied; a saved plan never has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<PlanErrorV1>,
    /// Monthly cost of the prompts usage.yaml covers that run before or after, summed over
    /// the same prompts on both sides (display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostV1>,
    /// Prompts usage.yaml covers whose cost is unknown (no model, or one outside the catalog),
    /// left out of `cost`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_unknown: Vec<String>,
    /// The environment's overlay, policy results and coming deprecations; absent when there
    /// are none.
    #[serde(default, skip_serializing_if = "NotesV1::is_empty")]
    pub notes: NotesV1,
    /// The rules of record the plan publishes; absent when the store holds git's already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesChangeV1>,
}

/// A change of the store's rules of record.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RulesChange")]
pub struct RulesChangeV1 {
    /// The digest of the rules the store held when the plan was made; null when none.
    pub before_digest: Option<String>,
    /// What changes, one line each, as shown.
    pub changes: Vec<String>,
    /// The rules to publish: `{"format_version":1,"models":[…],"policies":[…],"usage":[…]}`.
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub rules: serde_json::Value,
}

/// What the plan reports beside its changes (each field absent when empty).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PlanNotes")]
pub struct NotesV1 {
    /// `--env NAME` the plan was made for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// What the environment's model rules changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlay: Vec<OverlayEffectV1>,
    /// Every policy rule a prompt breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_violations: Vec<PolicyViolationV1>,
    /// Soft-mandatory policies passed by `--override-policy`, and who passed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_overrides: Vec<PolicyOverrideV1>,
    /// Models the prompts run on that are deprecated, or soon will be.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deprecations: Vec<DeprecationV1>,
}

/// What one of the environment's model rules changed.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "OverlayEffect")]
pub struct OverlayEffectV1 {
    /// The rule's position in `environments.<name>.models`, from 1.
    pub rule: usize,
    pub description: String,
    pub prompts: Vec<PromptRefV1>,
}

/// A prompt version.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PromptRef")]
pub struct PromptRefV1 {
    pub prompt_name: String,
    pub prompt_version: String,
}

/// A policy rule a prompt breaks.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PolicyViolation")]
pub struct PolicyViolationV1 {
    pub policy: String,
    pub enforcement: EnforcementV1,
    pub prompt_name: String,
    pub prompt_version: String,
    /// The prompt file, as the user names it.
    pub file: String,
    pub rule: String,
    /// Passed by `--override-policy`.
    pub overridden: bool,
}

/// How a violation counts (Sentinel's levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "Enforcement")]
pub enum EnforcementV1 {
    /// A warning.
    Advisory,
    /// An error; `plan --override-policy NAME` may pass it.
    SoftMandatory,
    /// An error, always.
    HardMandatory,
}

impl From<Enforcement> for EnforcementV1 {
    fn from(enforcement: Enforcement) -> EnforcementV1 {
        match enforcement {
            Enforcement::Advisory => EnforcementV1::Advisory,
            Enforcement::SoftMandatory => EnforcementV1::SoftMandatory,
            Enforcement::HardMandatory => EnforcementV1::HardMandatory,
        }
    }
}

impl From<EnforcementV1> for Enforcement {
    fn from(enforcement: EnforcementV1) -> Enforcement {
        match enforcement {
            EnforcementV1::Advisory => Enforcement::Advisory,
            EnforcementV1::SoftMandatory => Enforcement::SoftMandatory,
            EnforcementV1::HardMandatory => Enforcement::HardMandatory,
        }
    }
}

/// A model the prompts run on that is deprecated, or will be within the window.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Deprecation")]
pub struct DeprecationV1 {
    pub model: String,
    pub deprecated_on: String,
    /// Days from the plan's day; 0 or less when already deprecated.
    pub days: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
    /// How many active prompts run on it.
    pub prompts: usize,
}

/// One planned change.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Change")]
pub struct ChangeV1 {
    pub action: ActionV1,
    pub prompt_name: String,
    pub prompt_version: String,
    pub scope: ScopeV1,
    /// For a replace: the version(s) it replaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// `false` for a row that is not the active version.
    pub is_active: bool,
    /// The fields that change, by column name.
    pub fields: BTreeMap<String, FieldChangeV1>,
    /// The store writes, each with its precondition: what apply sends.
    pub ops: Vec<OpV1>,
    /// Monthly cost before and after, where usage.yaml covers the prompt (display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostV1>,
}

/// A field before and after (`null` for absent).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "FieldChange")]
pub struct FieldChangeV1 {
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// A reason the plan cannot be applied.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PlanError")]
pub struct PlanErrorV1 {
    pub prompt_name: String,
    pub prompt_version: String,
    /// The prompt file, as the user names it.
    pub file: String,
    pub message: String,
}

/// Monthly cost in USD, before and after; null where unknown.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Cost")]
pub struct CostV1 {
    pub monthly_before_usd: Option<f64>,
    pub monthly_after_usd: Option<f64>,
}

/// A saved plan read back: the plan, and the costs shown when it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub plan: Plan,
    pub cost: Option<PlanCost>,
    /// When it was made, milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The promptctl version that made it.
    pub promptctl_version: String,
}

/// Why a saved plan cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("not a promptctl plan file: {0}")]
    NotAPlan(String),
    #[error(
        "plan file format {found} is not supported by this promptctl (it reads {FORMAT_VERSION})"
    )]
    Version { found: u64 },
}

/// The saved-plan file of `plan` (with the costs shown beside it), made at `created_at`.
pub fn write(plan: &Plan, cost: Option<&PlanCost>, created_at: i64) -> String {
    let saved = SavedPlanV1 {
        format_version: FORMAT_VERSION,
        promptctl_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at,
        plan: PlanV1::from_plan(plan, cost),
    };
    let mut text = serde_json::to_string_pretty(&saved).unwrap_or_default();
    text.push('\n');
    text
}

/// Read a saved plan. Whether it may be applied is [`Plan::refusals`]' to say.
pub fn read(text: &str) -> Result<Saved, PlanFileError> {
    /// Only the version, so a file of another version is named as such rather than failing
    /// on whatever field changed (and without building a JSON tree of a large plan).
    #[derive(Deserialize)]
    struct Version {
        format_version: Option<u64>,
    }
    let version: Version =
        serde_json::from_str(text).map_err(|e| PlanFileError::NotAPlan(e.to_string()))?;
    match version.format_version {
        Some(version) if version == u64::from(FORMAT_VERSION) => {}
        Some(found) => return Err(PlanFileError::Version { found }),
        None => return Err(PlanFileError::NotAPlan("no format_version".to_owned())),
    }
    let saved: SavedPlanV1 =
        serde_json::from_str(text).map_err(|e| PlanFileError::NotAPlan(e.to_string()))?;
    let (plan, cost) = saved.plan.into_plan()?;
    Ok(Saved {
        plan,
        cost,
        created_at: saved.created_at,
        promptctl_version: saved.promptctl_version,
    })
}

impl PlanV1 {
    fn from_plan(plan: &Plan, cost: Option<&PlanCost>) -> PlanV1 {
        PlanV1 {
            store: plan.store.clone(),
            store_id: plan.store_id.clone(),
            revision: plan.revision,
            default_model: plan.default_model.clone(),
            changes: plan
                .changes
                .iter()
                .enumerate()
                .map(|(index, change)| {
                    ChangeV1::from_change(change, cost.and_then(|c| c.of_change(index)))
                })
                .collect(),
            errors: plan.errors.iter().map(PlanErrorV1::from).collect(),
            cost: cost.and_then(|c| c.total).map(CostV1::from),
            cost_unknown: cost.map(|c| c.unknown.clone()).unwrap_or_default(),
            notes: NotesV1::from(&plan.notes),
            rules: plan.rules.as_ref().map(|change| RulesChangeV1 {
                before_digest: change.before_digest.clone(),
                changes: change.changes.clone(),
                rules: change.rules.to_value(),
            }),
        }
    }

    fn into_plan(self) -> Result<(Plan, Option<PlanCost>), PlanFileError> {
        let rules = self
            .rules
            .map(|change| {
                Ok::<_, PlanFileError>(RulesChange {
                    before_digest: change.before_digest,
                    changes: change.changes,
                    rules: Rules::from_value(change.rules).map_err(|e| {
                        PlanFileError::NotAPlan(format!("its rules of record: {e}"))
                    })?,
                })
            })
            .transpose()?;
        let costs: Vec<Option<Cost>> = self
            .changes
            .iter()
            .map(|c| c.cost.map(Cost::from))
            .collect();
        let cost = (self.cost.is_some() || costs.iter().any(Option::is_some)).then(|| PlanCost {
            changes: costs,
            total: self.cost.map(Cost::from),
            unknown: self.cost_unknown,
        });
        let plan = Plan {
            store: self.store,
            store_id: self.store_id,
            revision: self.revision,
            default_model: self.default_model,
            changes: self
                .changes
                .into_iter()
                .map(ChangeV1::into_change)
                .collect(),
            errors: self
                .errors
                .into_iter()
                .map(|e| PlanError {
                    prompt_name: e.prompt_name,
                    prompt_version: e.prompt_version,
                    file: e.file,
                    message: e.message,
                })
                .collect(),
            notes: self.notes.into_notes(),
            rules,
        };
        Ok((plan, cost))
    }
}

impl ChangeV1 {
    fn from_change(change: &Change, cost: Option<&Cost>) -> ChangeV1 {
        ChangeV1 {
            action: change.action.into(),
            prompt_name: change.prompt_name.clone(),
            prompt_version: change.prompt_version.clone(),
            scope: change.scope.into(),
            replaces: change.replaces.clone(),
            is_active: change.is_active,
            fields: change
                .fields()
                .into_owned()
                .into_iter()
                .map(|(name, field)| (name, field.into()))
                .collect(),
            ops: change.ops.iter().map(OpV1::from).collect(),
            cost: cost.copied().map(CostV1::from),
        }
    }

    fn into_change(self) -> Change {
        let fields = self
            .fields
            .into_iter()
            .map(|(name, field)| {
                let field = FieldChange {
                    before: field.before,
                    after: field.after,
                };
                (name, field)
            })
            .collect();
        let mut change = Change::new(
            self.action.into(),
            self.prompt_name,
            self.prompt_version,
            self.scope.into(),
        );
        change.replaces = self.replaces;
        change.is_active = self.is_active;
        change.ops = self.ops.into_iter().map(Into::into).collect();
        change.with_fields(fields)
    }
}

impl From<&PlanError> for PlanErrorV1 {
    fn from(error: &PlanError) -> PlanErrorV1 {
        PlanErrorV1 {
            prompt_name: error.prompt_name.clone(),
            prompt_version: error.prompt_version.clone(),
            file: error.file.clone(),
            message: error.message.clone(),
        }
    }
}

impl From<FieldChange> for FieldChangeV1 {
    fn from(field: FieldChange) -> FieldChangeV1 {
        FieldChangeV1 {
            before: field.before,
            after: field.after,
        }
    }
}

impl From<Cost> for CostV1 {
    fn from(cost: Cost) -> CostV1 {
        CostV1 {
            monthly_before_usd: cost.monthly_before_usd,
            monthly_after_usd: cost.monthly_after_usd,
        }
    }
}

impl From<CostV1> for Cost {
    fn from(cost: CostV1) -> Cost {
        Cost {
            monthly_before_usd: cost.monthly_before_usd,
            monthly_after_usd: cost.monthly_after_usd,
        }
    }
}

impl From<&Notes> for NotesV1 {
    fn from(notes: &Notes) -> NotesV1 {
        NotesV1 {
            environment: notes.environment.clone(),
            overlay: notes
                .overlay
                .iter()
                .map(|effect| OverlayEffectV1 {
                    rule: effect.rule,
                    description: effect.description.clone(),
                    prompts: effect
                        .prompts
                        .iter()
                        .map(|(name, version)| PromptRefV1 {
                            prompt_name: name.clone(),
                            prompt_version: version.clone(),
                        })
                        .collect(),
                })
                .collect(),
            policy_violations: notes
                .policies
                .iter()
                .map(|v| PolicyViolationV1 {
                    policy: v.policy.clone(),
                    enforcement: v.enforcement.into(),
                    prompt_name: v.prompt_name.clone(),
                    prompt_version: v.prompt_version.clone(),
                    file: crate::diag::display_path(&v.file).display().to_string(),
                    rule: v.rule.clone(),
                    overridden: v.overridden,
                })
                .collect(),
            policy_overrides: notes.overrides.iter().map(PolicyOverrideV1::from).collect(),
            deprecations: notes
                .deprecations
                .iter()
                .map(|d| DeprecationV1 {
                    model: d.model.clone(),
                    deprecated_on: d.deprecated_on.clone(),
                    days: d.days,
                    successor: d.successor.clone(),
                    prompts: d.prompts,
                })
                .collect(),
        }
    }
}

impl NotesV1 {
    pub(crate) fn is_empty(&self) -> bool {
        self.environment.is_none()
            && self.overlay.is_empty()
            && self.policy_violations.is_empty()
            && self.policy_overrides.is_empty()
            && self.deprecations.is_empty()
    }

    fn into_notes(self) -> Notes {
        Notes {
            environment: self.environment,
            overlay: self
                .overlay
                .into_iter()
                .map(|effect| OverlayEffect {
                    rule: effect.rule,
                    description: effect.description,
                    prompts: effect
                        .prompts
                        .into_iter()
                        .map(|p| (p.prompt_name, p.prompt_version))
                        .collect(),
                })
                .collect(),
            policies: self
                .policy_violations
                .into_iter()
                .map(|v| Violation {
                    policy: v.policy,
                    enforcement: v.enforcement.into(),
                    prompt_name: v.prompt_name,
                    prompt_version: v.prompt_version,
                    file: std::path::Path::new(&v.file).into(),
                    rule: v.rule,
                    overridden: v.overridden,
                })
                .collect(),
            overrides: self.policy_overrides.into_iter().map(Into::into).collect(),
            deprecations: self
                .deprecations
                .into_iter()
                .map(|d| Deprecation {
                    model: d.model,
                    deprecated_on: d.deprecated_on,
                    days: d.days,
                    successor: d.successor,
                    prompts: d.prompts,
                })
                .collect(),
        }
    }
}
