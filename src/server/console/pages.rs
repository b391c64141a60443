//! The console's pages as HTML (maud: compiled in, every value escaped). Pages read without
//! JavaScript; `console.js` adds selection and the "Assign model" dialog.

use std::sync::Arc;

use maud::{DOCTYPE, Markup, html};

use super::picker::{model_picker, price_per_1m, standing};
use super::query::{NO_MODEL, PER_PAGE, PromptQuery, pages};
use super::session::Session;
use super::view::{GitStatus, LastChange, View, model_of, provider};
use crate::catalog::Catalog;
use crate::server::Role;
use crate::store::{AuditEntry, LiveRow};

/// The version of the embedded assets — a digest of their bytes, so a build whose stylesheet
/// or script changed is never served a cached old one, whatever the crate version says.
const ASSET_VERSION: u64 =
    fnv1a(super::CSS.as_bytes()) ^ fnv1a(super::JS.as_bytes()).rotate_left(1);

/// FNV-1a, at compile time: a cache key, not a security digest.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The frame every page shares: title, navigation, who is signed in.
pub(super) fn layout(title: &str, session: Option<&Session>, active: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · promptctl" }
                link rel="stylesheet" href={ "/static/console.css?v=" (format!("{ASSET_VERSION:x}")) };
                script src={ "/static/console.js?v=" (format!("{ASSET_VERSION:x}")) } defer {}
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

fn last_change(change: Option<&LastChange>) -> Markup {
    match change {
        Some(change) => html! {
            span.rev { "r" (change.revision) }
            " · " (change.actor) " · "
            (when(change.at))
            @if change.by_console() {
                " " span.badge.console title="Changed in the console, not in git: drift to promptctl plan" { "console" }
            }
        },
        None => html! { span.muted { "—" } },
    }
}

/// A row's canary, as a badge: the model a share of the traffic runs.
fn canary_badge(row: &LiveRow) -> Markup {
    match (&row.canary_model, row.canary_percent) {
        (Some(model), Some(percent)) => html! {
            " " span.badge.canary title="A canary: this share of the subjects runs this model" {
                "canary " (model) " at " (percent) "%"
            }
        },
        _ => html! {},
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
            label {
                "Model "
                select name="model" {
                    option value="" { "any" }
                    option value=(NO_MODEL) selected[query.model == NO_MODEL] { "none (no model set)" }
                    @for value in &view.models {
                        option value=(value) selected[*value == query.model] { (value) }
                    }
                }
            }
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
            @if admin {
                label title="A developer's row is theirs to change: by default a bulk change selects production rows only" {
                    input type="checkbox" name="dev" value="1" checked[query.dev == "1"];
                    " Developer rows selectable"
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
        div.table-scroll {
        table.prompts {
            thead {
                tr {
                    @if admin { th scope="col" { input type="checkbox" id="select-page" aria-label="Select every selectable row on this page"; } }
                    (sort_link("name", "Name"))
                    (sort_link("version", "Version"))
                    (sort_link("model", "Model"))
                    th scope="col" { "Subsystem" }
                    th scope="col" title="As the store's audit log tells: in sync = as the last apply from git left it; drift = changed in the console; unmanaged = never applied from git" { "Git" }
                    (sort_link("tier", "Tier"))
                    (sort_link("input", "In $/1M"))
                    (sort_link("output", "Out $/1M"))
                    (sort_link("changed", "Last change"))
                    (sort_link("active", "Active"))
                }
            }
            tbody {
                @for &index in shown {
                    @let row = &view.rows[index];
                    @let model = model_of(catalog, row);
                    @let git = GitStatus::of(view.last[index].as_ref());
                    tr data-id=(row.id) data-row-version=(row.row_version) data-name=(row.prompt_name) {
                        @if admin {
                            td {
                                @if query.selectable(row) {
                                    input type="checkbox" class="select" aria-label={ "Select " (row.prompt_name) };
                                } @else {
                                    span.muted title="A developer's row: tick “Developer rows selectable” to include it" { "dev" }
                                }
                            }
                        }
                        td {
                            a href={ "/prompts/" (super::query::encode(&row.prompt_name)) } { (row.prompt_name) }
                            @if row.scope != crate::store::Scope::Production { " " span.badge { (row.scope.as_str()) } }
                        }
                        td { code { (row.prompt_version) } }
                        td { (model_cell(row.ai_model.as_deref())) (canary_badge(row)) @if let Some(m) = model { " " (standing(m, today)) } @if model.is_some_and(|m| m.is_recommended()) { " " span.badge.recommended title="recommended" { "★" } } }
                        td { (row.subsystem.as_deref().unwrap_or("—")) }
                        td { span class={ "badge git " (git.label().replace(' ', "-")) } { (git.label()) } }
                        td { @if let Some(m) = model { (m.tier.as_str()) } @else { "—" } }
                        td.num { @if let Some(m) = model { (price_per_1m(m.input_cost_per_1m)) } @else { "—" } }
                        td.num { @if let Some(m) = model { (price_per_1m(m.output_cost_per_1m)) } @else { "—" } }
                        td { (last_change(view.last[index].as_ref())) }
                        td { @if row.is_active { "yes" } @else { span.muted { "no" } } }
                    }
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

/// What a console change is to git, said where the change is made.
fn drift_note() -> Markup {
    html! {
        p.drift-note {
            strong { "This changes the live store, not git." }
            " Until the prompt files in git say the same, "
            code { "promptctl plan" } " shows it as drift and the next "
            code { "promptctl apply" } " from git puts the old model back."
        }
    }
}

/// A time as a date and time (UTC), machine-readable in `datetime`.
fn when(at_ms: i64) -> Markup {
    let text = crate::time::format_ms(at_ms);
    html! { time datetime=(text) { (text) " UTC" } }
}

fn assign_dialog(catalog: &Catalog, today: &str) -> Markup {
    html! {
        dialog id="assign-dialog" aria-labelledby="assign-title" {
            form method="dialog" id="assign-form" {
                h2 id="assign-title" { "Assign model" }
                p id="assign-count" { }
                (model_picker(catalog, today, None, "assign-model"))
                div id="assign-cost" aria-live="polite" {}
                (drift_note())
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
            p { (model_cell(current.ai_model.as_deref())) (canary_badge(current)) @if let Some(m) = model { " " (standing(m, today)) } }
            @if session.role == Role::Admin && current.canary_model.is_some() {
                form.end-canary method="post" action={ "/prompts/" (super::query::encode(name)) "/canary/end" } {
                    input type="hidden" name="_csrf" value=(session.csrf);
                    input type="hidden" name="id" value=(current.id);
                    input type="hidden" name="row_version" value=(current.row_version);
                    (drift_note())
                    button type="submit" { "End canary" }
                }
            }
            @if let Some(m) = model {
                dl.model-card {
                    dt { "Name" } dd { (m.name) }
                    dt { "Tier" } dd { (m.tier.as_str()) @if m.is_recommended() { " · ★ recommended" } }
                    dt { "Price per 1M tokens" } dd { (price_per_1m(m.input_cost_per_1m)) " in / " (price_per_1m(m.output_cost_per_1m)) " out" }
                    dt { "Context window" } dd { (m.context_window) " tokens" }
                    dt { "Max output" } dd { (m.max_output_tokens) " tokens" }
                    @if let Some(date) = &m.deprecated_on { dt { "Deprecated on" } dd { (date) } }
                    @if let Some(date) = &m.retired_on { dt { "Retired on" } dd { (date) } }
                    @if let Some(successor) = &m.successor { dt { "Successor" } dd { code { (successor) } } }
                }
            }
            @if session.role == Role::Admin {
                form.change-model method="post" action={ "/prompts/" (super::query::encode(name)) "/model" } data-row-id=(current.id) {
                    h3 { "Change model" }
                    input type="hidden" name="_csrf" value=(session.csrf);
                    input type="hidden" name="id" value=(current.id);
                    input type="hidden" name="row_version" value=(current.row_version);
                    (model_picker(catalog, today, current.ai_model.as_deref(), "change-model"))
                    div.cost id="change-model-cost" aria-live="polite" {}
                    (drift_note())
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
            div.table-scroll {
            table {
                thead { tr { th scope="col" { "Version" } th scope="col" { "Scope" } th scope="col" { "Model" } th scope="col" { "Active" } th scope="col" { "Created" } th scope="col" { "Replaced by" } } }
                tbody {
                    @for row in versions {
                        tr {
                            td { code { (row.prompt_version) } }
                            td { (row.scope.as_str()) }
                            td { (model_cell(row.ai_model.as_deref())) }
                            td { (if row.is_active { "yes" } else { "no" }) }
                            td { (when(row.created_at)) }
                            td { (row.replaced_by.as_deref().unwrap_or("")) }
                        }
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

fn version_select(
    name: &str,
    label: &str,
    versions: &[Arc<LiveRow>],
    selected: Option<&str>,
) -> Markup {
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

/// The audit log, one group per revision (an apply's entries together), each entry's change
/// named field by field.
fn history_table(entries: &[AuditEntry], with_prompt: bool) -> Markup {
    let groups = entries.chunk_by(|a, b| a.revision == b.revision);
    html! {
        @if entries.is_empty() { p.empty { "No changes recorded." } }
        @else {
            div.table-scroll {
            table.history {
                thead { tr {
                    @if with_prompt { th scope="col" { "Prompt" } }
                    th scope="col" { "Version" } th scope="col" { "Change" } th scope="col" { "Fields" }
                } }
                @for group in groups {
                    @let first = &group[0];
                    tbody.revision {
                        tr.revision-head {
                            th scope="rowgroup" colspan=(if with_prompt { 4 } else { 3 }) {
                                "Revision " (first.revision) " · " (when(first.at)) " · " (first.actor)
                                @if group.len() > 1 { " · " (group.len()) " changes" }
                            }
                        }
                        @for entry in group {
                            tr {
                                @if with_prompt {
                                    td { @if let Some(name) = &entry.prompt_name { a href={ "/prompts/" (super::query::encode(name)) } { (name) } } }
                                }
                                td { (entry.prompt_version.as_deref().unwrap_or("")) }
                                td { (entry.change) }
                                td.fields { (crate::ops::store::change_summary(entry)) }
                            }
                        }
                    }
                }
            }
            }
        }
    }
}

/// The catalog: each model with what it costs, where it stands, and how many prompts of the
/// store run on it; the project's default and fallback models first.
pub(super) fn models(
    catalog: &Catalog,
    view: &View,
    defaults: (&str, &str),
    session: &Session,
    today: &str,
) -> Markup {
    let mut running: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for row in view.rows.iter().filter(|r| r.is_active) {
        if let Some(model) = row.ai_model.as_deref() {
            *running.entry(model).or_default() += 1;
        }
    }
    let count = |id: &str| running.get(id).copied().unwrap_or(0);
    let role = |id: &str| {
        if id == defaults.0 {
            Some("default")
        } else if id == defaults.1 {
            Some("fallback")
        } else {
            None
        }
    };
    let body = html! {
        h1 { "Models" }
        dl.defaults {
            dt { "Default model" } dd { code { (defaults.0) } " · " (count(defaults.0)) " active prompts" }
            dt { "Fallback model" } dd { code { (defaults.1) } " · " (count(defaults.1)) " active prompts" }
        }
        p.meta { "Prices per 1M tokens, as providers publish them." }
        div.table-scroll {
        table {
            thead { tr {
                th scope="col" { "Model" } th scope="col" { "Provider" } th scope="col" { "Tier" }
                th scope="col" { "In $/1M" } th scope="col" { "Out $/1M" } th scope="col" { "Context" }
                th scope="col" { "Max output" } th scope="col" { "Prompts" } th scope="col" { "Standing" }
            } }
            tbody {
                @for m in catalog.models() {
                    tr {
                        td {
                            code { (m.id) }
                            @if let Some(role) = role(&m.id) { " " span.badge.recommended { (role) } }
                            br; span.muted { (m.name) }
                        }
                        td { span.badge.provider data-provider=(m.provider) { (m.provider) } }
                        td { (m.tier.as_str()) }
                        td.num { (price_per_1m(m.input_cost_per_1m)) }
                        td.num { (price_per_1m(m.output_cost_per_1m)) }
                        td.num { (crate::table::thousands(m.context_window)) }
                        td.num { (crate::table::thousands(m.max_output_tokens)) }
                        td.num { (count(&m.id)) }
                        td {
                            @if m.is_recommended() { span.badge.recommended { "★ recommended" } " " }
                            (standing(m, today))
                        }
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
