//! Golden files for every frozen format (`tests/golden/`): the saved plan, `plan --format
//! json`, `validate --format json`, and each body of the HTTP API. A renamed, removed or
//! retyped field fails here. If a format must change, it gets a new version; only then are
//! the files rewritten, with `UPDATE_GOLDEN=1 cargo test golden`.

use std::path::Path;

use promptctl::catalog::Catalog;
use promptctl::diag::Diagnostics;
use promptctl::formats::export_v1::ExportV1;
use promptctl::formats::http_v1::{
    ActivePromptV1, ApplyOutcomeV1, AuditEntryV1, BackupV1, ChangeSetV1, ConflictV1, ErrorBodyV1,
    ErrorDetailV1, HealthV1, ModelV1, PromptListV1, PromptSummaryV1, RestoreRequestV1,
    RestoreResponseV1, SnapshotV1,
};
use promptctl::formats::row_v1::RowV1;
use promptctl::formats::{plan_json_v1, saved_plan_v1 as file};
use promptctl::plan::{DiffOptions, Plan, cost, diff};
use promptctl::store::{
    Action, ApplyOutcome, AuditEntry, ChangeSet, Conflict, NewRow, Op, Patch, Snapshot,
};
use promptctl::usage::UsageFile;
use promptctl::validate::Validator;
use serde_json::json;

use crate::common::repo_root;

/// Compare `actual` with the golden file `name`, or write it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = repo_root().join("tests/golden").join(name);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, actual).unwrap();
        return;
    }
    let expected = fs_err::read_to_string(&path).unwrap_or_else(|_| {
        panic!("no golden file {name}: write it with UPDATE_GOLDEN=1 cargo test golden")
    });
    assert!(
        actual == expected,
        "{name}: a frozen format changed. A field may be added only in a new format version.\n--- golden\n{expected}\n--- now\n{actual}"
    );
}

fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

/// The store the plan is made against: one row for each kind of change.
pub(crate) fn snapshot() -> Snapshot {
    let rows = json!([
        {"id": "alpha-1", "prompt_name": "alpha", "prompt_version": "v1", "prompt_template": "Alpha one.",
         "ai_model": "openai/gpt-4o-mini", "subsystem": "incidents", "created_at": 1, "updated_at": 1},
        {"id": "beta-1", "prompt_name": "beta", "prompt_version": "v1", "prompt_template": "Beta.",
         "ai_model": "openai/gpt-4o-mini", "max_tokens": 500, "subsystem": "incidents", "created_at": 1, "updated_at": 1},
        {"id": "delta-1", "prompt_name": "delta", "prompt_version": "v1", "prompt_template": "Delta.",
         "ai_model": "openai/gpt-5", "created_at": 1, "updated_at": 1},
        {"id": "epsilon-1", "prompt_name": "epsilon", "prompt_version": "v1", "prompt_template": "Epsilon, before.",
         "ai_model": "openai/gpt-5", "created_at": 1, "updated_at": 1},
        {"id": "legacy-1", "prompt_name": "legacy", "prompt_version": "v1", "prompt_template": "Legacy.",
         "created_at": 1, "updated_at": 1, "row_version": 3}
    ]);
    let restore = promptctl::formats::export_v1::read_value(rows, 0).unwrap();
    Snapshot {
        store_id: "golden-store".to_owned(),
        revision: 7,
        rows: restore.rows,
    }
}

/// Git's prompts: alpha at a new version, beta on another model, gamma new, delta turned
/// off, epsilon's template changed without a new version.
pub(crate) fn prompts() -> Vec<promptctl::prompt::Prompt> {
    let catalog = Catalog::builtin();
    let validator = Validator::new(&catalog, "openai/gpt-5");
    [
        "prompt_name: alpha\nprompt_version: v2\nai_model: openai/gpt-5\nsubsystem: incidents\nprompt_template: Alpha two.\n",
        "prompt_name: beta\nprompt_version: v1\nai_model: openai/gpt-5\nmax_tokens: 800\nsubsystem: incidents\nprompt_template: Beta.\n",
        "prompt_name: gamma\nprompt_version: v1\nai_model: openai/gpt-5-mini\ndescription: New.\nprompt_template: Gamma.\n",
        "prompt_name: delta\nprompt_version: v1\nai_model: openai/gpt-5\nis_active: false\nprompt_template: Delta.\n",
        "prompt_name: epsilon\nprompt_version: v1\nai_model: openai/gpt-5\nprompt_template: Epsilon, after.\n",
    ]
    .iter()
    .map(|text| {
        validator
            .validate_text(Path::new("prompts/x.yaml"), text)
            .unwrap()
    })
    .collect()
}

