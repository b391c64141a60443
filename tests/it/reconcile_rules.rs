//! One test per reconciliation rule of SPEC §4 (docs/SPEC.md), on prompts and store rows built
//! in the test and the pure `plan::diff`: create, update, replace, backfill, deactivate, the
//! `!` error, and where two rules meet one row, the precedences.

use std::path::Path;

use promptctl::catalog::Catalog;
use promptctl::plan::{Action, DiffOptions, Plan, diff};
use promptctl::prompt::Prompt;
use promptctl::store::{Op, Patch, Snapshot};
use promptctl::validate::Validator;
use serde_json::{Value, json};

const DEFAULT: &str = "openai/gpt-5";

/// A prompt from git, as a file would hold it (`extra`: more `key: value` lines).
fn prompt(name: &str, version: &str, model: &str, extra: &str) -> Prompt {
    prompt_file(&format!(
        "prompt_name: {name}\nprompt_version: {version}\nai_model: {model}\n{extra}prompt_template: Template of {name}.\n"
    ))
}

fn prompt_file(text: &str) -> Prompt {
    let catalog = Catalog::builtin();
    Validator::new(&catalog, DEFAULT)
        .validate_text(Path::new("prompts/x.yaml"), text)
        .unwrap()
}

/// A store row (legacy fields allowed) with the template `prompt` would give it.
fn row(id: &str, name: &str, version: &str, fields: Value) -> Value {
    let mut row = json!({"id": id, "prompt_name": name, "prompt_version": version,
                         "prompt_template": format!("Template of {name}."), "created_at": 1});
    for (key, value) in fields.as_object().unwrap() {
        row[key] = value.clone();
    }
    row
}

fn store(rows: Vec<Value>) -> Snapshot {
    Snapshot {
        store_id: "s".to_owned(),
        revision: 3,
        rows: promptctl::formats::export_v1::read_value(Value::Array(rows), 0)
            .unwrap()
            .rows,
    }
}

fn plan(prompts: &[Prompt], snapshot: &Snapshot, prune: bool) -> Plan {
    diff(
        prompts,
        snapshot,
        &DiffOptions {
            default_model: DEFAULT.to_owned(),
            prune,
            targets: Vec::new(),
            store: "test".to_owned(),
        },
    )
}

fn actions(plan: &Plan) -> Vec<(Action, String, String)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.prompt_name.clone(), c.prompt_version.clone()))
        .collect()
}

fn patch_of(op: &Op) -> &Patch {
    match op {
        Op::Update { patch, .. } => patch,
        Op::Insert { .. } => panic!("an insert: {op:?}"),
    }
}

#[test]
fn create_a_name_git_has_and_the_store_does_not() {
    let plan = plan(
        &[prompt("a", "v1", "openai/gpt-5-mini", "")],
        &store(vec![]),
        false,
    );
    assert_eq!(actions(&plan), [(Action::Create, "a".into(), "v1".into())]);
    let change = &plan.changes[0];
    assert!(matches!(
        &change.ops[..],
        [Op::Insert { row, expect_new_name: true, .. }]
            if row.ai_model == "openai/gpt-5-mini" && row.is_active
    ));
    assert!(change.fields().values().all(|f| f.before.is_null()));
    assert_eq!(
        change.fields()["ai_model"].after,
        json!("openai/gpt-5-mini")
    );
}

#[test]
fn update_a_mutable_field_in_place() {
    let snapshot = store(vec![row(
        "a1",
        "a",
        "v1",
        json!({"ai_model": "openai/gpt-4o-mini", "max_tokens": 100}),
    )]);
    let plan = plan(
        &[prompt("a", "v1", "openai/gpt-4o-mini", "max_tokens: 200\n")],
        &snapshot,
        false,
    );
    assert_eq!(actions(&plan), [(Action::Update, "a".into(), "v1".into())]);
    let change = &plan.changes[0];
    assert_eq!(change.fields().keys().collect::<Vec<_>>(), ["max_tokens"]);
    assert_eq!(
        patch_of(&change.ops[0]),
        &Patch {
            max_tokens: Some(Some(200)),
            ..Patch::default()
        }
    );
}

