//! One streaming layer for every online model: [`StreamingDetector`] scores
//! each sample, decides with a threshold policy, learns with a learning
//! policy (update-if-normal by default, with a bounded buffer and periodic
//! refits), and saves and restores its whole state; [`Monitor`] keeps one
//! per source.
//!
//! A sample is whatever the model takes: a feature row (`[f64]`, for
//! FISVDD) or a frame (for the online autoencoder). Models plug in through
//! [`OnlineModel`].
//!
//! ```
//! use oddframe::streaming::{Learning, OnlineModel, StreamingConfig, StreamingDetector, ThresholdPolicy};
//! use oddframe::{Error, Result};
//!
//! /// Distance from the running mean of what it has learned.
//! #[derive(Clone)]
//! struct Mean { sum: f64, n: f64 }
//! impl OnlineModel<f64> for Mean {
//!     fn score_sample(&self, x: &f64) -> Result<f64> {
//!         if !x.is_finite() { return Err(Error::NonFinite { row: 0, col: 0 }); }
//!         Ok((x - self.sum / self.n).abs())
//!     }
//!     fn learn(&mut self, x: &f64) -> Result<()> {
//!         self.sum += x;
//!         self.n += 1.0;
//!         Ok(())
//!     }
//! }
//!
//! let config = StreamingConfig::new()
//!     .learning(Learning::IfNormal)
//!     .threshold(ThresholdPolicy::Ewma { alpha: 0.1, k: 5.0, warmup: 10 });
//! let mut stream = StreamingDetector::new(Mean { sum: 1.0, n: 1.0 }, config, &[])?;
//! for i in 0..50 {
//!     assert!(!stream.process(&(1.0 + 0.01 * f64::from(i % 3)))?.is_anomaly);
//! }
//! assert!(stream.process(&9.0)?.is_anomaly);
//! assert_eq!(stream.counts().learned, 50); // the anomaly was not learned
//! # Ok::<(), oddframe::Error>(())
//! ```

#[cfg(feature = "serde")]
mod persist;

use std::collections::{BTreeMap, VecDeque};

use crate::threshold::online::{Online, OnlineMethod, OnlineThreshold};
use crate::{Calibration, Decision, Error, Result, StreamingThreshold, Threshold};

/// A model that scores and learns one sample at a time.
///
/// `S` is the sample type: `[F]` for feature rows, a frame for frame models.
/// Scores are higher for more anomalous samples.
pub trait OnlineModel<S: ?Sized + ToOwned>: Send + Sync {
    /// Scores one sample.
    ///
    /// # Errors
    /// A malformed sample (wrong width or size, non-finite values).
    fn score_sample(&self, sample: &S) -> Result<f64>;

    /// Learns one sample as normal.
    ///
    /// # Errors
    /// As [`OnlineModel::score_sample`].
    fn learn(&mut self, sample: &S) -> Result<()>;

    /// A fresh model fitted on `samples` with this model's own settings, for
    /// periodic refits; `None` (the default) when the model cannot refit.
    ///
    /// # Errors
    /// The model's fitting errors.
    fn refit(&self, samples: &[S::Owned]) -> Option<Result<Self>>
    where
        Self: Sized,
    {
        let _ = samples;
        None
    }
}

/// Which samples the stream learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Learning {
    /// Those judged normal (the default): an anomaly does not teach the
    /// model that it is normal.
    IfNormal,
    /// Every sample.
    Always,
    /// None: the model stays as fitted.
    Never,
}

/// How the stream's threshold is set and follows the stream.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ThresholdPolicy {
    /// Calibrated on the model's scores of the normal samples the stream
    /// starts from, and again on the buffer at every refit.
    Calibrated(Calibration),
    /// `mean + k * std` of an exponentially weighted moving average of the
    /// scores ([`StreamingThreshold`]).
    Ewma {
        /// Smoothing in (0, 1].
        alpha: f64,
        /// Width in standard deviations, > 0.
        k: f64,
        /// Scores before the first flag.
        warmup: u64,
    },
    /// Any online threshold ([`crate::threshold::online`]): a streaming
    /// quantile, MAD or IQR rule, SPOT or DSPOT, or the EWMA.
    Online {
        /// The method and its settings.
        method: OnlineMethod,
        /// Scores before the first flag (`None`: the method's default).
        warmup: Option<u64>,
        /// Whether flagged scores are kept from moving the threshold.
        protect: bool,
    },
}

