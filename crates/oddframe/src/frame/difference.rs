//! Causal temporal steps over a stream of frames: what moved since an
//! earlier frame.
//!
//! An autoencoder that learns frame differences instead of frames models
//! normal *motion*: on a walkway, people walking; a cyclist or a cart moves
//! faster and leaves a larger difference than anything it learned. A lag of
//! a few frames spreads that difference: a walker's step over three frames
//! is still one blurred outline, a cyclist's two separate ones. Only past
//! frames are used, so a live camera gets the same input.

use std::collections::VecDeque;

use image::GrayImage;

use super::Frame;
use crate::{Error, Result};

/// The absolute difference of grey frames `lag` apart, times `gain`
/// (saturating at 255): `|f[t] - f[t-lag]|`; until `lag` frames have gone
/// by, the difference from the stream's first frame.
///
/// ```
/// use oddframe::{image::GrayImage, Frame};
/// use oddframe::frame::FrameDifference;
///
/// let frame = |v: u8, i: u64| Frame::luma(GrayImage::from_pixel(4, 2, [v].into()), i, Default::default());
/// let mut diff = FrameDifference::new(4)?;
/// assert!(diff.push(&frame(100, 0))?.is_none()); // nothing before the first frame
/// let d = diff.push(&frame(90, 1))?.unwrap();
/// assert_eq!(d.as_bytes(), &[40u8; 8]); // |90 - 100| x 4
/// assert_eq!(d.index(), 1);
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameDifference {
    gain: u16,
    lag: usize,
    /// The last `lag` frames pushed, oldest first.
    past: VecDeque<Frame>,
}

impl FrameDifference {
    /// Differences scaled by `gain` (1 to 255): small motions use more of
    /// the 8-bit range.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a gain of 0.
    pub fn new(gain: u8) -> Result<Self> {
        Self::with_lag(gain, 1)
    }

    /// Differences from the frame `lag` frames back (1 to
    /// [`FrameDifference::MAX_LAG`]; 1 is the previous frame), scaled by
    /// `gain` (1 to 255).
    ///
    /// ```
    /// use oddframe::{image::GrayImage, Frame};
    /// use oddframe::frame::FrameDifference;
    ///
    /// let frame = |v: u8, i: u64| Frame::luma(GrayImage::from_pixel(2, 2, [v].into()), i, Default::default());
    /// let mut diff = FrameDifference::with_lag(1, 3)?;
    /// assert!(diff.push(&frame(10, 0))?.is_none());
    /// let got: Vec<u8> = [20, 30, 40, 50]
    ///     .iter()
    ///     .zip(1..)
    ///     .map(|(&v, i)| Ok(diff.push(&frame(v, i))?.unwrap().as_bytes()[0]))
    ///     .collect::<oddframe::Result<_>>()?;
    /// // from the first frame until three have gone by, then three back
    /// assert_eq!(got, [10, 20, 30, 30]);
    /// # Ok::<(), oddframe::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a gain of 0 or a lag of 0 or over
    /// [`FrameDifference::MAX_LAG`].
    pub fn with_lag(gain: u8, lag: usize) -> Result<Self> {
        if gain == 0 {
            return Err(Error::invalid_parameter("gain", gain, "1 to 255"));
        }
        if !(1..=Self::MAX_LAG).contains(&lag) {
            return Err(Error::invalid_parameter("lag", lag, "1 to 64 frames"));
        }
        Ok(Self {
            gain: u16::from(gain),
            lag,
            past: VecDeque::with_capacity(lag),
        })
    }

    /// The longest lag, in frames (the frames held cost memory).
    pub const MAX_LAG: usize = 64;

    /// The lag in frames.
    pub fn lag(&self) -> usize {
        self.lag
    }

    /// Forgets the past frames (a new clip or a cut).
    pub fn reset(&mut self) {
        self.past.clear();
    }