#[test]
fn replace_the_active_version_with_git_s() {
    let snapshot = store(vec![row(
        "a1",
        "a",
        "v1",
        json!({"ai_model": "openai/gpt-5"}),
    )]);
    let new = prompt_file(
        "prompt_name: a\nprompt_version: v2\nai_model: openai/gpt-5\nprompt_template: A new template.\n",
    );
    let plan = plan(&[new], &snapshot, false);
    assert_eq!(actions(&plan), [(Action::Replace, "a".into(), "v2".into())]);
    let change = &plan.changes[0];
    assert_eq!(change.replaces, ["v1"]);
    assert!(matches!(
        &change.ops[0],
        Op::Insert {
            expect_new_name: false,
            ..
        }
    ));
    assert_eq!(
        patch_of(&change.ops[1]),
        &Patch {
            is_active: Some(false),
            replaced_by: Some(Some("v2".to_owned())),
            ..Patch::default()
        }
    );
    // It shows what differs from the version it replaces, no more.
    assert_eq!(
        change.fields().keys().collect::<Vec<_>>(),
        ["prompt_template", "prompt_version"]
    );
}

#[test]
fn replace_by_turning_an_older_version_on_again() {
    let snapshot = store(vec![
        row(
            "a1",
            "a",
            "v1",
            json!({"ai_model": "openai/gpt-5", "is_active": false}),
        ),
        row("a2", "a", "v2", json!({"ai_model": "openai/gpt-5"})),
    ]);
    let plan = plan(&[prompt("a", "v1", "openai/gpt-5", "")], &snapshot, false);
    assert_eq!(actions(&plan), [(Action::Replace, "a".into(), "v1".into())]);
    let change = &plan.changes[0];
    assert_eq!(change.replaces, ["v2"]);
    assert_eq!(patch_of(&change.ops[0]).is_active, Some(true));
    assert_eq!(patch_of(&change.ops[1]).is_active, Some(false));
}

#[test]
fn backfill_every_row_without_a_model_whatever_its_scope_or_state() {
    let snapshot = store(vec![
        row("d1", "dev_only", "v1", json!({"scope": "developer"})),
        row("o1", "old", "v0", json!({"is_active": false})),
        row("u1", "unmanaged", "v1", json!({"ai_model": ""})),
    ]);
    let plan = plan(&[], &snapshot, false);
    assert_eq!(
        actions(&plan),
        [
            (Action::Backfill, "dev_only".into(), "v1".into()),
            (Action::Backfill, "old".into(), "v0".into()),
            (Action::Backfill, "unmanaged".into(), "v1".into()),
        ]
    );
    for change in &plan.changes {
        assert_eq!(
            patch_of(&change.ops[0]).ai_model.as_deref(),
            Some(DEFAULT),
            "{}",
            change.prompt_name
        );
    }
}

#[test]
fn deactivate_what_git_turns_off_and_with_prune_what_git_lacks() {
    let snapshot = store(vec![
        row("a1", "a", "v1", json!({"ai_model": "openai/gpt-5"})),
        row("g1", "gone", "v1", json!({"ai_model": "openai/gpt-5"})),
        row(
            "d1",
            "dev",
            "v1",
            json!({"ai_model": "openai/gpt-5", "scope": "developer"}),
        ),
    ]);
    let off = [prompt("a", "v1", "openai/gpt-5", "is_active: false\n")];
    assert_eq!(
        actions(&plan(&off, &snapshot, false)),
        [(Action::Deactivate, "a".into(), "v1".into())],
        "without --prune a name git lacks stays"
    );
    assert_eq!(
        actions(&plan(&off, &snapshot, true)),
        [
            (Action::Deactivate, "a".into(), "v1".into()),
            (Action::Deactivate, "gone".into(), "v1".into()),
        ],
        "--prune turns off what git lacks; a developer row is never touched"
    );
}

