//! Errors of the `fisvdd` crate.

/// Everything that can go wrong when fitting, scoring or learning with a
/// [`crate::Fisvdd`] model (saving and loading report the core's
/// [`oddframe::Error::InvalidFile`] and [`oddframe::Error::Io`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FisvddError {
    /// Bad shape, non-finite value, empty input or parameter out of range.
    #[error(transparent)]
    Core(#[from] oddframe::Error),
}

impl From<FisvddError> for oddframe::Error {
    fn from(e: FisvddError) -> Self {
        match e {
            FisvddError::Core(c) => c,
        }
    }
}

/// Shorthand for `Result<T, FisvddError>`.
pub type Result<T, E = FisvddError> = std::result::Result<T, E>;
