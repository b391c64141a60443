//! Desired (git) vs live (store) → a [`Plan`]: plain data, made by the pure [`diff()`], read by
//! the renderers, the saved-plan file and the apply executor. Nothing here does I/O.

pub mod cost;
pub mod diff;
pub mod notes;
pub mod refusals;
pub mod render;
pub mod status;
pub mod verify;

use std::collections::BTreeMap;

pub use crate::store::Action;
use crate::store::{Op, Scope};

pub use diff::{DiffOptions, diff, templates_to_read};
pub use notes::Notes;

/// One field of a change: its value before and after (`null` for absent).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// One planned change: what it does to which prompt version, the fields it changes, and the
/// store writes (with their preconditions) that carry it out.
#[derive(Clone, Debug)]
pub struct Change {
    pub action: Action,
    pub prompt_name: String,
    pub prompt_version: String,
    pub scope: Scope,
    /// For a replace: the version(s) it replaces.
    pub replaces: Vec<String>,
    /// For a row that is not the active version: `false`.
    pub is_active: bool,
    /// The fields that change, by column name, as shown: read them with [`Change::fields`]. A
    /// create made by the diff keeps none here, as every one is its insert's (a first apply of
    /// 100,000 prompts holds each template once, in the row it writes); a saved plan's create
    /// keeps the file's, which [`verify`] holds against its insert.
    fields: BTreeMap<String, FieldChange>,
    /// The writes, each with its precondition.
    pub ops: Vec<Op>,
}

/// Equal when they show and write the same: a create read back from a saved plan keeps the
/// fields the file shows, the one the diff made reads them from its insert.
impl PartialEq for Change {
    fn eq(&self, other: &Change) -> bool {
        self.action == other.action
            && self.prompt_name == other.prompt_name
            && self.prompt_version == other.prompt_version
            && self.scope == other.scope
            && self.replaces == other.replaces
            && self.is_active == other.is_active
            && self.ops == other.ops
            && self.fields() == other.fields()
    }
}

impl Change {
    /// A change of one prompt version; its fields are set with [`Change::with_fields`].
    pub fn new(action: Action, prompt_name: String, prompt_version: String, scope: Scope) -> Self {
        Change {
            action,
            prompt_name,
            prompt_version,
            scope,
            replaces: Vec::new(),
            is_active: true,
            fields: BTreeMap::new(),
            ops: Vec::new(),
        }
    }

    /// The change showing `fields`.
    #[must_use]
    pub fn with_fields(mut self, fields: BTreeMap<String, FieldChange>) -> Self {
        self.fields = fields;
        self
    }

    /// The fields that change, by column name. A create's are every field its insert sets,
    /// from null: what is shown is what is written.
    pub fn fields(&self) -> std::borrow::Cow<'_, BTreeMap<String, FieldChange>> {
        match self.inserted_row() {
            Some(row) => std::borrow::Cow::Owned(diff::created_fields(row)),
            None => std::borrow::Cow::Borrowed(&self.fields),
        }
    }

    /// The row a create inserts; `None` for every other change.
    fn inserted_row(&self) -> Option<&crate::store::NewRow> {
        match (self.action, self.ops.as_slice()) {
            (Action::Create, [Op::Insert { row, .. }]) => Some(row),
            _ => None,
        }
    }
}

/// A reason the plan cannot be applied at all.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanError {
    pub prompt_name: String,
    pub prompt_version: String,
    /// The prompt file, as the user names it.
    pub file: String,
    pub message: String,
}

/// Everything `plan` decided, and what it was decided against.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Where the store is (no secrets).
    pub store: String,
    pub store_id: String,
    /// The store's revision the plan was made at.
    pub revision: i64,
    /// The model backfills set.
    pub default_model: String,
    pub changes: Vec<Change>,
    pub errors: Vec<PlanError>,
    /// Policy results, the environment's overlay and coming deprecations.
    pub notes: Notes,
    /// The rules of record the plan publishes, where the store holds other rules.
    pub rules: Option<RulesChange>,
}

/// A change of the store's rules of record: git's catalog, policies or usage are not what the
/// store enforces.
#[derive(Clone, Debug, PartialEq)]
pub struct RulesChange {
    /// The digest of the rules the store holds now; `None` when it holds none.
    pub before_digest: Option<String>,
    /// The rules to publish.
    pub rules: crate::store::Rules,
    /// What changes, one line each, as shown (`+ model acme/small-1`).
    pub changes: Vec<String>,
}

/// How many changes of each action a plan has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub backfill: usize,
    pub deactivate: usize,
}

impl Summary {
    pub fn count(&mut self, action: Action) {
        match action {
            Action::Create => self.create += 1,
            Action::Update => self.update += 1,
            Action::Replace => self.replace += 1,
            Action::Backfill => self.backfill += 1,
            Action::Deactivate => self.deactivate += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.create + self.update + self.replace + self.backfill + self.deactivate
    }
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            summary.count(change.action);
        }
        summary
    }

    /// Whether applying it would change the store: a row, or the rules of record.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty() || self.rules.is_some()
    }
}
