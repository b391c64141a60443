//! What a report shows of a run's problems. Every error, always. Warnings that say the same
//! thing of many files ("`openai/gpt-5` is deprecated on …", for every prompt on it) are said
//! once, naming how many files and the first few; and past a handful of warnings the rest are
//! counted. 10,000 prompts on a deprecating model make one warning, not 70,000 lines. `-v`
//! shows every one; JSON always holds every one.

use super::{Diagnostic, Severity};

/// How much of the warnings to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Same warnings grouped, and at most [`WARNINGS_SHOWN`] of them.
    Grouped,
    /// Every diagnostic, one by one (`-v`).
    Every,
    /// Errors only (`-q`).
    ErrorsOnly,
}

/// A warning said of more files than this is said once for all of them.
pub const GROUP_ABOVE: usize = 3;
/// Warnings (single or grouped) shown before the rest are counted.
pub const WARNINGS_SHOWN: usize = 5;

/// One thing a report shows.
#[derive(Debug)]
pub enum Item<'a> {
    /// A diagnostic, in full.
    One(&'a Diagnostic),
    /// One warning said of every file in `all` (the first of them shown).
    Many(Vec<&'a Diagnostic>),
    /// Warnings not shown, counted.
    More(usize),
}

/// The items of a report, errors first in their order, then warnings.
pub fn arrange(diagnostics: &[Diagnostic], detail: Detail) -> Vec<Item<'_>> {
    let mut items: Vec<Item<'_>> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error || detail == Detail::Every)
        .map(Item::One)
        .collect();
    if detail != Detail::Grouped {
        return items;
    }
    // Warnings by what they say, in the order each is first met.
    let mut groups: Vec<Vec<&Diagnostic>> = Vec::new();
    let mut index: std::collections::HashMap<(super::Code, &str, Option<&str>), usize> =
        std::collections::HashMap::new();
    for warning in diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
    {
        let key = (
            warning.code,
            warning.message.as_str(),
            warning.help.as_deref(),
        );
        match index.get(&key) {
            Some(&at) => groups[at].push(warning),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![warning]);
            }
        }
    }
    let mut shown = 0;
    let mut hidden = 0;
    for group in groups {
        let blocks = if group.len() > GROUP_ABOVE {
            1
        } else {
            group.len()
        };
        if shown + blocks > WARNINGS_SHOWN {
            hidden += group.len();
            continue;
        }
        shown += blocks;
        if group.len() > GROUP_ABOVE {
            items.push(Item::Many(group));
        } else {
            items.extend(group.into_iter().map(Item::One));
        }
    }
    if hidden > 0 {
        items.push(Item::More(hidden));
    }
    items
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::diag::Code;
    use crate::yaml::Span;

    fn warning(file: &str, message: &str) -> Diagnostic {
        let file: Arc<Path> = Arc::from(Path::new(file));
        Diagnostic::warning(Code::DeprecationSoon, &file, Span::FILE, message)
    }

    #[test]
    fn the_same_warning_of_many_files_is_one_item_and_errors_all_show() {
        let mut diagnostics: Vec<Diagnostic> = (0..10_000)
            .map(|i| warning(&format!("p{i}.yaml"), "`openai/gpt-5` is deprecated"))
            .collect();
        let file: Arc<Path> = Arc::from(Path::new("bad.yaml"));
        diagnostics.push(Diagnostic::error(
            Code::MissingField,
            &file,
            Span::FILE,
            "x",
        ));
        let items = arrange(&diagnostics, Detail::Grouped);
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0], Item::One(d) if d.severity == Severity::Error));
        assert!(matches!(&items[1], Item::Many(all) if all.len() == 10_000));
        assert_eq!(arrange(&diagnostics, Detail::Every).len(), 10_001);
        assert_eq!(arrange(&diagnostics, Detail::ErrorsOnly).len(), 1);
    }

    #[test]
    fn past_a_handful_the_warnings_are_counted() {
        let diagnostics: Vec<Diagnostic> = (0..20)
            .map(|i| warning(&format!("p{i}.yaml"), &format!("warning {i}")))
            .collect();
        let items = arrange(&diagnostics, Detail::Grouped);
        assert_eq!(items.len(), WARNINGS_SHOWN + 1);
        assert!(matches!(items.last(), Some(Item::More(15))));
    }
}
