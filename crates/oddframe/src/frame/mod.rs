//! Video frames: an 8-bit `image` buffer with its index and timestamp.

mod difference;

use std::time::Duration;

use image::{GrayImage, RgbImage};

pub use difference::FrameDifference;

/// BT.601 luma of interleaved 8-bit RGB, `0.299 R + 0.587 G + 0.114 B`,
/// rounded to the nearest integer (halves up), computed exactly in
/// integers. (The `image` crate's own grey conversion uses BT.709 weights.)
///
/// ```
/// let rgb = image::RgbImage::from_pixel(1, 1, image::Rgb([255, 0, 0]));
/// assert_eq!(oddframe::frame::bt601_luma(&rgb).get_pixel(0, 0).0, [76]);
/// ```
pub fn bt601_luma(rgb: &RgbImage) -> GrayImage {
    let data: Vec<u8> = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            // exact integer arithmetic on the decimal weights, rounding
            // halves up; at most 255 000 + 500, so it never overflows u32
            let y = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
            ((y + 500) / 1000) as u8
        })
        .collect();
    let (w, h) = rgb.dimensions();
    GrayImage::from_raw(w, h, data).unwrap_or_else(|| GrayImage::new(w, h))
}

/// BT.601 luma of interleaved 8-bit RGB in 8-bit units, unrounded
/// (`0.299 R + 0.587 G + 0.114 B` in `f32`), eight pixels at a time so that
/// the weighting vectorises: what the artifact detectors measure.
///
/// ```
/// let y = oddframe::frame::bt601_luma_f32(&[255, 0, 0, 0, 0, 255]);
/// assert!((y[0] - 0.299 * 255.0).abs() < 1e-3 && (y[1] - 0.114 * 255.0).abs() < 1e-3);
/// ```
pub fn bt601_luma_f32(rgb: &[u8]) -> Vec<f32> {
    let weigh =
        |r: u8, g: u8, b: u8| 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
    let mut out = Vec::with_capacity(rgb.len() / 3);
    let chunks = rgb.chunks_exact(24);
    let rest = chunks.remainder();
    for c in chunks {
        let channel = |k: usize| -> [f32; 8] { std::array::from_fn(|i| f32::from(c[3 * i + k])) };
        let (r, g, b) = (channel(0), channel(1), channel(2));
        out.extend((0..8).map(|i| 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]));
    }
    out.extend(rest.chunks_exact(3).map(|p| weigh(p[0], p[1], p[2])));
    out
}

/// The pixels of a [`Frame`]: 8-bit grey or 8-bit RGB.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameBuffer {
    /// One 8-bit luma channel.
    Luma(GrayImage),
    /// Three interleaved 8-bit channels, red first.
    Rgb(RgbImage),
}

/// One decoded video frame.
///
/// Frame sources yield `Result<Frame>`; `index` counts frames from the start
/// of the source (before any sampling) and `timestamp` is the presentation
/// time from the start of the stream.
///
/// ```
/// use std::time::Duration;
/// use image::GrayImage;
/// use oddframe::Frame;
///
/// let frame = Frame::luma(GrayImage::new(64, 48), 12, Duration::from_millis(480));
/// assert_eq!((frame.width(), frame.height(), frame.channels()), (64, 48, 1));
/// assert_eq!(frame.index(), 12);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    buffer: FrameBuffer,
    index: u64,
    timestamp: Duration,
    duration: Option<Duration>,
}

impl Frame {
    /// A frame from any buffer.
    pub fn new(buffer: FrameBuffer, index: u64, timestamp: Duration) -> Self {
        Self {
            buffer,
            index,
            timestamp,
            duration: None,
        }
    }

    /// The same frame shown for `duration` (`None`: unknown).
    ///
    /// ```
    /// use std::time::Duration;
    /// use oddframe::Frame;
    /// let f = Frame::luma(image::GrayImage::new(2, 2), 0, Duration::ZERO);
    /// assert_eq!(f.duration(), None);
    /// let f = f.with_duration(Some(Duration::from_millis(40)));
    /// assert_eq!(f.duration(), Some(Duration::from_millis(40)));
    /// ```
    pub fn with_duration(mut self, duration: Option<Duration>) -> Self {
        self.duration = duration;
        self
    }

    /// How long the frame is shown, when the source knows it (a constant
    /// rate's interval, for instance).
    pub fn duration(&self) -> Option<Duration> {
        self.duration
    }

    /// A grey frame.
    pub fn luma(image: GrayImage, index: u64, timestamp: Duration) -> Self {
        Self::new(FrameBuffer::Luma(image), index, timestamp)
    }

    /// A colour frame.
    pub fn rgb(image: RgbImage, index: u64, timestamp: Duration) -> Self {
        Self::new(FrameBuffer::Rgb(image), index, timestamp)
    }

    /// The pixels.
    pub fn buffer(&self) -> &FrameBuffer {
        &self.buffer
    }