pub(crate) fn plan(targets: &[&str]) -> (Plan, cost::PlanCost) {
    let prompts = prompts();
    let snapshot = snapshot();
    let plan = diff(
        &prompts,
        &snapshot,
        &DiffOptions {
            default_model: "openai/gpt-5".to_owned(),
            prune: false,
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
            store: "sqlite:store.db".to_owned(),
        },
    );
    let usage: UsageFile = promptctl::yaml::from_str(
        "usage:\n  - subsystem: incidents\n    requests_per_month: 1000\n    input_tokens: 1000\n    output_tokens: 200\n",
    )
    .unwrap();
    let cost = cost::estimate(&plan, &usage, &Catalog::builtin(), &prompts, &snapshot);
    (plan, cost)
}

#[test]
fn saved_plan() {
    let (plan, cost) = plan(&["alpha", "beta", "gamma", "delta", "legacy"]);
    assert!(plan.errors.is_empty());
    let text = file::write(&plan, Some(&cost), 1_700_000_000_000)
        .replace(env!("CARGO_PKG_VERSION"), "VERSION");
    golden("saved-plan.json", &text);
    // What is read back is what was written.
    let saved = file::read(&text).unwrap();
    assert_eq!(saved.plan, plan);
    assert_eq!(saved.cost, Some(cost));
    // And the file is what its published schema says.
    let schema: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(repo_root().join("schemas/plan.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_str(&text).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn show_of_a_saved_plan_prints_the_json_plan_printed() {
    let (plan, cost) = plan(&["alpha", "beta", "gamma", "delta", "legacy"]);
    let printed = format!("{}\n", plan_json_v1::render(&plan, Some(&cost)));
    let saved = repo_root().join("tests/golden/saved-plan.json");
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = crate::common::run(
        crate::common::promptctl(dir.path())
            .args(["show", "--format", "json"])
            .arg(&saved),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, printed);
    golden("show.json", &stdout);
}

#[test]
fn plan_json() {
    let (plan, cost) = plan(&[]);
    assert_eq!(plan.errors.len(), 1, "epsilon's unbumped template");
    golden(
        "plan.json",
        &format!("{}\n", plan_json_v1::render(&plan, Some(&cost))),
    );
}

#[test]
fn validate_json() {
    let catalog = Catalog::builtin();
    let validator = Validator::new(&catalog, "openai/gpt-5");
    let problems = validator
        .validate_text(
            Path::new("/golden/prompts/a.yaml"),
            "prompt_name: a\nprompt_version: v1\nai_modle: openai/gpt-5\nprompt_template: Hi {{who}}.\n",
        )
        .unwrap_err();
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(problems);
    let counts = promptctl::diag::render::Counts {
        files: 1,
        prompts: 0,
        errors: diagnostics.count(promptctl::diag::Severity::Error),
        warnings: diagnostics.count(promptctl::diag::Severity::Warning),
    };
    let text =
        promptctl::formats::validate_json_v1::render(&diagnostics.into_sorted(), counts, None);
    golden("validate.json", &format!("{text}\n"));
}

/// A request body: its golden file, and reading it back gives the same value.
fn request<T>(name: &str, value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = pretty(value);
    golden(name, &text);
    assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), value, "{name}");
}

