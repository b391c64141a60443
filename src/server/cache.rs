//! The answers applications ask for most, kept in memory and rebuilt only when the store's
//! revision moves: `GET /v1/prompts/{name}` is a map lookup, not a query.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::api::v1::{ActivePromptV1, PromptListV1, PromptSummaryV1};
use crate::store::{Delta, LiveRow, Scope, Snapshot};

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
        let active = active_rows(&snapshot.rows, |_| true);
        let prompts = active
            .iter()
            .map(|(name, row)| {
                (
                    (*name).to_owned(),
                    answer(row, snapshot.revision, default_model, fallback_model),
                )
            })
            .collect();
        let list = Some(list(&snapshot, default_model));
        Arc::new(PromptCache {
            revision: snapshot.revision,
            prompts,
            list,
            snapshot: Some(snapshot),
        })
    }

    /// This cache moved on by `delta`: only the prompts whose rows changed are answered anew
    /// (their answers say the new revision; the others still say the revision they were built
    /// at, which they still reflect). A replica catching up on one change does not rebuild
    /// ten thousand answers.
    pub(super) fn patch(
        &self,
        delta: Delta,
        default_model: &str,
        fallback_model: &str,
    ) -> Option<Arc<PromptCache>> {
        let old = self.snapshot.as_ref()?;
        if old.store_id != delta.store_id {
            return None;
        }
        let touched: HashSet<&str> = delta.rows.iter().map(|r| r.prompt_name.as_str()).collect();
        let mut changed: HashMap<&str, &LiveRow> =
            delta.rows.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut rows = Vec::with_capacity(old.rows.len() + changed.len());
        for row in &old.rows {
            rows.push(match changed.remove(row.id.as_str()) {
                Some(new) => new.clone(),
                None => row.clone(),
            });
        }
        // Rows created since (in the delta, not in the old snapshot) take their place in a
        // snapshot's order.
        if !changed.is_empty() {
            rows.extend(changed.into_values().cloned());
            rows.sort_by(|a, b| {
                (&a.prompt_name, &a.prompt_version, &a.id).cmp(&(
                    &b.prompt_name,
                    &b.prompt_version,
                    &b.id,
                ))
            });
        }
        let snapshot = Arc::new(Snapshot {
            store_id: delta.store_id,
            revision: delta.revision,
            rows,
        });
        let mut prompts = self.prompts.clone();
        prompts.retain(|name, _| !touched.contains(name.as_str()));
        for (name, row) in active_rows(&snapshot.rows, |name| touched.contains(name)) {
            prompts.insert(
                name.to_owned(),
                answer(row, snapshot.revision, default_model, fallback_model),
            );
        }
        let list = Some(list(&snapshot, default_model));
        Some(Arc::new(PromptCache {
            revision: snapshot.revision,
            prompts,
            list,
            snapshot: Some(snapshot),
        }))
    }
}

/// The active production row of each name `wanted` accepts: where legacy data has two
/// active versions, the newest.
fn active_rows(rows: &[LiveRow], wanted: impl Fn(&str) -> bool) -> HashMap<&str, &LiveRow> {
    let mut active: HashMap<&str, &LiveRow> = HashMap::new();
    for row in rows
        .iter()
        .filter(|r| r.scope == Scope::Production && r.is_active && wanted(&r.prompt_name))
    {
        let entry = active.entry(&row.prompt_name).or_insert(row);
        if (row.created_at, &row.prompt_version) > (entry.created_at, &entry.prompt_version) {
            *entry = row;
        }
    }
    active
}

/// The row's model, or the default model where it has none.
fn model(row: &LiveRow, default_model: &str) -> String {
    row.ai_model
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| default_model.to_owned())
}

/// `GET /v1/prompts/{name}`'s answer for `row`.
fn answer(row: &LiveRow, revision: i64, default_model: &str, fallback_model: &str) -> Cached {
    let parse = |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str(t).ok());
    Cached::of(&ActivePromptV1 {
        prompt_name: row.prompt_name.clone(),
        prompt_version: row.prompt_version.clone(),
        prompt_template: row.prompt_template.clone(),
        ai_model: model(row, default_model),
        fallback_model: fallback_model.to_owned(),
        max_tokens: row.max_tokens,
        temperature: row.temperature,
        input_schema: parse(&row.input_schema),
        output_schema: parse(&row.output_schema),
        workflow_step: row.workflow_step.clone(),
        subsystem: row.subsystem.clone(),
        revision,
    })
}

