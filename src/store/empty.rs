//! A store that does not exist yet, read as an empty one: the default local store before the
//! first `apply` (Terraform's local backend before its first state), or a PostgreSQL database
//! without promptctl's tables. Reading it gives nothing at revision 0; nothing can be written
//! to it — the commands that create stores open the real one.

use async_trait::async_trait;

use super::{
    ApplyOutcome, AuditEntry, ChangeSet, Progress, Published, Restore, RestoreOptions,
    RestoreOutcome, Snapshot, Store, StoreError,
};

/// No store yet at `url`.
pub(super) struct EmptyStore {
    pub(super) url: String,
}

impl EmptyStore {
    fn absent(&self) -> StoreError {
        StoreError::NoStore {
            url: self.url.clone(),
            why: "it has not been created yet".to_owned(),
        }
    }
}

#[async_trait]
impl Store for EmptyStore {
    fn location(&self) -> String {
        format!("{} (not created yet)", self.url)
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Ok(Snapshot {
            store_id: String::new(),
            revision: 0,
            rows: Vec::new(),
        })
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        Ok(0)
    }

    async fn rules(&self) -> Result<Option<Published>, StoreError> {
        Ok(None)
    }

    async fn apply(&self, _: &ChangeSet, _: Progress<'_>) -> Result<ApplyOutcome, StoreError> {
        Err(self.absent())
    }

    async fn history(&self, _: Option<&str>, _: usize) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(Vec::new())
    }

    async fn restore(&self, _: &Restore, _: &RestoreOptions) -> Result<RestoreOutcome, StoreError> {
        Err(self.absent())
    }

    async fn backup(&self, _: &str) -> Result<Option<Snapshot>, StoreError> {
        Ok(None)
    }
}
