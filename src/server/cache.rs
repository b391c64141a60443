//! The answers applications ask for most, kept in memory and rebuilt only when the store's
//! revision moves: `GET /v1/prompts/{name}` is a map lookup, not a query.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::formats::http_v1::{ActivePromptV1, CanaryV1, PromptListV1, PromptSummaryV1};
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
        let etag = format!("\"{}\"", crate::digest::hex(&digest[..12]));
        Cached {
            body: Bytes::from(body),
            etag,
        }
    }
}

/// A prompt's answers: without a subject, and, for a prompt with a canary, per arm.
#[derive(Debug)]
pub(super) struct PromptAnswers {
    pub(super) plain: Cached,
    pub(super) arms: Option<Arms>,
    /// The prompt's request counters, found on its first request.
    pub(super) counters: std::sync::OnceLock<Arc<super::usage::Counters>>,
}

/// The answers of a prompt with a canary to `?subject=`: one per arm.
#[derive(Debug)]
pub(super) struct Arms {
    pub(super) percent: f64,
    pub(super) stable: Cached,
    pub(super) canary: Cached,
}

impl PromptAnswers {
    /// The answer for `subject` (the canary split), or the plain one, and its arm.
    pub(super) fn for_subject(
        &self,
        name: &str,
        subject: Option<&str>,
    ) -> (&Cached, crate::canary::Arm) {
        use crate::canary::Arm;
        match (&self.arms, subject) {
            (Some(arms), Some(subject)) => match crate::canary::arm(name, subject, arms.percent) {
                Arm::Canary => (&arms.canary, Arm::Canary),
                Arm::Stable => (&arms.stable, Arm::Stable),
            },
            _ => (&self.plain, Arm::Stable),
        }
    }
}

/// The active production prompts at one revision.
#[derive(Debug, Default)]
pub(super) struct PromptCache {
    store_id: String,
    pub(super) revision: i64,
    pub(super) prompts: HashMap<String, Arc<PromptAnswers>>,
    pub(super) list: Option<Cached>,
    /// What it was built from, when it was built from a whole read: the console reads it
    /// rather than the store again. A patched cache has none.
    pub(super) snapshot: Option<Arc<Snapshot>>,
    /// Each name's production rows, without their content: enough to tell which is active
    /// when some of them change.
    heads: HashMap<String, Arc<Vec<Head>>>,
    /// Each active prompt's entry of the list.
    summaries: BTreeMap<String, Arc<PromptSummaryV1>>,
}

/// What deciding the active row of a name needs to know of a row.
#[derive(Debug)]
struct Head {
    id: String,
    created_at: i64,
    prompt_version: String,
    is_active: bool,
}

impl Head {
    fn of(row: &LiveRow) -> Head {
        Head {
            id: row.id.clone(),
            created_at: row.created_at,
            prompt_version: row.prompt_version.clone(),
            is_active: row.is_active,
        }
    }

    /// Where legacy data has two active versions of a name, the one that runs wins, by the
    /// store's one rule.
    fn newer_than(&self, other: &Head) -> bool {
        crate::store::newer(
            (self.created_at, &self.prompt_version),
            (other.created_at, &other.prompt_version),
        )
    }
}

impl PromptCache {
    /// Build from a snapshot. Where a row has no model, the default model stands in.
    pub(super) fn build(
        snapshot: Arc<Snapshot>,
        default_model: &str,
        fallback_model: &str,
    ) -> Arc<PromptCache> {
        let mut rows_by_name: HashMap<&str, Vec<&LiveRow>> = HashMap::new();
        for row in snapshot
            .rows
            .iter()
            .filter(|r| r.scope == Scope::Production)
        {
            rows_by_name.entry(&row.prompt_name).or_default().push(row);
        }
        let mut cache = PromptCache {
            store_id: snapshot.store_id.clone(),
            revision: snapshot.revision,
            ..PromptCache::default()
        };
        for (name, rows) in rows_by_name {
            let heads: Vec<Head> = rows.iter().map(|row| Head::of(row)).collect();
            if let Some(active) = active(&heads) {
                let row = rows[active];
                cache.prompts.insert(
                    name.to_owned(),
                    answer(row, snapshot.revision, default_model, fallback_model),
                );
                cache
                    .summaries
                    .insert(name.to_owned(), Arc::new(summary(row, default_model)));
            }
            cache.heads.insert(name.to_owned(), Arc::new(heads));
        }
        cache.list = Some(cache.list_answer());
        cache.snapshot = Some(snapshot);
        Arc::new(cache)
    }

