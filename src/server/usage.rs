//! Requests counted per prompt and arm: how often applications read each prompt
//! (`GET /v1/prompts/{name}`), for `GET /v1/usage` and `promptctl cost --observed`. Counting
//! is an atomic add on counters the cached answer holds: a request takes no lock (the first
//! request of a prompt after its answer changed takes one, once, to find its counters).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::formats::http_v1::{PromptUsageV1, UsageV1};

use crate::canary::Arm;

/// One prompt's counts since the server started.
#[derive(Debug, Default)]
pub(super) struct Counters {
    stable: AtomicU64,
    canary: AtomicU64,
}

impl Counters {
    pub(super) fn count(&self, arm: Arm) {
        match arm {
            Arm::Stable => self.stable.fetch_add(1, Ordering::Relaxed),
            Arm::Canary => self.canary.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// Every prompt's counters, by name, kept across cache rebuilds.
#[derive(Debug)]
pub(super) struct Usage {
    started_at: i64,
    by_name: Mutex<HashMap<String, Arc<Counters>>>,
}

impl Usage {
    pub(super) fn new() -> Usage {
        Usage {
            started_at: crate::store::now_ms(),
            by_name: Mutex::new(HashMap::new()),
        }
    }

    /// The counters of `name`, made on first use.
    pub(super) fn of(&self, name: &str) -> Arc<Counters> {
        let mut by_name = match self.by_name.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        Arc::clone(by_name.entry(name.to_owned()).or_default())
    }

    /// `GET /v1/usage`'s answer.
    pub(super) fn report(&self) -> UsageV1 {
        let by_name = match self.by_name.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut prompts: Vec<PromptUsageV1> = by_name
            .iter()
            .map(|(name, counters)| {
                let stable = counters.stable.load(Ordering::Relaxed);
                let canary = counters.canary.load(Ordering::Relaxed);
                PromptUsageV1 {
                    prompt_name: name.clone(),
                    requests: stable + canary,
                    stable,
                    canary,
                }
            })
            .collect();
        prompts.sort_by(|a, b| a.prompt_name.cmp(&b.prompt_name));
        UsageV1 {
            since: self.started_at,
            now: crate::store::now_ms(),
            prompts,
        }
    }
}
