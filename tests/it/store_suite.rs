//! One suite of `Store` behaviour, run on every backend: SQLite, PostgreSQL (and, through the
//! server, HTTP). Each test gets a fresh store and the URL to open it again.

use promptctl::store::Restore;

use crate::common::stores::restoring;
use promptctl::store::{Action, ChangeSet, NewRow, Op, Patch, Scope, Store, StoreError};

fn new_row(name: &str, version: &str) -> NewRow {
    NewRow {
        prompt_name: name.to_owned(),
        prompt_version: version.to_owned(),
        prompt_template: format!("Template of {name} {version}: {{{{x}}}}").into(),
        description: Some("d".to_owned()),
        input_schema: Some(r#"{"properties":{"x":{"type":"string"}},"type":"object"}"#.to_owned()),
        output_schema: None,
        workflow_step: None,
        subsystem: Some("incidents".to_owned()),
        ai_model: "openai/gpt-5".to_owned(),
        max_tokens: Some(1000),
        temperature: None,
        canary_model: None,
        canary_percent: None,
        is_active: true,
    }
}

fn insert(name: &str, version: &str) -> Op {
    Op::Insert {
        action: Action::Create,
        row: new_row(name, version),
        expect_new_name: false,
    }
}

async fn changes(store: &dyn Store, ops: Vec<Op>) -> ChangeSet {
    ChangeSet {
        policy_overrides: Vec::new(),
        rules: None,
        store_id: store.snapshot().await.unwrap().store_id,
        actor: "tester".to_owned(),
        idempotency_key: None,
        request_sha256: None,
        ops,
    }
}

fn nothing(_: usize, _: usize) {}

/// Give the legacy row of `b` (without a model) `model`, as the store holds it now: its id and
/// row version as the store gave them (a Convex deployment assigns its own ids).
async fn backfill_b(store: &dyn Store, model: &str) -> Op {
    let snapshot = store.snapshot().await.unwrap();
    let b = snapshot.rows.iter().find(|r| r.prompt_name == "b").unwrap();
    Op::Update {
        action: Action::Backfill,
        id: b.id.clone(),
        expected_row_version: b.row_version,
        patch: Patch {
            ai_model: Some(model.to_owned()),
            ..Patch::default()
        },
    }
}

/// Give the legacy row `b-1` (at row_version 4, without a model) `model`.
fn backfill_b1(model: &str) -> Op {
    Op::Update {
        action: Action::Backfill,
        id: "b-1".to_owned(),
        expected_row_version: 4,
        patch: Patch {
            ai_model: Some(model.to_owned()),
            ..Patch::default()
        },
    }
}

/// A legacy store: rows with and without models, ids, versions.
fn legacy() -> Restore {
    promptctl::formats::export_v1::read(
        r#"[
        {"prompt_name":"a","prompt_version":"v1","prompt_template":"A1","ai_model":"openai/gpt-4o-mini","created_at":10},
        {"prompt_name":"a","prompt_version":"v0","prompt_template":"A0","is_active":false,"created_at":5},
        {"prompt_name":"b","prompt_version":"v1","prompt_template":"B1","ai_model":null,"created_at":11,"id":"b-1","row_version":4},
        {"prompt_name":"a","prompt_version":"v1","prompt_template":"A1 copy","scope":"developer","developer_session_id":"s1","created_at":12}
        ]"#,
        100,
    )
    .unwrap()
}

pub async fn a_new_store_is_empty_at_revision_zero(store: &dyn Store, _: &str) {
    let snapshot = store.snapshot().await.unwrap();
    assert!(snapshot.rows.is_empty());
    assert_eq!(snapshot.revision, 0);
    assert_eq!(snapshot.store_id.len(), 32);
}

pub async fn inserts_get_an_id_a_version_and_an_audit_entry(store: &dyn Store, _: &str) {
    let set = changes(store, vec![insert("a", "v1"), insert("b", "v1")]).await;
    let outcome = store.apply(&set, &nothing).await.unwrap();
    assert_eq!((outcome.revision, outcome.applied), (1, 2));
    let snapshot = store.snapshot().await.unwrap();
    assert_eq!(snapshot.revision, 1);
    let a = snapshot.rows.iter().find(|r| r.prompt_name == "a").unwrap();
    assert_eq!(a.row_version, 1);
    assert_eq!(a.ai_model.as_deref(), Some("openai/gpt-5"));
    assert_eq!(a.scope, Scope::Production);
    assert!(a.is_active);
    assert_eq!(a.created_by.as_deref(), Some("tester"));
    let history = store.history(None, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history
            .iter()
            .all(|e| e.change == "create" && e.revision == 1 && e.actor == "tester")
    );
    assert_eq!(store.history(Some("a"), 10).await.unwrap().len(), 1);
}

