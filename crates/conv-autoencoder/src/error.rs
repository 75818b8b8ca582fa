//! The crate's error type.

/// Errors from building, training, scoring, saving and loading autoencoders.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AeError {
    /// The architecture or a training setting is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A frame does not have the model's size or channel count.
    #[error("frame {index} is {found}, the model takes {expected}")]
    FrameShape {
        /// Position of the frame in the call's input.
        index: usize,
        /// `WIDTHxHEIGHTxCHANNELS` the model takes.
        expected: String,
        /// `WIDTHxHEIGHTxCHANNELS` of the frame.
        found: String,
    },
    /// The requested backend is not compiled in or has no usable device.
    #[error("backend unavailable: {0}")]
    BackendUnavailable(String),
    /// Training diverged (a non-finite loss).
    #[error("training diverged at epoch {epoch}: loss is {loss}")]
    Diverged {
        /// Epoch (1-based) whose loss was not finite.
        epoch: usize,
        /// The offending loss.
        loss: f64,
    },
    /// A model or checkpoint file is malformed, foreign or corrupt.
    #[error("invalid model file: {0}")]
    InvalidModel(String),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An error from the `oddframe` core (empty input, non-finite values, thresholds).
    #[error(transparent)]
    Core(#[from] oddframe::Error),
}

/// Shorthand for `Result<T, AeError>`.
pub type Result<T, E = AeError> = std::result::Result<T, E>;

impl From<AeError> for oddframe::Error {
    fn from(e: AeError) -> Self {
        match e {
            AeError::Core(core) => core,
            other => oddframe::Error::Model(Box::new(other)),
        }
    }
}
