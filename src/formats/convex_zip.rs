//! A Convex snapshot export (the ZIP `npx convex export` writes): its `ai_prompts` table is
//! `ai_prompts/documents.jsonl` inside, one document a line, which `store restore` reads as it
//! reads a JSON export (`_id` and `_creationTime` become `id` and `created_at`).

use std::io::Read;

/// What a ZIP's entry may inflate to: a generous store, and a bound on a hostile archive
/// (a small file that inflates without end).
const MAX_DOCUMENTS_BYTES: u64 = 1 << 30;

/// The entry that holds the table.
const DOCUMENTS: &str = "ai_prompts/documents.jsonl";

/// Whether `bytes` start as a ZIP archive does.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The text of `ai_prompts/documents.jsonl` in the archive, or why there is none.
pub fn documents(bytes: &[u8]) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable ZIP archive: {e}"))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(std::borrow::Cow::into_owned)
        .collect();
    let Some(name) = names
        .iter()
        .find(|n| n.as_str() == DOCUMENTS || n.ends_with(&format!("/{DOCUMENTS}")))
    else {
        let tables: Vec<&str> = names
            .iter()
            .filter_map(|n| n.strip_suffix("/documents.jsonl"))
            .collect();
        return Err(format!(
            "a Convex export holds the table in {DOCUMENTS}, and this one has none{}",
            if tables.is_empty() {
                String::new()
            } else {
                format!(" (its tables: {})", tables.join(", "))
            }
        ));
    };
    let entry = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut text = String::new();
    entry
        .take(MAX_DOCUMENTS_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{name} does not read as UTF-8 text: {e}"))?;
    if text.len() as u64 > MAX_DOCUMENTS_BYTES {
        return Err(format!(
            "{name} inflates past {} MiB: not restored",
            MAX_DOCUMENTS_BYTES >> 20
        ));
    }
    Ok(text)
}
