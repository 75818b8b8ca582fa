//! What the scorer reports: per-artifact severities, the Artifact Quality
//! Score, its band, and CSV output.
//!
//! # The Artifact Quality Score
//! `AQS = ALPHA * quality + (1 - ALPHA) * (1 - artifact)`, with
//! [`ALPHA`] = 0.6, `quality` from NIQE ([`crate::niqe`]) and `artifact`
//! the ten severities combined by a weighted noisy-OR:
//! `artifact = 1 - prod_i (1 - s_i)^(w_i)`, with each artifact's penalty
//! weight `w_i` ([`Artifact::weight`]) as its exponent. One severe artifact
//! is not diluted by nine clean ones (a severity of 1 makes `artifact` 1 on
//! its own, where a weighted mean would give a tenth of that), several
//! moderate ones compound, and a heavier weight makes the same severity
//! count as if it had been seen more times over.

use std::fmt;
use std::io::Write;

use serde::{Deserialize, Serialize};

/// Weight of the quality component in the AQS.
pub const ALPHA: f64 = 0.6;

/// The ten artifacts, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Artifact {
    /// Block-coding grid ([`crate::blocking`]).
    Blocking,
    /// Halos and ripples beside edges ([`crate::ringing`]).
    Ringing,
    /// A faint copy of the previous frame ([`crate::ghosting`]).
    Ghosting,
    /// Held or dropped frames ([`crate::judder`]).
    Judder,
    /// Additive Gaussian noise ([`crate::noise`]).
    GaussianNoise,
    /// Impulse (salt-and-pepper) noise ([`crate::noise`]).
    ImpulseNoise,
    /// Motion blur ([`crate::blur_kind`]).
    MotionBlur,
    /// Defocus blur ([`crate::blur_kind`]).
    DefocusBlur,
    /// False contours ([`crate::banding`]).
    Banding,
    /// Over-saturated colour ([`crate::saturation`]).
    Saturation,
}

impl Artifact {
    /// All ten, in report order.
    pub const ALL: [Artifact; 10] = [
        Artifact::Blocking,
        Artifact::Ringing,
        Artifact::Ghosting,
        Artifact::Judder,
        Artifact::GaussianNoise,
        Artifact::ImpulseNoise,
        Artifact::MotionBlur,
        Artifact::DefocusBlur,
        Artifact::Banding,
        Artifact::Saturation,
    ];

    /// The name used in reports and CSV columns (`gaussian_noise`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Artifact::Blocking => "blocking",
            Artifact::Ringing => "ringing",
            Artifact::Ghosting => "ghosting",
            Artifact::Judder => "judder",
            Artifact::GaussianNoise => "gaussian_noise",
            Artifact::ImpulseNoise => "impulse_noise",
            Artifact::MotionBlur => "motion_blur",
            Artifact::DefocusBlur => "defocus_blur",
            Artifact::Banding => "banding",
            Artifact::Saturation => "saturation",
        }
    }

    /// The penalty weight: how heavily a severity counts in the AQS.
    pub fn weight(self) -> f64 {
        match self {
            Artifact::Blocking | Artifact::Ringing => 1.2,
            Artifact::Ghosting => 1.8,
            Artifact::Judder => 1.7,
            Artifact::GaussianNoise | Artifact::MotionBlur => 1.3,
            Artifact::ImpulseNoise => 2.0,
            Artifact::DefocusBlur => 1.4,
            Artifact::Banding => 1.5,
            Artifact::Saturation => 1.6,
        }
    }
}

impl fmt::Display for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One number per artifact: severities in `0..=1`, or raw measurements in
/// each detector's unit.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // one field per `Artifact`, documented there
pub struct PerArtifact {
    pub blocking: f64,
    pub ringing: f64,
    pub ghosting: f64,
    pub judder: f64,
    pub gaussian_noise: f64,
    pub impulse_noise: f64,
    pub motion_blur: f64,
    pub defocus_blur: f64,
    pub banding: f64,
    pub saturation: f64,
}