pub async fn updates_move_row_version_and_record_before_and_after(store: &dyn Store, _: &str) {
    store
        .apply(&changes(store, vec![insert("a", "v1")]).await, &nothing)
        .await
        .unwrap();
    let row = store.snapshot().await.unwrap().rows.remove(0);
    let update = Op::Update {
        action: Action::Update,
        id: row.id.clone(),
        expected_row_version: 1,
        patch: Patch {
            ai_model: Some("openai/gpt-5-mini".to_owned()),
            max_tokens: Some(None),
            ..Patch::default()
        },
    };
    store
        .apply(&changes(store, vec![update]).await, &nothing)
        .await
        .unwrap();
    let after = store.snapshot().await.unwrap().rows.remove(0);
    assert_eq!(after.row_version, 2);
    assert_eq!(after.ai_model.as_deref(), Some("openai/gpt-5-mini"));
    assert_eq!(after.max_tokens, None);
    assert_eq!(after.prompt_template, row.prompt_template);
    let entry = &store.history(Some("a"), 1).await.unwrap()[0];
    assert_eq!(entry.change, "update");
    assert_eq!(entry.before.as_ref().unwrap()["ai_model"], "openai/gpt-5");
    assert_eq!(
        entry.after.as_ref().unwrap()["ai_model"],
        "openai/gpt-5-mini"
    );
    assert_eq!(
        entry.after.as_ref().unwrap()["max_tokens"],
        serde_json::Value::Null
    );
}

pub async fn no_write_creates_a_row_without_a_model(store: &dyn Store, _: &str) {
    let mut row = new_row("a", "v1");
    row.ai_model = " ".to_owned();
    let set = changes(
        store,
        vec![Op::Insert {
            action: Action::Create,
            row,
            expect_new_name: true,
        }],
    )
    .await;
    assert!(matches!(
        store.apply(&set, &nothing).await,
        Err(StoreError::Refused(refusals)) if refusals[0].field.as_deref() == Some("ai_model")
    ));
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let clear = Op::Update {
        action: Action::Update,
        id: "b-1".to_owned(),
        expected_row_version: 4,
        patch: Patch {
            ai_model: Some(String::new()),
            ..Patch::default()
        },
    };
    assert!(matches!(
        store
            .apply(&changes(store, vec![clear]).await, &nothing)
            .await,
        Err(StoreError::Refused(_))
    ));
}

pub async fn a_stale_precondition_refuses_the_whole_set_and_lists_every_conflict(
    store: &dyn Store,
    _: &str,
) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let a1 = before
        .rows
        .iter()
        .find(|r| r.prompt_name == "a" && r.prompt_version == "v1" && r.scope == Scope::Production)
        .unwrap();
    let ops = vec![
        backfill_b(store, "openai/gpt-5").await,
        Op::Update {
            action: Action::Update,
            id: a1.id.clone(),
            expected_row_version: a1.row_version + 7,
            patch: Patch {
                description: Some(Some("x".to_owned())),
                ..Patch::default()
            },
        },
        Op::Update {
            action: Action::Update,
            id: "gone".to_owned(),
            expected_row_version: 1,
            patch: Patch {
                is_active: Some(false),
                ..Patch::default()
            },
        },
        insert("a", "v0"),
    ];
    let Err(StoreError::Conflict(conflicts)) =
        store.apply(&changes(store, ops).await, &nothing).await
    else {
        panic!("expected conflicts");
    };
    assert_eq!(conflicts.len(), 3, "{conflicts:?}");
    assert_eq!(conflicts[0].id.as_deref(), Some(a1.id.as_str()));
    assert_eq!(conflicts[0].actual_row_version, Some(a1.row_version));
    assert_eq!(conflicts[1].id.as_deref(), Some("gone"));
    assert_eq!(
        (
            conflicts[2].prompt_name.as_str(),
            conflicts[2].prompt_version.as_str()
        ),
        ("a", "v0")
    );
    assert_eq!(
        store.snapshot().await.unwrap(),
        before,
        "nothing may be written"
    );
}

