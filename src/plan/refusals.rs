//! May this plan be applied? [`Plan::refusals`] is the one answer, for `plan`, `plan --out`,
//! `apply` (fresh or saved), the PR comment and every renderer: errors in the plan, mandatory
//! policies it breaks, an environment other than the one it was made for, a cost over the
//! limit. Renderers describe the answer; nothing else decides it.

use std::fmt;

use super::Plan;
use super::cost::PlanCost;
use crate::policy::Enforcement;

/// One reason a plan may not be applied.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The plan has errors (a template changed without a new version, an overlay problem).
    Errors { count: usize },
    /// A mandatory policy, not overridden, broken by these many prompt versions.
    Policy {
        name: String,
        enforcement: Enforcement,
        violations: usize,
    },
    /// It was made for another environment than it is applied in.
    WrongEnvironment {
        planned: Option<String>,
        here: Option<String>,
    },
    /// It raises the monthly cost over the limit.
    CostOverLimit { increase: f64, limit: f64 },
    /// A limit was set, and usage covers none of the changed prompts to check it with.
    CostUnknown,
}

/// What a plan is judged against besides itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Judged<'a> {
    /// The environment it is being applied in (`--env`), where that is to be checked.
    pub environment: Option<Option<&'a str>>,
    /// `--max-cost-increase`, USD a month.
    pub max_cost_increase: Option<f64>,
    /// The plan's cost, where usage is known.
    pub cost: Option<&'a PlanCost>,
}

impl Plan {
    /// Every reason this plan may not be applied; none means it may.
    pub fn refusals(&self, judged: &Judged<'_>) -> Vec<Refusal> {
        let mut out = Vec::new();
        if !self.errors.is_empty() {
            out.push(Refusal::Errors {
                count: self.errors.len(),
            });
        }
        for name in self.blocking_policies() {
            let violations: Vec<_> = self
                .notes
                .policies
                .iter()
                .filter(|v| v.policy == name && v.blocks())
                .collect();
            out.push(Refusal::Policy {
                enforcement: violations
                    .first()
                    .map_or(Enforcement::HardMandatory, |v| v.enforcement),
                violations: violations.len(),
                name: name.to_owned(),
            });
        }
        if let Some(here) = judged.environment
            && self.notes.environment.as_deref() != here
        {
            out.push(Refusal::WrongEnvironment {
                planned: self.notes.environment.clone(),
                here: here.map(str::to_owned),
            });
        }
        if let Some(limit) = judged.max_cost_increase
            && !self.changes.is_empty()
        {
            // The rise is known only where usage covers some prompt the plan changes.
            let covered = judged
                .cost
                .is_some_and(|c| c.changes.iter().any(Option::is_some));
            match judged.cost.and_then(|c| c.total).and_then(|t| t.change()) {
                Some(increase) if covered && increase > limit => {
                    out.push(Refusal::CostOverLimit { increase, limit });
                }
                Some(_) if covered => {}
                _ => out.push(Refusal::CostUnknown),
            }
        }
        out
    }

    /// The mandatory policies the plan breaks and does not override, in the order they were
    /// found.
    pub fn blocking_policies(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for violation in self.notes.policies.iter().filter(|v| v.blocks()) {
            if !names.contains(&violation.policy.as_str()) {
                names.push(&violation.policy);
            }
        }
        names
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Errors { count } => write!(
                f,
                "the plan has {count} error{} (fix them in git, then plan again)",
                if *count == 1 { "" } else { "s" }
            ),
            Refusal::Policy {
                name,
                enforcement,
                violations,
            } => {
                write!(
                    f,
                    "it breaks the {} policy `{name}` ({violations} prompt version{})",
                    enforcement.as_str(),
                    if *violations == 1 { "" } else { "s" }
                )?;
                if *enforcement == Enforcement::SoftMandatory {
                    write!(f, "; `--override-policy {name}` may pass it")?;
                }
                Ok(())
            }
            Refusal::WrongEnvironment { planned, here } => {
                let name = |e: &Option<String>| {
                    e.as_ref().map_or_else(
                        || "no environment".to_owned(),
                        |e| format!("environment {e}"),
                    )
                };
                write!(
                    f,
                    "it was made for {}, and this is {}; pass the same --env",
                    name(planned),
                    name(here)
                )
            }
            Refusal::CostOverLimit { increase, limit } => write!(
                f,
                "it raises the monthly cost by ${increase:.2}, over the limit of ${limit:.2} (--max-cost-increase)"
            ),
            Refusal::CostUnknown => f.write_str(
                "--max-cost-increase needs usage.yaml covering the changed prompts (set `usage:` in promptctl.yaml)",
            ),
        }
    }
}
