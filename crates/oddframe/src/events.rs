//! From decisions to events: "anomaly from 12:04:31 to 12:04:39, peak at
//! :35".
//!
//! [`EventDetector`] is a state machine over `(time, decision)` samples in
//! time order. An event **starts** at a flagged sample (score above its
//! threshold) and **stays open** while scores stay above the exit level
//! (hysteresis: with an exit level below the threshold, a score dipping
//! just under the threshold does not end it). It **closes** at the first
//! sample at or below the exit level; if another flagged sample comes
//! within the merge gap of that moment, the event continues (the samples
//! between are not counted in it). A closed event shorter than the minimum
//! duration is dropped. All lengths are in seconds.
//!
//! An event spans `[start, end)`: `end` is the time of the sample that
//! closed it, so one flagged sample in a stream of samples every 40 ms
//! makes an event of 40 ms. At the end of the data, [`EventDetector::finish`]
//! returns the event still open, marked `ongoing` (its `end` is the last
//! sample's time), or a closed one still inside its merge gap.
//!
//! The batch function [`detect`] feeds the same state machine one sample at
//! a time, so a stream and a batch of the same samples give the same
//! events.
//!
//! ```
//! use oddframe::events::{detect, EventParams};
//! use oddframe::Threshold;
//!
//! let t = Threshold::fixed(1.0)?;
//! let scores = [0.1, 2.0, 3.0, 0.9, 2.5, 0.2, 0.1, 0.1, 5.0, 0.1];
//! let times: Vec<f64> = (0..scores.len()).map(|i| i as f64 * 0.5).collect();
//! let decisions: Vec<_> = scores.iter().map(|&s| t.decide(s)).collect();
//! let params = EventParams::new().merge_gap(0.5).min_duration(1.0);
//! let events = detect(&times, &decisions, &params)?;
//! // 2.0, 3.0 | 0.9 | 2.5 merge into one event; the lone 5.0 lasts 0.5 s,
//! // under the minimum
//! assert_eq!(events.len(), 1);
//! let e = &events[0];
//! assert_eq!((e.start, e.end, e.peak, e.peak_time, e.samples), (0.5, 2.5, 3.0, 1.0, 3));
//! assert!(!e.ongoing);
//! # Ok::<(), oddframe::Error>(())
//! ```

use crate::{Decision, Error, Result};

/// Settings of an [`EventDetector`] (by-value setters; every length in
/// seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct EventParams {
    /// An open event stays open while scores are above this level, or
    /// above the sample's threshold if that is lower (`None`, the default:
    /// the threshold itself, no hysteresis).
    pub exit: Option<f64>,
    /// Closed events shorter than this are dropped (default 0).
    pub min_duration: f64,
    /// A flagged sample this soon after an event closed continues it
    /// (default 0: only a flagged sample at the closing time itself).
    pub merge_gap: f64,
}

impl Default for EventParams {
    fn default() -> Self {
        Self {
            exit: None,
            min_duration: 0.0,
            merge_gap: 0.0,
        }
    }
}

impl EventParams {
    /// The defaults: exit at the threshold, no minimum, no merging.
    pub fn new() -> Self {
        Self::default()
    }

    /// The exit level (hysteresis); it applies where it is below a
    /// sample's threshold.
    pub fn exit(mut self, level: f64) -> Self {
        self.exit = Some(level);
        self
    }

    /// The shortest event kept, in seconds.
    pub fn min_duration(mut self, seconds: f64) -> Self {
        self.min_duration = seconds;
        self
    }

    /// The longest pause, in seconds, that still joins two runs of flagged
    /// samples into one event.
    pub fn merge_gap(mut self, seconds: f64) -> Self {
        self.merge_gap = seconds;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-finite exit level or a
    /// negative or non-finite length.
    pub fn check(&self) -> Result<()> {
        if let Some(e) = self.exit {
            if !e.is_finite() {
                return Err(Error::invalid_parameter("exit", e, "finite"));
            }
        }
        for (name, v) in [
            ("min_duration", self.min_duration),
            ("merge_gap", self.merge_gap),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid_parameter(name, v, "finite and >= 0 seconds"));
            }
        }
        Ok(())
    }
}

/// One anomalous episode.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Event {
    /// Time of the first flagged sample, in seconds.
    pub start: f64,
    /// Time of the sample that closed it (the last sample's time while
    /// `ongoing`).
    pub end: f64,
    /// Highest score in it.
    pub peak: f64,
    /// Time of the highest score (the first, on ties).
    pub peak_time: f64,
    /// Mean score of its samples.
    pub mean: f64,
    /// Samples in it (those above the exit level; samples in merged gaps
    /// are not counted).
    pub samples: u64,
    /// Still open at the end of the data.
    pub ongoing: bool,
}

impl Event {
    /// `end - start`, in seconds.
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

/// The event being built.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct Open {
    event: Event,
    sum: f64,
    /// Closed at `event.end`, waiting out the merge gap.
    closed: bool,
}