pub async fn a_change_set_for_another_store_is_refused(store: &dyn Store, _: &str) {
    let mut set = changes(store, vec![insert("a", "v1")]).await;
    set.store_id = "someone-else".to_owned();
    assert!(matches!(
        store.apply(&set, &nothing).await,
        Err(StoreError::WrongStore { .. })
    ));
    assert!(store.snapshot().await.unwrap().rows.is_empty());
}

pub async fn a_failure_in_the_middle_leaves_the_store_as_before(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    // Both inserts pass the precondition check (neither exists yet); the second breaks the
    // unique index mid-transaction, after the backfill and the first insert were written.
    let ops = vec![
        backfill_b(store, "openai/gpt-5").await,
        insert("c", "v1"),
        insert("c", "v1"),
    ];
    assert!(
        store
            .apply(&changes(store, ops).await, &nothing)
            .await
            .is_err()
    );
    assert_eq!(store.snapshot().await.unwrap(), before);
    assert_eq!(
        store.history(None, 100).await.unwrap().len(),
        1,
        "only the restore is logged"
    );
}

pub async fn a_retried_change_set_applies_once(store: &dyn Store, _: &str) {
    let mut set = changes(store, vec![insert("a", "v1")]).await;
    set.idempotency_key = Some("key-1".to_owned());
    let first = store.apply(&set, &nothing).await.unwrap();
    let second = store.apply(&set, &nothing).await.unwrap();
    assert_eq!(first, second);
    let snapshot = store.snapshot().await.unwrap();
    assert_eq!((snapshot.rows.len(), snapshot.revision), (1, 1));
}

pub async fn restore_takes_legacy_rows_into_an_empty_store_only(store: &dyn Store, _: &str) {
    let outcome = store.restore(&legacy(), &restoring(false)).await.unwrap();
    assert_eq!(
        (outcome.revision, outcome.restored, outcome.backup),
        (1, 4, None)
    );
    let snapshot = store.snapshot().await.unwrap();
    assert_eq!(snapshot.rows.len(), 4);
    assert_eq!(snapshot.rows.iter().filter(|r| r.lacks_model()).count(), 3);
    let b = snapshot.rows.iter().find(|r| r.id == "b-1").unwrap();
    assert_eq!((b.row_version, b.updated_at, b.created_at), (4, 11, 11));
    assert!(matches!(
        store.restore(&legacy(), &restoring(false)).await,
        Err(StoreError::NotEmpty { rows: 4 })
    ));

    let mut backup = legacy();
    backup.store_id = Some("restored-id".to_owned());
    backup.revision = Some(40);
    backup.rows.truncate(1);
    let outcome = store.restore(&backup, &restoring(true)).await.unwrap();
    assert_eq!((outcome.revision, outcome.restored), (41, 1));
    let after = store.snapshot().await.unwrap();
    assert_eq!(
        (after.store_id.as_str(), after.revision, after.rows.len()),
        ("restored-id", 41, 1)
    );
    let entry = &store.history(None, 10).await.unwrap()[0];
    assert_eq!(entry.change, "restore");

    // Nothing is lost: the replaced rows are kept in the store, named in the outcome and the
    // audit log.
    let kept = outcome
        .backup
        .expect("a forced restore keeps what it replaces");
    assert_eq!((kept.rows, kept.revision), (4, 1));
    assert_eq!(entry.after.as_ref().unwrap()["backup"], kept.id.as_str());
    let rows = store.backup(&kept.id).await.unwrap().unwrap();
    assert_eq!(rows, snapshot, "the backup holds the rows as they were");
    assert!(store.backup("no-such-backup").await.unwrap().is_none());
}

pub async fn a_forced_restore_of_nothing_must_be_meant(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let empty = promptctl::formats::export_v1::read("[]", 0).unwrap();
    let error = store.restore(&empty, &restoring(true)).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Invalid(m) if m.contains("would empty the store")),
        "{error}"
    );
    assert_eq!(store.snapshot().await.unwrap(), before);
    let meant = promptctl::store::RestoreOptions {
        allow_empty: true,
        ..restoring(true)
    };
    let outcome = store.restore(&empty, &meant).await.unwrap();
    assert_eq!(outcome.backup.as_ref().map(|b| b.rows), Some(4));
    assert!(store.snapshot().await.unwrap().rows.is_empty());
}

