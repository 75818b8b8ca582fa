//! Causal temporal steps over a stream of frames: what moved since the
//! previous frame.
//!
//! An autoencoder that learns frame differences instead of frames models
//! normal *motion*: on a walkway, people walking; a cyclist or a cart moves
//! faster and leaves a larger difference than anything it learned. Only the
//! previous frame is used, so a live camera gets the same input.

use image::GrayImage;

use super::Frame;
use crate::{Error, Result};

/// The absolute difference of consecutive grey frames, times `gain`
/// (saturating at 255): `|f[t] - f[t-1]|`, one frame behind the input.
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
    previous: Option<Frame>,
}

impl FrameDifference {
    /// Differences scaled by `gain` (1 to 255): small motions use more of
    /// the 8-bit range.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a gain of 0.
    pub fn new(gain: u8) -> Result<Self> {
        if gain == 0 {
            return Err(Error::invalid_parameter("gain", gain, "1 to 255"));
        }
        Ok(Self {
            gain: u16::from(gain),
            previous: None,
        })
    }

    /// Forgets the previous frame (a new clip or a cut).
    pub fn reset(&mut self) {
        self.previous = None;
    }

    /// The difference between `frame` and the frame pushed before it, with
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
        let out = match &self.previous {
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
            Some(prev) => {
                let bytes: Vec<u8> = frame
                    .as_bytes()
                    .iter()
                    .zip(prev.as_bytes())
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
        self.previous = Some(frame.clone());
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
}