impl ThresholdPolicy {
    /// An online `method` with its default warm-up, protected.
    pub fn online(method: OnlineMethod) -> Self {
        ThresholdPolicy::Online {
            method,
            warmup: None,
            protect: true,
        }
    }
}

#[cfg(feature = "serde")]
pub use persist::SaveState;

/// Settings of a [`StreamingDetector`] (by-value setters).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct StreamingConfig {
    /// Which samples are learned (default [`Learning::IfNormal`]).
    pub learning: Learning,
    /// Most recent learned samples kept for refits (default 500).
    pub buffer: usize,
    /// Learned samples between refits, `None` for no refits (the default;
    /// FISVDD's streams refit every 100).
    pub refit_every: Option<usize>,
    /// Smallest buffer a refit uses (default 50).
    pub min_refit: usize,
    /// The threshold policy (default: the 0.9-quantile of the normal scores).
    pub threshold: ThresholdPolicy,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        Self {
            learning: Learning::IfNormal,
            buffer: 500,
            refit_every: None,
            min_refit: 50,
            threshold: ThresholdPolicy::Calibrated(Calibration::Quantile(0.9)),
        }
    }
}

impl StreamingConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Which samples are learned.
    pub fn learning(mut self, learning: Learning) -> Self {
        self.learning = learning;
        self
    }

    /// Learned samples kept for refits, at least 1.
    pub fn buffer(mut self, n: usize) -> Self {
        self.buffer = n;
        self
    }

    /// Learned samples between refits (`None`: never refit).
    pub fn refit_every(mut self, n: Option<usize>) -> Self {
        self.refit_every = n;
        self
    }

    /// Smallest buffer a refit uses, in `1..=buffer`.
    pub fn min_refit(mut self, n: usize) -> Self {
        self.min_refit = n;
        self
    }

    /// The threshold policy.
    pub fn threshold(mut self, policy: ThresholdPolicy) -> Self {
        self.threshold = policy;
        self
    }

    fn check(&self) -> Result<()> {
        if self.buffer == 0 {
            return Err(Error::invalid_parameter("buffer", 0, ">= 1"));
        }
        if self.refit_every == Some(0) {
            return Err(Error::invalid_parameter("refit_every", 0, ">= 1 or None"));
        }
        if self.min_refit == 0 || self.min_refit > self.buffer {
            return Err(Error::invalid_parameter(
                "min_refit",
                self.min_refit,
                ">= 1 and <= buffer",
            ));
        }
        match self.threshold {
            ThresholdPolicy::Ewma { alpha, k, warmup } => {
                StreamingThreshold::new(alpha, k, warmup)?;
            }
            ThresholdPolicy::Online {
                method,
                warmup,
                protect,
            } => {
                method.build_with(warmup, protect)?;
            }
            ThresholdPolicy::Calibrated(_) => {}
        }
        Ok(())
    }
}

/// What a stream has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct StreamCounts {
    /// Samples processed.
    pub seen: u64,
    /// Samples flagged.
    pub flagged: u64,
    /// Samples learned.
    pub learned: u64,
    /// Refits done.
    pub refits: u64,
    /// Samples learned since the last refit.
    pub since_refit: u64,
}

/// The threshold as it stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ThresholdState {
    Fixed(Threshold),
    Ewma(StreamingThreshold),
    Online(Online),
}