    /// The difference between `frame` and the frame pushed `lag` frames
    /// before it (the first frame, while fewer have been pushed), with
    /// `frame`'s index and time; `None` for the first frame.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] for a frame that is not grey or whose
    /// size differs from the previous frame's.
    pub fn push(&mut self, frame: &Frame) -> Result<Option<Frame>> {
        if frame.channels() != 1 {
            return Err(Error::DimensionMismatch {
                what: "channels of a frame to difference",
                expected: 1,
                found: frame.channels(),
            });
        }
        // every frame held passed these checks: all have one size
        let out = match self.past.front() {
            None => None,
            Some(prev) if prev.width() != frame.width() => {
                return Err(Error::DimensionMismatch {
                    what: "width of a frame against the previous frame",
                    expected: prev.width() as usize,
                    found: frame.width() as usize,
                });
            }
            Some(prev) if prev.height() != frame.height() => {
                return Err(Error::DimensionMismatch {
                    what: "height of a frame against the previous frame",
                    expected: prev.height() as usize,
                    found: frame.height() as usize,
                });
            }
            Some(back) => {
                let bytes: Vec<u8> = frame
                    .as_bytes()
                    .iter()
                    .zip(back.as_bytes())
                    .map(|(&a, &b)| (u16::from(a.abs_diff(b)) * self.gain).min(255) as u8)
                    .collect();
                let image = GrayImage::from_raw(frame.width(), frame.height(), bytes).ok_or(
                    Error::Empty {
                        what: "frame buffer",
                    },
                )?;
                Some(Frame::luma(image, frame.index(), frame.timestamp()))
            }
        };
        if self.past.len() == self.lag {
            self.past.pop_front();
        }
        self.past.push_back(frame.clone());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(w: u32, h: u32, f: impl Fn(u32, u32) -> u8, i: u64) -> Frame {
        Frame::luma(
            GrayImage::from_fn(w, h, |x, y| [f(x, y)].into()),
            i,
            std::time::Duration::from_millis(100 * i),
        )
    }

    #[test]
    fn differences_saturate_and_reset_and_check_shapes() {
        let mut d = FrameDifference::new(8).unwrap();
        assert!(d
            .push(&grey(3, 2, |x, _| (x * 10) as u8, 0))
            .unwrap()
            .is_none());
        let out = d
            .push(&grey(3, 2, |x, _| (x * 50) as u8, 1))
            .unwrap()
            .unwrap();
        // |0-0|, |50-10| x 8 = 320 -> 255, |100-20| x 8 -> 255
        assert_eq!(out.as_bytes(), &[0, 255, 255, 0, 255, 255]);
        assert_eq!(out.timestamp(), std::time::Duration::from_millis(100));
        assert!(d.push(&grey(2, 2, |_, _| 0, 2)).is_err());
        d.reset();
        assert!(d.push(&grey(2, 2, |_, _| 0, 3)).unwrap().is_none());
        let rgb = Frame::rgb(image::RgbImage::new(2, 2), 4, Default::default());
        assert!(d.push(&rgb).is_err());
        assert!(FrameDifference::new(0).is_err());
        // as many pixels, another shape: still refused
        d.reset();
        assert!(d.push(&grey(4, 2, |_, _| 0, 5)).unwrap().is_none());
        assert!(d.push(&grey(2, 4, |_, _| 0, 6)).is_err());
        // a refused frame leaves the previous one in place
        let next = d.push(&grey(4, 2, |_, _| 3, 7)).unwrap().unwrap();
        assert_eq!(next.as_bytes(), &[24; 8]);
    }

    #[test]
    fn a_lag_compares_with_the_frame_that_many_back() {
        let mut d = FrameDifference::with_lag(2, 2).unwrap();
        assert_eq!(d.lag(), 2);
        let f = |v: u8, i: u64| grey(2, 1, move |_, _| v, i);
        assert!(d.push(&f(10, 0)).unwrap().is_none());
        // the first frame until two have gone by: |13 - 10| x 2
        assert_eq!(d.push(&f(13, 1)).unwrap().unwrap().as_bytes(), &[6, 6]);
        // then two back: |20 - 10| x 2, |21 - 13| x 2
        assert_eq!(d.push(&f(20, 2)).unwrap().unwrap().as_bytes(), &[20, 20]);
        assert_eq!(d.push(&f(21, 3)).unwrap().unwrap().as_bytes(), &[16, 16]);
        // a refused frame changes nothing: two back from 30 is still 20
        assert!(d.push(&grey(1, 2, |_, _| 0, 4)).is_err());
        assert_eq!(d.push(&f(30, 4)).unwrap().unwrap().as_bytes(), &[20, 20]);
        d.reset();
        assert!(d.push(&f(0, 5)).unwrap().is_none());
        for lag in [0, FrameDifference::MAX_LAG + 1] {
            assert!(FrameDifference::with_lag(1, lag).is_err(), "lag {lag}");
        }
        assert!(FrameDifference::with_lag(1, FrameDifference::MAX_LAG).is_ok());
    }
}
