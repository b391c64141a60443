//! `list --format json`, version 1: a top-level array of rows in the row format
//! ([`super::row_v1::RowV1`]), each with its `status` against git. Frozen (golden file:
//! `tests/golden/list.json`).

use serde::Serialize;

use super::row_v1::RowV1;
use crate::plan::status::RowStatus;
use crate::store::LiveRow;

/// A listed row: the store's columns plus `status`.
#[derive(Serialize)]
struct ListedRowV1<'a> {
    #[serde(flatten)]
    row: RowV1<'a>,
    status: &'static str,
}

/// The frozen name of a status.
fn status_name(status: RowStatus) -> &'static str {
    match status {
        RowStatus::InSync => "in_sync",
        RowStatus::Drift => "drift",
        RowStatus::Unmanaged => "unmanaged",
        RowStatus::NoModel => "no_model",
        RowStatus::GitNotRead => "git_not_read",
    }
}

/// The rows as JSON. Rows must be whole (their template read), as the row format holds it.
pub fn render(rows: &[(LiveRow, RowStatus)]) -> String {
    let listed: Vec<ListedRowV1<'_>> = rows
        .iter()
        .map(|(row, status)| ListedRowV1 {
            row: RowV1::from(row),
            status: status_name(*status),
        })
        .collect();
    serde_json::to_string_pretty(&listed).unwrap_or_default()
}
