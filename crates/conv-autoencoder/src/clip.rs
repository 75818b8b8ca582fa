//! Scoring clips and live streams: a trained model with every setting that
//! turns its error maps into frame scores, saved as one file.
//!
//! [`FrameAutoencoder::score_frames`] scores each frame alone by its mean
//! error. On a fixed camera whose anomalies are small and move (a cyclist
//! among pedestrians) three more settings matter, and a [`ClipScorer`]
//! keeps them with the model:
//! - [`Input`]: what the model learnt: the frames, or each frame's
//!   difference from the previous one or from one a few frames back
//!   (motion, [`FrameDifference`]);
//! - [`MapScore`]: how an error map becomes a number: a [`Scoring`] of the
//!   raw map, or its most unusual window against a [`LocalBaseline`] of
//!   normal frames' maps;
//! - `smooth`: a causal Gaussian over the stream's past scores
//!   ([`CausalGaussian`]).
//!
//! Every step is causal: a frame's score depends on it and the frames
//! before it only. A clip scored at once ([`ClipScorer::score_clip`]) and
//! the same frames pushed one by one into a [`ClipStream`] get the same
//! scores, so figures measured on recorded clips hold for a live camera.
//!
//! ```
//! use conv_autoencoder::{Architecture, AutoencoderParams, ClipScorer, FrameScore, Input, MapScore};
//! use oddframe::{image::GrayImage, Frame, ParamGuard, Persist};
//!
//! let clip: Vec<Frame> = (0..12u32)
//!     .map(|i| Frame::luma(GrayImage::from_fn(16, 16, |x, y| [((x + i) * 12 + y) as u8].into()), i.into(), Default::default()))
//!     .collect();
//! let input = Input::Diff(4);
//! let mut arch = Architecture::stream();
//! (arch.width, arch.height) = (16, 16);
//! let params = AutoencoderParams::new(arch).epochs(2).batch_size(4).validation_split(0.0).check()?;
//! let (model, _) = params.fit_with(&input.clip_inputs(&clip)?, |_| {})?;
//!
//! let how = FrameScore { map: MapScore::Local(4), smooth: 2.0 };
//! let scorer = ClipScorer::fit(model, input, how, &[&clip])?;
//! let scores = scorer.score_clip(&clip)?;
//! let mut live = scorer.stream();
//! for (frame, &s) in clip.iter().zip(&scores) {
//!     assert!((live.push(frame)? - s).abs() < 1e-9); // the same, frame by frame
//! }
//! let again = ClipScorer::from_json(&scorer.to_json()?)?;
//! assert_eq!(again.score_clip(&clip)?, scores);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::Array2;
use oddframe::frame::FrameDifference;
use oddframe::image::GrayImage;
use oddframe::persist::{Envelope, Persist};
use oddframe::smooth::{CausalGaussian, Smoother};
use oddframe::{Frame, FrameDetector};
use serde::{Deserialize, Serialize};

use crate::{AeError, FrameAutoencoder, LocalBaseline, Result, Scoring};

/// The format name of a saved [`ClipScorer`].
const FORMAT: &str = "oddframe.clip-scorer";

/// What the model sees of each frame of a clip or stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The frames themselves (appearance).
    #[default]
    Frames,
    /// Each grey frame's absolute difference from the previous frame, times
    /// the gain (1 to 255, saturating); the first frame of a clip gets an
    /// all-zero difference (nothing moved yet).
    Diff(u8),
    /// Each grey frame's absolute difference from the frame `lag` frames
    /// back (from the clip's first frame until `lag` have gone by), times
    /// the gain: a longer step of motion, where speed shows as distance.
    DiffLag {
        /// 1 to 255, saturating.
        gain: u8,
        /// In frames, 2 to [`FrameDifference::MAX_LAG`] (a lag of 1 is
        /// [`Input::Diff`]).
        lag: u8,
    },
}

impl Input {
    /// Checks the gain and the lag.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for a gain of 0 or a lag outside 2 to
    /// [`FrameDifference::MAX_LAG`].
    pub fn validate(self) -> Result<Self> {
        match self {
            Input::Diff(0) | Input::DiffLag { gain: 0, .. } => Err(AeError::InvalidConfig(
                "difference gain must be 1 to 255".into(),
            )),
            Input::DiffLag { lag, .. } if !(2..=FrameDifference::MAX_LAG).contains(&lag.into()) => {
                Err(AeError::InvalidConfig(format!(
                    "difference lag must be 2 to {} frames, not {lag}",
                    FrameDifference::MAX_LAG
                )))
            }
            i => Ok(i),
        }
    }

