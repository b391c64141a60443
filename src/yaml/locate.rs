//! Where a key stands, found by reading a text's YAML events only as far as the key.
//!
//! A clean prompt file is parsed once, without spans (the fast path of validation). When a rule
//! still has something to say of it (a model deprecating next week: every file on it), the
//! warning needs a line. Reading the events up to the key costs a fraction of a second parse
//! with spans, and gives the very spans that parse would: both come from the same parser events.

use serde_saphyr::granit_parser::{Event, Parser, Span as EventSpan};

use super::Span;

/// The spans of a key and of its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    pub key: Span,
    pub value: Span,
}

/// The key at `path` (keys of nested mappings, from the top) and its value. `None` where the
/// text is not a mapping holding the path as plain keys: the caller then parses the text with
/// spans (an alias or a merge key on the way, a key that is not text, a syntax error).
pub fn locate(text: &str, path: &[&str]) -> Option<Located> {
    let mut events = Parser::new_from_str(text)
        .map_while(Result::ok)
        .filter(|(event, _)| {
            !matches!(
                event,
                Event::StreamStart
                    | Event::DocumentStart(..)
                    | Event::Anchor(..)
                    | Event::Comment(..)
            )
        });
    let (first, _) = events.next()?;
    if !matches!(first, Event::MappingStart(..)) {
        return None;
    }
    let (last, parents) = path.split_last()?;
    for key in parents {
        find_key(&mut events, key, text)?;
        // A parent's value must itself be a mapping to hold the next key.
        let (value, _) = events.next()?;
        if !matches!(value, Event::MappingStart(..)) {
            return None;
        }
    }
    let key = find_key(&mut events, last, text)?;
    let (_, value) = events.next()?;
    Some(Located {
        key,
        value: span(&value, text),
    })
}

/// Reads the entries of the mapping just entered up to the key `wanted`, skipping the others
/// whole; the key's span, with the events positioned at its value.
fn find_key<'a>(
    events: &mut impl Iterator<Item = (Event<'a>, EventSpan)>,
    wanted: &str,
    text: &str,
) -> Option<Span> {
    loop {
        let (key, at) = events.next()?;
        match key {
            Event::MappingEnd => return None,
            Event::Scalar(value, ..) if value == wanted => return Some(span(&at, text)),
            other => skip(events, &other)?,
        }
        // The value of a key that is not the one wanted.
        let (value, _) = events.next()?;
        skip(events, &value)?;
    }
}

/// Consumes the rest of the node that `first` starts (nothing more for a scalar or an alias).
fn skip<'a>(
    events: &mut impl Iterator<Item = (Event<'a>, EventSpan)>,
    first: &Event<'a>,
) -> Option<()> {
    let mut depth = match first {
        Event::MappingStart(..) | Event::SequenceStart(..) => 1_usize,
        Event::MappingEnd | Event::SequenceEnd => return None,
        _ => return Some(()),
    };
    while depth > 0 {
        match events.next()?.0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            _ => {}
        }
    }
    Some(())
}

/// Our span of an event's, as the spanned parse makes it (line, 1-based column, bytes).
fn span(at: &EventSpan, text: &str) -> Span {
    let (Some(start), Some(end)) = (at.start.byte_offset(), at.end.byte_offset()) else {
        return Span::at(text, 0, 0);
    };
    Span {
        line: u32::try_from(at.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(at.start.col() + 1).unwrap_or(u32::MAX),
        start,
        len: end.saturating_sub(start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{PathSegment, parse};

    /// The spans the spanned parse gives the same key and value.
    fn parsed(text: &str, path: &[&str]) -> Located {
        let root = parse(text).expect("valid YAML");
        let (parent, last) = path.split_at(path.len() - 1);
        let mapping = root.find(parent.iter().map(|k| PathSegment::Key(*k)));
        let (key, value) = mapping.entry(last[0]).expect("the key is there");
        Located {
            key: key.span,
            value: value.span,
        }
    }

    #[test]
    fn finds_the_spans_the_spanned_parse_gives() {
        let texts = [
            "prompt_name: a\nai_model: openai/gpt-5\n",
            "# a comment\nprompt_name: a # and another\n\nai_model:   'openai/gpt-5'\n",
            "prompt_template: |\n  Hello {{name}}\n  ai_model: not this one\nai_model: \"openai/gpt-5\"\n",
            "input_schema:\n  type: object\n  properties:\n    name: {type: string}\n    ai_model: {type: string}\nai_model: openai/gpt-5\n",
            "{prompt_name: a, ai_model: openai/gpt-5}",
            "---\nlist: [1, [2, {ai_model: x}]]\n\"ai_model\": openai/gpt-5\n",
            "anchored: &m openai/gpt-5\nai_model: &n openai/gpt-4o\n",
            "ai_model:\n",
            "ai_model: >-\n  folded\n  text\n",
            "héllo: ünïcode\nai_model: openai/gpt-5\n",
            "? ai_model\n: openai/gpt-5\n",
        ];
        for text in texts {
            assert_eq!(
                locate(text, &["ai_model"]),
                Some(parsed(text, &["ai_model"])),
                "{text:?}"
            );
        }
        let nested = "ai_model: a\ncanary:\n  percent: 10\n  ai_model: openai/gpt-5.2\n";
        assert_eq!(
            locate(nested, &["canary", "ai_model"]),
            Some(parsed(nested, &["canary", "ai_model"]))
        );
        let schema = "input_schema:\n  properties:\n    name: {type: string}\n    unused:\n      type: string\n";
        assert_eq!(
            locate(schema, &["input_schema", "properties", "unused"]),
            Some(parsed(schema, &["input_schema", "properties", "unused"]))
        );
    }

    #[test]
    fn gives_up_where_the_key_is_not_plainly_there() {
        for text in [
            "prompt_name: a\n",
            "- ai_model: x\n",
            "just text",
            "base: &b {ai_model: x}\n<<: *b\n",
            "canary: 10\n",
        ] {
            let path: &[&str] = if text.starts_with("canary") {
                &["canary", "ai_model"]
            } else {
                &["ai_model"]
            };
            assert_eq!(locate(text, path), None, "{text:?}");
        }
    }
}