/// `GET /v1/prompts`'s answer: every active prompt, by name.
fn list(snapshot: &Snapshot, default_model: &str) -> Cached {
    let mut prompts: Vec<PromptSummaryV1> = active_rows(&snapshot.rows, |_| true)
        .into_values()
        .map(|row| PromptSummaryV1 {
            prompt_name: row.prompt_name.clone(),
            prompt_version: row.prompt_version.clone(),
            ai_model: model(row, default_model),
            workflow_step: row.workflow_step.clone(),
            subsystem: row.subsystem.clone(),
        })
        .collect();
    prompts.sort_by(|a, b| a.prompt_name.cmp(&b.prompt_name));
    Cached::of(&PromptListV1 {
        revision: snapshot.revision,
        prompts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str, version: &str, model: &str, created_at: i64) -> LiveRow {
        LiveRow {
            id: id.to_owned(),
            row_version: 1,
            updated_at: created_at,
            prompt_name: name.to_owned(),
            prompt_version: version.to_owned(),
            prompt_template: format!("{name} {version}"),
            description: None,
            input_schema: None,
            output_schema: None,
            scope: Scope::Production,
            developer_session_id: None,
            parent_prompt_id: None,
            expires_at: None,
            workflow_step: None,
            subsystem: None,
            ai_model: Some(model.to_owned()),
            max_tokens: None,
            temperature: None,
            is_active: true,
            created_at,
            created_by: None,
            replaced_at: None,
            replaced_by: None,
        }
    }

    fn body(cache: &PromptCache, name: &str) -> serde_json::Value {
        serde_json::from_slice(&cache.prompts[name].body).unwrap()
    }

    #[test]
    fn a_patched_cache_answers_as_one_built_from_the_new_store() {
        let before = Snapshot {
            store_id: "s".to_owned(),
            revision: 1,
            rows: vec![
                row("1", "a", "v1", "openai/gpt-5", 1),
                row("2", "b", "v1", "openai/gpt-5", 1),
            ],
        };
        let cache = PromptCache::build(Arc::new(before.clone()), "d", "f");
        // Revision 2: a moves model; b gets a new version that replaces v1.
        let mut a = before.rows[0].clone();
        a.ai_model = Some("openai/gpt-5-mini".to_owned());
        a.row_version = 2;
        let mut b_old = before.rows[1].clone();
        b_old.is_active = false;
        let b_new = row("3", "b", "v2", "openai/gpt-5-nano", 2);
        let delta = Delta {
            store_id: "s".to_owned(),
            revision: 2,
            rows: vec![b_new.clone(), a.clone(), b_old.clone()],
        };
        let patched = cache.patch(delta, "d", "f").unwrap();
        let rebuilt = PromptCache::build(
            Arc::new(Snapshot {
                store_id: "s".to_owned(),
                revision: 2,
                rows: vec![a, b_old, b_new],
            }),
            "d",
            "f",
        );
        assert_eq!(patched.revision, 2);
        for name in ["a", "b"] {
            assert_eq!(body(&patched, name), body(&rebuilt, name), "{name}");
        }
        assert_eq!(body(&patched, "b")["prompt_version"], "v2");
        assert_eq!(
            patched.list.as_ref().unwrap().body,
            rebuilt.list.as_ref().unwrap().body
        );
        assert_eq!(
            patched.snapshot.as_ref().unwrap().rows,
            rebuilt.snapshot.as_ref().unwrap().rows,
            "the same rows, in a snapshot's order"
        );
    }

    #[test]
    fn an_untouched_prompt_keeps_its_answer_and_another_store_is_not_patched() {
        let before = Snapshot {
            store_id: "s".to_owned(),
            revision: 1,
            rows: vec![
                row("1", "a", "v1", "openai/gpt-5", 1),
                row("2", "b", "v1", "openai/gpt-5", 1),
            ],
        };
        let cache = PromptCache::build(Arc::new(before.clone()), "d", "f");
        let mut a = before.rows[0].clone();
        a.ai_model = Some("openai/gpt-5-mini".to_owned());
        let delta = Delta {
            store_id: "s".to_owned(),
            revision: 5,
            rows: vec![a],
        };
        let patched = cache.patch(delta.clone(), "d", "f").unwrap();
        assert_eq!(patched.prompts["b"].body, cache.prompts["b"].body);
        assert_eq!(body(&patched, "a")["revision"], 5);
        let elsewhere = Delta {
            store_id: "other".to_owned(),
            ..delta
        };
        assert!(cache.patch(elsewhere, "d", "f").is_none());
    }
}
