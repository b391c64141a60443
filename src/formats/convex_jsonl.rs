//! `store export --format convex-jsonl`: the rows as `npx convex import --table ai_prompts`
//! takes them — one JSON document a line, the fields of the story's `ai_prompts` table
//! (`apps/convex/schema.ts`), an optional field left out where the row has none (Convex's
//! `v.optional` takes no `null`). What the table cannot hold is left out and said: promptctl's
//! own bookkeeping (`id`, `row_version`, `updated_at`), `created_by` and `parent_prompt_id`
//! (Convex ids of other tables, which promptctl's values are not) and a canary (the story's
//! table has no field for one).

use serde_json::{Map, Value, json};

use crate::store::Snapshot;

/// The JSONL text, and what it left out (one sentence each, for stderr).
pub fn write(snapshot: &Snapshot) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut canaries = 0;
    for row in &snapshot.rows {
        let mut doc = Map::new();
        let mut put = |key: &str, value: Value| {
            if !value.is_null() {
                doc.insert(key.to_owned(), value);
            }
        };
        put("prompt_name", json!(row.prompt_name));
        put("prompt_version", json!(row.prompt_version));
        put("prompt_template", json!(row.prompt_template));
        put("description", json!(row.description));
        put("input_schema", json!(row.input_schema));
        put("output_schema", json!(row.output_schema));
        put("scope", json!(row.scope.as_str()));
        put("developer_session_id", json!(row.developer_session_id));
        put("expires_at", json!(row.expires_at));
        put("workflow_step", json!(row.workflow_step));
        put("subsystem", json!(row.subsystem));
        put("ai_model", json!(row.ai_model));
        put("max_tokens", json!(row.max_tokens));
        put("temperature", json!(row.temperature));
        put("is_active", json!(row.is_active));
        put("created_at", json!(row.created_at));
        put("replaced_at", json!(row.replaced_at));
        put("replaced_by", json!(row.replaced_by));
        if row.canary_model.is_some() {
            canaries += 1;
        }
        out.push_str(&Value::Object(doc).to_string());
        out.push('\n');
    }
    let mut left_out = vec![
        "left out: id, row_version and updated_at (promptctl's bookkeeping), created_by and parent_prompt_id (Convex ids, which promptctl's values are not)".to_owned(),
    ];
    if canaries > 0 {
        left_out.push(format!(
            "left out: the canary of {canaries} row{} (the story's ai_prompts table has no field for one)",
            if canaries == 1 { "" } else { "s" }
        ));
    }
    (out, left_out)
}