#[test]
fn a_content_change_under_the_same_version_is_an_error_not_a_change() {
    let snapshot = store(vec![row(
        "a1",
        "a",
        "v1",
        json!({"ai_model": "openai/gpt-5", "prompt_template": "Something else."}),
    )]);
    let plan = plan(
        &[prompt("a", "v1", "openai/gpt-5-mini", "")],
        &snapshot,
        false,
    );
    assert!(plan.changes.is_empty(), "{:?}", actions(&plan));
    assert_eq!(plan.errors.len(), 1);
    assert!(plan.errors[0].message.contains("bump prompt_version"));
    // Schemas compare as JSON: key order and spacing are no change.
    let snapshot = store(vec![row(
        "a1",
        "a",
        "v1",
        json!({"ai_model": "openai/gpt-5",
               "input_schema": "{ \"type\" : \"object\", \"properties\": {} }"}),
    )]);
    let same = prompt(
        "a",
        "v1",
        "openai/gpt-5",
        "input_schema:\n  properties: {}\n  type: object\n",
    );
    let plan = self::plan(&[same], &snapshot, false);
    assert!(plan.errors.is_empty() && plan.changes.is_empty());
}

#[test]
fn a_row_git_describes_takes_its_model_from_git_not_the_default() {
    let snapshot = store(vec![row("a1", "a", "v1", json!({}))]);
    let plan = plan(
        &[prompt("a", "v1", "openai/gpt-5-mini", "")],
        &snapshot,
        false,
    );
    assert_eq!(actions(&plan), [(Action::Update, "a".into(), "v1".into())]);
    assert_eq!(
        plan.changes[0].fields()["ai_model"].after,
        json!("openai/gpt-5-mini")
    );
}

#[test]
fn a_replaced_version_without_a_model_gets_the_default_in_the_same_plan() {
    let snapshot = store(vec![row("a1", "a", "v1", json!({}))]);
    let plan = plan(
        &[prompt("a", "v2", "openai/gpt-5-mini", "")],
        &snapshot,
        false,
    );
    assert_eq!(
        actions(&plan),
        [
            (Action::Replace, "a".into(), "v2".into()),
            (Action::Backfill, "a".into(), "v1".into()),
        ]
    );
    // Applied, the two writes of row a1 become one update under one precondition.
    let changes = promptctl::apply::change_set(plan.clone(), "test", 5);
    let updates: Vec<&Patch> = changes
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Update { id, patch, .. } if id == "a1" => Some(patch),
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].ai_model.as_deref(), Some(DEFAULT));
    assert_eq!(updates[0].is_active, Some(false));
}

#[test]
fn developer_rows_are_never_created_changed_or_turned_off() {
    let snapshot = store(vec![row(
        "d1",
        "a",
        "v1",
        json!({"ai_model": "openai/gpt-4o-mini", "scope": "developer"}),
    )]);
    let plan = plan(&[prompt("a", "v1", "openai/gpt-5", "")], &snapshot, true);
    // Git's prompt is created as a production row; the developer's row is left alone.
    assert_eq!(actions(&plan), [(Action::Create, "a".into(), "v1".into())]);
    assert!(
        plan.changes[0]
            .ops
            .iter()
            .all(|op| matches!(op, Op::Insert { .. }))
    );
}

#[test]
fn of_two_active_versions_the_one_git_names_stays_and_says_what_replaced_the_other() {
    let snapshot = store(vec![
        row("a9", "a", "v9", json!({"ai_model": "openai/gpt-5"})),
        row("a10", "a", "v10", json!({"ai_model": "openai/gpt-5"})),
    ]);
    let plan = plan(&[prompt("a", "v10", "openai/gpt-5", "")], &snapshot, false);
    assert_eq!(
        actions(&plan),
        [(Action::Deactivate, "a".into(), "v9".into())]
    );
    assert_eq!(
        plan.changes[0].fields()["replaced_by"].after,
        json!("v10"),
        "the plan shows what the write records"
    );
    // Whichever runs now (the greater version, at the same time) is the one a new version's
    // fields are shown against.
    assert_eq!(
        snapshot.active_production()["a"].prompt_version,
        "v10",
        "v10 runs, not v9"
    );
}
