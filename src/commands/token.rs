//! `promptctl token new`

use crate::cli::{DataFormat, TokenCommand, TokenRole};
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::server::auth::{digest_hex, new_token};

pub(super) fn run(command: &TokenCommand, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let TokenCommand::New {
        role,
        name,
        format,
        append,
    } = command;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '#') {
        anyhow::bail!("a token name is one word without `#`, such as `ci` or `web-app`");
    }
    let role = match role {
        TokenRole::Read => "read",
        TokenRole::Admin => "admin",
    };
    let token = new_token()?;
    let line = format!("{role} {name} {}", digest_hex(&token));
    if let Some(file) = append {
        append_line(file, &line)?;
        printer.status(&format!("added `{role} {name}` to {}", file.display()));
    }
    match format {
        DataFormat::Json => printer.data(&crate::formats::token_json_v1::render(&token, &line))?,
        DataFormat::Text => {
            printer.data(&format!(
                "Token (shown once; give it to the client, e.g. as PROMPTCTL_TOKEN):\n  {token}\n\nAdd this line to the server's tokens file (it holds only the SHA-256):\n  {line}"
            ))?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Add `line` to a tokens file, after checking the file reads (a line it would refuse is not
/// written into it) and that the name is not taken.
fn append_line(file: &std::path::Path, line: &str) -> anyhow::Result<()> {
    let existing = match fs_err::read_to_string(file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error.into()),
    };
    let has_entries = existing
        .lines()
        .any(|l| !l.split('#').next().unwrap_or_default().trim().is_empty());
    let taken: Vec<String> = if has_entries {
        crate::server::Tokens::parse(&existing, &file.display().to_string())?
            .names()
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    let name = line.split_whitespace().nth(1).unwrap_or_default();
    if taken.iter().any(|taken| taken == name) {
        anyhow::bail!(
            "{} already has a token named `{name}`; choose another --name (or remove its line)",
            file.display()
        );
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    crate::fsutil::write_atomic(file, text.as_bytes())?;
    Ok(())
}
