//! Any bytes as a restore file, restored into a real SQLite store, then the repository's
//! prompts planned and applied against it: the restore is refused with nothing written, or
//! lands; the apply is refused with nothing written, or lands, and a second plan then has
//! nothing to do and no row that was there is gone. Never a panic, whatever the file holds
//! (huge revisions and row versions, odd names, rows without models).
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use promptctl::apply::{ApplyOptions, apply};
use promptctl::catalog::Catalog;
use promptctl::formats::export_v1 as export;
use promptctl::plan::{DiffOptions, diff};
use promptctl::prompt::Prompt;
use promptctl::store::sqlite::SqliteStore;
use promptctl::store::{RestoreOptions, Store};
use promptctl::validate::Validator;

static PROMPTS: OnceLock<Vec<Prompt>> = OnceLock::new();
static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

fn prompts() -> &'static [Prompt] {
    PROMPTS.get_or_init(|| {
        let catalog = Catalog::builtin();
        let prompts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../prompts");
        Validator::new(&catalog, "openai/gpt-5")
            .validate_paths(&[prompts])
            .prompts
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(restore) = export::read(text, 1_700_000_000_000) else {
        return;
    };
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    });
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = SqliteStore::open(&dir.path().join("store.db"))
            .await
            .expect("a new store");
        let options = RestoreOptions {
            actor: "fuzz".to_owned(),
            ..RestoreOptions::default()
        };
        if store.restore(&restore, &options).await.is_err() {
            let snapshot = store
                .snapshot()
                .await
                .expect("a refused restore leaves a store");
            assert_eq!(snapshot.revision, 0, "a refused restore wrote");
            assert!(snapshot.rows.is_empty(), "a refused restore wrote");
            return;
        }
        let before = store.snapshot().await.expect("a restored store reads");
        let diff_options = DiffOptions {
            default_model: "openai/gpt-5".to_owned(),
            ..DiffOptions::default()
        };
        let plan = diff(prompts(), &before, &diff_options);
        let applying = ApplyOptions {
            actor: "fuzz",
            environment: None,
            saved: false,
        };
        let planned_cleanly = plan.errors.is_empty();
        let applied = apply(plan, &store, &applying, &|_, _| {}).await;
        let after = store
            .snapshot()
            .await
            .expect("the store reads after an apply");
        if applied.is_err() {
            assert_eq!(after, before, "a refused apply wrote");
            return;
        }
        for row in &before.rows {
            assert!(
                after.rows.iter().any(|r| r.id == row.id),
                "row {} is gone",
                row.id
            );
        }
        if planned_cleanly {
            let again = diff(prompts(), &after, &diff_options);
            assert!(
                again.changes.is_empty(),
                "not converged: {:#?}",
                again.changes
            );
        }
        store.close().await;
    });
});
