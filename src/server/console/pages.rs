//! The console's pages as HTML (maud: compiled in, every value escaped). Pages read without
//! JavaScript; `console.js` adds selection and the "Assign model" dialog.

use maud::{DOCTYPE, Markup, html};

use super::query::{PER_PAGE, PromptQuery, pages};
use super::session::Session;
use super::view::{LastChange, View, model_of, provider};
use crate::catalog::{Catalog, Lifecycle, Model, Tier};
use crate::server::Role;
use crate::store::{AuditEntry, LiveRow};

/// The version of the embedded assets, so a new build is never served a cached old one.
pub(super) const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The frame every page shares: title, navigation, who is signed in.
pub(super) fn layout(title: &str, session: Option<&Session>, active: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · promptctl" }
                link rel="stylesheet" href={ "/static/console.css?v=" (ASSET_VERSION) };
                script src={ "/static/console.js?v=" (ASSET_VERSION) } defer {}
            }
            body {
                header.top {
                    a.brand href="/prompts" { "promptctl" }
                    @if let Some(session) = session {
                        nav aria-label="Main" {
                            @for (href, label) in [("/prompts", "Prompts"), ("/models", "Models"), ("/history", "History")] {
                                a href=(href) aria-current=[(label == active).then_some("page")] { (label) }
                            }
                        }
                        div.who {
                            span { "Signed in as " strong { (session.name) } " (" (session.role.as_str()) ")" }
                            form method="post" action="/signout" {
                                input type="hidden" name="_csrf" value=(session.csrf);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" data-csrf=[session.map(|s| s.csrf.as_str())] { (body) }
            }
        }
    }
}

/// The sign-in page; `error` after a failed attempt.
pub(super) fn signin(next: &str, error: Option<&str>) -> Markup {
    layout(
        "Sign in",
        None,
        "",
        html! {
            section.signin {
                h1 { "Sign in" }
                p { "Sign in with an API token of this server (" code { "promptctl token new" } "). The token is checked once; the browser keeps only a session cookie." }
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                form method="post" action="/signin" {
                    input type="hidden" name="next" value=(next);
                    label for="token" { "Token" }
                    input id="token" name="token" type="password" autocomplete="off" required autofocus;
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

fn cost_per_1k(per_1m: f64) -> String {
    format!("${:.5}", per_1m / 1000.0)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

fn tier_label(tier: Tier) -> &'static str {
    match tier {
        Tier::CostEffective => "Cost-effective",
        Tier::MidRange => "Mid-range",
        Tier::Premium => "Premium",
    }
}

fn last_change(change: Option<&LastChange>) -> Markup {
    match change {
        Some(change) => html! {
            span.rev { "r" (change.revision) }
            " · " (change.actor) " · "
            time { (crate::time::format_ms(change.at)) }
            @if change.by_console() {
                " " span.badge.console title="Changed in the console, not in git: drift to promptctl plan" { "console" }
            }
        },
        None => html! { span.muted { "—" } },
    }
}

fn model_cell(model_id: Option<&str>) -> Markup {
    match model_id {
        Some(id) => html! {
            span.badge.provider data-provider=(provider(id)) { (provider(id)) }
            " " code { (id) }
        },
        None => html! { span.badge.missing { "no model" } },
    }
}

/// The prompts page: search, filters, sortable columns, pages; selection and the dialog for
/// admins.
pub(super) fn prompts(
    view: &View,
    catalog: &Catalog,
    query: &PromptQuery,
    session: &Session,
    today: &str,
) -> Markup {
    let picked = query.select(view, catalog);
    let total = picked.len();
    let page = query.page(total);
    let shown = &picked[(page - 1) * PER_PAGE..(page * PER_PAGE).min(total)];
    let admin = session.role == Role::Admin;
    let sort_link = |key: &str, label: &str| {
        let current = query.sort == key || (query.sort.is_empty() && key == "name");
        let descending = current && query.dir == "desc";
        let next_dir = if current && !descending {
            "desc"
        } else {
            "asc"
        };
        let url = query.url_with(&[("sort", Some(key)), ("dir", Some(next_dir)), ("page", None)]);
        let sort = if !current {
            None
        } else if descending {
            Some("descending")
        } else {
            Some("ascending")
        };
        html! {
            th scope="col" aria-sort=[sort] {
                a href=(url) { (label) @if current { @if descending { " ▼" } @else { " ▲" } } }
            }
        }
    };
    let select = |name: &str, label: &str, values: &[String], current: &str| {
        html! {
            label {
                (label) " "
                select name=(name) {
                    option value="" { "any" }
                    @for value in values {
                        option value=(value) selected[value == current] { (value) }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { "Prompts" }
        p.meta { "Store " code { (view.store_id) } " · revision " (view.revision) " · " (total) " of " (view.rows.len()) " rows" }
        form.filters method="get" action="/prompts" role="search" {
            input type="search" name="q" value=(query.q) placeholder="Search by name" aria-label="Search prompts";
            (select("model", "Model", &view.models, &query.model))
            (select("provider", "Provider", &view.providers, &query.provider))
            (select("subsystem", "Subsystem", &view.subsystems, &query.subsystem))
            label {
                "Active "
                select name="active" {
                    option value="yes" selected[query.active != "no" && query.active != "all"] { "active" }
                    option value="no" selected[query.active == "no"] { "inactive" }
                    option value="all" selected[query.active == "all"] { "all" }
                }
            }
            input type="hidden" name="sort" value=(query.sort);
            input type="hidden" name="dir" value=(query.dir);
            button type="submit" { "Filter" }
        }
        @if admin {
            div.bulk data-selection-url={ "/console/selection" (query.url_with(&[("page", None)]).trim_start_matches("/prompts")) } {
                button type="button" id="select-all" { "Select all " (total) " filtered" }
                button type="button" id="select-none" { "Select none" }
                span id="selected-count" aria-live="polite" { "0 selected" }
                button type="button" id="assign-open" disabled { "Assign model" }
            }
            div id="result" role="status" aria-live="polite" {}
        }
        table.prompts {
            thead {
                tr {
                    @if admin { th scope="col" { span.visually-hidden { "Select" } } }
                    (sort_link("name", "Name"))
                    (sort_link("version", "Version"))
                    (sort_link("model", "Model"))
                    (sort_link("tier", "Tier"))
                    th scope="col" { "Recommended" }
                    (sort_link("input", "In / 1K"))
                    (sort_link("output", "Out / 1K"))
                    (sort_link("changed", "Last change"))
                    (sort_link("active", "Active"))
                }
            }
            tbody {
                @for &index in shown {
                    @let row = &view.rows[index];
                    @let model = model_of(catalog, row);
                    tr data-id=(row.id) data-row-version=(row.row_version) data-name=(row.prompt_name) {
                        @if admin {
                            td { input type="checkbox" class="select" aria-label={ "Select " (row.prompt_name) }; }
                        }
                        td {
                            a href={ "/prompts/" (super::query::encode(&row.prompt_name)) } { (row.prompt_name) }
                            @if row.scope != crate::store::Scope::Production { " " span.badge { (row.scope.as_str()) } }
                        }
                        td { code { (row.prompt_version) } }
                        td { (model_cell(row.ai_model.as_deref())) (lifecycle_badge(model, today)) }
                        td { @if let Some(m) = model { (m.tier.as_str()) } @else { "—" } }
                        td { @if model.is_some_and(|m| m.is_recommended()) { "★ yes" } }
                        td.num { @if let Some(m) = model { (cost_per_1k(m.input_cost_per_1m)) } @else { "—" } }
                        td.num { @if let Some(m) = model { (cost_per_1k(m.output_cost_per_1m)) } @else { "—" } }
                        td { (last_change(view.last[index].as_ref())) }
                        td { @if row.is_active { "yes" } @else { span.muted { "no" } } }
                    }
                }
            }
        }
        @if total == 0 { p.empty { "No prompt matches." } }
        nav.pages aria-label="Pages" {
            @if page > 1 {
                a href=(query.url_with(&[("page", Some(&(page - 1).to_string()))])) rel="prev" { "← Previous" }
            }
            span { "Page " (page) " of " (pages(total)) }
            @if page < pages(total) {
                a href=(query.url_with(&[("page", Some(&(page + 1).to_string()))])) rel="next" { "Next →" }
            }
        }
        @if admin { (assign_dialog(catalog, today)) }
    };
    layout("Prompts", Some(session), "Prompts", body)
}

fn lifecycle_badge(model: Option<&Model>, today: &str) -> Markup {
    match model.map(|m| m.lifecycle(today)) {
        Some(Lifecycle::Deprecated) => html! { " " span.badge.deprecated { "deprecated" } },
        Some(Lifecycle::Retired) => html! { " " span.badge.retired { "retired" } },
        _ => html! {},
    }
}

/// The model dropdown (AC5): grouped by tier, each option with provider, cost per 1K, context
/// window, and whether it is recommended or deprecated. `console.js` filters it as you type.
pub(super) fn model_select(
    catalog: &Catalog,
    today: &str,
    selected: Option<&str>,
    id: &str,
) -> Markup {
    html! {
        label for={ (id) "-search" } { "Search models" }
        input type="search" id={ (id) "-search" } class="model-search" data-for=(id) autocomplete="off";
        label for=(id) { "Model" }
        select id=(id) name="model" required size="8" {
            @for tier in [Tier::Premium, Tier::MidRange, Tier::CostEffective] {
                optgroup label=(tier_label(tier)) {
                    @for model in catalog.models().iter().filter(|m| m.tier == tier) {
                        option value=(model.id) selected[selected == Some(model.id.as_str())]
                            data-provider=(model.provider) {
                            (model.id) " — " (model.provider)
                            " · in " (cost_per_1k(model.input_cost_per_1m)) " / out " (cost_per_1k(model.output_cost_per_1m)) " per 1K"
                            " · " (model.context_window / 1000) "K context"
                            @if model.is_recommended() { " · ★ recommended" }
                            @match model.lifecycle(today) {
                                Lifecycle::Deprecated => " · deprecated",
                                Lifecycle::Retired => " · retired",
                                Lifecycle::Active => "",
                            }
                        }
                    }
                }
            }
        }
    }
}

fn assign_dialog(catalog: &Catalog, today: &str) -> Markup {
    html! {
        dialog id="assign-dialog" aria-labelledby="assign-title" {
            form method="dialog" id="assign-form" {
                h2 id="assign-title" { "Assign model" }
                p id="assign-count" { }
                (model_select(catalog, today, None, "assign-model"))
                p id="assign-cost" aria-live="polite" {}
                div.actions {
                    button type="button" id="assign-cancel" { "Cancel" }
                    button type="submit" id="assign-apply" { "Apply" }
                }
            }
        }
    }
}

/// One prompt: its active version, model card, versions with a diff, history.
#[allow(clippy::too_many_arguments)]
pub(super) fn prompt(
    view: &View,
    catalog: &Catalog,
    name: &str,
    session: &Session,
    history: &[AuditEntry],
    diff: Option<(&str, &str, String)>,
    notice: Option<&str>,
    today: &str,
) -> Markup {
    let range = view.versions_of(name);
    let versions = &view.rows[range.clone()];
    // The row that runs, by the store's one rule; else the newest production version shown.
    let production = || {
        versions
            .iter()
            .filter(|r| r.scope == crate::store::Scope::Production)
    };
    let current = production()
        .filter(|r| r.is_active)
        .reduce(|best, row| {
            if crate::store::runs_before(row, best) {
                row
            } else {
                best
            }
        })
        .or_else(|| production().max_by_key(|r| r.created_at))
        .or_else(|| versions.last());
    let Some(current) = current else {
        return layout(
            "Not found",
            Some(session),
            "Prompts",
            html! { h1 { "No prompt " code { (name) } } p { a href="/prompts" { "All prompts" } } },
        );
    };
    let model = model_of(catalog, current);
    let pretty = |text: &Option<String>| {
        text.as_deref().map(|t| {
            serde_json::from_str::<serde_json::Value>(t)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| t.to_owned())
        })
    };
    let body = html! {
        p { a href="/prompts" { "← All prompts" } }
        h1 { (name) " " code { (current.prompt_version) } }
        @if let Some(notice) = notice { p.notice role="status" { (notice) } }
        section.card {
            h2 { "Model" }
            p { (model_cell(current.ai_model.as_deref())) (lifecycle_badge(model, today)) }
            @if let Some(m) = model {
                dl.model-card {
                    dt { "Name" } dd { (m.name) }
                    dt { "Tier" } dd { (m.tier.as_str()) @if m.is_recommended() { " · ★ recommended" } }
                    dt { "Context window" } dd { (m.context_window) " tokens" }
                    dt { "Max output" } dd { (m.max_output_tokens) " tokens" }
                    dt { "Price" } dd { "in " (cost_per_1k(m.input_cost_per_1m)) " / out " (cost_per_1k(m.output_cost_per_1m)) " per 1K tokens" }
                    @if let Some(date) = &m.deprecated_on { dt { "Deprecated on" } dd { (date) } }
                    @if let Some(date) = &m.retired_on { dt { "Retired on" } dd { (date) } }
                    @if let Some(successor) = &m.successor { dt { "Successor" } dd { code { (successor) } } }
                }
            }
            @if session.role == Role::Admin {
                form.change-model method="post" action={ "/prompts/" (super::query::encode(name)) "/model" } {
                    input type="hidden" name="_csrf" value=(session.csrf);
                    input type="hidden" name="id" value=(current.id);
                    input type="hidden" name="row_version" value=(current.row_version);
                    (model_select(catalog, today, current.ai_model.as_deref(), "change-model"))
                    button type="submit" { "Change model" }
                }
            }
        }
        section {
            h2 { "Parameters" }
            dl {
                dt { "Active" } dd { (if current.is_active { "yes" } else { "no" }) }
                dt { "Scope" } dd { (current.scope.as_str()) }
                dt { "Max tokens" } dd { (current.max_tokens.map_or("—".to_owned(), |v| v.to_string())) }
                dt { "Temperature" } dd { (current.temperature.map_or("—".to_owned(), |v| v.to_string())) }
                dt { "Workflow step" } dd { (current.workflow_step.as_deref().unwrap_or("—")) }
                dt { "Subsystem" } dd { (current.subsystem.as_deref().unwrap_or("—")) }
                dt { "Description" } dd { (current.description.as_deref().unwrap_or("—")) }
                dt { "Last change" } dd { (last_change(view.last[range.start + versions.iter().position(|r| r.id == current.id).unwrap_or(0)].as_ref())) }
            }
        }
        section {
            h2 { "Template" }
            pre.template { (current.prompt_template) }
            @if let Some(schema) = pretty(&current.input_schema) { h3 { "Input schema" } pre { (schema) } }
            @if let Some(schema) = pretty(&current.output_schema) { h3 { "Output schema" } pre { (schema) } }
        }
        section {
            h2 { "Versions" }
            table {
                thead { tr { th scope="col" { "Version" } th scope="col" { "Scope" } th scope="col" { "Model" } th scope="col" { "Active" } th scope="col" { "Created" } th scope="col" { "Replaced by" } } }
                tbody {
                    @for row in versions {
                        tr {
                            td { code { (row.prompt_version) } }
                            td { (row.scope.as_str()) }
                            td { (model_cell(row.ai_model.as_deref())) }
                            td { (if row.is_active { "yes" } else { "no" }) }
                            td { (crate::time::format_ms(row.created_at)) }
                            td { (row.replaced_by.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
            @if versions.len() > 1 {
                form.diff method="get" action={ "/prompts/" (super::query::encode(name)) } {
                    (version_select("from", "Diff from", versions, diff.as_ref().map(|d| d.0)))
                    (version_select("to", "to", versions, diff.as_ref().map(|d| d.1)))
                    button type="submit" { "Show diff" }
                }
            }
            @if let Some((from, to, text)) = &diff {
                h3 { "Template " code { (from) } " → " code { (to) } }
                pre.diff {
                    @for line in text.lines() {
                        @let class = match line.chars().next() { Some('+') => "add", Some('-') => "del", Some('@') => "hunk", _ => "ctx" };
                        span class=(class) { (line) } "\n"
                    }
                }
            }
        }
        section {
            h2 { "History" }
            (history_table(history, false))
        }
    };
    layout(name, Some(session), "Prompts", body)
}

fn version_select(name: &str, label: &str, versions: &[LiveRow], selected: Option<&str>) -> Markup {
    html! {
        label {
            (label) " "
            select name=(name) {
                @for row in versions {
                    option value=(row.prompt_version) selected[selected == Some(row.prompt_version.as_str())] { (row.prompt_version) " (" (row.scope.as_str()) ")" }
                }
            }
        }
    }
}

fn history_table(entries: &[AuditEntry], with_prompt: bool) -> Markup {
    let fields = |value: &Option<serde_json::Value>| {
        value
            .as_ref()
            .and_then(|v| v.as_object())
            .map(|object| {
                object
                    .iter()
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "prompt_template" | "input_schema" | "output_schema"
                        )
                    })
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    html! {
        @if entries.is_empty() { p.empty { "No changes recorded." } }
        @else {
            table.history {
                thead { tr {
                    th scope="col" { "Revision" } th scope="col" { "Time" } th scope="col" { "Actor" } th scope="col" { "Change" }
                    @if with_prompt { th scope="col" { "Prompt" } }
                    th scope="col" { "Version" } th scope="col" { "Before" } th scope="col" { "After" }
                } }
                tbody {
                    @for entry in entries {
                        tr {
                            td { "r" (entry.revision) }
                            td { (crate::time::format_ms(entry.at)) }
                            td { (entry.actor) }
                            td { (entry.change) }
                            @if with_prompt {
                                td { @if let Some(name) = &entry.prompt_name { a href={ "/prompts/" (super::query::encode(name)) } { (name) } } }
                            }
                            td { (entry.prompt_version.as_deref().unwrap_or("")) }
                            td { code { (fields(&entry.before)) } }
                            td { code { (fields(&entry.after)) } }
                        }
                    }
                }
            }
        }
    }
}

/// The catalog.
pub(super) fn models(catalog: &Catalog, session: &Session, today: &str) -> Markup {
    let body = html! {
        h1 { "Models" }
        table {
            thead { tr {
                th scope="col" { "Model" } th scope="col" { "Provider" } th scope="col" { "Tier" }
                th scope="col" { "In / 1K" } th scope="col" { "Out / 1K" } th scope="col" { "Context" }
                th scope="col" { "Max output" } th scope="col" { "Recommended" } th scope="col" { "Lifecycle" }
            } }
            tbody {
                @for m in catalog.models() {
                    tr {
                        td { code { (m.id) } br; span.muted { (m.name) } }
                        td { span.badge.provider data-provider=(m.provider) { (m.provider) } }
                        td { (m.tier.as_str()) }
                        td.num { (cost_per_1k(m.input_cost_per_1m)) }
                        td.num { (cost_per_1k(m.output_cost_per_1m)) }
                        td.num { (m.context_window) }
                        td.num { (m.max_output_tokens) }
                        td { @if m.is_recommended() { "★ yes" } }
                        td {
                            @match m.lifecycle(today) {
                                Lifecycle::Active => "active",
                                Lifecycle::Deprecated => span.badge.deprecated { "deprecated" },
                                Lifecycle::Retired => span.badge.retired { "retired" },
                            }
                            @if let Some(s) = &m.successor { " → " code { (s) } }
                        }
                    }
                }
            }
        }
    };
    layout("Models", Some(session), "Models", body)
}

/// The audit log, filtered by prompt and actor, a page at a time.
pub(super) fn history(
    entries: &[AuditEntry],
    prompt: &str,
    actor: &str,
    page: usize,
    more: bool,
    session: &Session,
) -> Markup {
    let link = |page: usize| {
        format!(
            "/history?prompt={}&actor={}&page={page}",
            super::query::encode(prompt),
            super::query::encode(actor)
        )
    };
    let body = html! {
        h1 { "History" }
        form.filters method="get" action="/history" role="search" {
            label { "Prompt " input type="search" name="prompt" value=(prompt); }
            label { "Actor " input type="search" name="actor" value=(actor); }
            button type="submit" { "Filter" }
        }
        (history_table(entries, true))
        nav.pages aria-label="Pages" {
            @if page > 1 { a href=(link(page - 1)) rel="prev" { "← Newer" } }
            span { "Page " (page) }
            @if more { a href=(link(page + 1)) rel="next" { "Older →" } }
        }
    };
    layout("History", Some(session), "History", body)
}

/// A page that says what went wrong, with a way back.
/// A problem page with a list of what went wrong, one item each (the rules that refused a
/// change).
pub(super) fn problem_list(
    title: &str,
    message: &str,
    details: &[String],
    session: Option<&Session>,
) -> Markup {
    layout(
        title,
        session,
        "",
        html! {
            h1 { (title) }
            div role="alert" {
                p { (message) }
                @if !details.is_empty() {
                    ul.refusals { @for detail in details { li { (detail) } } }
                }
            }
            p { a href="/prompts" { "Back to the prompts" } }
        },
    )
}

pub(super) fn problem(title: &str, message: &str, session: Option<&Session>) -> Markup {
    layout(
        title,
        session,
        "",
        html! {
            h1 { (title) }
            p role="alert" { (message) }
            p { a href="/prompts" { "Back to the prompts" } }
        },
    )
}