    /// The model inputs of one clip's consecutive frames, in order (what
    /// the model learns and scores).
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] as [`Input::validate`]; for differences,
    /// [`oddframe::Error::DimensionMismatch`] for frames that are not grey
    /// or not one size.
    pub fn clip_inputs(self, frames: &[Frame]) -> Result<Vec<Frame>> {
        let mut state = InputState::new(self)?;
        frames.iter().map(|f| state.push(f)).collect()
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Frames => f.write_str("frames"),
            Input::Diff(g) => write!(f, "diff:{g}"),
            Input::DiffLag { gain, lag } => write!(f, "diff:{gain}:{lag}"),
        }
    }
}

impl FromStr for Input {
    type Err = AeError;

    /// `frames`, `diff:GAIN` or `diff:GAIN:LAG` (`diff:GAIN:1` is
    /// `diff:GAIN`).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            AeError::InvalidConfig(format!(
                "{s:?} is not frames, diff:GAIN or diff:GAIN:LAG (gain 1 to 255, lag 1 to {})",
                FrameDifference::MAX_LAG
            ))
        };
        let input = match s.split_once(':') {
            None if s == "frames" => Input::Frames,
            Some(("diff", rest)) => match rest.split_once(':') {
                None => Input::Diff(rest.parse().map_err(|_| bad())?),
                Some((gain, "1")) => Input::Diff(gain.parse().map_err(|_| bad())?),
                Some((gain, lag)) => Input::DiffLag {
                    gain: gain.parse().map_err(|_| bad())?,
                    lag: lag.parse().map_err(|_| bad())?,
                },
            },
            _ => return Err(bad()),
        };
        input.validate().map_err(|_| bad())
    }
}

/// The causal state of an [`Input`] over one stream.
#[derive(Debug, Clone)]
struct InputState(Option<FrameDifference>);

impl InputState {
    fn new(input: Input) -> Result<Self> {
        Ok(Self(match input.validate()? {
            Input::Frames => None,
            Input::Diff(g) => Some(FrameDifference::new(g)?),
            Input::DiffLag { gain, lag } => Some(FrameDifference::with_lag(gain, lag.into())?),
        }))
    }

    fn push(&mut self, frame: &Frame) -> Result<Frame> {
        let Some(diff) = &mut self.0 else {
            return Ok(frame.clone());
        };
        Ok(match diff.push(frame)? {
            Some(d) => d,
            None => Frame::luma(
                GrayImage::new(frame.width(), frame.height()),
                frame.index(),
                frame.timestamp(),
            ),
        })
    }
}

/// A reduction of an error map to a frame score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapScore {
    /// A [`Scoring`] of the raw map (its mean or worst patch).
    Plain(Scoring),
    /// The most unusual `n` x `n` window against a [`LocalBaseline`] of
    /// normal frames' maps (its z-score).
    Local(usize),
}

impl fmt::Display for MapScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapScore::Plain(s) => s.fmt(f),
            MapScore::Local(n) => write!(f, "local:{n}"),
        }
    }
}

impl FromStr for MapScore {
    type Err = AeError;

    /// `mean`, `patch:N` or `local:N` (N at least 1).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || AeError::InvalidConfig(format!("{s:?} is not mean, patch:N or local:N"));
        if let Some(n) = s.strip_prefix("local:") {
            return match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(MapScore::Local(n)),
                _ => Err(bad()),
            };
        }
        s.parse::<Scoring>().map(MapScore::Plain).map_err(|_| bad())
    }
}

/// A map reduction and the causal smoothing after it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameScore {
    /// The map reduction.
    pub map: MapScore,
    /// Sigma of the causal Gaussian over past scores, in frames; 0 for none.
    pub smooth: f64,
}

impl FrameScore {
    /// Checks the window sizes and the sigma.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for a window of 0; an
    /// [`oddframe::Error::InvalidParameter`] for a negative or non-finite
    /// sigma.
    pub fn validate(self) -> Result<Self> {
        match self.map {
            MapScore::Plain(s) => {
                s.validate()?;
            }
            MapScore::Local(0) => {
                return Err(AeError::InvalidConfig(
                    "local window must be at least 1 pixel".into(),
                ))
            }
            MapScore::Local(_) => {}
        }
        self.smoother()?;
        Ok(self)
    }

    fn smoother(self) -> Result<Option<CausalGaussian>> {
        if self.smooth == 0.0 {
            return Ok(None);
        }
        Ok(Some(CausalGaussian::new(self.smooth)?))
    }
}

impl fmt::Display for FrameScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.smooth > 0.0 {
            write!(f, "{} + causal σ{}", self.map, self.smooth)
        } else {
            self.map.fmt(f)
        }
    }
}

/// A [`FrameScore`] ready to score error maps: its baseline fitted where
/// it needs one. Many can share one set of maps (to compare reductions
/// without running the model again).
#[derive(Debug, Clone, PartialEq)]
pub struct MapScorer {
    how: FrameScore,
    baseline: Option<LocalBaseline>,
}