impl PerArtifact {
    /// The value for `artifact`.
    pub fn get(&self, artifact: Artifact) -> f64 {
        *self.slot(artifact)
    }

    pub(crate) fn set(&mut self, artifact: Artifact, value: f64) {
        *self.slot_mut(artifact) = value;
    }

    fn slot(&self, a: Artifact) -> &f64 {
        match a {
            Artifact::Blocking => &self.blocking,
            Artifact::Ringing => &self.ringing,
            Artifact::Ghosting => &self.ghosting,
            Artifact::Judder => &self.judder,
            Artifact::GaussianNoise => &self.gaussian_noise,
            Artifact::ImpulseNoise => &self.impulse_noise,
            Artifact::MotionBlur => &self.motion_blur,
            Artifact::DefocusBlur => &self.defocus_blur,
            Artifact::Banding => &self.banding,
            Artifact::Saturation => &self.saturation,
        }
    }

    fn slot_mut(&mut self, a: Artifact) -> &mut f64 {
        match a {
            Artifact::Blocking => &mut self.blocking,
            Artifact::Ringing => &mut self.ringing,
            Artifact::Ghosting => &mut self.ghosting,
            Artifact::Judder => &mut self.judder,
            Artifact::GaussianNoise => &mut self.gaussian_noise,
            Artifact::ImpulseNoise => &mut self.impulse_noise,
            Artifact::MotionBlur => &mut self.motion_blur,
            Artifact::DefocusBlur => &mut self.defocus_blur,
            Artifact::Banding => &mut self.banding,
            Artifact::Saturation => &mut self.saturation,
        }
    }

    /// `(artifact, value)` in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Artifact, f64)> + '_ {
        Artifact::ALL.iter().map(|&a| (a, self.get(a)))
    }

    /// The `n` largest values, largest first (ties in report order).
    pub fn top(&self, n: usize) -> Vec<(Artifact, f64)> {
        let mut all: Vec<_> = self.iter().collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        all.truncate(n);
        all
    }

    /// The weighted noisy-OR of severities (module docs).
    pub fn artifact_component(&self) -> f64 {
        let survive: f64 = self
            .iter()
            .map(|(a, s)| (1.0 - s.clamp(0.0, 1.0)).powf(a.weight()))
            .product();
        1.0 - survive
    }
}

/// Quality bands of the AQS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// AQS at least 0.85.
    Excellent,
    /// 0.70 up to 0.85.
    Good,
    /// 0.50 up to 0.70.
    Fair,
    /// 0.30 up to 0.50.
    Poor,
    /// Below 0.30.
    VeryPoor,
}

impl Band {
    /// The band of an AQS.
    pub fn of(aqs: f64) -> Self {
        match aqs {
            a if a >= 0.85 => Band::Excellent,
            a if a >= 0.70 => Band::Good,
            a if a >= 0.50 => Band::Fair,
            a if a >= 0.30 => Band::Poor,
            _ => Band::VeryPoor,
        }
    }

    /// The name used in reports (`very_poor`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Band::Excellent => "excellent",
            Band::Good => "good",
            Band::Fair => "fair",
            Band::Poor => "poor",
            Band::VeryPoor => "very_poor",
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The AQS of a quality and severities.
pub fn aqs(quality: f64, severities: &PerArtifact) -> f64 {
    (ALPHA * quality.clamp(0.0, 1.0) + (1.0 - ALPHA) * (1.0 - severities.artifact_component()))
        .clamp(0.0, 1.0)
}

/// The report on one frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FrameReport {
    /// The frame's index in its source.
    pub index: u64,
    /// Its presentation time in seconds.
    pub time_s: f64,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// NIQE distance (`None` for a frame without structure).
    pub niqe: Option<f64>,
    /// Quality from NIQE, `0..=1`.
    pub quality: f64,
    /// Severities, `0..=1` (ghosting and judder 0: they need a window).
    pub severities: PerArtifact,
    /// The detectors' raw measurements, each in its detector's unit.
    pub raw: PerArtifact,
    /// The combined artifact component, `0..=1`.
    pub artifact: f64,
    /// The Artifact Quality Score, `0..=1`.
    pub aqs: f64,
    /// Its band.
    pub band: Band,
}

