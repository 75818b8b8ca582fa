//! Errors of the `ocsvm-scaler` crate.

/// Everything that can go wrong when fitting or scoring a scaler or a
/// one-class SVM (saving and loading report the core's
/// [`oddframe::Error::InvalidFile`] and [`oddframe::Error::Io`]).
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