impl MapScorer {
    /// Readies `how`, fitting its baseline (for [`MapScore::Local`]) on the
    /// error maps of `normal` frames.
    ///
    /// # Errors
    /// As [`FrameScore::validate`] and [`LocalBaseline::fit`].
    pub fn new(how: FrameScore, normal: &[Array2<f32>]) -> Result<Self> {
        let baseline = match how.validate()?.map {
            MapScore::Plain(_) => None,
            MapScore::Local(n) => Some(LocalBaseline::fit(normal, n)?),
        };
        Ok(Self { how, baseline })
    }

    /// The same reduction (its baseline shared, not fitted again) with
    /// another causal smoothing.
    ///
    /// # Errors
    /// As [`FrameScore::validate`].
    pub fn smoothed(&self, smooth: f64) -> Result<Self> {
        let how = FrameScore { smooth, ..self.how }.validate()?;
        Ok(Self {
            how,
            baseline: self.baseline.clone(),
        })
    }

    /// What it does.
    pub fn how(&self) -> FrameScore {
        self.how
    }

    /// The score of one map, before smoothing.
    ///
    /// # Errors
    /// A map of the wrong size, empty or non-finite.
    pub fn reduce(&self, map: &Array2<f32>) -> Result<f64> {
        match (&self.baseline, self.how.map) {
            (Some(b), _) => b.score(map),
            (None, MapScore::Plain(s)) => s.score(map),
            (None, MapScore::Local(_)) => Err(AeError::InvalidModel(
                "local scoring without its baseline".into(),
            )),
        }
    }

    /// One clip's frame scores from its maps, in order (the smoothing
    /// starts afresh with the clip).
    ///
    /// # Errors
    /// As [`MapScorer::reduce`].
    pub fn clip_scores(&self, maps: &[Array2<f32>]) -> Result<Vec<f64>> {
        let mut smoother = self.how.smoother()?;
        maps.iter()
            .map(|m| smooth(&mut smoother, self.reduce(m)?))
            .collect()
    }

    /// The map behind the score, pixel for pixel: the raw map, or with a
    /// baseline each pixel's value of the window centred on it (clamped at
    /// the borders): where the frame is odd.
    ///
    /// # Errors
    /// As [`MapScorer::reduce`].
    pub fn pixel_map(&self, map: &Array2<f32>) -> Result<Array2<f32>> {
        let Some(b) = &self.baseline else {
            return Ok(map.clone());
        };
        let z = b.z_map(map)?;
        let (zh, zw) = z.dim();
        let half = b.patch() / 2;
        Ok(Array2::from_shape_fn(map.dim(), |(y, x)| {
            z[[
                y.saturating_sub(half).min(zh - 1),
                x.saturating_sub(half).min(zw - 1),
            ]]
        }))
    }
}

fn smooth(smoother: &mut Option<CausalGaussian>, raw: f64) -> Result<f64> {
    Ok(match smoother {
        Some(g) => g.push(raw)?,
        None => raw,
    })
}

/// A trained model with its [`Input`] and [`MapScorer`]: scores clips and
/// live streams causally, and saves as one file (format
/// `oddframe.clip-scorer`, the model's own envelope nested in it). A
/// [`FrameDetector`] whose `score_frames` takes consecutive frames of one
/// clip, so it fits a `FramePipeline` like any frame model.
#[derive(Debug, Clone)]
pub struct ClipScorer {
    model: FrameAutoencoder,
    input: Input,
    scorer: MapScorer,
    /// A new stream's state (built once, checked, cloned per stream).
    fresh: (InputState, Option<CausalGaussian>),
}

impl ClipScorer {
    /// Puts a model (trained on `input`'s frames) and a scorer together.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for a bad input; [`AeError::FrameShape`]
    /// when the scorer's baseline was fitted on maps of another size.
    pub fn new(model: FrameAutoencoder, input: Input, scorer: MapScorer) -> Result<Self> {
        input.validate()?;
        if let Some(b) = &scorer.baseline {
            let a = model.architecture();
            if b.map_size() != (a.height, a.width) {
                let (h, w) = b.map_size();
                return Err(AeError::FrameShape {
                    index: 0,
                    expected: format!("a baseline of {}x{} error maps", a.width, a.height),
                    found: format!("{w}x{h}"),
                });
            }
        }
        let fresh = (InputState::new(input)?, scorer.how.smoother()?);
        Ok(Self {
            model,
            input,
            scorer,
            fresh,
        })
    }

