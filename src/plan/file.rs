//! Saved plans (`plan --out FILE`): a versioned JSON file holding every change with its
//! preconditions. `apply FILE` applies exactly those changes, or refuses.

use serde::{Deserialize, Serialize};

use super::Plan;

/// The version of the saved-plan format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A saved plan, as written to disk.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl saved plan")]
pub struct SavedPlan {
    pub format_version: u32,
    /// The promptctl version that made it.
    pub promptctl_version: String,
    /// When it was made, milliseconds since the Unix epoch.
    pub created_at: i64,
    pub plan: Plan,
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
    #[error("the plan has errors and cannot be applied")]
    HasErrors,
}

pub fn write(plan: &Plan, created_at: i64) -> String {
    let saved = SavedPlan {
        format_version: FORMAT_VERSION,
        promptctl_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at,
        plan: plan.clone(),
    };
    let mut text = serde_json::to_string_pretty(&saved).unwrap_or_default();
    text.push('\n');
    text
}

pub fn read(text: &str) -> Result<Plan, PlanFileError> {
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
    let saved: SavedPlan =
        serde_json::from_str(text).map_err(|e| PlanFileError::NotAPlan(e.to_string()))?;
    if !saved.plan.errors.is_empty() {
        return Err(PlanFileError::HasErrors);
    }
    Ok(saved.plan)
}