/// The report on a window of consecutive frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WindowReport {
    /// Where the frames came from (empty when not given).
    pub source: String,
    /// Index of the window's first frame.
    pub window_start: u64,
    /// Frames in the window.
    pub window_len: usize,
    /// Time of the first and the last frame, seconds.
    pub start_s: f64,
    /// See `start_s`.
    pub end_s: f64,
    /// Mean quality of the frames.
    pub quality: f64,
    /// Severities: per spatial artifact the largest over the frames,
    /// ghosting the largest over consecutive pairs, judder over the window.
    pub severities: PerArtifact,
    /// Raw measurements behind those severities.
    pub raw: PerArtifact,
    /// The combined artifact component.
    pub artifact: f64,
    /// The Artifact Quality Score.
    pub aqs: f64,
    /// Its band.
    pub band: Band,
    /// The frames' own reports.
    pub frames: Vec<FrameReport>,
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 16] = [
    "source",
    "window_start",
    "window_len",
    "aqs",
    "band",
    "quality",
    "blocking",
    "ringing",
    "ghosting",
    "judder",
    "gaussian_noise",
    "impulse_noise",
    "motion_blur",
    "defocus_blur",
    "banding",
    "saturation",
];

/// Writes `reports` as CSV: a header of [`CSV_COLUMNS`], then one row per
/// window (severities `0..=1`; the source quoted when it needs it).
///
/// ```
/// use artifact_scorer::report::{write_csv, CSV_COLUMNS};
///
/// let mut out = Vec::new();
/// write_csv(&mut out, &[])?;
/// assert_eq!(out, format!("{}\n", CSV_COLUMNS.join(",")).into_bytes());
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// [`crate::ArtifactError::Io`] for the writer's errors.
pub fn write_csv<W: Write>(out: W, reports: &[WindowReport]) -> crate::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS).map_err(std::io::Error::from)?;
    for r in reports {
        let mut row = vec![
            r.source.clone(),
            r.window_start.to_string(),
            r.window_len.to_string(),
            format!("{:.4}", r.aqs),
            r.band.name().to_string(),
            format!("{:.4}", r.quality),
        ];
        row.extend(r.severities.iter().map(|(_, s)| format!("{s:.4}")));
        w.write_record(&row).map_err(std::io::Error::from)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_severe_artifact_is_not_diluted() {
        let mut s = PerArtifact::default();
        assert_eq!(s.artifact_component(), 0.0);
        s.set(Artifact::Blocking, 1.0);
        assert_eq!(s.artifact_component(), 1.0);
        let mut m = PerArtifact::default();
        m.set(Artifact::Saturation, 0.5);
        let one = m.artifact_component();
        assert!((one - (1.0 - 0.5f64.powf(1.6))).abs() < 1e-12);
        m.set(Artifact::Banding, 0.5);
        assert!(m.artifact_component() > one, "moderate artifacts compound");
    }

    #[test]
    fn heavier_weights_cost_more_and_bands_follow_the_issue() {
        let single = |a: Artifact| {
            let mut s = PerArtifact::default();
            s.set(a, 0.3);
            aqs(1.0, &s)
        };
        assert!(single(Artifact::ImpulseNoise) < single(Artifact::Blocking));
        assert_eq!(aqs(1.0, &PerArtifact::default()), 1.0);
        let bands: Vec<Band> = [0.9, 0.85, 0.84, 0.7, 0.69, 0.5, 0.49, 0.3, 0.29, 0.0]
            .iter()
            .map(|&a| Band::of(a))
            .collect();
        use Band::*;
        assert_eq!(
            bands,
            [Excellent, Excellent, Good, Good, Fair, Fair, Poor, Poor, VeryPoor, VeryPoor]
        );
    }
}