    /// Readies `how` for `model`: a local baseline learns the error maps
    /// of the `normal` clips (each a run of consecutive frames; frames the
    /// model learnt, or better, normal frames it did not).
    ///
    /// # Errors
    /// As [`Input::clip_inputs`], [`FrameAutoencoder::error_maps`] and
    /// [`MapScorer::new`].
    pub fn fit(
        model: FrameAutoencoder,
        input: Input,
        how: FrameScore,
        normal: &[&[Frame]],
    ) -> Result<Self> {
        let mut maps = Vec::new();
        if matches!(how.validate()?.map, MapScore::Local(_)) {
            for clip in normal {
                maps.extend(model.error_maps(&input.clip_inputs(clip)?)?);
            }
        }
        let scorer = MapScorer::new(how, &maps)?;
        Self::new(model, input, scorer)
    }

    /// The model.
    pub fn model(&self) -> &FrameAutoencoder {
        &self.model
    }

    /// What the model sees of each frame.
    pub fn input(&self) -> Input {
        self.input
    }

    /// How error maps become scores.
    pub fn scorer(&self) -> &MapScorer {
        &self.scorer
    }

    /// The model's error maps of one clip's consecutive frames.
    ///
    /// # Errors
    /// As [`Input::clip_inputs`] and [`FrameAutoencoder::error_maps`].
    pub fn error_maps(&self, frames: &[Frame]) -> Result<Vec<Array2<f32>>> {
        self.model.error_maps(&self.input.clip_inputs(frames)?)
    }

    /// The scores of one clip's consecutive frames.
    ///
    /// # Errors
    /// As [`ClipScorer::error_maps`] and [`MapScorer::clip_scores`].
    pub fn score_clip(&self, frames: &[Frame]) -> Result<Vec<f64>> {
        self.scorer.clip_scores(&self.error_maps(frames)?)
    }

    /// A live stream: one frame in, its score out.
    pub fn stream(&self) -> ClipStream<'_> {
        ClipStream {
            scorer: self,
            input: self.fresh.0.clone(),
            smoother: self.fresh.1.clone(),
        }
    }
}

/// One live stream through a [`ClipScorer`]: it keeps the previous frame
/// (for differences) and the smoothing's past.
#[derive(Debug, Clone)]
pub struct ClipStream<'a> {
    scorer: &'a ClipScorer,
    input: InputState,
    smoother: Option<CausalGaussian>,
}

impl ClipStream<'_> {
    /// The score of the next frame.
    ///
    /// # Errors
    /// As [`ClipScorer::score_clip`]; a frame that fails changes nothing.
    pub fn push(&mut self, frame: &Frame) -> Result<f64> {
        let mut input = self.input.clone();
        let x = input.push(frame)?;
        let map = self.scorer.model.error_maps(std::slice::from_ref(&x))?;
        let raw = self.scorer.scorer.reduce(&map[0])?;
        let out = smooth(&mut self.smoother, raw)?;
        self.input = input;
        Ok(out)
    }

    /// Forgets the past (a cut, or a new clip).
    pub fn reset(&mut self) {
        *self = self.scorer.stream();
    }
}

impl FrameDetector for ClipScorer {
    /// [`ClipScorer::score_clip`]: the frames are one clip, in order.
    fn score_frames(&self, frames: &[Frame]) -> oddframe::Result<Vec<f64>> {
        self.score_clip(frames).map_err(Into::into)
    }

    fn envelope(&self) -> oddframe::Result<Envelope> {
        self.to_envelope()
    }
}

/// The saved body.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    model: Envelope,
    input: Input,
    score: FrameScore,
    baseline: Option<LocalBaseline>,
}

impl Persist for ClipScorer {
    const FORMAT: &'static str = FORMAT;
    const SCHEMA: u32 = 1;

    fn to_envelope(&self) -> oddframe::Result<Envelope> {
        let body = Body {
            model: self.model.to_envelope()?,
            input: self.input,
            score: self.scorer.how,
            baseline: self.scorer.baseline.clone(),
        };
        let n = Some(self.model.architecture().input_len());
        Envelope::new(FORMAT, Self::SCHEMA, env!("CARGO_PKG_VERSION"), n, &body)
    }

    fn from_checked_envelope(env: Envelope) -> oddframe::Result<Self> {
        let invalid = |e: &dyn fmt::Display| oddframe::Error::invalid_file(FORMAT, e.to_string());
        let b: Body = env.take_body()?;
        let model = FrameAutoencoder::from_envelope(b.model)?;
        let how = b.score.validate().map_err(|e| invalid(&e))?;
        let baseline = match (how.map, b.baseline) {
            (MapScore::Plain(_), None) => None,
            (MapScore::Local(n), Some(base)) if base.requested_patch() == n => {
                Some(base.checked().map_err(|e| invalid(&e))?)
            }
            _ => return Err(invalid(&"the baseline does not match the frame score")),
        };
        Self::new(model, b.input, MapScorer { how, baseline }).map_err(|e| invalid(&e))
    }
}

#[cfg(test)]
mod tests;
