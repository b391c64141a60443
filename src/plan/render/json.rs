//! `plan --format json`, version 1: a frozen shape, converted from the internal plan so that
//! refactoring never breaks a user's CI.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::cost::{Cost, PlanCost};
use crate::plan::{FieldChange, Plan, Summary};

#[derive(Serialize)]
struct PlanJsonV1<'a> {
    format_version: u32,
    store: &'a str,
    store_id: &'a str,
    revision: i64,
    default_model: &'a str,
    changes: Vec<ChangeJsonV1<'a>>,
    errors: Vec<ErrorJsonV1<'a>>,
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<Cost>,
}

#[derive(Serialize)]
struct ChangeJsonV1<'a> {
    action: &'static str,
    prompt_name: &'a str,
    prompt_version: &'a str,
    scope: &'static str,
    fields: &'a BTreeMap<String, FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<Cost>,
}

#[derive(Serialize)]
struct ErrorJsonV1<'a> {
    prompt_name: &'a str,
    prompt_version: &'a str,
    file: &'a str,
    message: &'a str,
}

/// The plan as JSON (version 1), with monthly costs where they are known.
pub fn json(plan: &Plan, cost: Option<&PlanCost>) -> String {
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
                action: c.action.as_str(),
                prompt_name: &c.prompt_name,
                prompt_version: &c.prompt_version,
                scope: c.scope.as_str(),
                fields: &c.fields,
                cost: cost.and_then(|cost| cost.of_change(index)).copied(),
            })
            .collect(),
        errors: plan
            .errors
            .iter()
            .map(|e| ErrorJsonV1 {
                prompt_name: &e.prompt_name,
                prompt_version: &e.prompt_version,
                file: &e.file,
                message: &e.message,
            })
            .collect(),
        summary: plan.summary(),
        cost: cost.and_then(|c| c.total),
    };
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