pub async fn a_retried_restore_applies_once(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let mut smaller = legacy();
    smaller.rows.truncate(2);
    let keyed = promptctl::store::RestoreOptions {
        idempotency_key: Some("restore-1".to_owned()),
        ..restoring(true)
    };
    let first = store.restore(&smaller, &keyed).await.unwrap();
    let second = store.restore(&smaller, &keyed).await.unwrap();
    assert_eq!(first, second, "the retry returns the first outcome");
    let snapshot = store.snapshot().await.unwrap();
    assert_eq!(
        (snapshot.revision, snapshot.rows.len()),
        (first.revision, 2)
    );
    let restores = store
        .history(None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.change == "restore")
        .count();
    assert_eq!(
        restores, 2,
        "one for the first restore, one for the forced one"
    );
}

pub async fn concurrent_change_sets_never_both_write_a_row(store: &dyn Store, url: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let other = crate::common::stores::reopen(url).await;
    let store_id = store.snapshot().await.unwrap().store_id;
    let b_before = backfill_b(store, "openai/gpt-5").await;
    let set_for = async |model: &str| ChangeSet {
        policy_overrides: Vec::new(),
        rules: None,
        store_id: String::new(),
        actor: model.to_owned(),
        idempotency_key: None,
        request_sha256: None,
        ops: vec![backfill_b(store, model).await],
    };
    let mut first = set_for("openai/gpt-5").await;
    let mut second = set_for("openai/gpt-5-mini").await;
    first.store_id.clone_from(&store_id);
    second.store_id = store_id;
    let (a, b) = tokio::join!(
        store.apply(&first, &nothing),
        other.apply(&second, &nothing)
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one must win: {a:?} {b:?}");
    let winner = if a.is_ok() {
        "openai/gpt-5"
    } else {
        "openai/gpt-5-mini"
    };
    let loser = if a.is_err() { a } else { b };
    assert!(matches!(loser, Err(StoreError::Conflict(_))));
    let snapshot = store.snapshot().await.unwrap();
    let Op::Update {
        id,
        expected_row_version,
        ..
    } = b_before
    else {
        unreachable!()
    };
    let row = snapshot.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.ai_model.as_deref(), Some(winner));
    assert_ne!(row.row_version, expected_row_version, "the winner moved it");
    assert_eq!(snapshot.revision, 2);
}

pub async fn a_change_set_that_changes_nothing_writes_nothing(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let logged = store.history(None, 100).await.unwrap().len();
    let a1 = before
        .rows
        .iter()
        .find(|r| r.prompt_name == "a" && r.prompt_version == "v1" && r.scope == Scope::Production)
        .unwrap();
    let update = |patch: Patch| Op::Update {
        action: Action::Update,
        id: a1.id.clone(),
        expected_row_version: a1.row_version,
        patch,
    };
    let nothing_set = Patch::default();
    let same_values = Patch {
        ai_model: a1.ai_model.clone(),
        max_tokens: Some(a1.max_tokens),
        description: Some(a1.description.clone()),
        is_active: Some(a1.is_active),
        ..Patch::default()
    };
    for ops in [
        vec![],
        vec![update(nothing_set)],
        vec![update(same_values.clone())],
    ] {
        let outcome = store
            .apply(&changes(store, ops.clone()).await, &nothing)
            .await
            .unwrap();
        assert_eq!(
            (outcome.revision, outcome.applied),
            (before.revision, 0),
            "{ops:?}"
        );
        assert_eq!(
            store.snapshot().await.unwrap(),
            before,
            "{ops:?} changed the store"
        );
        assert_eq!(store.history(None, 100).await.unwrap().len(), logged);
    }
    // With a real change beside it, only the real change is written and audited.
    let backfill = backfill_b(store, "openai/gpt-5").await;
    let Op::Update { id: b_id, .. } = &backfill else {
        unreachable!()
    };
    let b_id = b_id.clone();
    let outcome = store
        .apply(
            &changes(store, vec![update(same_values), backfill]).await,
            &nothing,
        )
        .await
        .unwrap();
    assert_eq!(
        (outcome.revision, outcome.applied),
        (before.revision + 1, 1)
    );
    let after = store.snapshot().await.unwrap();
    let a1_after = after.rows.iter().find(|r| r.id == a1.id).unwrap();
    assert_eq!(a1_after, a1, "the unchanged row kept its row_version");
    let history = store.history(None, 100).await.unwrap();
    assert_eq!(history.len(), logged + 1);
    assert_eq!(history[0].row_id.as_deref(), Some(b_id.as_str()));
}

