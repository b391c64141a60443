//! The store as a whole: export, restore, the audit log.

use std::path::{Path, PathBuf};

use crate::formats::export_v1 as export;
use crate::settings::Settings;
use crate::store::{self, AuditEntry, Backup, Restore, Snapshot, Store, now_ms};

use super::OpsError;

/// What to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// A backup the store keeps (the rows a forced restore replaced) instead of its rows.
    pub backup: Option<String>,
}

/// Every row of the store, with its id and revision; or the rows of one of its backups.
pub async fn export(store: &dyn Store, options: &ExportOptions) -> Result<Snapshot, OpsError> {
    match &options.backup {
        None => Ok(store.snapshot().await?),
        Some(id) => store.backup(id).await?.ok_or_else(|| {
            OpsError::Refused(format!(
                "the store {} has no backup `{id}`; `promptctl history` names the backup of each forced restore",
                store.location()
            ))
        }),
    }
}

/// What to restore, and how.
#[derive(Clone, Debug)]
pub struct RestoreOptions {
    /// The export (or legacy export) to load.
    pub file: PathBuf,
    /// Replace the rows of a non-empty store (they are backed up first).
    pub force: bool,
    /// With `force`, let a file of no rows empty the store.
    pub allow_empty: bool,
    /// Legacy rows on a model the catalog no longer has (or that is retired) are moved to
    /// another, `(from, to)`, before anything is checked.
    pub map_models: Vec<(String, String)>,
}

/// A file read for a restore, checked, and its models mapped.
#[derive(Clone, Debug)]
pub struct ReadExport {
    pub restore: Restore,
    /// `(from, to, rows)` for each `--map-model` that moved rows.
    pub mapped: Vec<(String, String, usize)>,
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    /// Where the rows went (no secrets).
    pub store: String,
    /// The store's revision after the restore.
    pub revision: i64,
    /// Rows restored, and how many of them have no `ai_model`.
    pub rows: usize,
    pub without_model: usize,
    /// The file holding the rows a forced restore replaced, and how many.
    pub backup: Option<(PathBuf, usize)>,
    /// The same rows, kept inside the store.
    pub store_backup: Option<Backup>,
    /// What the restore let in but a change set would be refused for (a policy a row
    /// breaks).
    pub warnings: Vec<String>,
    /// Why the backup file could not be written (the store keeps the rows all the same).
    pub backup_failed: Option<String>,
}

/// Read the export `options` names, map its models, and check its rows against the project's
/// rules of record — the check the store runs again as it restores — before any store is
/// opened: a file that would be refused creates no store. Everything wrong with the file is
/// said at once: every row that does not read and every row the rules refuse, in file order,
/// with a `--map-model` to try for rows on models the catalog does not take.
pub fn read_export(settings: &Settings, options: &RestoreOptions) -> Result<ReadExport, OpsError> {
    let started = std::time::Instant::now();
    let file = options.file.display();
    let bytes = fs_err::read(&options.file)?;
    // A Convex snapshot export (a ZIP) is read for its ai_prompts table; anything else is
    // promptctl's JSON export or a legacy one.
    let text = if crate::formats::convex_zip::is_zip(&bytes) {
        crate::formats::convex_zip::documents(&bytes)
            .map_err(|error| OpsError::Refused(format!("cannot restore {file}: {error}")))?
    } else {
        String::from_utf8(bytes).map_err(|_| {
            OpsError::Refused(format!(
                "cannot restore {file}: not UTF-8 text (nor a Convex export's ZIP)"
            ))
        })?
    };
    let read = export::read_each(&text, now_ms())
        .map_err(|error| OpsError::Refused(format!("cannot restore {file}: {error}")))?;
    let export::RowsRead {
        mut restore,
        numbers,
        problems,
    } = read;
    tracing::debug!(
        "read {file} ({} bytes, {} rows) in {}",
        text.len(),
        restore.rows.len() + problems.len(),
        super::elapsed(started)
    );
    let mapped = map_models(&mut restore, &options.map_models, settings)?;
    let today = crate::time::today();
    let number = |index: usize| numbers.get(index).copied().unwrap_or(index + 1);
    let verdict =
        store::rules::check_restore_numbered(&settings.rules()?, &restore, &today, &number);
    if problems.is_empty() && verdict.refusals.is_empty() {
        return Ok(ReadExport { restore, mapped });
    }
    let mut lines: Vec<(usize, String)> = problems
        .iter()
        .map(|p| {
            (
                row_number(p.where_.as_deref().unwrap_or_default()),
                p.to_string(),
            )
        })
        .chain(
            verdict
                .refusals
                .iter()
                .map(|r| (row_number(&r.what), r.to_string())),
        )
        .collect();
    lines.sort_by_key(|(row, _)| *row);
    let mut rows: Vec<usize> = lines.iter().map(|(row, _)| *row).collect();
    rows.dedup();
    let mut message = format!(
        "cannot restore {file}: {} of its rows cannot be restored, so nothing was written:",
        rows.len()
    );
    for (_, line) in &lines {
        message.push_str(&format!("\n  - {}", crate::shown::shown_lines(line)));
    }
    for (model, rows, to) in unusable_models(&restore, settings, &today) {
        message.push_str(&format!(
            "\nhint: {rows} row{} on `{}`, which the catalog {}: restore with `--map-model {}={to}` to move them",
            if rows == 1 { "" } else { "s" },
            crate::shown::shown(&model),
            if settings.catalog.get(&model).is_some() { "has retired" } else { "does not have" },
            crate::shown::shown(&model),
        ));
    }
    Err(OpsError::Refused(message))
}