/// Scores, decides and learns a stream of samples with any [`OnlineModel`].
///
/// Each sample is scored, then compared with the threshold (a calibrated
/// one, or k-sigma over a moving average), then learned if the learning
/// policy says so; learned samples go into a bounded buffer from which the
/// model is refitted every `refit_every` learned samples (the previous model
/// stays if a refit fails). With the `serde` feature the whole state —
/// model, threshold, buffer, counters — saves and restores
/// (`StreamingDetector::to_envelope` / `from_envelope`), and a restored
/// stream decides every later sample exactly as the uninterrupted one would.
pub struct StreamingDetector<S: ?Sized + ToOwned, M> {
    pub(crate) model: M,
    pub(crate) config: StreamingConfig,
    pub(crate) threshold: ThresholdState,
    pub(crate) buffer: VecDeque<S::Owned>,
    pub(crate) counts: StreamCounts,
}

impl<S: ?Sized + ToOwned, M: Clone> Clone for StreamingDetector<S, M>
where
    S::Owned: Clone,
{
    fn clone(&self) -> Self {
        Self {
            model: self.model.clone(),
            config: self.config,
            threshold: self.threshold.clone(),
            buffer: self.buffer.clone(),
            counts: self.counts,
        }
    }
}

impl<S: ?Sized + ToOwned, M> std::fmt::Debug for StreamingDetector<S, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingDetector")
            .field("config", &self.config)
            .field("threshold", &self.threshold)
            .field("buffered", &self.buffer.len())
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl<S, M> StreamingDetector<S, M>
where
    S: ?Sized + ToOwned,
    S::Owned: Clone,
    M: OnlineModel<S>,
{
    /// A stream over a fitted `model`, starting from `normal` samples: the
    /// last `buffer` of them seed the buffer, and a
    /// [`ThresholdPolicy::Calibrated`] threshold is calibrated on the model's
    /// scores of all of them.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for bad settings (a zero buffer, a
    /// minimum larger than the buffer, refits for a model that cannot refit,
    /// EWMA parameters out of range), [`Error::Empty`] for a calibrated
    /// threshold without normal samples; the model's errors on them.
    pub fn new(model: M, config: StreamingConfig, normal: &[S::Owned]) -> Result<Self> {
        config.check()?;
        if config.refit_every.is_some() && model.refit(&[]).is_none() {
            return Err(Error::invalid_parameter(
                "refit_every",
                "Some",
                "None for a model that cannot refit",
            ));
        }
        let threshold = match config.threshold {
            ThresholdPolicy::Calibrated(c) => {
                ThresholdState::Fixed(calibrate(&model, normal.iter(), c)?)
            }
            ThresholdPolicy::Ewma { alpha, k, warmup } => {
                ThresholdState::Ewma(StreamingThreshold::new(alpha, k, warmup)?)
            }
            ThresholdPolicy::Online {
                method,
                warmup,
                protect,
            } => ThresholdState::Online(method.build_with(warmup, protect)?),
        };
        let skip = normal.len().saturating_sub(config.buffer);
        let buffer = if config.refit_every.is_some() {
            normal[skip..].iter().cloned().collect()
        } else {
            VecDeque::new()
        };
        Ok(Self {
            model,
            config,
            threshold,
            buffer,
            counts: StreamCounts::default(),
        })
    }

    /// Scores `sample`, decides, and learns it if the learning policy says so.
    ///
    /// # Errors
    /// A malformed sample (nothing changes); a failed refit (the sample is
    /// learned, the previous model stays, and the error is returned).
    pub fn process(&mut self, sample: &S) -> Result<Decision> {
        let score = self.model.score_sample(sample)?;
        let decision = match &mut self.threshold {
            ThresholdState::Fixed(t) => t.decide(score),
            ThresholdState::Ewma(e) => e.observe(score)?,
            ThresholdState::Online(o) => o.observe(score)?,
        };
        self.counts.seen += 1;
        self.counts.flagged += u64::from(decision.is_anomaly);
        let learn = match self.config.learning {
            Learning::IfNormal => !decision.is_anomaly,
            Learning::Always => true,
            Learning::Never => false,
        };
        if learn {
            self.model.learn(sample)?;
            self.counts.learned += 1;
            if let Some(every) = self.config.refit_every {
                if self.buffer.len() == self.config.buffer {
                    self.buffer.pop_front();
                }
                self.buffer.push_back(sample.to_owned());
                self.counts.since_refit += 1;
                if self.counts.since_refit >= every as u64
                    && self.buffer.len() >= self.config.min_refit
                {
                    self.refit()?;
                }
            }
        }
        Ok(decision)
    }

    fn refit(&mut self) -> Result<()> {
        self.counts.since_refit = 0;
        let samples: Vec<S::Owned> = self.buffer.iter().cloned().collect();
        let Some(model) = self.model.refit(&samples) else {
            return Ok(());
        };
        let model = model?;
        if let ThresholdPolicy::Calibrated(c) = self.config.threshold {
            self.threshold = ThresholdState::Fixed(calibrate(&model, samples.iter(), c)?);
        }
        self.model = model;
        self.counts.refits += 1;
        Ok(())
    }
}