pub async fn values_no_path_could_make_are_refused(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let mut bad_name = new_row("a\nforged", "v1");
    bad_name.prompt_name = "a\nforged log line".to_owned();
    let mut negative_tokens = new_row("c", "v1");
    negative_tokens.max_tokens = Some(-5);
    let mut hot = new_row("c", "v1");
    hot.temperature = Some(9.0);
    let mut broken_schema = new_row("c", "v1");
    broken_schema.input_schema = Some("{oops".to_owned());
    let insert_of = |row: NewRow| Op::Insert {
        action: Action::Create,
        row,
        expect_new_name: false,
    };
    let cases = vec![
        (vec![insert_of(bad_name)], "prompt_name"),
        (vec![insert_of(negative_tokens)], "max_tokens"),
        (vec![insert_of(hot)], "temperature"),
        (vec![insert_of(broken_schema)], "input_schema"),
        (vec![insert("c", "v1"), insert("c", "v1")], "inserted twice"),
    ];
    for (ops, named) in cases {
        let error = store
            .apply(&changes(store, ops).await, &nothing)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Refused(_) if error.to_string().contains(named)),
            "{named}: {error}"
        );
        assert!(
            !error.to_string().contains("a\nforged"),
            "a name's newline is printed escaped: {error}"
        );
    }
    assert_eq!(store.snapshot().await.unwrap(), before);
}

pub async fn the_diff_read_and_whole_rows_give_back_the_snapshot(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let whole = store.snapshot().await.unwrap();
    let mut read = store.snapshot_for_diff().await.unwrap();
    assert_eq!(read.revision, whole.revision);
    for row in &read.rows {
        if let Some(digest) = &row.template_sha256 {
            let stored = whole.rows.iter().find(|r| r.id == row.id).unwrap();
            assert_eq!(
                *digest,
                promptctl::store::template_sha256(&stored.prompt_template)
            );
        }
    }
    let ids: Vec<String> = read.rows.iter().map(|r| r.id.clone()).collect();
    let (revision, rows) = store.rows_by_id(&ids).await.unwrap();
    assert_eq!(revision, whole.revision);
    for row in &mut read.rows {
        let stored = rows.iter().find(|r| r.id == row.id).unwrap();
        row.prompt_template.clone_from(&stored.prompt_template);
        row.template_sha256 = None;
    }
    assert_eq!(read, whole);
}

/// The rules of record on every backend: what `validate` refuses in a prompt file no write
/// stores, whichever way it comes, and nothing is written.
pub async fn what_validate_refuses_no_write_stores(store: &dyn Store, _: &str) {
    store.restore(&legacy(), &restoring(false)).await.unwrap();
    let before = store.snapshot().await.unwrap();
    let a1 = before
        .rows
        .iter()
        .find(|r| r.prompt_name == "a" && r.is_active && r.scope == Scope::Production)
        .unwrap()
        .clone();
    let mut evil = new_row("evil", "v1");
    evil.prompt_name = "../../evil".to_owned();
    let mut retired = new_row("c", "v1");
    retired.ai_model = "anthropic/claude-3-sonnet".to_owned();
    let mut warm = new_row("d", "v1");
    warm.temperature = Some(0.2);
    let mut undeclared = new_row("e", "v1");
    undeclared.prompt_template = "Hi {{whom}}.".into();
    let mut too_long = new_row("f", "v1");
    too_long.ai_model = "openai/gpt-4o-mini".to_owned();
    too_long.max_tokens = Some(100_000);
    let insert_of = |row: NewRow| Op::Insert {
        action: Action::Create,
        row,
        expect_new_name: false,
    };
    let to_retired = Op::Update {
        action: Action::Update,
        id: a1.id.clone(),
        expected_row_version: a1.row_version,
        patch: Patch {
            ai_model: Some("anthropic/claude-3-sonnet".to_owned()),
            ..Patch::default()
        },
    };
    let cases = vec![
        (insert_of(evil), "invalid-prompt-name"),
        (insert_of(retired), "retired-model"),
        (insert_of(warm), "temperature-unsupported"),
        (insert_of(undeclared), "undeclared-variable"),
        (insert_of(too_long), "max-tokens-exceeds-model"),
        (to_retired, "retired-model"),
    ];
    for (op, code) in cases {
        let error = store
            .apply(&changes(store, vec![op]).await, &nothing)
            .await
            .unwrap_err();
        match &error {
            StoreError::Refused(refusals) => assert!(
                refusals.iter().any(|r| r.rule.code() == code),
                "{code}: {error}"
            ),
            other => panic!("{code}: {other}"),
        }
    }
    let mut hostile = legacy();
    hostile.rows[0].prompt_name = "../../evil".to_owned();
    let error = store.restore(&hostile, &restoring(true)).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Refused(_) if error.to_string().contains("invalid-prompt-name")),
        "{error}"
    );
    assert_eq!(store.snapshot().await.unwrap(), before, "nothing written");
}

