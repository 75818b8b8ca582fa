//! The core error type shared by every oddframe crate.

/// Errors raised by the core traits, thresholds and metrics.
///
/// Algorithm crates define their own error enums and convert this one into
/// them with `#[from]`; they convert back into [`Error::Model`] when a trait
/// method of this crate has to report one of their own failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input had the wrong number of features (columns) or samples.
    #[error("dimension mismatch in {what}: expected {expected}, found {found}")]
    DimensionMismatch {
        /// What was being measured (for example `"features"`).
        what: &'static str,
        /// The size that was required.
        expected: usize,
        /// The size that was given.
        found: usize,
    },
    /// A value was NaN or infinite.
    #[error("non-finite value at row {row}, column {col}")]
    NonFinite {
        /// Row (sample) index of the offending value.
        row: usize,
        /// Column (feature) index of the offending value.
        col: usize,
    },
    /// An input that must not be empty was empty.
    #[error("empty input: {what}")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// A parameter was outside its allowed range.
    #[error("invalid parameter `{name}` = {value}: must be {allowed}")]
    InvalidParameter {
        /// Name of the parameter.
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// A description of the allowed values.
        allowed: &'static str,
    },
    /// Labels were not usable for the requested metric (for example only one class).
    #[error("invalid labels: {0}")]
    InvalidLabels(String),
    /// A failure specific to one model, carried through a core trait.
    #[error(transparent)]
    Model(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A saved file (model, transformer, threshold, pipeline, stream state)
    /// is foreign, corrupt, truncated, of a newer schema, or inconsistent.
    #[error("invalid {format} file: {reason}")]
    InvalidFile {
        /// The format that was expected (for example `oddframe.fisvdd`), or
        /// the part of a composed file that failed (`step 1 (oddframe.standard-scaler)`).
        format: String,
        /// What was wrong, and where.
        reason: String,
    },
    /// A part of a pipeline cannot be saved (its type does not implement
    /// saving, or no loader is registered for its format).
    #[error("{what} cannot be saved or loaded: {reason}")]
    NotPersistable {
        /// The part (a type or format name).
        what: String,
        /// Why.
        reason: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Shorthand for `Result<T, oddframe::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::InvalidParameter`] from any displayable value.
    pub fn invalid_parameter(
        name: &'static str,
        value: impl std::fmt::Display,
        allowed: &'static str,
    ) -> Self {
        Self::InvalidParameter {
            name,
            value: value.to_string(),
            allowed,
        }
    }

    /// Builds an [`Error::InvalidFile`].
    pub fn invalid_file(format: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidFile {
            format: format.into(),
            reason: reason.into(),
        }
    }

    /// Prefixes the location of an [`Error::InvalidFile`] with `part`, so that
    /// an error inside a composed file names the part that failed; other
    /// errors become [`Error::InvalidFile`] of `part`.
    pub fn in_part(self, part: &str) -> Self {
        match self {
            Self::InvalidFile { format, reason } => Self::InvalidFile {
                format: format!("{part}: {format}"),
                reason,
            },
            Self::Io(e) => Self::Io(e),
            other => Self::invalid_file(part, other.to_string()),
        }
    }
}
