//! `promptctl token new`

use crate::cli::{DataFormat, TokenCommand, TokenRole};
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::server::auth::{digest_hex, new_token};

pub(super) fn run(command: &TokenCommand, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let TokenCommand::New { role, name, format } = command;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '#') {
        anyhow::bail!("a token name is one word without `#`, such as `ci` or `web-app`");
    }
    let role = match role {
        TokenRole::Read => "read",
        TokenRole::Admin => "admin",
    };
    let token = new_token()?;
    let line = format!("{role} {name} {}", digest_hex(&token));
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