/// Rules published with a write hold for the writes after it: a mandatory policy refuses,
/// naming itself; a soft-mandatory one passes only with the override the plan recorded; a
/// write made against other rules than the store holds now is stale.
pub async fn published_rules_judge_the_writes_that_follow(store: &dyn Store, _: &str) {
    use promptctl::policy::{Enforcement, Policy, PolicyMatch};
    use promptctl::store::{Rules, RulesUpdate};
    assert!(store.rules().await.unwrap().is_none(), "none published yet");
    let policy = |name: &str, enforcement: Enforcement, step: &str| Policy {
        name: name.to_owned(),
        matches: Some(PolicyMatch {
            workflow_step: Some(step.to_owned()),
            ..PolicyMatch::default()
        }),
        allowed_tiers: Some(vec![promptctl::catalog::Tier::CostEffective]),
        allowed_models: None,
        allowed_providers: None,
        forbid_deprecated: false,
        max_input_cost_per_1m: None,
        max_output_cost_per_1m: None,
        max_monthly_cost_usd: None,
        require_max_tokens: false,
        enforcement,
        environments: None,
    };
    let rules = Rules {
        policies: vec![
            policy("cheap-questions", Enforcement::HardMandatory, "questions"),
            policy("cheap-mock", Enforcement::SoftMandatory, "mock"),
        ],
        ..Rules::builtin()
    };
    let row_on = |name: &str, step: &str, model: &str| {
        let mut row = new_row(name, "v1");
        row.workflow_step = Some(step.to_owned());
        row.ai_model = model.to_owned();
        Op::Insert {
            action: Action::Create,
            row,
            expect_new_name: true,
        }
    };
    let mut publish = changes(store, vec![row_on("q", "questions", "openai/gpt-4o-mini")]).await;
    publish.rules = Some(RulesUpdate {
        rules: rules.clone(),
        expected_digest: None,
    });
    store.apply(&publish, &nothing).await.unwrap();
    let published = store.rules().await.unwrap().unwrap();
    assert_eq!(published.rules, rules);
    assert_eq!(published.revision, 1);

    let premium = changes(store, vec![row_on("q2", "questions", "openai/gpt-5")]).await;
    let error = store.apply(&premium, &nothing).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("hard-mandatory policy `cheap-questions`"),
        "{error}"
    );
    let mut soft = changes(store, vec![row_on("m", "mock", "openai/gpt-5")]).await;
    assert!(
        store.apply(&soft, &nothing).await.is_err(),
        "not overridden"
    );
    soft.policy_overrides = vec![promptctl::store::PolicyOverride {
        policy: "cheap-mock".to_owned(),
        actor: "alice".to_owned(),
        prompts: vec!["m".to_owned()],
    }];
    store.apply(&soft, &nothing).await.unwrap();
    let mut hard = premium.clone();
    hard.policy_overrides = vec![promptctl::store::PolicyOverride {
        policy: "cheap-questions".to_owned(),
        actor: "alice".to_owned(),
        prompts: vec!["q2".to_owned()],
    }];
    assert!(
        store.apply(&hard, &nothing).await.is_err(),
        "a hard-mandatory policy cannot be overridden"
    );
    let mut stale = changes(store, Vec::new()).await;
    stale.rules = Some(RulesUpdate {
        rules: Rules::builtin(),
        expected_digest: None,
    });
    assert!(
        matches!(
            store.apply(&stale, &nothing).await,
            Err(StoreError::Conflict(_))
        ),
        "made against no rules, the store holds some"
    );
    let history = store.history(None, 50).await.unwrap();
    assert_eq!(
        history.iter().filter(|e| e.change == "rules").count(),
        1,
        "published once, audited"
    );
}

