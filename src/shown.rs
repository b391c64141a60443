//! Text from files and stores, made safe to print on a terminal or a CI log: control
//! characters (a newline in a file name could start a forged GitHub workflow command on its own
//! line), and the invisible ones that reorder or hide text (bidi overrides, zero-width
//! characters: "Trojan Source"), print escaped, as rustc prints them.

use std::borrow::Cow;

/// `text` with every control, bidi-control and zero-width character escaped (`\n`, `\u{202e}`);
/// unchanged, and not copied, when it holds none.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Each line of a message shown as [`shown`] shows a value, the line breaks kept: for text
/// that is several lines on purpose but may carry values that are not.
pub fn shown_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| shown(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// Characters that change how text reads without showing themselves.
fn is_invisible(c: char) -> bool {
    matches!(c,
        // Bidi marks, embeddings, overrides and isolates.
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Zero-width spaces and joiners, the word joiner and invisible operators, the BOM.
        | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
        // Soft hyphen, and the Hangul and Mongolian fillers that render as nothing.
        | '\u{00ad}' | '\u{115f}' | '\u{1160}' | '\u{180e}' | '\u{3164}' | '\u{ffa0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged_and_not_copied() {
        assert!(matches!(
            shown("summarize_incident v2 — é"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn control_and_invisible_characters_print_escaped() {
        assert_eq!(shown("a\n::warning title=X::y"), "a\\n::warning title=X::y");
        assert_eq!(shown("tab\there\r"), "tab\\there\\r");
        assert_eq!(shown("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(shown("admin\u{202e}txt.exe"), "admin\\u{202e}txt.exe");
        assert_eq!(shown("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(shown("\u{feff}bom"), "\\u{feff}bom");
    }

    #[test]
    fn lines_keep_their_breaks_and_escape_the_rest() {
        assert_eq!(shown_lines("one\ntwo\u{202e}"), "one\ntwo\\u{202e}");
        assert!(matches!(shown_lines("one\ntwo"), Cow::Borrowed(_)));
    }
}