    /// This cache moved on by `delta`: only the prompts whose rows changed are answered anew
    /// (their answers say the new revision; the others still say the revision they were built
    /// at, which they still reflect). A replica catching up on one change reads one row and
    /// answers one prompt, not ten thousand. `None` when it cannot be patched (another
    /// store, or a cache not built yet).
    pub(super) fn patch(
        &self,
        delta: Delta,
        default_model: &str,
        fallback_model: &str,
    ) -> Option<Arc<PromptCache>> {
        if self.list.is_none() || self.store_id != delta.store_id {
            return None;
        }
        let mut changed: HashMap<&str, Vec<&LiveRow>> = HashMap::new();
        for row in delta.rows.iter().filter(|r| r.scope == Scope::Production) {
            changed.entry(&row.prompt_name).or_default().push(row);
        }
        let mut cache = PromptCache {
            store_id: delta.store_id.clone(),
            revision: delta.revision,
            prompts: self.prompts.clone(),
            list: None,
            snapshot: None,
            heads: self.heads.clone(),
            summaries: self.summaries.clone(),
        };
        for (name, rows) in changed {
            let mut heads: Vec<Head> = rows.iter().map(|row| Head::of(row)).collect();
            if let Some(old) = self.heads.get(name) {
                heads.extend(
                    old.iter()
                        .filter(|h| !rows.iter().any(|r| r.id == h.id))
                        .map(|h| Head {
                            id: h.id.clone(),
                            created_at: h.created_at,
                            prompt_version: h.prompt_version.clone(),
                            is_active: h.is_active,
                        }),
                );
            }
            match active(&heads) {
                // A changed row is (or becomes) the active one: answered anew.
                Some(index) if index < rows.len() => {
                    let row = rows[index];
                    cache.prompts.insert(
                        name.to_owned(),
                        answer(row, delta.revision, default_model, fallback_model),
                    );
                    cache
                        .summaries
                        .insert(name.to_owned(), Arc::new(summary(row, default_model)));
                }
                // The active row did not change: its answer stands, if there is one.
                Some(_) => {
                    if !cache.prompts.contains_key(name) {
                        return None;
                    }
                }
                None => {
                    cache.prompts.remove(name);
                    cache.summaries.remove(name);
                }
            }
            cache.heads.insert(name.to_owned(), Arc::new(heads));
        }
        cache.list = Some(cache.list_answer());
        Some(Arc::new(cache))
    }

    /// `GET /v1/prompts`'s answer: every active prompt, by name.
    fn list_answer(&self) -> Cached {
        Cached::of(&PromptListV1 {
            revision: self.revision,
            prompts: self.summaries.values().map(|s| (**s).clone()).collect(),
        })
    }
}

/// Which of a name's production rows is the active one.
fn active(heads: &[Head]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (index, head) in heads.iter().enumerate().filter(|(_, h)| h.is_active) {
        if best.is_none_or(|b| head.newer_than(&heads[b])) {
            best = Some(index);
        }
    }
    best
}

/// The row's model, or the default model where it has none.
fn model(row: &LiveRow, default_model: &str) -> String {
    row.ai_model
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| default_model.to_owned())
}

/// `GET /v1/prompts/{name}`'s answers for `row`.
fn answer(
    row: &LiveRow,
    revision: i64,
    default_model: &str,
    fallback_model: &str,
) -> Arc<PromptAnswers> {
    let parse = |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str(t).ok());
    let canary = match (&row.canary_model, row.canary_percent) {
        (Some(model), Some(percent)) => Some(CanaryV1 {
            ai_model: model.clone(),
            percent,
        }),
        _ => None,
    };
    let plain = ActivePromptV1 {
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
        canary: canary.clone(),
        variant: None,
    };
    let arms = canary.map(|canary| {
        let arm = |model: String, variant: crate::canary::Arm| {
            Cached::of(&ActivePromptV1 {
                ai_model: model,
                variant: Some(variant.as_str().to_owned()),
                ..plain.clone()
            })
        };
        Arms {
            percent: canary.percent,
            stable: arm(plain.ai_model.clone(), crate::canary::Arm::Stable),
            canary: arm(canary.ai_model.clone(), crate::canary::Arm::Canary),
        }
    });
    Arc::new(PromptAnswers {
        plain: Cached::of(&plain),
        arms,
        counters: std::sync::OnceLock::new(),
    })
}

/// The row's entry in `GET /v1/prompts`.
fn summary(row: &LiveRow, default_model: &str) -> PromptSummaryV1 {
    PromptSummaryV1 {
        prompt_name: row.prompt_name.clone(),
        prompt_version: row.prompt_version.clone(),
        ai_model: model(row, default_model),
        workflow_step: row.workflow_step.clone(),
        subsystem: row.subsystem.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::test_row as row;

    fn body(cache: &PromptCache, name: &str) -> serde_json::Value {
        serde_json::from_slice(&cache.prompts[name].plain.body).unwrap()
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
        assert!(
            patched.snapshot.is_none(),
            "a patched cache holds no snapshot: the console reads the store"
        );
        // And a patched cache patches again.
        let mut a2 = rebuilt.snapshot.as_ref().unwrap().rows[0].clone();
        a2.is_active = false;
        let again = patched
            .patch(
                Delta {
                    store_id: "s".to_owned(),
                    revision: 3,
                    rows: vec![a2],
                },
                "d",
                "f",
            )
            .unwrap();
        assert!(!again.prompts.contains_key("a"), "deactivated");
        assert_eq!(
            again.prompts["b"].plain.body,
            patched.prompts["b"].plain.body
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
        assert_eq!(
            patched.prompts["b"].plain.body,
            cache.prompts["b"].plain.body
        );
        assert_eq!(body(&patched, "a")["revision"], 5);
        let elsewhere = Delta {
            store_id: "other".to_owned(),
            ..delta
        };
        assert!(cache.patch(elsewhere, "d", "f").is_none());
    }
}
