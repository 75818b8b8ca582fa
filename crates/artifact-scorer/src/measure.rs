//! [`Measurement`]: what every detector reports.

/// A detector's result: its raw measurement, in the unit the detector
/// documents, and a severity in `0..=1` from a documented mapping of it
/// (0: no sign of the artifact, 1: as bad as the mapping distinguishes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// The raw measurement (unit per detector).
    pub raw: f64,
    /// Severity in `0..=1`.
    pub severity: f64,
}

impl Measurement {
    /// Severity rising linearly from 0 at `clean` to 1 at `severe`.
    pub(crate) fn linear(raw: f64, clean: f64, severe: f64) -> Self {
        Self::new(raw, (raw - clean) / (severe - clean))
    }

    /// Severity `1 - exp(-raw / scale)`: 0.63 at `scale`, approaching 1.
    pub(crate) fn saturating(raw: f64, scale: f64) -> Self {
        Self::new(raw, 1.0 - (-raw / scale).exp())
    }

    /// A measurement with `severity` clamped into `0..=1` (NaN becomes 0).
    pub(crate) fn new(raw: f64, severity: f64) -> Self {
        let severity = if severity.is_nan() {
            0.0
        } else {
            severity.clamp(0.0, 1.0)
        };
        Self { raw, severity }
    }
}
