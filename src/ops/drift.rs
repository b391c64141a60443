//! Changes made in the web console: git does not hold them, so to `plan` they are drift. Found
//! in the audit log by their actor, `console (NAME)`.

use std::collections::HashMap;

use crate::plan::Plan;
use crate::store::{Op, Store, StoreError};

/// Audit entries `import --update` reads to find each row's last change.
const WINDOW: usize = 200_000;

/// Audit entries `plan` reads for its notes: a note is display, and a plan of 10,000 updates
/// must not pay for the whole log. Console changes older than this go unnoted.
const PLAN_WINDOW: usize = 2_000;

/// A row whose last change was made in the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleChange {
    pub prompt_name: String,
    pub prompt_version: String,
    /// The token's name that signed in to the console.
    pub who: String,
    pub revision: i64,
}

/// Every row whose last change was made in the console, by row id.
pub async fn console_changes(
    store: &dyn Store,
) -> Result<HashMap<String, ConsoleChange>, StoreError> {
    console_changes_within(store, WINDOW).await
}

/// [`console_changes`] among the newest `window` audit entries.
async fn console_changes_within(
    store: &dyn Store,
    window: usize,
) -> Result<HashMap<String, ConsoleChange>, StoreError> {
    let history = store.history_heads(window).await?;
    let mut last: HashMap<String, ConsoleChange> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    // Newest first: the first entry of a row is its last change.
    for entry in history {
        let Some(id) = entry.row_id else { continue };
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(who) = crate::store::console_user(&entry.actor) {
            last.insert(
                id,
                ConsoleChange {
                    prompt_name: entry.prompt_name.unwrap_or_default(),
                    prompt_version: entry.prompt_version.unwrap_or_default(),
                    who: who.to_owned(),
                    revision: entry.revision,
                },
            );
        }
    }
    Ok(last)
}

/// The rows `plan` would update that were last changed in the console.
pub async fn in_plan(store: &dyn Store, plan: &Plan) -> Result<Vec<ConsoleChange>, StoreError> {
    let updated: Vec<&str> = plan
        .changes
        .iter()
        .flat_map(|c| &c.ops)
        .filter_map(|op| match op {
            Op::Update { id, .. } => Some(id.as_str()),
            Op::Insert { .. } => None,
        })
        .collect();
    if updated.is_empty() {
        return Ok(Vec::new());
    }
    let changes = console_changes_within(store, PLAN_WINDOW).await?;
    let mut found: Vec<ConsoleChange> = updated
        .into_iter()
        .filter_map(|id| changes.get(id).cloned())
        .collect();
    found.sort_by(|a, b| {
        (&a.prompt_name, &a.prompt_version).cmp(&(&b.prompt_name, &b.prompt_version))
    });
    found.dedup();
    Ok(found)
}
