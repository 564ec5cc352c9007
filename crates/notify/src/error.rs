/// Why a notification run or a forward could not go ahead. Delivery
/// failures are not errors: they are logged per notice and retried.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] hirundo_store::StoreError),
    /// The stored directory does not validate (a team edited by hand).
    #[error("the directory: {0}")]
    Directory(#[from] hirundo_directory::DirectoryError),
    /// A forward that the rules forbid; says which rule.
    #[error("{0}")]
    Refused(String),
}
