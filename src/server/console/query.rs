//! The prompts page's query: search, filters, sort and page, read from the URL (so a view can
//! be bookmarked and works without JavaScript) and applied to a [`View`] in memory.

use std::cmp::Ordering;

use serde::Deserialize;

use super::view::{View, model_of, provider};
use crate::catalog::Catalog;

/// Rows a page shows.
pub(super) const PER_PAGE: usize = 50;

/// `?q=&model=&provider=&subsystem=&active=&sort=&dir=&page=`; anything unknown reads as unset.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PromptQuery {
    /// A part of the prompt name.
    pub(super) q: String,
    /// A model id, or [`NO_MODEL`] for the rows without one (a backfill's targets).
    pub(super) model: String,
    pub(super) provider: String,
    pub(super) subsystem: String,
    /// `yes` (the default), `no` or `all`.
    pub(super) active: String,
    /// A column: `name`, `version`, `model`, `tier`, `input`, `output`, `changed`, `active`.
    pub(super) sort: String,
    /// `asc` (default) or `desc`.
    pub(super) dir: String,
    /// From 1.
    pub(super) page: Option<usize>,
    /// `1`: developer-scoped rows can be selected for a bulk change too (by default only
    /// production rows can: a developer's row is theirs to change).
    pub(super) dev: String,
}

/// The model filter's value for rows without a model.
pub(super) const NO_MODEL: &str = "none";

impl PromptQuery {
    /// The positions in `view.rows` this query selects, sorted.
    pub(super) fn select(&self, view: &View, catalog: &Catalog) -> Vec<usize> {
        let q = self.q.trim().to_lowercase();
        let mut picked: Vec<usize> = (0..view.rows.len())
            .filter(|&i| {
                let row = &view.rows[i];
                let model = row.ai_model.as_deref().unwrap_or_default();
                (q.is_empty() || row.prompt_name.to_lowercase().contains(&q))
                    && (self.model.is_empty()
                        || model == self.model
                        || (self.model == NO_MODEL && row.ai_model.is_none()))
                    && (self.provider.is_empty() || provider(model) == self.provider)
                    && (self.subsystem.is_empty()
                        || row.subsystem.as_deref() == Some(self.subsystem.as_str()))
                    && match self.active.as_str() {
                        "all" => true,
                        "no" => !row.is_active,
                        _ => row.is_active,
                    }
            })
            .collect();
        let key = self.sort.as_str();
        picked.sort_by(|&a, &b| {
            let (ra, rb) = (&view.rows[a], &view.rows[b]);
            let price = |i: usize, input: bool| {
                model_of(catalog, &view.rows[i]).map(|m| {
                    if input {
                        m.input_cost_per_1m
                    } else {
                        m.output_cost_per_1m
                    }
                })
            };
            let order = match key {
                "version" => ra.prompt_version.cmp(&rb.prompt_version),
                "model" => ra.ai_model.cmp(&rb.ai_model),
                "tier" => model_of(catalog, ra)
                    .map(|m| m.tier)
                    .cmp(&model_of(catalog, rb).map(|m| m.tier)),
                "input" => compare_prices(price(a, true), price(b, true)),
                "output" => compare_prices(price(a, false), price(b, false)),
                "changed" => view.last[a]
                    .as_ref()
                    .map(|c| c.revision)
                    .cmp(&view.last[b].as_ref().map(|c| c.revision)),
                "active" => ra.is_active.cmp(&rb.is_active),
                _ => Ordering::Equal,
            }
            .then_with(|| ra.prompt_name.cmp(&rb.prompt_name))
            .then_with(|| ra.prompt_version.cmp(&rb.prompt_version));
            if self.dir == "desc" {
                order.reverse()
            } else {
                order
            }
        });
        picked
    }

    /// Whether a bulk change may select `row`.
    pub(super) fn selectable(&self, row: &crate::store::LiveRow) -> bool {
        row.scope == crate::store::Scope::Production || self.dev == "1"
    }

    /// The page asked for, within `1..=pages` for `total` rows.
    pub(super) fn page(&self, total: usize) -> usize {
        self.page.unwrap_or(1).clamp(1, pages(total))
    }

    /// This query's URL with some parameters changed (`None` removes one).
    pub(super) fn url_with(&self, changes: &[(&str, Option<&str>)]) -> String {
        let page = self.page.map(|p| p.to_string()).unwrap_or_default();
        let mut pairs: Vec<(&str, String)> = [
            ("q", self.q.as_str()),
            ("model", self.model.as_str()),
            ("provider", self.provider.as_str()),
            ("subsystem", self.subsystem.as_str()),
            ("active", self.active.as_str()),
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
            ("dev", self.dev.as_str()),
            ("page", page.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        for (key, value) in changes {
            match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1 = value.unwrap_or_default().to_owned(),
                None => pairs.push((key, value.unwrap_or_default().to_owned())),
            }
        }
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        if query.is_empty() {
            "/prompts".to_owned()
        } else {
            format!("/prompts?{}", query.join("&"))
        }
    }
}

/// Unknown prices sort last.
fn compare_prices(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// How many pages `total` rows fill (at least one).
pub(super) fn pages(total: usize) -> usize {
    total.div_ceil(PER_PAGE).max(1)
}

/// Percent-encoding for a query value.
pub(super) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
