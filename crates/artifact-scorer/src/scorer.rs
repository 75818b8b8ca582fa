//! [`ArtifactScorer`]: every detector and NIQE on a frame or a window of
//! frames, combined into the Artifact Quality Score; [`Windows`] streams
//! window reports from any frame source.

use std::time::Duration;

use oddframe::{Error, Frame, Scorer};

use crate::Result;

use crate::niqe::{NiqeModel, PATCH};
use crate::report::{aqs, Artifact, Band, FrameReport, PerArtifact, WindowReport};
use crate::{
    banding, blocking, blur, blur_kind, ghosting, judder, noise, ringing, saturation, Luma,
};

/// Frames per window unless set otherwise.
pub const DEFAULT_WINDOW: usize = 7;
/// The most frames a window may hold.
pub const MAX_WINDOW: usize = 1_000;

/// Scores frames and windows of frames.
///
/// A frame gets every spatial detector, NIQE's quality and the AQS;
/// ghosting and judder need consecutive frames and read 0 on a frame alone.
/// A window adds them: ghosting over each consecutive pair, judder over the
/// window's cadence. Frames must be at least 96x96 pixels (one NIQE patch).
///
/// ```
/// use artifact_scorer::ArtifactScorer;
/// use oddframe::{image::RgbImage, Frame, Scorer};
///
/// let img = RgbImage::from_fn(128, 128, |x, y| [(x * 2) as u8, (y * 2) as u8, ((x ^ y) * 2) as u8].into());
/// let frames: Vec<Frame> = (0..3).map(|k| Frame::rgb(img.clone(), k, Default::default())).collect();
/// let scorer = ArtifactScorer::new();
/// let one = scorer.score(&frames[0])?;
/// let window = scorer.score(&frames[..])?;
/// assert!((0.0..=1.0).contains(&one.aqs) && window.frames.len() == 3);
/// println!("AQS {:.2} ({}), worst: {:?}", window.aqs, window.band, window.severities.top(1));
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ArtifactScorer {
    niqe: NiqeModel,
    window: usize,
}

impl Default for ArtifactScorer {
    fn default() -> Self {
        Self::new()
    }
}

/// A frame's plane and report, kept for the window's temporal detectors.
struct Analysed {
    luma: Luma,
    time: Duration,
    report: FrameReport,
}

impl ArtifactScorer {
    /// The shipped NIQE model and windows of [`DEFAULT_WINDOW`] frames.
    pub fn new() -> Self {
        Self {
            niqe: NiqeModel::pristine(),
            window: DEFAULT_WINDOW,
        }
    }

    /// Windows of `frames` frames for [`Windows`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `1 <= frames <= MAX_WINDOW`.
    pub fn with_window(mut self, frames: usize) -> Result<Self> {
        if !(1..=MAX_WINDOW).contains(&frames) {
            return Err(Error::invalid_parameter("window", frames, "1 to 1000 frames").into());
        }
        self.window = frames;
        Ok(self)
    }

    /// Quality measured against `model` instead of the shipped one.
    pub fn with_niqe_model(mut self, model: NiqeModel) -> Self {
        self.niqe = model;
        self
    }

    /// Frames per window.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Streams window reports from `frames`, each window of
    /// [`window`](Self::window) frames (the last may be shorter), named
    /// `source` in the reports.
    pub fn windows<I, E>(&self, frames: I, source: impl Into<String>) -> Windows<'_, I::IntoIter>
    where
        I: IntoIterator<Item = std::result::Result<Frame, E>>,
        E: std::error::Error + Send + Sync + 'static,
    {
        Windows {
            scorer: self,
            frames: frames.into_iter(),
            source: source.into(),
            done: false,
        }
    }

    fn analyse(&self, frame: &Frame) -> Result<Analysed> {
        let luma = Luma::from_frame(frame)?;
        luma.require(PATCH, "at least 96x96 pixels (one NIQE patch)")?;
        let (mut sev, mut raw) = (PerArtifact::default(), PerArtifact::default());
        let mut put = |a: Artifact, m: crate::Measurement| {
            sev.set(a, m.severity);
            raw.set(a, m.raw);
        };
        let n = noise::measure(&luma)?;
        put(Artifact::GaussianNoise, n.gaussian);
        put(Artifact::ImpulseNoise, n.impulse);
        put(Artifact::Blocking, blocking::measure(&luma)?.overall);
        put(Artifact::Ringing, ringing::measure(&luma)?.overall);
        let b = blur::measure(&luma)?;
        let kind = blur_kind::measure(&luma, &b)?;
        put(Artifact::MotionBlur, kind.motion);
        put(Artifact::DefocusBlur, kind.defocus);
        put(Artifact::Banding, banding::measure(&luma)?.overall);
        put(
            Artifact::Saturation,
            saturation::measure(frame)?.over_saturated,
        );
        let q = self.niqe.measure(&luma)?;
        let score = aqs(q.quality, &sev);
        let report = FrameReport {
            index: frame.index(),
            time_s: frame.timestamp().as_secs_f64(),
            size: (frame.width(), frame.height()),
            niqe: q.distance,
            quality: q.quality,
            severities: sev,
            raw,
            artifact: sev.artifact_component(),
            aqs: score,
            band: Band::of(score),
        };
        Ok(Analysed {
            luma,
            time: frame.timestamp(),
            report,
        })
    }

