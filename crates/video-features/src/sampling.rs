//! Frame sampling for any source: every N milliseconds by timestamp, every
//! k-th frame, at most M frames.

use std::time::Duration;

use oddframe::{Error, Frame};

/// Which frames to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Every frame.
    All,
    /// The first frame, then the first frame at or after each multiple of
    /// the interval after it (by presentation timestamp, so the rate does
    /// not drift with the source's frame rate).
    Interval(Duration),
    /// Every k-th frame of the stream (indices `0, k, 2k, ...` as counted
    /// by the sampler).
    EveryNth(u64),
}

/// A sampling rule with an optional cap on the frames kept. The default
/// keeps one frame every 500 ms, as the original systems did.
///
/// ```
/// use std::time::Duration;
/// use oddframe::Frame;
/// use video_features::sampling::{SampleExt, Sampler};
///
/// // 25 frames per second for 3 s
/// let frames = (0..75u64).map(|i| {
///     let t = Duration::from_millis(40 * i);
///     Ok::<_, std::io::Error>(Frame::luma(image::GrayImage::new(2, 2), i, t))
/// });
/// let kept: Vec<u64> = frames
///     .sample(Sampler::every_millis(500)?.max_frames(4))
///     .map(|f| f.map(|f| f.index()))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(kept, vec![0, 13, 25, 38]); // t = 0, 520, 1000, 1520 ms
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampler {
    rule: Rule,
    max_frames: Option<u64>,
}

impl Default for Sampler {
    fn default() -> Self {
        Self {
            rule: Rule::Interval(Duration::from_millis(500)),
            max_frames: None,
        }
    }
}

impl Sampler {
    /// Every frame.
    pub fn all() -> Self {
        Self {
            rule: Rule::All,
            max_frames: None,
        }
    }

    /// One frame every `ms` milliseconds of presentation time.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for 0.
    pub fn every_millis(ms: u64) -> Result<Self, Error> {
        Self::every(Duration::from_millis(ms))
    }

    /// One frame every `interval` of presentation time.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero interval.
    pub fn every(interval: Duration) -> Result<Self, Error> {
        if interval.is_zero() {
            return Err(Error::invalid_parameter(
                "interval",
                format!("{interval:?}"),
                "> 0",
            ));
        }
        Ok(Self {
            rule: Rule::Interval(interval),
            max_frames: None,
        })
    }

    /// Every `k`-th frame.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for 0.
    pub fn every_nth(k: u64) -> Result<Self, Error> {
        if k == 0 {
            return Err(Error::invalid_parameter("k", k, ">= 1"));
        }
        Ok(Self {
            rule: Rule::EveryNth(k),
            max_frames: None,
        })
    }

    /// Stop after `m` kept frames (the source is not read further).
    pub fn max_frames(mut self, m: u64) -> Self {
        self.max_frames = Some(m);
        self
    }

    /// The rule.
    pub fn rule(&self) -> Rule {
        self.rule
    }
}

/// The sampled stream; see [`SampleExt::sample`].
#[derive(Debug)]
pub struct Sampled<I> {
    inner: I,
    sampler: Sampler,
    /// Next timestamp due under [`Rule::Interval`] (`None` before the first).
    due: Option<Duration>,
    seen: u64,
    kept: u64,
}

impl<I> Sampled<I> {
    fn keep(&mut self, frame: &Frame) -> bool {
        let seen = self.seen;
        self.seen += 1;
        match self.sampler.rule {
            Rule::All => true,
            Rule::EveryNth(k) => seen % k == 0,
            Rule::Interval(step) => {
                let t = frame.timestamp();
                match self.due {
                    None => {
                        self.due = t.checked_add(step);
                        true
                    }
                    // a frame before the due time, or an earlier timestamp
                    // than one already kept, is skipped
                    Some(due) if t < due => false,
                    Some(due) => {
                        // the next multiple of the step after t, without
                        // stepping through long gaps one interval at a time
                        let behind = (t - due).as_nanos() / step.as_nanos() + 1;
                        let ahead = step.as_nanos().saturating_mul(behind);
                        self.due = u64::try_from(ahead)
                            .ok()
                            .and_then(|n| due.checked_add(Duration::from_nanos(n)));
                        true
                    }
                }
            }
        }
    }
}

impl<I, E> Iterator for Sampled<I>
where
    I: Iterator<Item = Result<Frame, E>>,
{
    type Item = Result<Frame, E>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.sampler.max_frames.is_some_and(|m| self.kept >= m) {
            return None;
        }
        loop {
            match self.inner.next()? {
                Err(e) => return Some(Err(e)),
                Ok(f) => {
                    if self.keep(&f) {
                        self.kept += 1;
                        return Some(Ok(f));
                    }
                }
            }
        }
    }
}

/// Adds [`SampleExt::sample`] to every iterator of `Result<Frame, E>`, so
/// any frame source can be sampled the same way.
pub trait SampleExt: Sized {
    /// Keeps the frames `sampler` selects; errors pass through.
    fn sample(self, sampler: Sampler) -> Sampled<Self>;
}

impl<I, E> SampleExt for I
where
    I: Iterator<Item = Result<Frame, E>>,
{
    fn sample(self, sampler: Sampler) -> Sampled<Self> {
        Sampled {
            inner: self,
            sampler,
            due: None,
            seen: 0,
            kept: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: &[u64]) -> impl Iterator<Item = Result<Frame, String>> + '_ {
        ms.iter().enumerate().map(|(i, &t)| {
            Ok(Frame::luma(
                image::GrayImage::new(1, 1),
                i as u64,
                Duration::from_millis(t),
            ))
        })
    }

    fn kept(it: impl Iterator<Item = Result<Frame, String>>) -> Vec<u64> {
        it.map(|f| f.map(|f| f.index()).unwrap_or(u64::MAX))
            .collect()
    }

    #[test]
    fn interval_follows_timestamps_not_frame_counts() {
        // jittery ~30 fps with a 2 s gap and a timestamp going backwards
        let ts = [0, 33, 67, 499, 500, 533, 990, 1010, 3600, 3610, 3000, 4100];
        let s = Sampler::default();
        assert_eq!(kept(at(&ts).sample(s)), vec![0, 4, 7, 8, 11]);
        assert_eq!(kept(at(&ts).sample(s.max_frames(2))), vec![0, 4]);
        let every3 = Sampler::every_nth(3).unwrap();
        assert_eq!(kept(at(&ts).sample(every3)), vec![0, 3, 6, 9]);
        assert_eq!(kept(at(&ts).sample(Sampler::all())).len(), ts.len());
    }

    #[test]
    fn errors_pass_through_and_zero_is_rejected() {
        let items: Vec<Result<Frame, String>> = vec![
            Err("bad".into()),
            Ok(Frame::luma(image::GrayImage::new(1, 1), 0, Duration::ZERO)),
        ];
        let out: Vec<_> = items.into_iter().sample(Sampler::default()).collect();
        assert!(out[0].is_err() && out[1].is_ok());
        assert!(Sampler::every_millis(0).is_err());
        assert!(Sampler::every_nth(0).is_err());
        assert!(Sampler::every(Duration::from_nanos(1)).is_ok());
    }

    #[test]
    fn max_frames_stops_reading_the_source() {
        let mut pulled = 0;
        let source = (0..100u64).map(|i| {
            pulled += 1;
            Ok::<_, String>(Frame::luma(
                image::GrayImage::new(1, 1),
                i,
                Duration::from_millis(i),
            ))
        });
        let n = source.sample(Sampler::all().max_frames(3)).count();
        assert_eq!(n, 3);
        assert_eq!(pulled, 3);
    }
}
