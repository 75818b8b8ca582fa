//! The error type of the `artifact-scorer` crate.

/// Everything that can go wrong when measuring artifacts, fitting a NIQE
/// model or writing reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// A frame or window the detectors cannot measure (too small, empty, of
    /// another layout), or a setting out of range.
    #[error(transparent)]
    Core(#[from] oddframe::Error),
    /// Writing a report failed.
    #[error("writing the report failed: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ArtifactError> for oddframe::Error {
    fn from(e: ArtifactError) -> Self {
        match e {
            ArtifactError::Core(c) => c,
            ArtifactError::Io(io) => oddframe::Error::Io(io),
        }
    }
}

/// Shorthand for `Result<T, ArtifactError>`.
pub type Result<T, E = ArtifactError> = std::result::Result<T, E>;
