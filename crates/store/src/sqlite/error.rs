use rusqlite::ErrorCode;

use super::BUSY_TIMEOUT;
use crate::StoreError;

/// Turns a rusqlite error into a [`StoreError::Backend`] that names the
/// operation that failed.
pub(crate) trait Context<T> {
    /// `what` is the operation, such as "adding port_hour rows".
    fn context(self, what: &str) -> Result<T, StoreError>;
    /// [`Context::context`] for a description that costs a `format!`.
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    #[inline]
    fn context(self, what: &str) -> Result<T, StoreError> {
        self.map_err(|e| backend(what, &e))
    }

    #[inline]
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|e| backend(&what(), &e))
    }
}

/// The error as the operator should read it: what was being done, and for
/// the failures they can act on, what to do.
pub(crate) fn backend(what: &str, e: &rusqlite::Error) -> StoreError {
    if e.sqlite_error_code() == Some(ErrorCode::DiskFull) {
        return StoreError::DiskFull(format!(
            "{what}: the disk is full; free space on the volume that holds the database \
             (nothing of this operation was stored)"
        ));
    }
    StoreError::Backend(match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{what}: another connection held the database for more than {} s; \
             retry, or stop the process that holds it",
            BUSY_TIMEOUT.as_secs()
        ),
        _ => format!("{what}: {e}"),
    })
}

/// Whether `e` is a violated `REFERENCES` constraint: a sensor id that is
/// not registered.
pub(crate) fn is_foreign_key(e: &rusqlite::Error) -> bool {
    extended_code(e) == Some(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

/// Whether `e` is a violated `UNIQUE` constraint.
pub(crate) fn is_unique(e: &rusqlite::Error) -> bool {
    extended_code(e) == Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

fn extended_code(e: &rusqlite::Error) -> Option<std::ffi::c_int> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code),
        _ => None,
    }
}
