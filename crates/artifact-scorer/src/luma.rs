//! [`Luma`]: the BT.601 luma plane the detectors measure.

use oddframe::{Error, Frame};

use crate::Result;

/// A luma plane in 8-bit units (`0.0..=255.0`), row by row.
///
/// ```
/// use artifact_scorer::Luma;
/// use oddframe::{image::RgbImage, Frame};
///
/// let frame = Frame::rgb(RgbImage::from_pixel(4, 2, [255, 0, 0].into()), 0, Default::default());
/// let y = Luma::from_frame(&frame)?;
/// assert_eq!((y.width(), y.height()), (4, 2));
/// assert!((y.get(3, 1) - 0.299 * 255.0).abs() < 1e-3);
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Luma {
    width: usize,
    height: usize,
    data: Vec<f32>,
}

impl Luma {
    /// The luma of a frame: grey frames as they are, RGB ones by BT.601
    /// (`0.299 R + 0.587 G + 0.114 B`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a frame layout other than grey or RGB.
    pub fn from_frame(frame: &Frame) -> Result<Self> {
        let (width, height) = (frame.width() as usize, frame.height() as usize);
        let bytes = frame.as_bytes();
        let data = match frame.channels() {
            1 => bytes.iter().map(|&v| f32::from(v)).collect(),
            3 => oddframe::frame::bt601_luma_f32(bytes),
            c => {
                return Err(
                    Error::invalid_parameter("frame channels", c, "1 (grey) or 3 (RGB)").into(),
                )
            }
        };
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// [`Error::InvalidParameter`] unless the plane is at least `side`
    /// pixels wide and high (`allowed` says so in words).
    pub(crate) fn require(&self, side: usize, allowed: &'static str) -> Result<()> {
        if self.width >= side && self.height >= side {
            return Ok(());
        }
        let size = format!("{}x{}", self.width, self.height);
        Err(Error::invalid_parameter("frame size", size, allowed).into())
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The samples, row by row.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// The sample at column `x`, row `y`.
    ///
    /// # Panics
    /// When `(x, y)` is outside the plane.
    pub fn get(&self, x: usize, y: usize) -> f32 {
        assert!(x < self.width && y < self.height, "pixel outside the plane");
        self.data[y * self.width + x]
    }
}