/// The event state machine (see [the module docs](self)); its state saves
/// with `serde`.
///
/// ```
/// use oddframe::events::{EventDetector, EventParams};
/// use oddframe::Threshold;
///
/// let t = Threshold::fixed(1.0)?;
/// let mut d = EventDetector::new(EventParams::new().exit(0.5))?;
/// assert!(d.push(0.0, &t.decide(2.0))?.is_none());
/// assert!(d.push(1.0, &t.decide(0.8))?.is_none()); // above the exit level
/// let e = d.push(2.0, &t.decide(0.1))?.expect("closed");
/// assert_eq!((e.start, e.end, e.samples), (0.0, 2.0, 2));
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct EventDetector {
    params: EventParams,
    open: Option<Open>,
    last_time: Option<f64>,
}

impl EventDetector {
    /// A detector with `params`.
    ///
    /// # Errors
    /// As [`EventParams::check`].
    pub fn new(params: EventParams) -> Result<Self> {
        params.check()?;
        Ok(Self {
            params,
            open: None,
            last_time: None,
        })
    }

    /// The settings.
    pub fn params(&self) -> &EventParams {
        &self.params
    }

    /// Takes the next sample; returns the event it finishes, if any (an
    /// event finishes once its merge gap has passed without a new flag).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-finite time or one earlier
    /// than the previous sample's, or a non-finite score (nothing changes).
    pub fn push(&mut self, time: f64, decision: &Decision) -> Result<Option<Event>> {
        if !time.is_finite() || self.last_time.is_some_and(|t| time < t) {
            return Err(Error::invalid_parameter(
                "time",
                time,
                "finite and not earlier than the previous sample",
            ));
        }
        if !decision.score.is_finite() {
            return Err(Error::invalid_parameter("score", decision.score, "finite"));
        }
        self.last_time = Some(time);
        let score = decision.score;
        let exit = self
            .params
            .exit
            .map_or(decision.threshold, |e| e.min(decision.threshold));
        let gap = self.params.merge_gap;
        match self.open.as_mut() {
            Some(open) if !open.closed => {
                if score > exit {
                    add(open, time, score);
                    return Ok(None);
                }
                // score <= exit <= threshold: this sample is not flagged
                open.closed = true;
                open.event.end = time;
            }
            Some(open) if decision.is_anomaly && time - open.event.end <= gap => {
                open.closed = false;
                add(open, time, score);
                return Ok(None);
            }
            _ => {}
        }
        let mut finished = None;
        if let Some(open) = self.open {
            let gap_passed = time - open.event.end > gap || (gap == 0.0 && !decision.is_anomaly);
            if open.closed && gap_passed {
                finished = self.take_finished();
            }
        }
        if decision.is_anomaly && self.open.is_none() {
            self.open = Some(Open {
                event: Event {
                    start: time,
                    end: time,
                    peak: score,
                    peak_time: time,
                    mean: score,
                    samples: 1,
                    ongoing: true,
                },
                sum: score,
                closed: false,
            });
        }
        Ok(finished)
    }

    /// The event open now, as it stands (`ongoing`), if any.
    pub fn ongoing(&self) -> Option<Event> {
        self.open.filter(|o| !o.closed).map(|o| o.event)
    }

    /// Ends the data: the event still open (marked `ongoing`, ending at
    /// the last sample's time) or closed within its merge gap, if it is
    /// long enough.
    pub fn finish(&mut self) -> Option<Event> {
        let open = self.open.take()?;
        let mut e = open.event;
        e.ongoing = !open.closed;
        if e.ongoing {
            e.end = self.last_time.unwrap_or(e.end);
        }
        (e.duration() >= self.params.min_duration).then_some(e)
    }

    fn take_finished(&mut self) -> Option<Event> {
        let open = self.open.take()?;
        let mut e = open.event;
        e.ongoing = false;
        (e.duration() >= self.params.min_duration).then_some(e)
    }
}

fn add(open: &mut Open, time: f64, score: f64) {
    let e = &mut open.event;
    e.samples += 1;
    open.sum += score;
    e.mean = open.sum / e.samples as f64;
    e.end = time;
    if score > e.peak {
        e.peak = score;
        e.peak_time = time;
    }
}

/// The events of a whole series: [`EventDetector::push`] on every sample,
/// then [`EventDetector::finish`].
///
/// # Errors
/// [`Error::DimensionMismatch`] when the slices differ in length; as
/// [`EventDetector::push`].
pub fn detect(times: &[f64], decisions: &[Decision], params: &EventParams) -> Result<Vec<Event>> {
    if times.len() != decisions.len() {
        return Err(Error::DimensionMismatch {
            what: "times and decisions",
            expected: times.len(),
            found: decisions.len(),
        });
    }
    let mut d = EventDetector::new(*params)?;
    let mut events = Vec::new();
    for (&t, dec) in times.iter().zip(decisions) {
        events.extend(d.push(t, dec)?);
    }
    events.extend(d.finish());
    Ok(events)
}
