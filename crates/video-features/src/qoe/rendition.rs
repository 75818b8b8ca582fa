//! QoE windows from a reference and a delivered rendition.

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Frame, Result};

use super::{QoeSample, QoeWindower};
use crate::quality::FullReference;

/// Which full-reference score becomes the windows' quality column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum QualityScore {
    /// 100 x SSIM, on the 0..100 scale of the VMAF-trained tables (the
    /// default).
    #[default]
    Ssim,
    /// PSNR in dB (identical frames capped at 100 dB).
    Psnr,
}

/// Turns aligned `(reference, delivered)` frame pairs into QoE windows
/// ([`super::FEATURE_NAMES`]), so a reference and a delivered rendition
/// give the same features as playback telemetry.
///
/// Each pair becomes one [`QoeSample`]: time = the delivered frame's
/// timestamp, duration = one frame at `fps`, quality = SSIM x 100 or PSNR
/// of the pair ([`FullReference`]), bitrate = the current
/// [`RenditionQoe::set_bitrate`], and *stalled* when the delivered frame
/// repeats the previous delivered frame exactly while the reference moved
/// on (a frozen picture). The samples go through a [`QoeWindower`].
///
/// The quality column is SSIM- or PSNR-based, not VMAF: fit detectors on
/// windows made the same way as the windows they will score.
///
/// ```
/// use std::time::Duration;
/// use image::GrayImage;
/// use oddframe::{FeatureExtractor, Frame};
/// use video_features::qoe::{QoeWindower, RenditionQoe};
///
/// let frame = |i: u64, v: u8| Frame::luma(GrayImage::from_pixel(16, 16, [v].into()), i, Duration::from_millis(100 * i));
/// let mut qoe = RenditionQoe::new(10.0, 3000.0, QoeWindower::new(0.5, 0.5)?)?;
/// let mut windows = Vec::new();
/// for i in 0..10 {
///     // the delivered picture freezes from frame 5 on
///     let delivered = frame(i, (i.min(5) * 10) as u8);
///     windows.extend(qoe.push(&(frame(i, (i * 10) as u8), delivered))?);
/// }
/// assert_eq!(windows.len(), 2);
/// assert_eq!(windows[0][4], 0.0); // stall_ratio of [0, 0.5 s)
/// assert_eq!(windows[1][4], 0.8); // frames 6..9 repeat frame 5
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RenditionQoe {
    quality: FullReference,
    score: QualityScore,
    frame_duration: f64,
    bitrate_kbps: f64,
    windower: QoeWindower,
    /// The previous pair's pixels, to detect a frozen delivered picture.
    previous: Option<(Vec<u8>, Vec<u8>)>,
}

impl RenditionQoe {
    /// Pairs at `fps` frames per second delivered at `bitrate_kbps`,
    /// windowed by `windower` (see [`QoeWindower::default`] for the tables'
    /// 5 s / 1 s).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `fps` is finite and > 0 and the
    /// bitrate finite and >= 0.
    pub fn new(fps: f64, bitrate_kbps: f64, windower: QoeWindower) -> Result<Self> {
        if !(fps.is_finite() && fps > 0.0) {
            return Err(Error::invalid_parameter("fps", fps, "finite and > 0"));
        }
        let mut out = Self {
            quality: FullReference::default(),
            score: QualityScore::Ssim,
            frame_duration: 1.0 / fps,
            bitrate_kbps: 0.0,
            windower,
            previous: None,
        };
        out.set_bitrate(bitrate_kbps)?;
        Ok(out)
    }

    /// Uses `score` as the quality column (default [`QualityScore::Ssim`]).
    pub fn score(mut self, score: QualityScore) -> Self {
        self.score = score;
        self
    }

    /// The delivered bitrate from the next pair on (for renditions that
    /// switch bitrate).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless finite and >= 0.
    pub fn set_bitrate(&mut self, kbps: f64) -> Result<()> {
        if !(kbps.is_finite() && kbps >= 0.0) {
            return Err(Error::invalid_parameter(
                "bitrate_kbps",
                kbps,
                "finite and >= 0",
            ));
        }
        self.bitrate_kbps = kbps;
        Ok(())
    }
}

impl FeatureExtractor<(Frame, Frame)> for RenditionQoe {
    fn feature_names(&self) -> Vec<String> {
        self.windower.feature_names()
    }

    /// # Errors
    /// Those of [`FullReference`] (frames of different sizes) and of
    /// [`QoeWindower`] (time going backwards).
    fn push(&mut self, pair: &(Frame, Frame)) -> Result<Vec<Array1<f64>>> {
        let (reference, delivered) = pair;
        let q = self.quality.push(pair)?.remove(0);
        let quality = match self.score {
            QualityScore::Ssim => 100.0 * q[1],
            QualityScore::Psnr => q[0],
        };
        let (r, d) = (reference.as_bytes(), delivered.as_bytes());
        let stalled = self
            .previous
            .as_ref()
            .is_some_and(|(pr, pd)| pd.as_slice() == d && pr.as_slice() != r);
        match &mut self.previous {
            Some((pr, pd)) => {
                pr.clear();
                pr.extend_from_slice(r);
                pd.clear();
                pd.extend_from_slice(d);
            }
            None => self.previous = Some((r.to_vec(), d.to_vec())),
        }
        self.windower.push(&QoeSample {
            time: delivered.timestamp().as_secs_f64(),
            duration: self.frame_duration,
            quality,
            bitrate_kbps: self.bitrate_kbps,
            stalled,
        })
    }

    fn finish(&mut self) -> Result<Vec<Array1<f64>>> {
        self.windower.finish()
    }
}
