//! Markdown for GitHub (comments, job summaries): escaping that keeps values from breaking a
//! table, hiding text behind an HTML comment, or forging promptctl's hidden markers.

/// A code fence longer than any run of backticks in `body`, so a template holding ``` cannot
/// close it.
pub fn fence_for(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// A value safe inside a table cell: no column break, no HTML (a `<!--` would hide the rest of
/// the comment, and could forge the comment's marker).
pub fn cell(text: &str) -> String {
    html(text).replace('|', "\\|").replace('\n', " ")
}

/// Text safe between backticks in a cell.
pub fn code(text: &str) -> String {
    cell(&text.replace('`', "'"))
}

/// Text with `&`, `<` and `>` escaped, for HTML and Markdown outside code spans.
pub fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
    }

    #[test]
    fn cells_hide_no_html_and_break_no_columns() {
        assert_eq!(
            cell("<!-- promptctl:plan --> a|b\nc"),
            "&lt;!-- promptctl:plan --&gt; a\\|b c"
        );
        assert_eq!(code("a`b"), "a'b");
    }
}