/// The row number a problem names (`row 12, field …`), for ordering.
fn row_number(what: &str) -> usize {
    what.strip_prefix("row ")
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// Move rows from one model to another, as `--map-model FROM=TO` asks: `TO` must be a model
/// the catalog takes today.
fn map_models(
    restore: &mut Restore,
    maps: &[(String, String)],
    settings: &Settings,
) -> Result<Vec<(String, String, usize)>, OpsError> {
    let today = crate::time::today();
    let mut mapped = Vec::new();
    for (from, to) in maps {
        match settings.catalog.get(to) {
            Some(model) if model.lifecycle(&today) != crate::catalog::Lifecycle::Retired => {}
            _ => {
                return Err(OpsError::Refused(format!(
                    "--map-model {from}={to}: `{to}` is not a model the catalog takes (see `promptctl models`)"
                )));
            }
        }
        let mut count = 0;
        for row in &mut restore.rows {
            if row.ai_model.as_deref() == Some(from.as_str()) {
                row.ai_model = Some(to.clone());
                count += 1;
            }
        }
        mapped.push((from.clone(), to.clone(), count));
    }
    Ok(mapped)
}

/// Models of the rows the catalog does not take today (unknown, or retired), with how many
/// rows are on each and the model to suggest: the successor, else the default model.
fn unusable_models(
    restore: &Restore,
    settings: &Settings,
    today: &str,
) -> Vec<(String, usize, String)> {
    let mut found: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for row in &restore.rows {
        let Some(model) = row.ai_model.as_deref() else {
            continue;
        };
        let usable = settings
            .catalog
            .get(model)
            .is_some_and(|m| m.lifecycle(today) != crate::catalog::Lifecycle::Retired);
        if !usable {
            *found.entry(model).or_default() += 1;
        }
    }
    found
        .into_iter()
        .map(|(model, rows)| {
            let to = settings
                .catalog
                .get(model)
                .and_then(|m| m.successor.clone())
                .unwrap_or_else(|| settings.default_model.clone());
            (model.to_owned(), rows, to)
        })
        .collect()
}

/// Load an export into the store. A file with any bad row (a value no write path may store,
/// a model outside the catalog) is refused whole, naming the row and field; with `force`, the
/// rows replaced are written under `.promptctl/backups/` and kept inside the store too.
pub async fn restore(
    store: &dyn Store,
    settings: &Settings,
    restore: &Restore,
    options: &RestoreOptions,
) -> Result<RestoreReport, OpsError> {
    // The rows a forced restore replaces: the store keeps them in the restore's own
    // transaction; a copy goes to a file too, once the restore has happened.
    let replaced = if options.force {
        Some(store.snapshot().await?).filter(|s| !s.rows.is_empty())
    } else {
        None
    };
    // The project's rules of record come with the rows, and judge them, as with an apply.
    let published = store.rules().await?;
    let restore_options = store::RestoreOptions {
        actor: settings.actor(),
        force: options.force,
        allow_empty: options.allow_empty,
        idempotency_key: None,
        request_sha256: None,
        rules: Some(store::RulesUpdate {
            expected_digest: published.as_ref().map(|p| p.rules.digest()),
            rules: settings.rules()?,
        }),
    };
    let outcome = store.restore(restore, &restore_options).await?;
    let (mut backup, mut backup_failed) = (None, None);
    if let Some(snapshot) = replaced {
        let path = backup_path(&settings.root, &snapshot);
        let written = path
            .parent()
            .map_or(Ok(()), fs_err::create_dir_all)
            .and_then(|()| crate::fsutil::write_atomic(&path, export::write(&snapshot).as_bytes()));
        // The store has them all the same: a file that cannot be written is no failure.
        match written {
            Ok(()) => backup = Some((path, snapshot.rows.len())),
            Err(error) => backup_failed = Some(format!("{}: {error}", path.display())),
        }
    }
    Ok(RestoreReport {
        store: store.location(),
        revision: outcome.revision,
        rows: outcome.restored,
        without_model: restore.rows.iter().filter(|r| r.lacks_model()).count(),
        backup,
        store_backup: outcome.backup,
        warnings: outcome.warnings,
        backup_failed,
    })
}

/// `.promptctl/backups/before-restore-<store_id>-r<revision>-<ms>.json` under the project.
fn backup_path(root: &Path, snapshot: &Snapshot) -> PathBuf {
    root.join(".promptctl").join("backups").join(format!(
        "before-restore-{}-r{}-{}.json",
        snapshot.store_id,
        snapshot.revision,
        now_ms()
    ))
}

/// Which audit entries to read.
#[derive(Clone, Debug)]
pub struct HistoryOptions {
    /// Only this prompt name; every entry when `None`.
    pub name: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// The audit log, newest first.
pub async fn history(
    store: &dyn Store,
    options: &HistoryOptions,
) -> Result<Vec<AuditEntry>, OpsError> {
    Ok(store
        .history(options.name.as_deref(), options.limit)
        .await?)
}

/// The audit entries of revisions after `revision`, newest first, read in growing pages until
/// one reaches back to it or `cap` entries are read; and whether every such entry was read.
pub async fn history_since(
    store: &dyn Store,
    revision: i64,
    cap: usize,
) -> Result<(Vec<AuditEntry>, bool), store::StoreError> {
    let mut limit = 1024.min(cap);
    loop {
        let entries = store.history(None, limit).await?;
        let reached =
            entries.len() < limit || entries.last().is_some_and(|e| e.revision <= revision);
        if reached || limit >= cap {
            let entries: Vec<AuditEntry> = entries
                .into_iter()
                .filter(|e| e.revision > revision)
                .collect();
            return Ok((entries, reached));
        }
        limit = (limit * 4).min(cap);
    }
}

/// Fields a create names with their values; the rest it names only.
const CREATE_SHOWN: [&str; 5] = [
    "ai_model",
    "is_active",
    "scope",
    "max_tokens",
    "temperature",
];

/// Fields the store keeps for itself, which a create's summary does not name.
const BOOKKEEPING: [&str; 11] = [
    "id",
    "prompt_name",
    "prompt_version",
    "created_at",
    "updated_at",
    "row_version",
    "created_by",
    "parent_prompt_id",
    "replaced_at",
    "replaced_by",
    "expires_at",
];

/// One audit entry's change in words, for `history` and the console: `ai_model: null →
/// "openai/gpt-5"` for an update; for a create, its model and flags with their values and the
/// other fields by name; the policy for a policy override.
pub fn change_summary(entry: &AuditEntry) -> String {
    use serde_json::Value;
    let render = crate::plan::render::value;
    let Some(Value::Object(after)) = &entry.after else {
        return String::new();
    };
    if entry.change == store::POLICY_OVERRIDE {
        let text = |key: &str| after.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        let prompts = after
            .get("prompts")
            .and_then(|p| p.as_array())
            .map_or(0, Vec::len);
        return format!(
            "policy {} passed for {prompts} prompt(s), overridden by {}",
            text("policy"),
            text("overridden_by")
        );
    }
    let Some(Value::Object(before)) = &entry.before else {
        let shown = CREATE_SHOWN
            .iter()
            .filter_map(|key| Some((key, after.get(*key)?)))
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| format!("{key}: {}", render(value)));
        // The fields the create set, by name; the store's own bookkeeping left out.
        let named: Vec<&str> = after
            .iter()
            .filter(|(key, value)| {
                !value.is_null()
                    && !CREATE_SHOWN.contains(&key.as_str())
                    && !BOOKKEEPING.contains(&key.as_str())
            })
            .map(|(key, _)| key.as_str())
            .collect();
        let mut parts: Vec<String> = shown.collect();
        if !named.is_empty() {
            parts.push(format!("with {}", named.join(", ")));
        }
        return parts.join("; ");
    };
    after
        .iter()
        .map(|(key, value)| {
            if matches!(
                key.as_str(),
                "prompt_template" | "input_schema" | "output_schema"
            ) {
                // Long text: the version diff shows it; here, that it changed.
                return format!("{key} changed");
            }
            let was = before.get(key).cloned().unwrap_or_default();
            format!("{key}: {} → {}", render(&was), render(value))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
