//! Bearer tokens with roles. Tokens are never stored: the tokens file holds their SHA-256, a
//! presented token is hashed and compared in constant time with every entry, and only the
//! token's name ever reaches a log.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// GET endpoints.
    Read,
    /// Everything, including change sets and restores.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "read" => Some(Role::Read),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Admin => "admin",
        }
    }
}

/// A known token: its role, its name for logs, the SHA-256 of its value.
#[derive(Clone)]
pub struct Token {
    pub role: Role,
    pub name: String,
    digest: [u8; 32],
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The digest is not the token, but there is no reason to print it either.
        f.debug_struct("Token")
            .field("role", &self.role)
            .field("name", &self.name)
            .finish()
    }
}

/// The tokens a server accepts.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    entries: Vec<Token>,
}

/// A line of a tokens file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct TokenFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Tokens {
    /// Read `ROLE NAME SHA256HEX` lines; `#` starts a comment; blank lines are skipped.
    pub fn parse(text: &str, source: &str) -> Result<Tokens, TokenFileError> {
        let mut entries = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let error = |message: String| TokenFileError {
                file: source.to_owned(),
                line: index + 1,
                message,
            };
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [role, name, hex] = parts[..] else {
                return Err(error(format!(
                    "expected `ROLE NAME SHA256HEX`, found {} fields",
                    parts.len()
                )));
            };
            let role = Role::parse(role)
                .ok_or_else(|| error(format!("role `{role}` is not `read` or `admin`")))?;
            let digest = parse_hex(hex).ok_or_else(|| {
                error("the third field must be the 64-hex-digit SHA-256 of the token (not the token itself)".to_owned())
            })?;
            if entries.iter().any(|t: &Token| t.name == name) {
                return Err(error(format!("token name `{name}` is used twice")));
            }
            entries.push(Token {
                role,
                name: name.to_owned(),
                digest,
            });
        }
        if entries.is_empty() {
            return Err(TokenFileError {
                file: source.to_owned(),
                line: 0,
                message: "no tokens: add a line `admin NAME SHA256HEX` (see `promptctl token new`)"
                    .to_owned(),
            });
        }
        Ok(Tokens { entries })
    }

    /// The token `presented` is, if any. Every entry is compared, match or not, and in
    /// constant time, so timing says nothing about which digests are close.
    /// The names of the tokens.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|token| token.name.as_str())
    }

    pub fn authenticate(&self, presented: &str) -> Option<&Token> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for token in &self.entries {
            if bool::from(token.digest.ct_eq(&digest)) {
                found = Some(token);
            }
        }
        found
    }
}

/// A fresh random token: `pct_` and 64 hex digits (256 bits).
pub fn new_token() -> Result<String, getrandom::Error> {
    Ok(format!("pct_{}", random_hex()?))
}

/// 256 random bits as 64 hex digits: tokens, session ids, CSRF tokens.
pub fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(crate::digest::hex(&bytes))
}

/// The hex SHA-256 of a token, as the tokens file holds it.
pub fn digest_hex(token: &str) -> String {
    crate::digest::sha256_hex(token.as_bytes())
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticates_by_digest_only() {
        let admin = new_token().unwrap();
        let reader = new_token().unwrap();
        assert!(admin.starts_with("pct_") && admin.len() == 68);
        let file = format!(
            "# tokens\nadmin ci {}\n\nread app {}  # the web app\n",
            digest_hex(&admin),
            digest_hex(&reader)
        );
        let tokens = Tokens::parse(&file, "tokens").unwrap();
        assert_eq!(tokens.authenticate(&admin).unwrap().role, Role::Admin);
        assert_eq!(tokens.authenticate(&reader).unwrap().name, "app");
        assert!(tokens.authenticate("pct_wrong").is_none());
        assert!(
            tokens.authenticate(&digest_hex(&admin)).is_none(),
            "the digest is not a token"
        );
        assert!(!format!("{tokens:?}").contains(&digest_hex(&admin)));
    }

    #[test]
    fn bad_lines_name_their_line() {
        let error = Tokens::parse("admin ci\n", "t").unwrap_err();
        assert_eq!(
            (error.line, error.to_string().starts_with("t:1:")),
            (1, true)
        );
        let error = Tokens::parse(&format!("# x\nroot ci {}\n", "0".repeat(64)), "t").unwrap_err();
        assert!(error.to_string().contains("t:2: role `root`"), "{error}");
        let error = Tokens::parse("admin ci pct_abc\n", "t").unwrap_err();
        assert!(error.message.contains("SHA-256"));
        assert!(Tokens::parse("# nothing\n", "t").is_err());
    }
}
