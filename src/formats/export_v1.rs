//! The export file, version 1: `store export` writes it, `store restore` (and `POST /v1/restore`)
//! reads it — and with it the seed's legacy data, rows without `ai_model`, `id` or
//! `row_version` included, as a JSON array of rows or JSON lines.
//!
//! Reading is strict, whichever way the rows come: every row is checked as a change set's
//! rows are (see [`super::values`]; only `ai_model` may be missing, since legacy data is why
//! restore exists), every problem names the row and field at fault, and nothing is written
//! unless the whole file reads.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::row_v1::RowV1;
use crate::store::row_json::{integer, kind, read_row};
use crate::store::{Restore, Scope, Snapshot, values};

/// The version of the export format this build writes.
pub const FORMAT_VERSION: u64 = 1;

/// An export file (`store export`), and `GET /v1/backups/{id}`: a snapshot with its format
/// version, restorable as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Export")]
pub struct ExportV1<'a> {
    /// Always 1.
    pub format_version: u32,
    pub store_id: Cow<'a, str>,
    pub revision: i64,
    pub rows: Vec<RowV1<'a>>,
}

impl<'a> From<&'a Snapshot> for ExportV1<'a> {
    fn from(snapshot: &'a Snapshot) -> ExportV1<'a> {
        ExportV1 {
            format_version: 1,
            store_id: Cow::Borrowed(&snapshot.store_id),
            revision: snapshot.revision,
            rows: snapshot.rows.iter().map(RowV1::from).collect(),
        }
    }
}

/// Why a backup file cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}{}", where_.as_deref().map(|w| format!("{w}: ")).unwrap_or_default(), more.iter().map(|e| format!("\n{e}")).collect::<String>())]
pub struct ExportError {
    /// `row 3 (prompt_name "x")`, `row 3, field scope`, or nothing for the file itself.
    pub where_: Option<String>,
    pub message: String,
    /// Every other bad row, in order: a file is read whole, so each problem shows in one run.
    pub more: Vec<ExportError>,
}

/// `{"format_version":1,"store_id":…,"revision":…,"rows":[…]}`, pretty-printed.
pub fn write(snapshot: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(&ExportV1::from(snapshot)).unwrap_or_default();
    text.push('\n');
    text
}

/// A restore as an export document, for sending to a server (which reads it back with
/// [`read_value`], checking every row again).
pub fn to_value(restore: &Restore) -> Value {
    let rows: Vec<RowV1<'_>> = restore.rows.iter().map(RowV1::from).collect();
    let mut document = serde_json::json!({ "format_version": FORMAT_VERSION, "rows": rows });
    if let Some(store_id) = &restore.store_id {
        document["store_id"] = Value::from(store_id.as_str());
    }
    if let Some(revision) = restore.revision {
        document["revision"] = Value::from(revision);
    }
    document
}

/// Read a backup: our export object, a bare JSON array of rows, or JSON lines (one row per
/// line, as a Convex table export). `now` stands in for missing timestamps.
pub fn read(text: &str, now: i64) -> Result<Restore, ExportError> {
    read_each(text, now)?.whole()
}

/// Read a backup already parsed as JSON: our export object, an array of rows, or one row.
pub fn read_value(value: Value, now: i64) -> Result<Restore, ExportError> {
    read_each_value(value, now)?.whole()
}

/// A file's rows as far as they read: the rows that did (each with its row number in the
/// file), and every problem of the ones that did not, so a caller can check the rows that
/// read as well and report everything wrong with a file in one run.
#[derive(Clone, Debug)]
pub struct RowsRead {
    pub restore: Restore,
    /// The file's row number (1-based) of each row of `restore`.
    pub numbers: Vec<usize>,
    /// Every row that did not read, in file order.
    pub problems: Vec<ExportError>,
}

impl RowsRead {
    /// The rows, if every one read; else every problem, in one error.
    pub fn whole(self) -> Result<Restore, ExportError> {
        let mut problems = self.problems;
        if problems.is_empty() {
            return Ok(self.restore);
        }
        let mut first = problems.remove(0);
        first.more = problems;
        Err(first)
    }
}