    /// Takes the pixels out of the frame.
    pub fn into_buffer(self) -> FrameBuffer {
        self.buffer
    }

    /// Position of the frame in its source, counted from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Presentation time from the start of the stream.
    pub fn timestamp(&self) -> Duration {
        self.timestamp
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        match &self.buffer {
            FrameBuffer::Luma(i) => i.width(),
            FrameBuffer::Rgb(i) => i.width(),
        }
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        match &self.buffer {
            FrameBuffer::Luma(i) => i.height(),
            FrameBuffer::Rgb(i) => i.height(),
        }
    }

    /// Number of channels: 1 for grey, 3 for RGB.
    pub fn channels(&self) -> usize {
        match &self.buffer {
            FrameBuffer::Luma(_) => 1,
            FrameBuffer::Rgb(_) => 3,
        }
    }

    /// The frame as grey: a grey frame's own plane (borrowed), an RGB
    /// frame's [`bt601_luma`].
    pub fn to_luma(&self) -> std::borrow::Cow<'_, GrayImage> {
        match &self.buffer {
            FrameBuffer::Luma(i) => std::borrow::Cow::Borrowed(i),
            FrameBuffer::Rgb(i) => std::borrow::Cow::Owned(bt601_luma(i)),
        }
    }

    /// The interleaved 8-bit samples, row by row.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.buffer {
            FrameBuffer::Luma(i) => i.as_raw(),
            FrameBuffer::Rgb(i) => i.as_raw(),
        }
    }
}

/// Frames in saved files (feature `serde`): size, channels, index,
/// timestamp and the pixels packed as base64; reading checks that the
/// pixels fill the size exactly.
#[cfg(feature = "serde")]
mod serde_frame {
    use std::time::Duration;

    use base64::Engine;
    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    use super::{Frame, FrameBuffer};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        width: u32,
        height: u32,
        channels: u8,
        index: u64,
        timestamp_ns: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ns: Option<u64>,
        pixels: String,
    }

    impl Serialize for Frame {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Body {
                width: self.width(),
                height: self.height(),
                channels: self.channels() as u8,
                index: self.index,
                timestamp_ns: u64::try_from(self.timestamp.as_nanos()).unwrap_or(u64::MAX),
                duration_ns: self
                    .duration
                    .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
                pixels: base64::engine::general_purpose::STANDARD.encode(self.as_bytes()),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for Frame {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let b = Body::deserialize(d)?;
            let want = u64::from(b.width)
                .saturating_mul(u64::from(b.height))
                .saturating_mul(u64::from(b.channels));
            // refuse absurd sizes before decoding
            if want > (1 << 31) || (b.pixels.len() as u64) / 4 * 3 > want + 3 {
                return Err(D::Error::custom(format!(
                    "a {}x{}x{} frame is too large or its pixels too long",
                    b.width, b.height, b.channels
                )));
            }
            let pixels = base64::engine::general_purpose::STANDARD
                .decode(&b.pixels)
                .map_err(D::Error::custom)?;
            if pixels.len() as u64 != want {
                return Err(D::Error::custom(format!(
                    "{} pixel bytes for a {}x{}x{} frame",
                    pixels.len(),
                    b.width,
                    b.height,
                    b.channels
                )));
            }
            let buffer = match b.channels {
                1 => image::GrayImage::from_raw(b.width, b.height, pixels).map(FrameBuffer::Luma),
                3 => image::RgbImage::from_raw(b.width, b.height, pixels).map(FrameBuffer::Rgb),
                c => return Err(D::Error::custom(format!("{c} channels (1 or 3)"))),
            }
            .ok_or_else(|| D::Error::custom("pixels do not fill the frame"))?;
            Ok(
                Frame::new(buffer, b.index, Duration::from_nanos(b.timestamp_ns))
                    .with_duration(b.duration_ns.map(Duration::from_nanos)),
            )
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn frames_round_trip_and_bad_ones_are_errors() {
            let f = Frame::rgb(
                image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 7])),
                4,
                Duration::from_millis(160),
            );
            let text = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Frame>(&text).ok(), Some(f.clone()));
            let f = f.with_duration(Some(Duration::from_millis(40)));
            let text = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Frame>(&text).ok(), Some(f));
            for bad in [
                r#"{"width":3,"height":2,"channels":3,"index":0,"timestamp_ns":0,"pixels":"AAAA"}"#,
                r#"{"width":1,"height":1,"channels":2,"index":0,"timestamp_ns":0,"pixels":"AAA="}"#,
                r#"{"width":4000000000,"height":4000000000,"channels":3,"index":0,"timestamp_ns":0,"pixels":""}"#,
                r#"{"width":1,"height":1,"channels":1,"index":0,"timestamp_ns":0,"pixels":"@@"}"#,
            ] {
                assert!(serde_json::from_str::<Frame>(bad).is_err(), "{bad}");
            }
        }
    }
}
