//! `plan --format json` (and `show --format json`), version 1: a frozen shape, converted from
//! the internal plan so that refactoring never breaks a user's CI (golden file:
//! `tests/golden/plan.json`). It holds what the saved plan holds, less the store writes, plus a
//! summary.

use std::collections::BTreeMap;

use serde::Serialize;

use super::row_v1::{ActionV1, ScopeV1};
use super::saved_plan_v1::{CostV1, FieldChangeV1, NotesV1, PlanErrorV1};
use crate::plan::cost::PlanCost;
use crate::plan::{Plan, Summary};

#[derive(Serialize)]
struct PlanJsonV1<'a> {
    format_version: u32,
    store: &'a str,
    store_id: &'a str,
    revision: i64,
    default_model: &'a str,
    changes: Vec<ChangeJsonV1<'a>>,
    errors: Vec<PlanErrorV1>,
    summary: SummaryV1,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<CostV1>,
    /// Prompts usage covers whose cost is unknown, left out of `cost`.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cost_unknown: &'a [String],
    /// The environment's overlay, policy results and coming deprecations, as in the saved plan.
    #[serde(skip_serializing_if = "NotesV1::is_empty")]
    notes: NotesV1,
    /// The rules of record the plan publishes; absent when the store holds git's already.
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<RulesJsonV1<'a>>,
}

/// A change of the store's rules of record, by digest, with what changes.
#[derive(Serialize)]
struct RulesJsonV1<'a> {
    before_digest: Option<&'a str>,
    after_digest: String,
    changes: &'a [String],
}

#[derive(Serialize)]
struct ChangeJsonV1<'a> {
    action: ActionV1,
    prompt_name: &'a str,
    prompt_version: &'a str,
    scope: ScopeV1,
    fields: BTreeMap<String, FieldChangeV1>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<CostV1>,
}

/// How many changes of each action.
#[derive(Serialize)]
struct SummaryV1 {
    create: usize,
    update: usize,
    replace: usize,
    backfill: usize,
    deactivate: usize,
}

impl From<Summary> for SummaryV1 {
    fn from(summary: Summary) -> SummaryV1 {
        SummaryV1 {
            create: summary.create,
            update: summary.update,
            replace: summary.replace,
            backfill: summary.backfill,
            deactivate: summary.deactivate,
        }
    }
}

/// The plan as JSON (version 1), with monthly costs where they are known.
pub fn render(plan: &Plan, cost: Option<&PlanCost>) -> String {
    let document = PlanJsonV1 {
        format_version: 1,
        store: &plan.store,
        store_id: &plan.store_id,
        revision: plan.revision,
        default_model: &plan.default_model,
        changes: plan
            .changes
            .iter()
            .enumerate()
            .map(|(index, c)| ChangeJsonV1 {
                action: c.action.into(),
                prompt_name: &c.prompt_name,
                prompt_version: &c.prompt_version,
                scope: c.scope.into(),
                fields: c
                    .fields()
                    .into_owned()
                    .into_iter()
                    .map(|(name, field)| (name, FieldChangeV1::from(field)))
                    .collect(),
                cost: cost
                    .and_then(|cost| cost.of_change(index))
                    .copied()
                    .map(CostV1::from),
            })
            .collect(),
        errors: plan.errors.iter().map(PlanErrorV1::from).collect(),
        summary: plan.summary().into(),
        cost: cost.and_then(|c| c.total).map(CostV1::from),
        cost_unknown: cost.map_or(&[][..], |c| c.unknown.as_slice()),
        notes: NotesV1::from(&plan.notes),
        rules: plan.rules.as_ref().map(|change| RulesJsonV1 {
            before_digest: change.before_digest.as_deref(),
            after_digest: change.rules.digest(),
            changes: &change.changes,
        }),
    };
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
