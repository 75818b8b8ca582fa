//! Errors of the `ocsvm-scaler` crate.

/// Everything that can go wrong when fitting, scoring, saving or loading a
/// scaler, a one-class SVM or a pipeline of both.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcsvmError {
    /// Bad shape, non-finite value, empty input or parameter out of range.
    #[error(transparent)]
    Core(#[from] oddframe::Error),
    /// The solver hit its iteration cap before the optimality gap fell
    /// below the tolerance (see `OcsvmParams::max_iter` and
    /// `OcsvmParams::allow_unconverged`).
    #[error(
        "the solver stopped after {iterations} iterations with optimality gap {gap:.3e} \
         above the tolerance {tol:.1e}; raise max_iter or allow an unconverged model"
    )]
    NotConverged {
        /// Iterations run.
        iterations: u64,
        /// The gap `m(a) - M(a)` when the solver stopped.
        gap: f64,
        /// The stopping tolerance.
        tol: f64,
    },
    /// Kernel values overflowed (data too large for the kernel and
    /// `gamma`; standardise it first) and the result would be meaningless.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A loaded model failed validation (foreign, corrupt or inconsistent).
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// Reading or writing a model file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<OcsvmError> for oddframe::Error {
    fn from(e: OcsvmError) -> Self {
        match e {
            OcsvmError::Core(c) => c,
            other => oddframe::Error::Model(Box::new(other)),
        }
    }
}

/// Shorthand for `Result<T, OcsvmError>`.
pub type Result<T, E = OcsvmError> = std::result::Result<T, E>;