impl<S: ?Sized + ToOwned, M> StreamingDetector<S, M> {
    /// The current model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The settings.
    pub fn config(&self) -> &StreamingConfig {
        &self.config
    }

    /// The threshold the next sample is compared with (`+inf` while an
    /// online threshold warms up).
    pub fn threshold_value(&self) -> f64 {
        match &self.threshold {
            ThresholdState::Fixed(t) => t.value(),
            ThresholdState::Ewma(e) => e.value(),
            ThresholdState::Online(o) => o.value(),
        }
    }

    /// What the stream has done so far.
    pub fn counts(&self) -> StreamCounts {
        self.counts
    }

    /// How many refits have happened.
    pub fn refits(&self) -> u64 {
        self.counts.refits
    }

    /// Learned samples currently buffered for refits.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

fn calibrate<'a, S, M, I>(model: &M, samples: I, calibration: Calibration) -> Result<Threshold>
where
    S: ?Sized + ToOwned + 'a,
    S::Owned: 'a,
    M: OnlineModel<S>,
    I: Iterator<Item = &'a S::Owned>,
{
    use std::borrow::Borrow;
    let scores = samples
        .map(|s| model.score_sample(s.borrow()))
        .collect::<Result<Vec<f64>>>()?;
    Threshold::calibrate(calibration, &scores)
}

/// One [`StreamingDetector`] per source (a camera, a player session),
/// created from a prototype the first time a source is seen.
///
/// ```
/// use oddframe::streaming::{Monitor, OnlineModel, StreamingConfig, StreamingDetector, ThresholdPolicy};
/// use oddframe::Result;
///
/// #[derive(Clone)]
/// struct Level(f64);
/// impl OnlineModel<f64> for Level {
///     fn score_sample(&self, x: &f64) -> Result<f64> { Ok((x - self.0).abs()) }
///     fn learn(&mut self, x: &f64) -> Result<()> { self.0 = 0.9 * self.0 + 0.1 * x; Ok(()) }
/// }
///
/// let config = StreamingConfig::new()
///     .refit_every(None)
///     .threshold(ThresholdPolicy::Ewma { alpha: 0.2, k: 4.0, warmup: 5 });
/// let prototype = StreamingDetector::new(Level(0.0), config, &[])?;
/// let mut monitor = Monitor::new(prototype, 100)?;
/// let decisions = monitor.process_batch(&[("cam1", &1.0), ("cam2", &50.0), ("cam1", &1.1)])?;
/// assert_eq!(decisions.len(), 3);
/// assert_eq!(monitor.sources(), ["cam1", "cam2"]);
/// assert_eq!(monitor.source("cam1").map(|s| s.counts().seen), Some(2));
/// # Ok::<(), oddframe::Error>(())
/// ```
pub struct Monitor<S: ?Sized + ToOwned, M> {
    pub(crate) prototype: StreamingDetector<S, M>,
    pub(crate) sources: BTreeMap<String, StreamingDetector<S, M>>,
    pub(crate) max_sources: usize,
}

impl<S: ?Sized + ToOwned, M> std::fmt::Debug for Monitor<S, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("sources", &self.sources.keys().collect::<Vec<_>>())
            .field("max_sources", &self.max_sources)
            .finish_non_exhaustive()
    }
}