#[test]
fn api_v1_bodies() {
    let snapshot = snapshot();
    golden("api/row.json", &pretty(&RowV1::from(&snapshot.rows[1])));
    golden("api/snapshot.json", &pretty(&SnapshotV1::from(&snapshot)));
    golden("api/export.json", &pretty(&ExportV1::from(&snapshot)));
    let changes = ChangeSet {
        policy_overrides: Vec::new(),
        rules: None,
        store_id: "golden-store".to_owned(),
        actor: "ci".to_owned(),
        idempotency_key: Some("key-1".to_owned()),
        request_sha256: None,
        ops: vec![
            Op::Insert {
                action: Action::Create,
                row: NewRow {
                    prompt_name: "gamma".to_owned(),
                    prompt_version: "v1".to_owned(),
                    prompt_template: "Gamma {{who}}.".into(),
                    description: None,
                    input_schema: Some(r#"{"type":"object"}"#.to_owned()),
                    output_schema: None,
                    workflow_step: Some("narrative".to_owned()),
                    subsystem: Some("incidents".to_owned()),
                    ai_model: "openai/gpt-5".to_owned(),
                    max_tokens: Some(1000),
                    temperature: None,
                    canary_model: None,
                    canary_percent: None,
                    is_active: true,
                },
                expect_new_name: true,
            },
            Op::Update {
                action: Action::Update,
                id: "beta-1".to_owned(),
                expected_row_version: 1,
                patch: Patch {
                    ai_model: Some("openai/gpt-5".to_owned()),
                    max_tokens: Some(None),
                    ..Patch::default()
                },
            },
        ],
    };
    request("api/changeset.json", &ChangeSetV1::from(&changes));
    golden(
        "api/apply-outcome.json",
        &pretty(&ApplyOutcomeV1::from(&ApplyOutcome {
            revision: 8,
            applied: 2,
        })),
    );
    let conflict = Conflict {
        prompt_name: "beta".to_owned(),
        prompt_version: "v1".to_owned(),
        id: Some("beta-1".to_owned()),
        expected_row_version: Some(1),
        actual_row_version: Some(2),
        reason: "row_version is 2 (the plan read 1)".to_owned(),
    };
    let mut error = ErrorDetailV1::new("conflict", "stale plan: re-run plan");
    error.conflicts = vec![ConflictV1::from(&conflict)];
    golden("api/error-conflict.json", &pretty(&ErrorBodyV1 { error }));
    golden(
        "api/audit-entry.json",
        &pretty(&AuditEntryV1::from(&AuditEntry {
            revision: 8,
            at: 1_700_000_000_000,
            actor: "ci (alice)".to_owned(),
            change: "update".to_owned(),
            row_id: Some("beta-1".to_owned()),
            prompt_name: Some("beta".to_owned()),
            prompt_version: Some("v1".to_owned()),
            before: Some(json!({"ai_model": "openai/gpt-4o-mini"})),
            after: Some(json!({"ai_model": "openai/gpt-5"})),
        })),
    );
    request(
        "api/restore-request.json",
        &RestoreRequestV1 {
            restore: serde_json::to_value(ExportV1::from(&snapshot)).unwrap(),
            force: true,
            allow_empty: false,
            idempotency_key: Some("restore-1".to_owned()),
            rules: None,
        },
    );
    golden(
        "api/restore-response.json",
        &pretty(&RestoreResponseV1 {
            revision: 9,
            restored: 5,
            backup: Some(BackupV1 {
                id: "backup-1".to_owned(),
                rows: 4,
                revision: 8,
                at: 1_700_000_000_000,
            }),
            warnings: Vec::new(),
        }),
    );
    golden(
        "api/active-prompt.json",
        &pretty(&ActivePromptV1 {
            prompt_name: "beta".to_owned(),
            prompt_version: "v1".to_owned(),
            prompt_template: "Beta.".to_owned(),
            ai_model: "openai/gpt-5".to_owned(),
            fallback_model: "openai/gpt-4o-mini".to_owned(),
            max_tokens: Some(800),
            temperature: None,
            input_schema: Some(json!({"type": "object"})),
            output_schema: None,
            workflow_step: None,
            subsystem: Some("incidents".to_owned()),
            revision: 8,
            canary: None,
            variant: None,
        }),
    );
    golden(
        "api/active-prompt-canary-arm.json",
        &pretty(&ActivePromptV1 {
            prompt_name: "beta".to_owned(),
            prompt_version: "v1".to_owned(),
            prompt_template: "Beta.".to_owned(),
            ai_model: "openai/gpt-5.2".to_owned(),
            fallback_model: "openai/gpt-4o-mini".to_owned(),
            max_tokens: Some(800),
            temperature: None,
            input_schema: None,
            output_schema: None,
            workflow_step: None,
            subsystem: None,
            revision: 9,
            canary: Some(promptctl::formats::http_v1::CanaryV1 {
                ai_model: "openai/gpt-5.2".to_owned(),
                percent: 10.0,
            }),
            variant: Some("canary".to_owned()),
        }),
    );
    golden(
        "api/prompt-list.json",
        &pretty(&PromptListV1 {
            revision: 8,
            prompts: vec![PromptSummaryV1 {
                prompt_name: "beta".to_owned(),
                prompt_version: "v1".to_owned(),
                ai_model: "openai/gpt-5".to_owned(),
                workflow_step: None,
                subsystem: Some("incidents".to_owned()),
            }],
        }),
    );
    golden(
        "api/health.json",
        &pretty(&HealthV1 {
            status: "ok".to_owned(),
            revision: 8,
        }),
    );
    // The rules of record as GET /v1/rules gives them, and a write they refuse.
    let rules = promptctl::store::Rules {
        catalog: promptctl::catalog::Catalog::from_models(
            vec![promptctl::yaml::from_str(
                "id: acme/small-1\nname: Acme Small\nprovider: acme\ninput_cost_per_1m: 0.1\noutput_cost_per_1m: 0.4\ncontext_window: 128000\nmax_output_tokens: 8192\nsupports_temperature: true\ntier: cost-effective\n",
            )
            .unwrap()],
            "golden",
        )
        .unwrap(),
        policies: vec![promptctl::yaml::from_str(
            "name: cheap\nmatch: { subsystem: incidents }\nallowed_tiers: [cost-effective]\nenforcement: hard-mandatory\n",
        )
        .unwrap()],
        usage: None,
    };
    golden(
        "api/rules.json",
        &pretty(&promptctl::formats::http_v1::PublishedRulesV1::from(
            &promptctl::store::Published {
                revision: 3,
                at: 1_700_000_000_000,
                actor: "ci".to_owned(),
                rules,
            },
        )),
    );
    let refusal = promptctl::store::Refusal {
        what: "op 1".to_owned(),
        prompt: Some(("beta".to_owned(), "v1".to_owned())),
        field: Some("ai_model".to_owned()),
        rule: promptctl::store::rules::Rule::Policy {
            name: "cheap".to_owned(),
            enforcement: promptctl::policy::Enforcement::HardMandatory,
        },
        message: "allowed_tiers: `openai/gpt-5` is premium, not cost-effective".to_owned(),
        help: Some("choose a model the policy allows (hard-mandatory: no override)".to_owned()),
    };
    let mut error = ErrorDetailV1::new(
        "refused",
        "refused: the write breaks the store's rules of record",
    );
    error.refusals = vec![promptctl::formats::http_v1::RefusalV1::from(&refusal)];
    golden("api/error-refused.json", &pretty(&ErrorBodyV1 { error }));
    let model: promptctl::catalog::Model = promptctl::yaml::from_str(
        "id: acme/small-1\nname: Acme Small\nprovider: acme\ninput_cost_per_1m: 0.1\noutput_cost_per_1m: 0.4\ncontext_window: 128000\nmax_output_tokens: 8192\nsupports_temperature: true\nrecommended: false\ntier: cost-effective\ndeprecated_on: 2026-01-01\nsuccessor: openai/gpt-5-mini\n",
    )
    .unwrap();
    golden(
        "api/models.json",
        &pretty(&ModelV1::list(
            &[model],
            "acme/small-1",
            "openai/gpt-4o-mini",
        )),
    );
}

#[test]
fn list_status_and_token_json() {
    use promptctl::ops::status::{Cell, Environment, Row, Running, Status};
    use promptctl::plan::status::RowStatus;
    let snapshot = snapshot();
    let rows: Vec<_> = snapshot
        .rows
        .iter()
        .cloned()
        .zip([
            RowStatus::Drift,
            RowStatus::InSync,
            RowStatus::Unmanaged,
            RowStatus::GitNotRead,
            RowStatus::NoModel,
        ])
        .collect();
    golden(
        "list.json",
        &format!("{}\n", promptctl::formats::list_json_v1::render(&rows)),
    );
    let running = |version: &str, model: &str| Running {
        version: version.to_owned(),
        model: model.to_owned(),
    };
    let status = Status {
        environments: vec![
            Environment {
                name: "dev".to_owned(),
                store: "sqlite:dev.db".to_owned(),
                read: Ok(4),
            },
            Environment {
                name: "prod".to_owned(),
                store: "https://prompts.example.com".to_owned(),
                read: Err("connection refused".to_owned()),
            },
        ],
        prompts: vec![Row {
            prompt_name: "alpha".to_owned(),
            git: Some(running("v2", "openai/gpt-5")),
            cells: vec![
                Some(Cell {
                    running: Some(running("v1", "openai/gpt-4o-mini")),
                    differs: true,
                }),
                None,
            ],
        }],
    };
    golden(
        "status.json",
        &format!("{}\n", promptctl::formats::status_json_v1::render(&status)),
    );
    golden(
        "token.json",
        &format!(
            "{}\n",
            promptctl::formats::token_json_v1::render("pct_0123", "admin ci 5e3f")
        ),
    );
}
