//! The model picker of the "Assign model" dialog and the prompt page's "Change model" form: a
//! searchable list of radio buttons, one per model the catalog still offers, each showing what
//! an admin chooses by — id, provider, tier, price per 1M tokens, context window, whether it is
//! recommended, and when it is deprecated and what succeeds it. Radio buttons, so the form
//! posts `model` without a script and the arrow keys move through it; each option's accessible
//! name begins with the model id. `console.js` narrows the list as you type.

use maud::{Markup, html};

use crate::catalog::{Catalog, Lifecycle, Model, Tier};
use crate::validate::DEFAULT_DEPRECATION_WINDOW;

pub(super) use crate::table::price_per_1m;

pub(super) fn tier_label(tier: Tier) -> &'static str {
    match tier {
        Tier::CostEffective => "Cost-effective",
        Tier::MidRange => "Mid-range",
        Tier::Premium => "Premium",
    }
}

/// `400K` tokens.
fn context(tokens: u64) -> String {
    if tokens >= 1_000_000 && tokens.is_multiple_of(1_000_000) {
        format!("{}M", tokens / 1_000_000)
    } else {
        format!("{}K", tokens / 1000)
    }
}

/// A model's standing today, as a badge: deprecating soon stands out; deprecated and retired
/// say since when; nothing for a model in good standing.
pub(super) fn standing(model: &Model, today: &str) -> Markup {
    let successor = || {
        model
            .successor
            .as_deref()
            .map(|s| format!(" → {s}"))
            .unwrap_or_default()
    };
    if let Some((date, days)) = model.deprecates_within(today, DEFAULT_DEPRECATION_WINDOW) {
        return html! {
            span.badge.soon {
                "deprecated in " (days) " day" @if days != 1 { "s" } " (" (date) ")" (successor())
            }
        };
    }
    match model.lifecycle(today) {
        Lifecycle::Active => html! {},
        Lifecycle::Deprecated => html! {
            span.badge.deprecated {
                "deprecated"
                @if let Some(date) = &model.deprecated_on { " since " (date) }
                @if let Some(date) = &model.retired_on { ", retires " (date) }
                (successor())
            }
        },
        Lifecycle::Retired => html! {
            span.badge.retired { "retired" @if let Some(date) = &model.retired_on { " " (date) } (successor()) }
        },
    }
}

/// The picker; `selected` is checked. Retired models are not offered (they stay in the
/// catalog and on the models page); a deprecated one is, marked.
pub(super) fn model_picker(
    catalog: &Catalog,
    today: &str,
    selected: Option<&str>,
    id: &str,
) -> Markup {
    let offered = |tier: Tier| {
        catalog
            .models()
            .iter()
            .filter(move |m| m.tier == tier && m.lifecycle(today) != Lifecycle::Retired)
    };
    html! {
        div.picker {
            label for={ (id) "-search" } { "Search models" }
            input type="search" id={ (id) "-search" } class="model-search" data-for=(id)
                autocomplete="off" placeholder="id, provider or tier";
            div.picker-list id=(id) role="radiogroup" aria-label="Model" {
                @for tier in [Tier::Premium, Tier::MidRange, Tier::CostEffective] {
                    @if offered(tier).next().is_some() {
                        p.picker-group aria-hidden="true" { (tier_label(tier)) }
                        @for model in offered(tier) {
                            label.model-option data-search={ (model.id) " " (model.provider) " " (model.name) " " (tier_label(tier)) } {
                                input type="radio" name="model" value=(model.id) required
                                    checked[selected == Some(model.id.as_str())];
                                span.option-body {
                                    span.option-head {
                                        code { (model.id) }
                                        " " span.badge.provider data-provider=(model.provider) { (model.provider) }
                                        " " span.badge { (tier_label(tier)) }
                                        @if model.is_recommended() { " " span.badge.recommended { "★ recommended" } }
                                        " " (standing(model, today))
                                    }
                                    span.option-facts {
                                        (price_per_1m(model.input_cost_per_1m)) " in · "
                                        (price_per_1m(model.output_cost_per_1m)) " out per 1M tokens · "
                                        (context(model.context_window)) " context"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
