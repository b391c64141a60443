//! What a stored value may be, checked the same way on every write path: a change set's
//! inserts and patches, and every row of a restore. A row no path could make must not get in
//! through another.

/// Longest identifier-like value (names, versions, ids, models) accepted, in bytes: far above
/// any real one, far below what would hurt a log line or an index.
pub const MAX_IDENTIFIER_BYTES: usize = 1024;

/// A required identifier-like text (`prompt_name`, `prompt_version`, `id`, …): not blank, no
/// control characters, not absurdly long.
pub fn identifier(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("is empty".to_owned());
    }
    optional_identifier(value)
}

/// An optional identifier-like text (`subsystem`, `created_by`, …), when present: no control
/// characters (a newline or escape in a name would forge log lines and break tables), not
/// absurdly long.
pub fn optional_identifier(value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!(
            "holds the control character {:?}; names and ids are plain text",
            c
        ));
    }
    if value.len() > MAX_IDENTIFIER_BYTES {
        return Err(format!(
            "is {} bytes long; at most {MAX_IDENTIFIER_BYTES} are accepted",
            value.len()
        ));
    }
    Ok(())
}

/// `ai_model`, where a value is given: a model id, never blank.
pub fn model(value: &str) -> Result<(), String> {
    identifier(value).map_err(|e| format!("{e} (a row's model is never set blank)"))
}

/// `max_tokens`, where given: at least 1.
pub fn max_tokens(value: i64) -> Result<(), String> {
    if value < 1 {
        return Err(format!("must be 1 or more, found {value}"));
    }
    Ok(())
}

/// `temperature`, where given: a number from 0 to 2.
pub fn temperature(value: f64) -> Result<(), String> {
    if !(0.0..=2.0).contains(&value) {
        return Err(format!("must be between 0 and 2, found {value}"));
    }
    Ok(())
}

/// A canary (`canary_model`, `canary_percent`): both or neither; the model like `ai_model`,
/// the percent above 0 and below 100 in hundredths at most (the split is in basis points).
pub fn canary(canary_model: Option<&str>, percent: Option<f64>) -> Result<(), String> {
    match (canary_model, percent) {
        (None, None) => Ok(()),
        (Some(canary_model), Some(percent)) => {
            model(canary_model)?;
            crate::canary::check_percent(percent)
        }
        _ => Err("canary_model and canary_percent are set together, or neither".to_owned()),
    }
}

/// A time (milliseconds since the Unix epoch): not before 1970, nor past what a JSON reader
/// holds exactly.
pub fn time(value: i64) -> Result<(), String> {
    if !(0..=MAX_COUNTER).contains(&value) {
        return Err(format!(
            "must be 0 to {MAX_COUNTER} (milliseconds since 1970), found {value}"
        ));
    }
    Ok(())
}

/// The largest counter (`revision`, `row_version`) or time a store keeps: 2^53 − 1, the
/// largest integer every JSON reader holds exactly (JavaScript's `Number.MAX_SAFE_INTEGER`),
/// and far from where adding one would overflow a 64-bit column.
pub const MAX_COUNTER: i64 = 9_007_199_254_740_991;

/// `row_version`: 1 or more, and room to count on.
pub fn row_version(value: i64) -> Result<(), String> {
    if value < 1 {
        return Err(format!("must be 1 or more, found {value}"));
    }
    if value >= MAX_COUNTER {
        return Err(format!(
            "is {value}, past the largest a store counts to ({MAX_COUNTER}): the next write could not count on"
        ));
    }
    Ok(())
}

/// A store's `revision` as an export gives it: 0 or more, with room to count on.
pub fn revision(value: i64) -> Result<(), String> {
    if !(0..MAX_COUNTER).contains(&value) {
        return Err(format!(
            "must be 0 to {}, found {value}: a revision past it leaves no room for the next write",
            MAX_COUNTER - 1
        ));
    }
    Ok(())
}

/// JSON Schema text, where given: it must parse as JSON.
pub fn json_text(value: &str) -> Result<(), String> {
    serde_json::from_str::<serde_json::Value>(value)
        .map(drop)
        .map_err(|error| format!("is not JSON text: {error}"))
}

/// A field at fault and what is wrong with it.
pub type FieldProblem = (&'static str, String);

/// The fields every stored row has, as an insert or a restored row gives them.
pub struct RowFields<'a> {
    pub prompt_name: &'a str,
    pub prompt_version: &'a str,
    pub prompt_template: &'a str,
    /// `None` only for a restored legacy row.
    pub ai_model: Option<&'a str>,
    pub workflow_step: Option<&'a str>,
    pub subsystem: Option<&'a str>,
    pub input_schema: Option<&'a str>,
    pub output_schema: Option<&'a str>,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub canary_model: Option<&'a str>,
    pub canary_percent: Option<f64>,
}

/// Every problem of the fields every row has, the same for every write path.
pub fn row(fields: &RowFields<'_>) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut note = |field: &'static str, checked: Result<(), String>| {
        if let Err(problem) = checked {
            problems.push((field, problem));
        }
    };
    note("prompt_name", identifier(fields.prompt_name));
    note("prompt_version", identifier(fields.prompt_version));
    if fields.prompt_template.trim().is_empty() {
        note("prompt_template", Err("is empty".to_owned()));
    }
    if let Some(value) = fields.ai_model {
        note("ai_model", model(value));
    }
    for (field, value) in [
        ("workflow_step", fields.workflow_step),
        ("subsystem", fields.subsystem),
    ] {
        if let Some(value) = value {
            note(field, optional_identifier(value));
        }
    }
    for (field, value) in [
        ("input_schema", fields.input_schema),
        ("output_schema", fields.output_schema),
    ] {
        if let Some(value) = value {
            note(field, json_text(value));
        }
    }
    if let Some(value) = fields.max_tokens {
        note("max_tokens", max_tokens(value));
    }
    if let Some(value) = fields.temperature {
        note("temperature", temperature(value));
    }
    note("canary", canary(fields.canary_model, fields.canary_percent));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_no_write_path_may_store() {
        assert!(identifier("generate_questions").is_ok());
        assert!(identifier(" ").is_err());
        assert!(
            identifier("a\nb")
                .unwrap_err()
                .contains("control character")
        );
        assert!(identifier("a\u{1b}[31m").is_err());
        assert!(
            identifier(&"x".repeat(2000))
                .unwrap_err()
                .contains("2000 bytes")
        );
        assert!(optional_identifier("").is_ok());
        assert!(max_tokens(0).is_err() && max_tokens(1).is_ok());
        assert!(temperature(2.5).is_err() && temperature(f64::NAN).is_err());
        assert!(temperature(0.0).is_ok());
        assert!(time(-1).is_err() && time(0).is_ok());
        assert!(row_version(0).is_err() && row_version(-3).is_err());
        assert!(json_text("{oops").is_err() && json_text("{}").is_ok());
    }
}
