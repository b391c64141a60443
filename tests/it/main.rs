//! The one integration test binary: the real CLI on real files.

// Tests fail loudly on purpose: an unwrap that panics is a failed assertion.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    unreachable_pub
)]

mod canary;
mod common;
mod console;
mod console_browser;
mod convex_export;
mod convex_store;
mod cost_cli;
mod environments;
mod error_messages;
mod exit_status;
mod faults;
mod first_hour;
mod github_comment;
mod golden;
mod hostile_names;
mod hostile_peers;
mod http_faults;
mod import_cli;
mod langfuse;
mod layering;
mod legacy_restore;
mod loader_props;
mod models_import;
mod one_truth;
mod output_cli;
mod plan_props;
mod policies;
mod readme;
mod reconcile_cli;
mod reconcile_rules;
mod renderers;
mod rewrite_cli;
mod rollback_cli;
mod rules_of_record;
mod secrets_in_urls;
mod serve_process;
mod server_api;
mod server_cache;
mod store_conflicts;
mod store_files;
mod store_suite;
mod symlinks;
mod template_digest;
mod validate_base;
mod validate_cli;
mod validate_fixtures;
mod watch;
mod webhooks;
mod workflows;
