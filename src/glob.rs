//! Name patterns: `*` matches any run of characters, everything else matches itself. Used by
//! `set-model --where`, `usage.yaml` and, later, policies, so all read patterns alike.

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first)
        || !text[first.len()..].ends_with(last)
        || text.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn stars_match_runs() {
        assert!(glob("generate_*", "generate_questions"));
        assert!(glob("*_event", "enhance_before_event"));
        assert!(glob("a*b*c", "a-x-b-y-c"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "ab-"));
        assert!(!glob("a*a", "a"));
        assert!(glob("exact", "exact") && !glob("exact", "exacto"));
    }
}
