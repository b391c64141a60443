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

/// A ZIP as `npx convex export` writes it: a folder per table, `documents.jsonl` inside.
fn convex_snapshot_zip(path: &std::path::Path, tables: &[(&str, &str)]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(fs_err::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("README.md", options).unwrap();
    zip.write_all(b"This is a Convex snapshot export.").unwrap();
    for (table, jsonl) in tables {
        zip.start_file(format!("{table}/documents.jsonl"), options)
            .unwrap();
        zip.write_all(jsonl.as_bytes()).unwrap();
        zip.start_file(format!("{table}/generated_schema.jsonl"), options)
            .unwrap();
        zip.write_all(b"{}\n").unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn store_restore_reads_a_convex_snapshot_export() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let documents = r#"{"_id":"jd7f3k2m9x1","_creationTime":1729600000123.456,"prompt_name":"generate_mock_incident_data","prompt_version":"v1.0.0","prompt_template":"Old text","is_active":true,"created_at":1729600000000}
{"_id":"jd7f3k2m9x2","_creationTime":1729600000999.5,"prompt_name":"enhance_narrative_before_event","prompt_version":"v1.0.0","prompt_template":"Older text","ai_model":"openai/gpt-4o-mini","max_tokens":1000,"parent_prompt_id":"jd7f3k2m9x1","created_at":1729600000500}
"#;
    convex_snapshot_zip(
        &dir.path().join("snapshot.zip"),
        &[
            ("users", r#"{"_id":"u1","_creationTime":1.0,"name":"Ada"}"#),
            ("ai_prompts", documents),
        ],
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "snapshot.zip"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Restored 2 rows"), "{stderr}");
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["store", "export"]));
    assert_eq!(code, 0, "{stderr}");
    let export: Value = serde_json::from_str(&stdout).unwrap();
    let rows = export["rows"].as_array().unwrap();
    let first = rows.iter().find(|r| r["id"] == "jd7f3k2m9x1").unwrap();
    assert!(first["ai_model"].is_null(), "{first}");
    assert_eq!(first["created_at"], 1_729_600_000_000_i64);
    let second = rows.iter().find(|r| r["id"] == "jd7f3k2m9x2").unwrap();
    assert_eq!(second["parent_prompt_id"], "jd7f3k2m9x1");
    assert_eq!(second["max_tokens"], 1000);
}

#[test]
fn a_convex_export_without_ai_prompts_is_refused_naming_its_tables() {
    let dir = tempfile::tempdir().unwrap();
    convex_snapshot_zip(
        &dir.path().join("snapshot.zip"),
        &[("users", r#"{"_id":"u1","_creationTime":1.0,"name":"Ada"}"#)],
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "snapshot.zip"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("ai_prompts/documents.jsonl") && stderr.contains("its tables: users"),
        "{stderr}"
    );
    assert!(
        !dir.path().join(".promptctl/store.db").exists(),
        "no store created"
    );
    fs_err::write(dir.path().join("broken.zip"), b"PK\x03\x04not really").unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "broken.zip"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not a readable ZIP archive"), "{stderr}");
}
