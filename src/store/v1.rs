//! The store's values to and from their frozen v1 shapes ([`crate::api::v1`]): for the HTTP
//! API, export files, saved plans, and the JSON the store itself keeps (audit entries, the
//! outcomes of idempotent writes). Each conversion is written out field by field: a field
//! added inside never reaches a client or a file unless it is added here too.

use std::borrow::Cow;

use super::{
    Action, ApplyOutcome, AuditEntry, Backup, ChangeSet, Conflict, LiveRow, NewRow, Op, Patch,
    PolicyOverride, RestoreOutcome, Scope, Snapshot,
};
use crate::api::v1::{
    ActionV1, ApplyOutcomeV1, AuditEntryV1, BackupV1, ChangeSetV1, ConflictV1, ExportV1, NewRowV1,
    OpV1, PatchV1, PolicyOverrideV1, RestoreResponseV1, RowV1, ScopeV1, SnapshotV1,
};

impl From<Scope> for ScopeV1 {
    fn from(scope: Scope) -> ScopeV1 {
        match scope {
            Scope::Production => ScopeV1::Production,
            Scope::Developer => ScopeV1::Developer,
        }
    }
}

impl From<ScopeV1> for Scope {
    fn from(scope: ScopeV1) -> Scope {
        match scope {
            ScopeV1::Production => Scope::Production,
            ScopeV1::Developer => Scope::Developer,
        }
    }
}

impl From<Action> for ActionV1 {
    fn from(action: Action) -> ActionV1 {
        match action {
            Action::Create => ActionV1::Create,
            Action::Update => ActionV1::Update,
            Action::Replace => ActionV1::Replace,
            Action::Backfill => ActionV1::Backfill,
            Action::Deactivate => ActionV1::Deactivate,
        }
    }
}

impl From<ActionV1> for Action {
    fn from(action: ActionV1) -> Action {
        match action {
            ActionV1::Create => Action::Create,
            ActionV1::Update => Action::Update,
            ActionV1::Replace => Action::Replace,
            ActionV1::Backfill => Action::Backfill,
            ActionV1::Deactivate => Action::Deactivate,
        }
    }
}

fn borrowed(text: &Option<String>) -> Option<Cow<'_, str>> {
    text.as_deref().map(Cow::Borrowed)
}

fn owned(text: Option<Cow<'_, str>>) -> Option<String> {
    text.map(Cow::into_owned)
}

impl<'a> From<&'a LiveRow> for RowV1<'a> {
    fn from(row: &'a LiveRow) -> RowV1<'a> {
        RowV1 {
            id: Cow::Borrowed(&row.id),
            row_version: row.row_version,
            updated_at: row.updated_at,
            prompt_name: Cow::Borrowed(&row.prompt_name),
            prompt_version: Cow::Borrowed(&row.prompt_version),
            prompt_template: Cow::Borrowed(&row.prompt_template),
            description: borrowed(&row.description),
            input_schema: borrowed(&row.input_schema),
            output_schema: borrowed(&row.output_schema),
            scope: row.scope.into(),
            developer_session_id: borrowed(&row.developer_session_id),
            parent_prompt_id: borrowed(&row.parent_prompt_id),
            expires_at: row.expires_at,
            workflow_step: borrowed(&row.workflow_step),
            subsystem: borrowed(&row.subsystem),
            ai_model: borrowed(&row.ai_model),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
            created_at: row.created_at,
            created_by: borrowed(&row.created_by),
            replaced_at: row.replaced_at,
            replaced_by: borrowed(&row.replaced_by),
        }
    }
}

impl From<RowV1<'_>> for LiveRow {
    fn from(row: RowV1<'_>) -> LiveRow {
        LiveRow {
            id: row.id.into_owned(),
            row_version: row.row_version,
            updated_at: row.updated_at,
            prompt_name: row.prompt_name.into_owned(),
            prompt_version: row.prompt_version.into_owned(),
            prompt_template: row.prompt_template.into_owned(),
            description: owned(row.description),
            input_schema: owned(row.input_schema),
            output_schema: owned(row.output_schema),
            scope: row.scope.into(),
            developer_session_id: owned(row.developer_session_id),
            parent_prompt_id: owned(row.parent_prompt_id),
            expires_at: row.expires_at,
            workflow_step: owned(row.workflow_step),
            subsystem: owned(row.subsystem),
            ai_model: owned(row.ai_model),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
            created_at: row.created_at,
            created_by: owned(row.created_by),
            replaced_at: row.replaced_at,
            replaced_by: owned(row.replaced_by),
            template_sha256: None,
        }
    }
}

