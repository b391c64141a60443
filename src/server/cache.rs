//! The answers applications ask for most, kept in memory and rebuilt only when the store's
//! revision moves: `GET /v1/prompts/{name}` is a map lookup, not a query.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::api::v1::{ActivePromptV1, PromptListV1, PromptSummaryV1};
use crate::store::{LiveRow, Scope, Snapshot};

/// A ready response body and its ETag.
#[derive(Clone, Debug)]
pub(super) struct Cached {
    pub(super) body: Bytes,
    pub(super) etag: String,
}

impl Cached {
    fn of<T: serde::Serialize>(value: &T) -> Cached {
        let body = serde_json::to_vec(value).unwrap_or_default();
        let digest = Sha256::digest(&body);
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Cached {
            body: Bytes::from(body),
            etag,
        }
    }
}

/// The active production prompts at one revision.
#[derive(Debug, Default)]
pub(super) struct PromptCache {
    pub(super) revision: i64,
    pub(super) prompts: HashMap<String, Cached>,
    pub(super) list: Option<Cached>,
    /// What it was built from: the console reads it rather than the store again.
    pub(super) snapshot: Option<Arc<Snapshot>>,
}

impl PromptCache {
    /// Build from a snapshot. Where legacy data has two active versions of a name, the newest
    /// wins; where a row has no model, the default model stands in.
    pub(super) fn build(
        snapshot: Arc<Snapshot>,
        default_model: &str,
        fallback_model: &str,
    ) -> Arc<PromptCache> {
        let mut active: HashMap<&str, &LiveRow> = HashMap::new();
        for row in snapshot
            .rows
            .iter()
            .filter(|r| r.scope == Scope::Production && r.is_active)
        {
            let entry = active.entry(&row.prompt_name).or_insert(row);
            if (row.created_at, &row.prompt_version) > (entry.created_at, &entry.prompt_version) {
                *entry = row;
            }
        }
        let model = |row: &LiveRow| {
            row.ai_model
                .clone()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| default_model.to_owned())
        };
        let parse =
            |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str(t).ok());
        let mut prompts = HashMap::with_capacity(active.len());
        let mut summaries = Vec::with_capacity(active.len());
        for (name, row) in active {
            let answer = ActivePromptV1 {
                prompt_name: row.prompt_name.clone(),
                prompt_version: row.prompt_version.clone(),
                prompt_template: row.prompt_template.clone(),
                ai_model: model(row),
                fallback_model: fallback_model.to_owned(),
                max_tokens: row.max_tokens,
                temperature: row.temperature,
                input_schema: parse(&row.input_schema),
                output_schema: parse(&row.output_schema),
                workflow_step: row.workflow_step.clone(),
                subsystem: row.subsystem.clone(),
                revision: snapshot.revision,
            };
            summaries.push(PromptSummaryV1 {
                prompt_name: row.prompt_name.clone(),
                prompt_version: row.prompt_version.clone(),
                ai_model: answer.ai_model.clone(),
                workflow_step: row.workflow_step.clone(),
                subsystem: row.subsystem.clone(),
            });
            prompts.insert(name.to_owned(), Cached::of(&answer));
        }
        summaries.sort_by(|a, b| a.prompt_name.cmp(&b.prompt_name));
        let list = Some(Cached::of(&PromptListV1 {
            revision: snapshot.revision,
            prompts: summaries,
        }));
        Arc::new(PromptCache {
            revision: snapshot.revision,
            prompts,
            list,
            snapshot: Some(Arc::clone(&snapshot)),
        })
    }
}
