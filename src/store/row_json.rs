//! A row of `ai_prompts` as JSON reads — an export's row, or a Convex document (`_id`,
//! `_creationTime`) — into a [`LiveRow`], each problem named by its field. The one reader for
//! promptctl's exports, Convex's snapshot exports and the Convex store's snapshots.

use serde_json::{Map, Value};

use super::{LiveRow, Scope, new_id};

/// What is wrong with a row: the field (if one), and why.
pub type FieldError = (Option<&'static str>, String);

/// A number field, if present (`null` reads as absent).
fn take_number(
    map: &mut Map<String, Value>,
    field: &'static str,
) -> Result<Option<f64>, FieldError> {
    match take(map, field) {
        None => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or((
            Some(field),
            format!("expected a number, found {}", kind(&value)),
        )),
    }
}

/// One row of an export (or a Convex document: `_id`, `_creationTime`), `now` standing in for a
/// creation time it lacks.
pub fn read_row(value: Value, now: i64) -> Result<LiveRow, FieldError> {
    let Value::Object(mut map) = value else {
        return Err((None, format!("expected an object, found {}", kind(&value))));
    };
    let convex_id = take_string(&mut map, "_id")?;
    // Convex's creation time is a float of milliseconds with a fraction: its whole part.
    let convex_created = take(&mut map, "_creationTime")
        .map(|v| {
            v.as_f64()
                .filter(|f| (0.0..9.0e15).contains(f))
                .map(|f| f.trunc() as i64)
                .ok_or((Some("_creationTime"), "expected a number".to_owned()))
        })
        .transpose()?;
    let prompt_name = required_string(&mut map, "prompt_name")?;
    let prompt_version = required_string(&mut map, "prompt_version")?;
    let prompt_template = required_string(&mut map, "prompt_template")?;
    let created_at = take_integer(&mut map, "created_at")?
        .or(convex_created)
        .unwrap_or(now);
    let row = LiveRow {
        id: take_string(&mut map, "id")?
            .or(convex_id)
            .unwrap_or_else(new_id),
        row_version: take_integer(&mut map, "row_version")?.unwrap_or(1),
        updated_at: take_integer(&mut map, "updated_at")?.unwrap_or(created_at),
        description: take_string(&mut map, "description")?,
        input_schema: take_json_text(&mut map, "input_schema")?,
        output_schema: take_json_text(&mut map, "output_schema")?,
        scope: match take_string(&mut map, "scope")? {
            None => Scope::Production,
            Some(text) => Scope::parse(&text).ok_or((
                Some("scope"),
                format!("`{text}` is not `production` or `developer`"),
            ))?,
        },
        developer_session_id: take_string(&mut map, "developer_session_id")?,
        parent_prompt_id: take_string(&mut map, "parent_prompt_id")?,
        expires_at: take_integer(&mut map, "expires_at")?,
        workflow_step: take_string(&mut map, "workflow_step")?,
        subsystem: take_string(&mut map, "subsystem")?,
        ai_model: take_string(&mut map, "ai_model")?.filter(|m| !m.trim().is_empty()),
        max_tokens: take_integer(&mut map, "max_tokens")?,
        temperature: take_number(&mut map, "temperature")?,
        is_active: match take(&mut map, "is_active") {
            None => true,
            Some(Value::Bool(b)) => b,
            Some(other) => {
                return Err((
                    Some("is_active"),
                    format!("expected true or false, found {}", kind(&other)),
                ));
            }
        },
        created_at,
        created_by: take_string(&mut map, "created_by")?,
        replaced_at: take_integer(&mut map, "replaced_at")?,
        replaced_by: take_string(&mut map, "replaced_by")?,
        canary_model: take_string(&mut map, "canary_model")?,
        canary_percent: take_number(&mut map, "canary_percent")?,
        template_sha256: None,
        prompt_name,
        prompt_version,
        prompt_template,
    };
    if let Some(key) = map.keys().next() {
        return Err((None, format!("unknown field `{}`", key.escape_debug())));
    }
    Ok(row)
}

/// A field's value, with JSON null read as absent.
fn take(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    map.remove(key).filter(|v| !v.is_null())
}

fn required_string(map: &mut Map<String, Value>, key: &'static str) -> Result<String, FieldError> {
    match take_string(map, key)? {
        Some(text) if !text.trim().is_empty() => Ok(text),
        Some(_) => Err((Some(key), "is empty".to_owned())),
        None => Err((Some(key), "is missing".to_owned())),
    }
}

fn take_string(
    map: &mut Map<String, Value>,
    key: &'static str,
) -> Result<Option<String>, FieldError> {
    match take(map, key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err((
            Some(key),
            format!("expected a string, found {}", kind(&other)),
        )),
    }
}

fn take_integer(
    map: &mut Map<String, Value>,
    key: &'static str,
) -> Result<Option<i64>, FieldError> {
    match take(map, key) {
        None => Ok(None),
        Some(value) => integer(&value)
            .map(Some)
            .ok_or((Some(key), format!("expected an integer, found {value}"))),
    }
}

/// A JSON Schema stored as text: a string must hold JSON; an object is written out as text.
fn take_json_text(
    map: &mut Map<String, Value>,
    key: &'static str,
) -> Result<Option<String>, FieldError> {
    match take(map, key) {
        None => Ok(None),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(_) => Ok(Some(text)),
            Err(error) => Err((Some(key), format!("is not JSON text: {error}"))),
        },
        Some(value @ Value::Object(_)) => Ok(Some(value.to_string())),
        Some(other) => Err((
            Some(key),
            format!("expected JSON text or an object, found {}", kind(&other)),
        )),
    }
}

/// Integers, and floats with no fraction (JavaScript numbers in a Convex export).
pub(crate) fn integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