/// [`read`], keeping the rows that read beside the problems of those that did not. Only a
/// file that cannot be read as rows at all (not JSON, a bad envelope) is an error.
pub fn read_each(text: &str, now: i64) -> Result<RowsRead, ExportError> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => read_each_value(value, now),
        Err(whole) => {
            if !text.trim_start().starts_with('{') {
                return Err(ExportError {
                    where_: None,
                    message: format!("not JSON: {whole}"),
                    more: Vec::new(),
                });
            }
            Ok(read_rows(None, None, read_lines(text)?, now))
        }
    }
}

fn read_each_value(value: Value, now: i64) -> Result<RowsRead, ExportError> {
    match value {
        Value::Object(top) if !top.contains_key("prompt_name") => {
            let envelope = read_envelope(top)?;
            Ok(read_rows(
                envelope.store_id,
                envelope.revision,
                envelope.rows,
                now,
            ))
        }
        Value::Array(rows) => Ok(read_rows(None, None, rows, now)),
        Value::Object(row) => Ok(read_rows(None, None, vec![Value::Object(row)], now)),
        other => Err(problem(
            None,
            format!(
                "expected an export object or an array of rows, found {}",
                kind(&other)
            ),
        )),
    }
}

/// Every row, read; every bad one is named with its field. What a row's values may be is the
/// store's to say (`crate::store::rules`), on every write path alike.
fn read_rows(
    store_id: Option<String>,
    revision: Option<i64>,
    rows: Vec<Value>,
    now: i64,
) -> RowsRead {
    let mut out = Vec::with_capacity(rows.len());
    let mut numbers = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    let mut versions: HashMap<(String, String), usize> = HashMap::new();
    for (index, value) in rows.into_iter().enumerate() {
        let number = index + 1;
        let row = match read_row(value, now) {
            Ok(row) => row,
            Err((field, message)) => {
                problems.push(problem(
                    Some(match field {
                        Some(field) => format!("row {number}, field `{field}`"),
                        None => format!("row {number}"),
                    }),
                    message,
                ));
                continue;
            }
        };
        if !ids.insert(row.id.clone()) {
            problems.push(problem(
                Some(format!("row {number}, field `id`")),
                format!("id `{}` appears twice", row.id.escape_debug()),
            ));
        }
        if row.scope == Scope::Production
            && let Some(first) = versions.insert(
                (row.prompt_name.clone(), row.prompt_version.clone()),
                number,
            )
        {
            problems.push(problem(
                Some(format!("row {number}")),
                format!(
                    "production prompt `{}` version `{}` is already row {first}",
                    row.prompt_name.escape_debug(),
                    row.prompt_version.escape_debug()
                ),
            ));
        }
        out.push(row);
        numbers.push(number);
    }
    RowsRead {
        restore: Restore {
            store_id,
            revision,
            rows: out,
        },
        numbers,
        problems,
    }
}

fn problem(where_: Option<String>, message: String) -> ExportError {
    ExportError {
        where_,
        message,
        more: Vec::new(),
    }
}

/// `{"format_version":1,"store_id":…,"revision":…,"rows":[…]}`.
fn read_envelope(mut top: Map<String, Value>) -> Result<Envelope, ExportError> {
    let file_error = |message: String| ExportError {
        where_: None,
        message,
        more: Vec::new(),
    };
    if let Some(version) = top.remove("format_version")
        && version.as_u64() != Some(FORMAT_VERSION)
    {
        return Err(file_error(format!(
            "format_version {version} is not supported (this build reads {FORMAT_VERSION})"
        )));
    }
    let store_id = match top.remove("store_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => {
            values::identifier(&id).map_err(|e| file_error(format!("store_id {e}")))?;
            Some(id)
        }
        Some(other) => {
            return Err(file_error(format!(
                "store_id must be a string, found {}",
                kind(&other)
            )));
        }
    };
    let revision = match top.remove("revision") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let revision = integer(&value).filter(|r| *r >= 0).ok_or_else(|| {
                file_error(format!(
                    "revision must be an integer, 0 or more, found {value}"
                ))
            })?;
            Some(revision)
        }
    };
    let rows = match top.remove("rows") {
        Some(Value::Array(rows)) => rows,
        Some(_) => return Err(file_error("`rows` must be an array".to_owned())),
        None => {
            return Err(file_error(
                "no `rows` array: expected {\"format_version\":1,\"rows\":[…]}".to_owned(),
            ));
        }
    };
    if let Some(key) = top.keys().next() {
        return Err(file_error(format!("unknown top-level field `{key}`")));
    }
    Ok(Envelope {
        store_id,
        revision,
        rows,
    })
}