impl<'a> From<&'a Snapshot> for SnapshotV1<'a> {
    fn from(snapshot: &'a Snapshot) -> SnapshotV1<'a> {
        SnapshotV1 {
            store_id: Cow::Borrowed(&snapshot.store_id),
            revision: snapshot.revision,
            rows: snapshot.rows.iter().map(RowV1::from).collect(),
        }
    }
}

impl From<SnapshotV1<'_>> for Snapshot {
    fn from(snapshot: SnapshotV1<'_>) -> Snapshot {
        Snapshot {
            store_id: snapshot.store_id.into_owned(),
            revision: snapshot.revision,
            rows: snapshot.rows.into_iter().map(LiveRow::from).collect(),
        }
    }
}

impl<'a> From<&'a Snapshot> for ExportV1<'a> {
    fn from(snapshot: &'a Snapshot) -> ExportV1<'a> {
        ExportV1 {
            format_version: 1,
            store_id: Cow::Borrowed(&snapshot.store_id),
            revision: snapshot.revision,
            rows: snapshot.rows.iter().map(RowV1::from).collect(),
        }
    }
}

impl From<&NewRow> for NewRowV1 {
    fn from(row: &NewRow) -> NewRowV1 {
        NewRowV1 {
            prompt_name: row.prompt_name.clone(),
            prompt_version: row.prompt_version.clone(),
            prompt_template: row.prompt_template.clone(),
            description: row.description.clone(),
            input_schema: row.input_schema.clone(),
            output_schema: row.output_schema.clone(),
            workflow_step: row.workflow_step.clone(),
            subsystem: row.subsystem.clone(),
            ai_model: row.ai_model.clone(),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
        }
    }
}

impl From<NewRowV1> for NewRow {
    fn from(row: NewRowV1) -> NewRow {
        NewRow {
            prompt_name: row.prompt_name,
            prompt_version: row.prompt_version,
            prompt_template: row.prompt_template,
            description: row.description,
            input_schema: row.input_schema,
            output_schema: row.output_schema,
            workflow_step: row.workflow_step,
            subsystem: row.subsystem,
            ai_model: row.ai_model,
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            is_active: row.is_active,
        }
    }
}

impl From<&Patch> for PatchV1 {
    fn from(patch: &Patch) -> PatchV1 {
        PatchV1 {
            ai_model: patch.ai_model.clone(),
            max_tokens: patch.max_tokens,
            temperature: patch.temperature,
            description: patch.description.clone(),
            workflow_step: patch.workflow_step.clone(),
            subsystem: patch.subsystem.clone(),
            is_active: patch.is_active,
            replaced_at: patch.replaced_at,
            replaced_by: patch.replaced_by.clone(),
        }
    }
}

impl From<PatchV1> for Patch {
    fn from(patch: PatchV1) -> Patch {
        Patch {
            ai_model: patch.ai_model,
            max_tokens: patch.max_tokens,
            temperature: patch.temperature,
            description: patch.description,
            workflow_step: patch.workflow_step,
            subsystem: patch.subsystem,
            is_active: patch.is_active,
            replaced_at: patch.replaced_at,
            replaced_by: patch.replaced_by,
        }
    }
}

impl From<&Op> for OpV1 {
    fn from(op: &Op) -> OpV1 {
        match op {
            Op::Insert {
                action,
                row,
                expect_new_name,
            } => OpV1::Insert {
                action: (*action).into(),
                row: row.into(),
                expect_new_name: *expect_new_name,
            },
            Op::Update {
                action,
                id,
                expected_row_version,
                patch,
            } => OpV1::Update {
                action: (*action).into(),
                id: id.clone(),
                expected_row_version: *expected_row_version,
                patch: patch.into(),
            },
        }
    }
}

impl From<OpV1> for Op {
    fn from(op: OpV1) -> Op {
        match op {
            OpV1::Insert {
                action,
                row,
                expect_new_name,
            } => Op::Insert {
                action: action.into(),
                row: row.into(),
                expect_new_name,
            },
            OpV1::Update {
                action,
                id,
                expected_row_version,
                patch,
            } => Op::Update {
                action: action.into(),
                id,
                expected_row_version,
                patch: patch.into(),
            },
        }
    }
}

impl From<&ChangeSet> for ChangeSetV1 {
    fn from(changes: &ChangeSet) -> ChangeSetV1 {
        ChangeSetV1 {
            store_id: changes.store_id.clone(),
            actor: changes.actor.clone(),
            idempotency_key: changes.idempotency_key.clone(),
            ops: changes.ops.iter().map(OpV1::from).collect(),
            policy_overrides: changes
                .policy_overrides
                .iter()
                .map(PolicyOverrideV1::from)
                .collect(),
        }
    }
}