    /// The window report of analysed frames (at least one).
    fn combine(&self, frames: Vec<Analysed>, source: String) -> Result<WindowReport> {
        let first = frames.first().ok_or(Error::Empty { what: "window" })?;
        let (window_start, start_s) = (first.report.index, first.report.time_s);
        let end_s = frames.last().map_or(start_s, |f| f.report.time_s);
        let (mut sev, mut raw) = (PerArtifact::default(), PerArtifact::default());
        for a in Artifact::ALL {
            if let Some(worst) = frames
                .iter()
                .map(|f| &f.report)
                .max_by(|x, y| x.severities.get(a).total_cmp(&y.severities.get(a)))
            {
                sev.set(a, worst.severities.get(a));
                raw.set(a, worst.raw.get(a));
            }
        }
        for pair in frames.windows(2) {
            let g = ghosting::measure(&pair[0].luma, &pair[1].luma)?.overall;
            if g.severity >= sev.get(Artifact::Ghosting) {
                sev.set(Artifact::Ghosting, g.severity);
                raw.set(Artifact::Ghosting, g.raw);
            }
        }
        let planes: Vec<(&Luma, Duration)> = frames.iter().map(|f| (&f.luma, f.time)).collect();
        let j = judder::measure_planes(&planes)?.irregular;
        sev.set(Artifact::Judder, j.severity);
        raw.set(Artifact::Judder, j.raw);
        let quality = frames.iter().map(|f| f.report.quality).sum::<f64>() / frames.len() as f64;
        let score = aqs(quality, &sev);
        Ok(WindowReport {
            source,
            window_start,
            window_len: frames.len(),
            start_s,
            end_s,
            quality,
            severities: sev,
            raw,
            artifact: sev.artifact_component(),
            aqs: score,
            band: Band::of(score),
            frames: frames.into_iter().map(|f| f.report).collect(),
        })
    }
}

impl Scorer<Frame> for ArtifactScorer {
    type Report = FrameReport;

    /// # Errors
    /// [`Error::InvalidParameter`] for a frame smaller than 96x96 pixels or
    /// of a layout other than grey or RGB.
    fn score(&self, frame: &Frame) -> oddframe::Result<FrameReport> {
        Ok(self.analyse(frame)?.report)
    }
}

impl Scorer<[Frame]> for ArtifactScorer {
    type Report = WindowReport;

    /// # Errors
    /// [`Error::Empty`] for no frames; [`Error::DimensionMismatch`] when
    /// they differ in size; [`Error::InvalidParameter`] for a timestamp that
    /// goes backwards, and as for a single frame.
    fn score(&self, frames: &[Frame]) -> oddframe::Result<WindowReport> {
        let analysed = frames
            .iter()
            .map(|f| self.analyse(f))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.combine(analysed, String::new())?)
    }
}

/// Window reports streamed from a frame source ([`ArtifactScorer::windows`]).
///
/// Frames are analysed as they arrive and dropped once their window is
/// reported, so memory holds one window. A source error ends the stream
/// after it is reported (as [`Error::Model`]).
pub struct Windows<'a, I> {
    scorer: &'a ArtifactScorer,
    frames: I,
    source: String,
    done: bool,
}

impl<I, E> Iterator for Windows<'_, I>
where
    I: Iterator<Item = std::result::Result<Frame, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Item = Result<WindowReport>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut pending = Vec::with_capacity(self.scorer.window);
        while pending.len() < self.scorer.window {
            match self.frames.next() {
                Some(Ok(frame)) => match self.scorer.analyse(&frame) {
                    Ok(a) => pending.push(a),
                    Err(e) => return self.fail(e),
                },
                Some(Err(e)) => return self.fail(Error::Model(Box::new(e))),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if pending.is_empty() {
            return None;
        }
        Some(self.scorer.combine(pending, self.source.clone()))
    }
}

impl<I> Windows<'_, I> {
    fn fail(&mut self, e: impl Into<crate::ArtifactError>) -> Option<Result<WindowReport>> {
        self.done = true;
        Some(Err(e.into()))
    }
}