/// An export file's parts before its rows are read.
struct Envelope {
    store_id: Option<String>,
    revision: Option<i64>,
    rows: Vec<Value>,
}

/// JSON lines: one row object per line.
fn read_lines(text: &str) -> Result<Vec<Value>, ExportError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        rows.push(
            serde_json::from_str::<Value>(line).map_err(|e| ExportError {
                where_: Some(format!("line {}", index + 1)),
                message: format!("not JSON: {e}"),
                more: Vec::new(),
            })?,
        );
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_legacy_rows_and_assigns_what_is_missing() {
        let text = r#"[{"prompt_name":"a","prompt_version":"v1","prompt_template":"t","created_at":5,
                      "input_schema":{"type":"object"},"_id":"k1","_creationTime":4.0},
                     {"prompt_name":"a","prompt_version":"v0","prompt_template":"t","scope":"developer",
                      "ai_model":null,"is_active":false,"created_at":1.0}]"#;
        let restore = read(text, 99).unwrap();
        assert_eq!(restore.store_id, None);
        let first = &restore.rows[0];
        assert_eq!(
            (first.id.as_str(), first.row_version, first.updated_at),
            ("k1", 1, 5)
        );
        assert_eq!(first.input_schema.as_deref(), Some(r#"{"type":"object"}"#));
        assert!(first.is_active && first.ai_model.is_none());
        assert_eq!(restore.rows[1].scope, Scope::Developer);
        assert_eq!(restore.rows[1].created_at, 1);
    }

    #[test]
    fn names_the_row_and_field_at_fault() {
        let bad = |text: &str| read(text, 0).unwrap_err().to_string();
        assert_eq!(
            bad(
                r#"{"rows":[{"prompt_name":"a","prompt_version":"v1","prompt_template":"t"},{"prompt_name":"b","prompt_version":"v1","prompt_template":"t","max_tokens":"many"}]}"#
            ),
            "row 2, field `max_tokens`: expected an integer, found \"many\""
        );
        assert_eq!(
            bad(r#"[{"prompt_name":"a","prompt_template":"t"}]"#),
            "row 1, field `prompt_version`: is missing"
        );
        assert_eq!(
            bad(r#"[{"prompt_name":"a","prompt_version":"1","prompt_template":"t","colour":1}]"#),
            "row 1: unknown field `colour`"
        );
        assert_eq!(
            bad(r#"[{"prompt_name":"a","prompt_version":"1","prompt_template":"t","input_schema":"{oops"}]"#)
                .split(':')
                .next()
                .unwrap(),
            "row 1, field `input_schema`"
        );
        assert!(bad(r#"{"format_version":2,"rows":[]}"#).contains("format_version 2"));
        assert!(
            bad(r#"[{"prompt_name":"a","prompt_version":"1","prompt_template":"t"},{"prompt_name":"a","prompt_version":"1","prompt_template":"u"}]"#)
                .contains("already row 1")
        );
    }

    #[test]
    fn reads_json_lines() {
        let text = "{\"prompt_name\":\"a\",\"prompt_version\":\"1\",\"prompt_template\":\"t\"}\n\n{\"prompt_name\":\"b\",\"prompt_version\":\"1\",\"prompt_template\":\"t\"}\n";
        assert_eq!(read(text, 0).unwrap().rows.len(), 2);
        assert_eq!(
            read("{oops\n", 0).unwrap_err().where_.as_deref(),
            Some("line 1")
        );
    }

    #[test]
    fn export_round_trips() {
        let restore = read(r#"[{"prompt_name":"a","prompt_version":"1","prompt_template":"t","ai_model":"openai/gpt-5"}]"#, 7).unwrap();
        let snapshot = Snapshot {
            store_id: "s1".to_owned(),
            revision: 3,
            rows: restore.rows.clone(),
        };
        let again = read(&write(&snapshot), 0).unwrap();
        assert_eq!(again.store_id.as_deref(), Some("s1"));
        assert_eq!(again.revision, Some(3));
        assert_eq!(again.rows, restore.rows);
    }
}
