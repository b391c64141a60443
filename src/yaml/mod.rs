//! YAML documents as a tree whose every node knows where it stands in the text.
//!
//! A file with a problem is parsed into [`Node`]s: validation converts the tree to JSON for
//! the schema check, reads typed values from it, and maps every problem back to a line through
//! the spans kept here; `set-model` edits the text at the same spans. (Clean prompt files take
//! a faster path without spans, [`from_str_strict`], and [`locate`] the few spans their
//! warnings need; only a file found wanting is parsed again here.)

mod locate;

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, MessageFormatter, Spanned};

pub use locate::{Located, locate};

/// Where a node stands: 1-based line and column, and its bytes in the text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    /// Byte offset of the node's first character.
    pub start: usize,
    /// Byte length; 0 where the parser gives only a start (collections).
    pub len: usize,
}

impl Span {
    /// The span of a whole file, for problems that have no better place.
    pub const FILE: Span = Span {
        line: 1,
        column: 1,
        start: 0,
        len: 0,
    };

    fn from_location(location: serde_saphyr::Location) -> Span {
        if location == serde_saphyr::Location::UNKNOWN {
            return Span::FILE;
        }
        let span = location.span();
        Span {
            line: saturate(location.line()),
            column: saturate(location.column()),
            start: span.byte_offset().map_or(0, usize_saturate),
            len: span.byte_len().map_or(0, usize_saturate),
        }
    }

    /// The span of the byte range `start..start + len` of `text`, with its line and column.
    pub fn at(text: &str, start: usize, len: usize) -> Span {
        let start = floor_char_boundary(text, start.min(text.len()));
        let before = &text[..start];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        Span {
            line: saturate(line as u64),
            column: saturate(column as u64),
            start,
            len: len.min(text.len() - start),
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn saturate(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn usize_saturate(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A YAML value. Scalars keep YAML's resolved type (`1` is a number, `"1"` a string).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

/// A value and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// Why a text is not a YAML document we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub kind: YamlErrorKind,
    pub message: String,
    pub span: Span,
}

/// The kinds of YAML failure that users act on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    Syntax,
    DuplicateKey,
    /// An alias bomb, a nesting too deep, too many nodes: refused before it costs memory.
    Budget,
    MultipleDocuments,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.span.line, self.span.column, self.message
        )
    }
}

/// Parse one YAML document. Duplicate keys are errors; aliases, depth and size are budgeted so a
/// hostile file is refused rather than expanded.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let spanned: Spanned<SpannedValue> = from_str_strict(text)?;
    Ok(spanned.into())
}

/// Why a YAML file (a config, a catalog, usage) could not be read into its type.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{error}")]
    Parse { path: String, error: YamlError },
}

/// Read a YAML file into a type, errors naming the file (and line and column).
pub fn load_file<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, FileError> {
    let display = path.display().to_string();
    // std's error, not fs_err's: `FileError::Read` names the file, once.
    #[allow(clippy::disallowed_methods)]
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: display.clone(),
        source,
    })?;
    from_str(&text).map_err(|error| FileError::Parse {
        path: display,
        error,
    })
}

/// Read a typed value (a config file, say) under the same rules as [`parse`]. Plain scalars
/// take the type the Rust field asks for (`version: 1.0` reads as the string `"1.0"`).
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    from_str_with(text, false)
}

/// Read a typed value, but refuse plain scalars whose YAML type differs from the field's
/// (`version: 1.0` into a string, `yes` into a bool): the tree of [`parse`] and an editor's
/// JSON Schema check see those as numbers and strings, and this must agree with them.
pub fn from_str_strict<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    from_str_with(text, true)
}

fn from_str_with<T: serde::de::DeserializeOwned>(text: &str, strict: bool) -> Result<T, YamlError> {
    let options = serde_saphyr::options! {
        emit_comments: false,
        no_schema: strict,
        strict_booleans: strict,
        // A tag we do not know (`!shout`) would silently vanish; refuse it instead.
        reject_unsupported_tags: true,
        // `.nan` reaches the checks as text, to be reported as a wrong type, not a syntax error.
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
        duplicate_keys: DuplicateKeyPolicy::Error,
        budget: serde_saphyr::budget! {
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 64,
            max_nodes: 100_000,
            max_recorded_anchor_events: 10_000,
            max_recorded_anchor_bytes: 4 * 1024 * 1024,
            max_total_scalar_bytes: 16 * 1024 * 1024,
        },
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|error| yaml_error(&error, text))
}

fn yaml_error(error: &serde_saphyr::Error, text: &str) -> YamlError {
    let mut inner = error.without_snippet();
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let kind = match inner {
        serde_saphyr::Error::DuplicateMappingKey { .. } => YamlErrorKind::DuplicateKey,
        serde_saphyr::Error::Budget { .. }
        | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => YamlErrorKind::Budget,
        serde_saphyr::Error::MultipleDocuments { .. } => YamlErrorKind::MultipleDocuments,
        _ if inner.to_string().contains("recursion limit") => YamlErrorKind::Budget,
        _ => YamlErrorKind::Syntax,
    };
    let message = serde_saphyr::DefaultMessageFormatter
        .format_message(inner)
        .trim_end_matches(", set DuplicateKeyPolicy in Options if acceptable")
        .trim_end_matches("; use from_str_multiple or from_str_multiple_with_options")
        .to_owned();
    let mut span = error.location().map_or(Span::FILE, Span::from_location);
    if message.contains("tab") {
        // The scanner reports where the token began; the user needs the tab itself.
        if let Some(tab) = text.get(span.start..).and_then(|rest| rest.find('\t')) {
            span = Span::at(text, span.start + tab, 1);
        }
    }
    YamlError {
        kind,
        message,
        span,
    }
}

