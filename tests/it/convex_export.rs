//! `store export --format convex-jsonl`: documents `npx convex import --table ai_prompts`
//! takes — only the story's table's fields, no `null` (Convex's `v.optional` takes none), and
//! what it leaves out said on stderr.

use serde_json::Value;

use crate::common::{copy_prompts, promptctl, run};

/// The fields of the story's `ai_prompts` table (seed: apps/convex/schema.ts).
const TABLE: [&str; 20] = [
    "prompt_name",
    "prompt_version",
    "prompt_template",
    "description",
    "input_schema",
    "output_schema",
    "scope",
    "developer_session_id",
    "parent_prompt_id",
    "expires_at",
    "workflow_step",
    "subsystem",
    "ai_model",
    "max_tokens",
    "temperature",
    "is_active",
    "created_at",
    "created_by",
    "replaced_at",
    "replaced_by",
];

#[test]
fn the_rows_come_out_as_convex_import_takes_them() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let canary = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let text = fs_err::read_to_string(&canary).unwrap();
    fs_err::write(
        &canary,
        text.replacen(
            "ai_model: openai/gpt-5",
            "ai_model: openai/gpt-5\ncanary:\n  ai_model: openai/gpt-5.2\n  percent: 10",
            1,
        ),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, jsonl, stderr) =
        run(promptctl(dir.path()).args(["store", "export", "--format", "convex-jsonl"]));
    assert_eq!(code, 0, "{stderr}");
    let documents: Vec<Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(documents.len(), 9);
    for document in &documents {
        for (key, value) in document.as_object().unwrap() {
            assert!(
                TABLE.contains(&key.as_str()),
                "`{key}` is not a field of ai_prompts"
            );
            assert!(!value.is_null(), "`{key}` is null");
        }
        assert!(document["created_at"].is_i64());
        assert_eq!(document["scope"], "production");
    }
    assert!(
        stderr.contains("left out: id, row_version and updated_at"),
        "{stderr}"
    );
    assert!(stderr.contains("left out: the canary of 1 row"), "{stderr}");
}