/// A write that only turns rows off is never refused for their model, even one the rules no
/// longer have.
pub async fn turning_a_row_off_is_never_refused_for_its_model(store: &dyn Store, _: &str) {
    use promptctl::store::{Rules, RulesUpdate};
    let acme: promptctl::catalog::Model = promptctl::yaml::from_str(
        "id: acme/old\nname: Old\nprovider: acme\ninput_cost_per_1m: 1\noutput_cost_per_1m: 1\ncontext_window: 8000\nmax_output_tokens: 4000\nsupports_temperature: true\ntier: mid-range\n",
    )
    .unwrap();
    let mut models = promptctl::catalog::Catalog::builtin().models().to_vec();
    models.push(acme);
    let with_acme = Rules {
        catalog: promptctl::catalog::Catalog::from_models(models, "test").unwrap(),
        ..Rules::builtin()
    };
    let mut row = new_row("a", "v1");
    row.ai_model = "acme/old".to_owned();
    let mut set = changes(
        store,
        vec![Op::Insert {
            action: Action::Create,
            row,
            expect_new_name: true,
        }],
    )
    .await;
    set.rules = Some(RulesUpdate {
        rules: with_acme.clone(),
        expected_digest: None,
    });
    store.apply(&set, &nothing).await.unwrap();
    let a = store.snapshot().await.unwrap().rows.remove(0);
    // The project drops the model, and the plan turns the row off with the new rules.
    let mut off = changes(
        store,
        vec![Op::Update {
            action: Action::Deactivate,
            id: a.id.clone(),
            expected_row_version: a.row_version,
            patch: Patch {
                is_active: Some(false),
                ..Patch::default()
            },
        }],
    )
    .await;
    off.rules = Some(RulesUpdate {
        rules: Rules::builtin(),
        expected_digest: Some(with_acme.digest()),
    });
    store.apply(&off, &nothing).await.unwrap();
    assert!(!store.snapshot().await.unwrap().rows[0].is_active);
}

/// A revision or row version past what a store counts to is refused on restore: one would
/// wrap at the next write (and every server's cache, which only moves forward, would ignore
/// the store from then on), the other would overflow its column.
pub async fn counters_past_what_a_store_counts_to_are_refused(store: &dyn Store, _: &str) {
    let before = store.snapshot().await.unwrap();
    let mut high_revision = legacy();
    high_revision.revision = Some(i64::MAX);
    let mut high_row = legacy();
    high_row.rows[0].row_version = i64::MAX;
    for (what, restore) in [("revision", high_revision), ("row_version", high_row)] {
        let error = store
            .restore(&restore, &restoring(false))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Refused(_) if error.to_string().contains(&format!("field `{what}`"))),
            "{what}: {error}"
        );
    }
    assert_eq!(store.snapshot().await.unwrap(), before);
    let mut top = legacy();
    top.revision = Some(promptctl::store::values::MAX_COUNTER - 2);
    store.restore(&top, &restoring(false)).await.unwrap();
    let a = store
        .snapshot()
        .await
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.prompt_name == "b")
        .unwrap();
    let error = store
        .apply(
            &changes(store, vec![backfill_b1("openai/gpt-5")]).await,
            &nothing,
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no room to count"), "{error}");
    assert_eq!(a.row_version, 4);
}

macro_rules! suite {
    ($runner:ident: $($test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                crate::common::stores::$runner(super::$test).await;
            }
        )*
    };
}

macro_rules! backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            suite!(on_sqlite: $($test),*);
        }
        mod postgres {
            suite!(on_postgres: $($test),*);
        }
        mod http_sqlite {
            suite!(on_http_sqlite: $($test),*);
        }
        mod http_postgres {
            suite!(on_http_postgres: $($test),*);
        }
    };
}