impl Node {
    /// A null node at no particular place: the root for checks that need no lines.
    pub const NOWHERE: Node = Node {
        value: Value::Null,
        span: Span::FILE,
    };

    /// The value under `key` when this node is a mapping with string keys.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key node and value node under `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| k.is_key(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Whether this node, as a mapping key, reads as `key` (`42:` reads as `"42"`).
    pub fn is_key(&self, key: &str) -> bool {
        match &self.value {
            Value::String(text) => text == key,
            _ => self.key_text().as_deref() == Some(key),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// What a key means as a JSON object key: scalars by their text, collections not at all.
    pub fn key_text(&self) -> Option<String> {
        match &self.value {
            Value::String(text) => Some(text.clone()),
            Value::Null => Some("null".to_owned()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(n) => Some(n.to_string()),
            Value::UInt(n) => Some(n.to_string()),
            Value::Float(n) => Some(n.to_string()),
            Value::Sequence(_) | Value::Mapping(_) => None,
        }
    }

    /// A short name of the node's type, as a user would say it.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::UInt(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// Follow a JSON pointer-like path of keys and indexes down the tree, as far as it goes.
    /// Returns the deepest node reached, so a problem under a missing key still gets a line.
    pub fn find<I, S>(&self, path: I) -> &Node
    where
        I: IntoIterator<Item = PathSegment<S>>,
        S: AsRef<str>,
    {
        let mut node = self;
        for segment in path {
            let next = match (&node.value, segment) {
                (Value::Mapping(entries), PathSegment::Key(key)) => entries
                    .iter()
                    .find(|(k, _)| k.is_key(key.as_ref()))
                    .map(|(_, v)| v),
                (Value::Sequence(items), PathSegment::Index(index)) => items.get(index),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }

    /// The node as JSON, for schema validation and typed reading. Keys that are collections
    /// cannot be JSON keys; they are reported by the caller and skipped here.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(n) => Json::from(*n),
            Value::UInt(n) => Json::from(*n),
            Value::Float(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            Value::String(text) => Json::String(text.clone()),
            Value::Sequence(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Mapping(entries) => Json::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.key_text()?, v.to_json())))
                    .collect(),
            ),
        }
    }
}

/// One step of a path into a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSegment<S> {
    Key(S),
    Index(usize),
}

/// serde-saphyr fills spans only through `Spanned<T>`, so the tree is built of those and then
/// flattened into [`Node`].
#[derive(Debug)]
enum SpannedValue {
    Scalar(Value),
    Sequence(Vec<Spanned<SpannedValue>>),
    Mapping(Vec<(Spanned<SpannedValue>, Spanned<SpannedValue>)>),
}

impl From<Spanned<SpannedValue>> for Node {
    fn from(spanned: Spanned<SpannedValue>) -> Node {
        let span = Span::from_location(spanned.referenced);
        let value = match spanned.value {
            SpannedValue::Scalar(value) => value,
            SpannedValue::Sequence(items) => {
                Value::Sequence(items.into_iter().map(Node::from).collect())
            }
            SpannedValue::Mapping(entries) => Value::Mapping(
                entries
                    .into_iter()
                    .map(|(k, v)| (Node::from(k), Node::from(v)))
                    .collect(),
            ),
        };
        Node { value, span }
    }
}

impl<'de> Deserialize<'de> for SpannedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SpannedValueVisitor)
    }
}

struct SpannedValueVisitor;

impl<'de> Visitor<'de> for SpannedValueVisitor {
    type Value = SpannedValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<SpannedValue, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E>(self, v: bool) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Int(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::UInt(v)))
    }

    fn visit_i128<E>(self, v: i128) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Float(v as f64)))
    }

    fn visit_u128<E>(self, v: u128) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Float(v as f64)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::Float(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<SpannedValue, E> {
        Ok(SpannedValue::Scalar(Value::String(v)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<SpannedValue, E> {
        String::from_utf8(v.to_vec())
            .map(|text| SpannedValue::Scalar(Value::String(text)))
            .map_err(|_| E::custom("binary value is not UTF-8 text"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<SpannedValue, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
        while let Some(item) = access.next_element()? {
            items.push(item);
        }
        Ok(SpannedValue::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<SpannedValue, A::Error> {
        let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
        while let Some(key) = access.next_key()? {
            let value = access.next_value()?;
            entries.push((key, value));
        }
        Ok(SpannedValue::Mapping(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a: 1\ntemplate: |\n  hello {{x}}\n  bye\nc: {d: [1, 2.5]}\n";
        let root = parse(text).unwrap();
        let (key, value) = root.entry("template").unwrap();
        assert_eq!((key.span.line, key.span.column), (2, 1));
        assert_eq!(value.as_str(), Some("hello {{x}}\nbye\n"));
        assert_eq!(value.span.line, 3);
        let d = root.find([PathSegment::Key("c"), PathSegment::Key("d")]);
        assert_eq!((d.span.line, d.span.column), (5, 8));
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": 1, "template": "hello {{x}}\nbye\n", "c": {"d": [1, 2.5]}})
        );
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_line() {
        let error = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(error.kind, YamlErrorKind::DuplicateKey);
        assert_eq!(error.span.line, 3);
        assert!(error.message.contains("duplicate"), "{}", error.message);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let error = parse(&text).unwrap_err();
        assert_eq!(error.kind, YamlErrorKind::Budget, "{error}");
    }

    #[test]
    fn span_at_counts_lines_and_characters() {
        let span = Span::at("ab\ncdé f\n", 8, 1);
        assert_eq!((span.line, span.column), (2, 5));
    }
}