impl<S, M> Monitor<S, M>
where
    S: ?Sized + ToOwned + Sync,
    S::Owned: Clone + Send,
    M: OnlineModel<S> + Clone,
{
    /// A monitor whose new sources start as copies of `prototype`, holding
    /// at most `max_sources` sources.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `max_sources` is 0.
    pub fn new(prototype: StreamingDetector<S, M>, max_sources: usize) -> Result<Self> {
        if max_sources == 0 {
            return Err(Error::invalid_parameter("max_sources", 0, ">= 1"));
        }
        Ok(Self {
            prototype,
            sources: BTreeMap::new(),
            max_sources,
        })
    }

    fn stream(&mut self, source: &str) -> Result<&mut StreamingDetector<S, M>> {
        if !self.sources.contains_key(source) {
            if self.sources.len() >= self.max_sources {
                return Err(Error::invalid_parameter(
                    "source",
                    source,
                    "one of the sources seen so far (the monitor holds max_sources)",
                ));
            }
            self.sources
                .insert(source.to_string(), self.prototype.clone());
        }
        self.sources
            .get_mut(source)
            .ok_or_else(|| Error::invalid_parameter("source", source, "a known source"))
    }

    /// Processes one sample of `source`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a new source beyond `max_sources`;
    /// as [`StreamingDetector::process`].
    pub fn process(&mut self, source: &str, sample: &S) -> Result<Decision> {
        self.stream(source)?.process(sample)
    }

    /// Processes samples of several sources, each source's samples in order
    /// and different sources on different threads; decisions come back in
    /// the order of `items`.
    ///
    /// # Errors
    /// The first error of any source (samples of the other sources are
    /// still processed).
    pub fn process_batch(&mut self, items: &[(&str, &S)]) -> Result<Vec<Decision>>
    where
        M: Send,
    {
        let mut by_source: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, (source, _)) in items.iter().enumerate() {
            by_source.entry(source).or_default().push(i);
        }
        for source in by_source.keys() {
            self.stream(source)?;
        }
        let mut work: Vec<(&mut StreamingDetector<S, M>, &Vec<usize>)> = Vec::new();
        for (name, stream) in self.sources.iter_mut() {
            if let Some(idx) = by_source.get(name.as_str()) {
                work.push((stream, idx));
            }
        }
        let results: Vec<Vec<(usize, Result<Decision>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = work
                .into_iter()
                .map(|(stream, idx)| {
                    scope.spawn(move || {
                        idx.iter()
                            .map(|&i| (i, stream.process(items[i].1)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut out: Vec<Option<Decision>> = vec![None; items.len()];
        for (i, r) in results.into_iter().flatten() {
            out[i] = Some(r?);
        }
        out.into_iter()
            .map(|d| d.ok_or_else(|| Error::Model("a source's thread stopped".into())))
            .collect()
    }
}

impl<S: ?Sized + ToOwned, M> Monitor<S, M> {
    /// The sources seen so far, sorted.
    pub fn sources(&self) -> Vec<&str> {
        self.sources.keys().map(String::as_str).collect()
    }

    /// One source's stream.
    pub fn source(&self, name: &str) -> Option<&StreamingDetector<S, M>> {
        self.sources.get(name)
    }

    /// Forgets a source (it starts afresh if seen again).
    pub fn remove(&mut self, name: &str) -> Option<StreamingDetector<S, M>> {
        self.sources.remove(name)
    }

    /// The most sources held at once.
    pub fn max_sources(&self) -> usize {
        self.max_sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Squared distance from a mean refitted from the buffer.
    #[derive(Debug, Clone, PartialEq)]
    struct Mean {
        mean: f64,
        n: f64,
    }

    impl OnlineModel<f64> for Mean {
        fn score_sample(&self, x: &f64) -> Result<f64> {
            if !x.is_finite() {
                return Err(Error::NonFinite { row: 0, col: 0 });
            }
            Ok((x - self.mean).powi(2))
        }
        fn learn(&mut self, x: &f64) -> Result<()> {
            self.n += 1.0;
            self.mean += (x - self.mean) / self.n;
            Ok(())
        }
        fn refit(&self, samples: &[f64]) -> Option<Result<Self>> {
            let n = samples.len() as f64;
            Some(Ok(Mean {
                mean: samples.iter().sum::<f64>() / n.max(1.0),
                n,
            }))
        }
    }

    #[test]
    fn update_if_normal_refits_from_the_buffer() {
        let normal: Vec<f64> = (0..100).map(|i| f64::from(i % 10) / 10.0).collect();
        let config = StreamingConfig::new()
            .buffer(40)
            .refit_every(Some(20))
            .min_refit(10)
            .threshold(ThresholdPolicy::Calibrated(Calibration::Fixed(0.5)));
        let mut s = StreamingDetector::new(
            Mean {
                mean: 0.45,
                n: 100.0,
            },
            config,
            &normal,
        )
        .unwrap();
        assert_eq!(s.buffered(), 40);
        for i in 0..60 {
            assert!(!s.process(&(f64::from(i % 10) / 10.0)).unwrap().is_anomaly);
        }
        assert!(s.process(&30.0).unwrap().is_anomaly);
        let c = s.counts();
        assert_eq!((c.seen, c.flagged, c.learned, c.refits), (61, 1, 60, 3));
        assert_eq!(s.buffered(), 40);
        assert!(s.process(&f64::NAN).is_err());
        assert_eq!(s.counts().seen, 61, "a bad sample changes nothing");
    }

    #[test]
    fn settings_are_checked() {
        let m = Mean { mean: 0.0, n: 1.0 };
        let bad = [
            StreamingConfig::new().buffer(0),
            StreamingConfig::new().refit_every(Some(0)),
            StreamingConfig::new().min_refit(600),
            StreamingConfig::new().threshold(ThresholdPolicy::Ewma {
                alpha: 0.0,
                k: 1.0,
                warmup: 0,
            }),
        ];
        for c in bad {
            assert!(
                StreamingDetector::new(m.clone(), c, &[1.0]).is_err(),
                "{c:?}"
            );
        }
        // a calibrated threshold needs normal samples
        assert!(StreamingDetector::new(m, StreamingConfig::new(), &[]).is_err());
    }

    #[derive(Clone)]
    struct Frozen;
    impl OnlineModel<f64> for Frozen {
        fn score_sample(&self, x: &f64) -> Result<f64> {
            Ok(*x)
        }
        fn learn(&mut self, _: &f64) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn refits_need_a_model_that_refits() {
        let e =
            StreamingDetector::new(Frozen, StreamingConfig::new().refit_every(Some(10)), &[1.0])
                .unwrap_err();
        assert!(e.to_string().contains("refit_every"), "{e}");
        assert!(
            StreamingDetector::new(Frozen, StreamingConfig::new().refit_every(None), &[1.0])
                .is_ok()
        );
    }

    #[test]
    fn a_monitor_keeps_sources_apart_and_bounded() {
        let config = StreamingConfig::new()
            .refit_every(None)
            .threshold(ThresholdPolicy::Ewma {
                alpha: 0.1,
                k: 5.0,
                warmup: 5,
            });
        let proto = StreamingDetector::new(Mean { mean: 0.0, n: 1.0 }, config, &[]).unwrap();
        let mut m = Monitor::new(proto.clone(), 2).unwrap();
        let mut single = proto;
        let mut items = Vec::new();
        let values: Vec<f64> = (0..40).map(|i| f64::from(i % 7)).collect();
        for (i, v) in values.iter().enumerate() {
            items.push((if i % 2 == 0 { "a" } else { "b" }, v));
        }
        let d = m.process_batch(&items).unwrap();
        // source a alone gives the same decisions as a standalone stream
        for (i, v) in values.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
            assert_eq!(single.process(v).unwrap(), d[i]);
        }
        assert!(
            m.process("c", &1.0).is_err(),
            "a third source is over the cap"
        );
        assert!(m.remove("b").is_some());
        assert!(m.process("c", &1.0).is_ok());
        assert!(Monitor::new(m.prototype.clone(), 0).is_err());
    }
}