impl From<ChangeSetV1> for ChangeSet {
    fn from(changes: ChangeSetV1) -> ChangeSet {
        ChangeSet {
            store_id: changes.store_id,
            actor: changes.actor,
            idempotency_key: changes.idempotency_key,
            ops: changes.ops.into_iter().map(Op::from).collect(),
            policy_overrides: changes
                .policy_overrides
                .into_iter()
                .map(PolicyOverride::from)
                .collect(),
        }
    }
}

impl From<&ApplyOutcome> for ApplyOutcomeV1 {
    fn from(outcome: &ApplyOutcome) -> ApplyOutcomeV1 {
        ApplyOutcomeV1 {
            revision: outcome.revision,
            applied: outcome.applied,
        }
    }
}

impl From<ApplyOutcomeV1> for ApplyOutcome {
    fn from(outcome: ApplyOutcomeV1) -> ApplyOutcome {
        ApplyOutcome {
            revision: outcome.revision,
            applied: outcome.applied,
        }
    }
}

impl From<&Conflict> for ConflictV1 {
    fn from(conflict: &Conflict) -> ConflictV1 {
        ConflictV1 {
            prompt_name: conflict.prompt_name.clone(),
            prompt_version: conflict.prompt_version.clone(),
            id: conflict.id.clone(),
            expected_row_version: conflict.expected_row_version,
            actual_row_version: conflict.actual_row_version,
            reason: conflict.reason.clone(),
        }
    }
}

impl From<ConflictV1> for Conflict {
    fn from(conflict: ConflictV1) -> Conflict {
        Conflict {
            prompt_name: conflict.prompt_name,
            prompt_version: conflict.prompt_version,
            id: conflict.id,
            expected_row_version: conflict.expected_row_version,
            actual_row_version: conflict.actual_row_version,
            reason: conflict.reason,
        }
    }
}

impl From<&AuditEntry> for AuditEntryV1 {
    fn from(entry: &AuditEntry) -> AuditEntryV1 {
        AuditEntryV1 {
            revision: entry.revision,
            at: entry.at,
            actor: entry.actor.clone(),
            change: entry.change.clone(),
            row_id: entry.row_id.clone(),
            prompt_name: entry.prompt_name.clone(),
            prompt_version: entry.prompt_version.clone(),
            before: entry.before.clone(),
            after: entry.after.clone(),
        }
    }
}

impl From<AuditEntryV1> for AuditEntry {
    fn from(entry: AuditEntryV1) -> AuditEntry {
        AuditEntry {
            revision: entry.revision,
            at: entry.at,
            actor: entry.actor,
            change: entry.change,
            row_id: entry.row_id,
            prompt_name: entry.prompt_name,
            prompt_version: entry.prompt_version,
            before: entry.before,
            after: entry.after,
        }
    }
}

impl From<&Backup> for BackupV1 {
    fn from(backup: &Backup) -> BackupV1 {
        BackupV1 {
            id: backup.id.clone(),
            rows: backup.rows,
            revision: backup.revision,
            at: backup.at,
        }
    }
}

impl From<BackupV1> for Backup {
    fn from(backup: BackupV1) -> Backup {
        Backup {
            id: backup.id,
            rows: backup.rows,
            revision: backup.revision,
            at: backup.at,
        }
    }
}

impl From<&RestoreOutcome> for RestoreResponseV1 {
    fn from(outcome: &RestoreOutcome) -> RestoreResponseV1 {
        RestoreResponseV1 {
            revision: outcome.revision,
            restored: outcome.restored,
            backup: outcome.backup.as_ref().map(BackupV1::from),
        }
    }
}

impl From<RestoreResponseV1> for RestoreOutcome {
    fn from(response: RestoreResponseV1) -> RestoreOutcome {
        RestoreOutcome {
            revision: response.revision,
            restored: response.restored,
            backup: response.backup.map(Backup::from),
        }
    }
}

impl From<&PolicyOverride> for PolicyOverrideV1 {
    fn from(o: &PolicyOverride) -> PolicyOverrideV1 {
        PolicyOverrideV1 {
            policy: o.policy.clone(),
            actor: o.actor.clone(),
            prompts: o.prompts.clone(),
        }
    }
}

impl From<PolicyOverrideV1> for PolicyOverride {
    fn from(o: PolicyOverrideV1) -> PolicyOverride {
        PolicyOverride {
            policy: o.policy,
            actor: o.actor,
            prompts: o.prompts,
        }
    }
}
