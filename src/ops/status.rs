//! `promptctl status`: what runs where. Every environment's store is read at once, and each is
//! diffed against git's prompts as that environment runs them (its overlay applied), as Argo
//! CD's app-of-apps view shows every application's sync state.

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::DiffOptions;
use crate::prompt::Prompt;
use crate::settings::Settings;
use crate::store::Snapshot;

use super::OpsError;

/// One environment to read: its name and its settings, or why they could not be resolved.
pub struct Target {
    pub name: String,
    pub settings: Result<Settings, String>,
}

/// Every prompt in every environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The environments, in the order asked.
    pub environments: Vec<Environment>,
    /// One row per prompt name git or a store has, sorted by name.
    pub prompts: Vec<Row>,
}

/// One environment's store, or why it could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub name: String,
    /// Where its store is (no secrets); empty when its settings could not be resolved.
    pub store: String,
    pub read: Result<i64, String>,
}

/// A prompt: what git says, and what each environment runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub prompt_name: String,
    /// The active version in git and its model as written; `None` when git does not have it.
    pub git: Option<Running>,
    /// Per environment, in [`Status::environments`] order; `None` for an unreadable store.
    pub cells: Vec<Option<Cell>>,
}

/// What one environment runs for one prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The store's active production version; `None` when it has none.
    pub running: Option<Running>,
    /// Whether a plan for this environment would change the prompt.
    pub differs: bool,
}

/// A version and the model it runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub version: String,
    pub model: String,
}

impl Status {
    /// Whether any environment differs from git.
    pub fn differs(&self) -> bool {
        self.prompts
            .iter()
            .any(|row| row.cells.iter().flatten().any(|cell| cell.differs))
    }

    /// Whether some environment could not be read.
    pub fn unreadable(&self) -> bool {
        self.environments.iter().any(|e| e.read.is_err())
    }
}

/// Validate git's prompts once (with `base`), read every environment's store at once, and
/// diff each against the prompts as that environment runs them.
pub async fn status(base: &Settings, targets: &[Target]) -> Result<Status, OpsError> {
    // Every store is read at once, beside the validation: a slow or unreachable environment
    // holds up none of the others.
    let mut reading = tokio::task::JoinSet::new();
    for (index, target) in targets.iter().enumerate() {
        let settings = target.settings.clone();
        reading.spawn(async move { (index, read(settings).await) });
    }
    let validating = super::validate_files_in_background(base);
    let mut snapshots: Vec<Result<Snapshot, String>> = targets
        .iter()
        .map(|_| Err("reading the store stopped unexpectedly".to_owned()))
        .collect();
    let reading = async {
        while let Some(done) = reading.join_next().await {
            if let Ok((index, snapshot)) = done {
                snapshots[index] = snapshot;
            }
        }
    };
    let (validation, ()) = tokio::join!(validating, reading);
    let mut validation = validation?;
    if validation.diagnostics.has_errors() {
        return Err(OpsError::InvalidPrompts(Box::new(validation)));
    }
    let prompts = std::mem::take(&mut validation.prompts);
    let active: Vec<&Prompt> = prompts.iter().filter(|p| p.is_active()).collect();
    let mut names: BTreeSet<String> = active.iter().map(|p| p.prompt_name().to_owned()).collect();
    let mut environments = Vec::with_capacity(targets.len());
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(targets.len());
    for (target, read) in targets.iter().zip(snapshots) {
        let store = target
            .settings
            .as_ref()
            .map(|s| crate::store::redact(&s.store.url))
            .unwrap_or_default();
        match (read, target.settings.as_ref().map_err(Clone::clone)) {
            (Ok(snapshot), Ok(settings)) => {
                let column = column(settings, &prompts, &snapshot);
                names.extend(column.running.keys().cloned());
                environments.push(Environment {
                    name: target.name.clone(),
                    store,
                    read: Ok(snapshot.revision),
                });
                columns.push(Some(column));
            }
            (Err(why), _) | (_, Err(why)) => {
                environments.push(Environment {
                    name: target.name.clone(),
                    store,
                    read: Err(why),
                });
                columns.push(None);
            }
        }
    }
    let git: BTreeMap<&str, Running> = active
        .iter()
        .map(|p| {
            (
                p.prompt_name(),
                Running {
                    version: p.prompt_version().to_owned(),
                    model: p.ai_model().to_owned(),
                },
            )
        })
        .collect();
    let rows = names
        .into_iter()
        .map(|name| Row {
            git: git.get(name.as_str()).cloned(),
            cells: columns
                .iter()
                .map(|column| {
                    column.as_ref().map(|c| Cell {
                        running: c.running.get(&name).cloned(),
                        differs: c.differing.contains(&name),
                    })
                })
                .collect(),
            prompt_name: name,
        })
        .collect();
    Ok(Status {
        environments,
        prompts: rows,
    })
}

/// What one environment runs, and which prompts a plan would change there.
struct Column {
    running: BTreeMap<String, Running>,
    differing: BTreeSet<String>,
}

fn column(settings: &Settings, prompts: &[Prompt], snapshot: &Snapshot) -> Column {
    let plan = crate::plan::diff(
        &crate::overlay::overlaid(&settings.overlay, prompts, &settings.catalog),
        snapshot,
        &DiffOptions {
            default_model: settings.default_model.clone(),
            prune: false,
            targets: Vec::new(),
            store: String::new(),
        },
    );
    let differing = plan
        .changes
        .iter()
        .map(|c| c.prompt_name.clone())
        .chain(plan.errors.iter().map(|e| e.prompt_name.clone()))
        .collect();
    let running = snapshot
        .active_production()
        .into_iter()
        .map(|(name, row)| {
            (
                name.to_owned(),
                Running {
                    version: row.prompt_version.clone(),
                    model: row.ai_model.clone().unwrap_or_default(),
                },
            )
        })
        .collect();
    Column { running, differing }
}

/// One environment's snapshot, or why it could not be read (as a sentence). Read for a diff:
/// the matrix shows versions and models, never the templates such a read leaves out.
async fn read(settings: Result<Settings, String>) -> Result<Snapshot, String> {
    let settings = settings?;
    let store = super::open_store(&settings, crate::store::Access::Read)
        .await
        .map_err(|e| e.to_string())?;
    let snapshot = store.snapshot_for_diff().await.map_err(|e| e.to_string());
    store.close().await;
    snapshot
}
