//! Every frozen machine format, one file each, with its own types: converted from the internal
//! ones, holding none of them, so refactoring never changes a byte a user's CI, client or file
//! reads. Each has a golden file in `tests/golden/`. `store` and `plan` never import this
//! module (a layering test checks it); the HTTP client store (`store/http.rs`) speaks the
//! HTTP format and is the one exception.
//!
//! - [`row_v1`]: the row format of SPEC §5.1 and change-set ops, shared by the formats below.
//! - [`http_v1`]: the HTTP API's bodies (`/v1/`); `models --format json` and
//!   `history --format json` print its `Model` and `AuditEntry` arrays.
//! - [`export_v1`]: `store export` files, and what `store restore` reads.
//! - [`saved_plan_v1`]: `plan --out` files. [`plan_json_v1`]: `plan --format json`.
//! - [`validate_json_v1`], [`list_json_v1`], [`status_json_v1`], [`token_json_v1`].

pub mod convex_jsonl;
pub mod convex_zip;
pub mod cost_json_v1;
pub mod export_v1;
pub mod http_v1;
pub mod list_json_v1;
pub mod plan_json_v1;
pub mod row_v1;
pub mod saved_plan_v1;
pub mod status_json_v1;
pub mod token_json_v1;
pub mod validate_json_v1;