/// The suite on a Convex deployment (promptctl.ts under convex-test, over the deployment API).
/// What cannot hold there, and why:
/// - `a_new_store_is_empty_at_revision_zero`: a deployment promptctl never wrote to has no
///   store id yet (`""`): queries cannot write, so the first apply mints it.
/// - `inserts_get_an_id_a_version_and_an_audit_entry`,
///   `updates_move_row_version_and_record_before_and_after`: a row's `row_version` is its
///   precondition, a digest of its fields, not a counter from 1; and `created_by` is the
///   story's id of `users`, so the actor is in the audit log only.
/// - `a_retried_change_set_applies_once`, `a_retried_restore_applies_once`: Convex's HTTP API
///   has no idempotency keys, and promptctl never retries a mutation (a lost answer is
///   "outcome unknown", exit 3).
/// - `restore_takes_legacy_rows_into_an_empty_store_only`,
///   `a_forced_restore_of_nothing_must_be_meant`, `counters_past_what_a_store_counts_to_are_refused`:
///   Convex assigns its own ids and a restore keeps no `row_version`; a forced restore (which
///   would delete the app's documents) is not built and says so.
mod convex {
    suite!(on_convex:
        no_write_creates_a_row_without_a_model,
        a_stale_precondition_refuses_the_whole_set_and_lists_every_conflict,
        a_change_set_for_another_store_is_refused,
        a_failure_in_the_middle_leaves_the_store_as_before,
        concurrent_change_sets_never_both_write_a_row,
        a_change_set_that_changes_nothing_writes_nothing,
        values_no_path_could_make_are_refused,
        the_diff_read_and_whole_rows_give_back_the_snapshot,
        what_validate_refuses_no_write_stores,
        published_rules_judge_the_writes_that_follow,
        turning_a_row_off_is_never_refused_for_its_model,
    );
}

/// The suite on Langfuse (the stand-in of its public prompts API). Langfuse has no transaction
/// across prompts, no revision, no audit log and no rules of record, and promptctl does not
/// restore into it, so most of the suite cannot hold there:
/// - every test that starts from `store restore` (legacy rows) — restore is not available;
/// - `a_new_store_is_empty_at_revision_zero`, `inserts_get_an_id_a_version_and_an_audit_entry`,
///   `updates_move_row_version_and_record_before_and_after`: no revision, no history; the row
///   version is a digest of the version's text, config and labels, not a counter;
/// - `a_retried_change_set_applies_once`: no idempotency keys;
/// - `a_failure_in_the_middle_leaves_the_store_as_before`, `concurrent_change_sets_never_both_write_a_row`:
///   atomicity; what Langfuse gets instead (fixed order, each precondition checked again just
///   before its write, stop at the first failure, the landed/not-landed report, exit 3 for a
///   lost answer) is tested in `langfuse.rs`;
/// - `published_rules_judge_the_writes_that_follow`: no rules of record to publish.
mod langfuse {
    suite!(on_langfuse:
        a_change_set_for_another_store_is_refused,
        turning_a_row_off_is_never_refused_for_its_model,
    );
}

backends!(
    a_new_store_is_empty_at_revision_zero,
    inserts_get_an_id_a_version_and_an_audit_entry,
    updates_move_row_version_and_record_before_and_after,
    no_write_creates_a_row_without_a_model,
    a_stale_precondition_refuses_the_whole_set_and_lists_every_conflict,
    a_change_set_for_another_store_is_refused,
    a_failure_in_the_middle_leaves_the_store_as_before,
    a_retried_change_set_applies_once,
    restore_takes_legacy_rows_into_an_empty_store_only,
    concurrent_change_sets_never_both_write_a_row,
    a_change_set_that_changes_nothing_writes_nothing,
    values_no_path_could_make_are_refused,
    a_forced_restore_of_nothing_must_be_meant,
    a_retried_restore_applies_once,
    the_diff_read_and_whole_rows_give_back_the_snapshot,
    what_validate_refuses_no_write_stores,
    published_rules_judge_the_writes_that_follow,
    turning_a_row_off_is_never_refused_for_its_model,
    counters_past_what_a_store_counts_to_are_refused,
);
