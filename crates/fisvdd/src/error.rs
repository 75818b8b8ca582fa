//! Errors of the `fisvdd` crate.

/// Everything that can go wrong when fitting, scoring, saving or loading a
/// [`crate::Fisvdd`] model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FisvddError {
    /// Bad shape, non-finite value, empty input or parameter out of range.
    #[error(transparent)]
    Core(#[from] oddframe::Error),
    /// A loaded model failed validation (foreign, corrupt or inconsistent).
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// Reading or writing a model file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<FisvddError> for oddframe::Error {
    fn from(e: FisvddError) -> Self {
        match e {
            FisvddError::Core(c) => c,
            other => oddframe::Error::Model(Box::new(other)),
        }
    }
}

/// Shorthand for `Result<T, FisvddError>`.
pub type Result<T, E = FisvddError> = std::result::Result<T, E>;
