//! Full-reference quality: per-frame PSNR and SSIM between a reference and
//! a distorted rendition.
//!
//! - PSNR: `10 log10(MAX^2 / MSE)` per plane, `MAX = 2^depth - 1` (255 for
//!   8-bit samples, 1023 for 10-bit); infinite for identical planes.
//! - SSIM (Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from
//!   error visibility to structural similarity", IEEE TIP 13(4), 2004, eq.
//!   13 with K1 = 0.01, K2 = 0.03, L = MAX): computed in 8x8 windows placed
//!   every 4 pixels inside the plane (the sample statistics of each window
//!   with the N - 1 divisor), averaged over the windows. The paper's
//!   Gaussian 11x11 window weights pixels differently; the 8x8 block form
//!   is what ffmpeg's `ssim` filter reports, so the two can be compared.
//! - For 4:2:0 frames, the frame value (`average`) weights the planes by
//!   their sizes (4 : 1 : 1), as ffmpeg does: PSNR from the weighted mean
//!   MSE, SSIM as the weighted mean.
//! - Over a whole video ([`Summary`]), as ffmpeg's filters summarise:
//!   PSNR from the mean MSE over the frames, SSIM the mean over the frames.
//!
//! [`frame_quality`] works on the planes as the file stores them (decode
//! with [`crate::ffmpeg::Ffmpeg::open_yuv`] or a [`crate::y4m::Y4mReader`]),
//! and [`aligned`] pairs two such streams picture by picture, checking
//! their sizes and times.

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Frame};

use std::time::Duration;

use crate::y4m::{Picture, Y4mFrame};
use crate::SourceError;

const PEAK: f64 = 255.0;

/// Mean squared error of two equally long planes.
fn mse<T: Copy + Into<u64>>(reference: &[T], distorted: &[T]) -> Result<f64, SourceError> {
    if reference.len() != distorted.len() || reference.is_empty() {
        return Err(SourceError::Mismatch(format!(
            "planes of {} and {} samples",
            reference.len(),
            distorted.len()
        )));
    }
    let sum: u64 = reference
        .iter()
        .zip(distorted)
        .map(|(&a, &b)| {
            let (a, b): (u64, u64) = (a.into(), b.into());
            let d = a.abs_diff(b);
            d * d
        })
        .sum();
    Ok(sum as f64 / reference.len() as f64)
}

fn psnr_of_mse(mse: f64, peak: f64) -> f64 {
    10.0 * (peak * peak / mse).log10()
}

/// PSNR in dB of one plane against its reference (infinite when equal).
///
/// ```
/// use video_features::quality::psnr;
/// assert_eq!(psnr(&[10, 20], &[10, 20])?, f64::INFINITY);
/// assert!((psnr(&[0, 0], &[0, 255])? - 3.0103).abs() < 1e-4); // MSE = 255^2 / 2
/// # Ok::<(), video_features::SourceError>(())
/// ```
///
/// # Errors
/// [`SourceError::Mismatch`] for planes of different or zero length.
pub fn psnr(reference: &[u8], distorted: &[u8]) -> Result<f64, SourceError> {
    Ok(psnr_of_mse(mse(reference, distorted)?, PEAK))
}

/// SSIM of one `width x height` plane against its reference, in 8x8
/// windows every 4 pixels (see the module docs).
///
/// ```
/// use video_features::quality::ssim;
/// let a: Vec<u8> = (0..256).map(|i| (i * 7 % 251) as u8).collect();
/// assert!((ssim(&a, &a, 16, 16)? - 1.0).abs() < 1e-12);
/// let b: Vec<u8> = a.iter().map(|&v| 255 - v).collect();
/// assert!(ssim(&a, &b, 16, 16)? < 0.0); // inverted structure
/// # Ok::<(), video_features::SourceError>(())
/// ```
///
/// # Errors
/// [`SourceError::Mismatch`] for planes that are not `width x height` or
/// are smaller than 8 x 8.
pub fn ssim(
    reference: &[u8],
    distorted: &[u8],
    width: usize,
    height: usize,
) -> Result<f64, SourceError> {
    ssim_of(reference, distorted, width, height, PEAK)
}

fn ssim_of<T: Copy + Into<u64>>(
    reference: &[T],
    distorted: &[T],
    width: usize,
    height: usize,
    peak: f64,
) -> Result<f64, SourceError> {
    if reference.len() != width * height || distorted.len() != width * height {
        return Err(SourceError::Mismatch(format!(
            "planes of {} and {} samples for {width}x{height}",
            reference.len(),
            distorted.len()
        )));
    }
    if width < 8 || height < 8 {
        return Err(SourceError::Mismatch(format!(
            "SSIM needs at least 8x8 samples, got {width}x{height}"
        )));
    }
    let c1 = (0.01 * peak) * (0.01 * peak);
    let c2 = (0.03 * peak) * (0.03 * peak);
    let n = 64.0;
    let (mut total, mut windows) = (0.0, 0usize);
    for y0 in (0..=height - 8).step_by(4) {
        for x0 in (0..=width - 8).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0u64, 0u64, 0u64, 0u64, 0u64);
            for y in y0..y0 + 8 {
                let row = y * width + x0;
                for (&a, &b) in reference[row..row + 8].iter().zip(&distorted[row..row + 8]) {
                    let (a, b): (u64, u64) = (a.into(), b.into());
                    sa += a;
                    sb += b;
                    saa += a * a;
                    sbb += b * b;
                    sab += a * b;
                }
            }
            let (sa, sb) = (sa as f64, sb as f64);
            let (ma, mb) = (sa / n, sb / n);
            let va = (saa as f64 - sa * sa / n) / (n - 1.0);
            let vb = (sbb as f64 - sb * sb / n) / (n - 1.0);
            let cov = (sab as f64 - sa * sb / n) / (n - 1.0);
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            windows += 1;
        }
    }
    Ok(total / windows as f64)
}

/// Per-plane and frame quality of one distorted frame, in the order
/// ffmpeg names them: Y, U (Cb), V (Cr), and the frame (ffmpeg's `psnr_avg`
/// and `All`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct FrameQuality {
    /// Mean squared error of Y, Cb, Cr, and of the frame (weighted mean).
    pub mse: [f64; 4],
    /// PSNR (dB) of Y, Cb, Cr, and of the frame (weighted mean MSE).
    pub psnr: [f64; 4],
    /// SSIM of Y, Cb, Cr, and of the frame (weighted mean).
    pub ssim: [f64; 4],
    /// Largest sample value, `2^depth - 1`, the PSNR's peak.
    pub peak: f64,
}

/// One plane's samples, widened when deeper than 8 bits.
enum Samples<'a> {
    Narrow(&'a [u8]),
    Wide(Vec<u16>),
}

fn samples(frame: &Y4mFrame, plane: usize) -> Samples<'_> {
    let bytes = [frame.y(), frame.cb(), frame.cr()][plane];
    if frame.bit_depth() <= 8 {
        return Samples::Narrow(bytes);
    }
    Samples::Wide(
        bytes
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect(),
    )
}

/// MSE and SSIM of one plane.
fn plane_quality(
    reference: &Y4mFrame,
    distorted: &Y4mFrame,
    plane: usize,
    (w, h): (usize, usize),
    peak: f64,
) -> Result<(f64, f64), SourceError> {
    match (samples(reference, plane), samples(distorted, plane)) {
        (Samples::Narrow(a), Samples::Narrow(b)) => Ok((mse(a, b)?, ssim_of(a, b, w, h, peak)?)),
        (Samples::Wide(a), Samples::Wide(b)) => Ok((mse(&a, &b)?, ssim_of(&a, &b, w, h, peak)?)),
        _ => Err(SourceError::Mismatch("planes of different depths".into())),
    }
}

/// PSNR and SSIM of every plane of `distorted` against `reference`, on the
/// stored (limited-range) values of any depth, as ffmpeg's `psnr` and
/// `ssim` filters report them. Mono frames have only the Y plane (the
/// others repeat it).
///
/// # Errors
/// [`SourceError::Mismatch`] when the frames differ in size, layout or
/// depth, with both.
pub fn frame_quality(
    reference: &Y4mFrame,
    distorted: &Y4mFrame,
) -> Result<FrameQuality, SourceError> {
    if layout(reference) != layout(distorted) {
        return Err(SourceError::Mismatch(format!(
            "the reference is {} and the distorted frame {}",
            layout(reference),
            layout(distorted)
        )));
    }
    let peak = f64::from((1u32 << reference.bit_depth()) - 1);
    let (w, h) = (reference.width() as usize, reference.height() as usize);
    let (cw, ch) = reference
        .colorspace()
        .chroma_size(reference.width(), reference.height());
    let (cw, ch) = (cw as usize, ch as usize);
    let (mse_y, ssim_y) = plane_quality(reference, distorted, 0, (w, h), peak)?;
    if cw == 0 {
        let p = psnr_of_mse(mse_y, peak);
        return Ok(FrameQuality {
            mse: [mse_y; 4],
            psnr: [p; 4],
            ssim: [ssim_y; 4],
            peak,
        });
    }
    let (mse_u, ssim_u) = plane_quality(reference, distorted, 1, (cw, ch), peak)?;
    let (mse_v, ssim_v) = plane_quality(reference, distorted, 2, (cw, ch), peak)?;
    let (wy, wc) = ((w * h) as f64, (cw * ch) as f64);
    let total = wy + 2.0 * wc;
    let mse_avg = (wy * mse_y + wc * (mse_u + mse_v)) / total;
    let ssim_avg = (wy * ssim_y + wc * (ssim_u + ssim_v)) / total;
    let mse = [mse_y, mse_u, mse_v, mse_avg];
    Ok(FrameQuality {
        mse,
        psnr: mse.map(|m| psnr_of_mse(m, peak)),
        ssim: [ssim_y, ssim_u, ssim_v, ssim_avg],
        peak,
    })
}

/// Size, chroma subsampling and depth of a frame (`176x144 420`,
/// `1920x1080 422p10`): what must agree for two frames to be compared.
/// The chroma siting is left out, as ffmpeg's filters leave it out: a
/// YUV4MPEG2 `420jpeg` reference and an H.264 `420mpeg2` rendition have
/// the same planes.
fn layout(f: &Y4mFrame) -> String {
    use crate::y4m::Colorspace;
    let family = match f.colorspace() {
        Colorspace::C422 => "422",
        Colorspace::C444 => "444",
        Colorspace::Mono => "mono",
        _ => "420",
    };
    let depth = match (f.bit_depth(), f.colorspace()) {
        (8, _) => String::new(),
        (d, Colorspace::Mono) => d.to_string(),
        (d, _) => format!("p{d}"),
    };
    format!("{}x{} {family}{depth}", f.width(), f.height())
}

/// The quality of a whole video, summarised as ffmpeg's `psnr` and `ssim`
/// filters summarise it at the end of a run: PSNR from the mean MSE over
/// the frames (per plane and for the frame), SSIM the mean over the frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    frames: u64,
    mse: [f64; 4],
    ssim: [f64; 4],
    peak: f64,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frame's quality.
    pub fn push(&mut self, q: &FrameQuality) {
        self.frames += 1;
        self.peak = q.peak;
        for k in 0..4 {
            self.mse[k] += q.mse[k];
            self.ssim[k] += q.ssim[k];
        }
    }

    /// Frames added.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// PSNR of Y, U, V and the frame (ffmpeg's `y`, `u`, `v`, `average`);
    /// `None` before the first frame.
    pub fn psnr(&self) -> Option<[f64; 4]> {
        let n = self.frames as f64;
        (self.frames > 0).then(|| self.mse.map(|m| psnr_of_mse(m / n, self.peak)))
    }

    /// Mean SSIM of Y, U, V and the frame (ffmpeg's `Y`, `U`, `V`, `All`);
    /// `None` before the first frame.
    pub fn ssim(&self) -> Option<[f64; 4]> {
        let n = self.frames as f64;
        (self.frames > 0).then(|| self.ssim.map(|s| s / n))
    }
}

/// Pairs the pictures of a reference and a distorted video for
/// full-reference quality, as ffmpeg's `psnr` and `ssim` filters pair
/// them: by presentation time, each video's times counted from its first
/// picture. Picture `i` of one is paired with picture `i` of the other,
/// and each pair is checked: the times must agree within half the
/// reference's interval to its previous picture (past that, a
/// nearest-time pairing would pair differently), the sizes and layouts
/// must be equal, and both videos must end together.
///
/// The iterator yields `Result<(reference, distorted)>`; a pair that
/// cannot be aligned is a [`SourceError::Mismatch`] naming the picture and
/// the numbers that disagree (sizes, times, lengths), after which it
/// yields nothing more.
pub fn aligned<R, D>(reference: R, distorted: D) -> Aligned<R::IntoIter, D::IntoIter>
where
    R: IntoIterator<Item = Result<Picture, SourceError>>,
    D: IntoIterator<Item = Result<Picture, SourceError>>,
{
    Aligned {
        reference: reference.into_iter(),
        distorted: distorted.into_iter(),
        origin: None,
        previous: None,
        pairs: 0,
        done: false,
    }
}

/// The iterator of [`aligned`].
#[derive(Debug)]
pub struct Aligned<R, D> {
    reference: R,
    distorted: D,
    /// The first pictures' times.
    origin: Option<(Duration, Duration)>,
    /// The previous reference picture's time.
    previous: Option<Duration>,
    pairs: u64,
    done: bool,
}

impl<R, D> Aligned<R, D> {
    fn check(&mut self, r: &Picture, d: &Picture) -> Result<(), SourceError> {
        let i = self.pairs;
        let (lr, ld) = (layout(&r.frame), layout(&d.frame));
        if lr != ld {
            return Err(SourceError::Mismatch(format!(
                "picture {i}: the reference is {lr}, the distorted video {ld}"
            )));
        }
        let (r0, d0) = *self.origin.get_or_insert((r.timestamp, d.timestamp));
        let rel = |t: Duration, t0: Duration| t.as_secs_f64() - t0.as_secs_f64();
        let (tr, td) = (rel(r.timestamp, r0), rel(d.timestamp, d0));
        let tolerance = self.previous.map_or(0.0, |p| rel(r.timestamp, p) / 2.0);
        if (tr - td).abs() > tolerance.max(1e-6) {
            return Err(SourceError::Mismatch(format!(
                "picture {i} is at {tr:.6} s in the reference and at {td:.6} s in the distorted                  video (from each one's first picture): their rates differ or pictures are                  missing from one"
            )));
        }
        self.previous = Some(r.timestamp);
        Ok(())
    }
}

impl<R, D> Iterator for Aligned<R, D>
where
    R: Iterator<Item = Result<Picture, SourceError>>,
    D: Iterator<Item = Result<Picture, SourceError>>,
{
    type Item = Result<(Picture, Picture), SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let ends = |which: &str, other: &str, n: u64| {
            Err(SourceError::Mismatch(format!(
                "the {which} ends after {n} pictures, the {other} has more"
            )))
        };
        let r = match (self.reference.next(), self.distorted.next()) {
            (None, None) => Ok(None),
            (Some(Err(e)), _) | (_, Some(Err(e))) => Err(e),
            (Some(Ok(_)), None) => ends("distorted video", "reference", self.pairs),
            (None, Some(Ok(_))) => ends("reference", "distorted video", self.pairs),
            (Some(Ok(r)), Some(Ok(d))) => self.check(&r, &d).map(|()| Some((r, d))),
        };
        match r {
            Ok(Some(pair)) => {
                self.pairs += 1;
                Some(Ok(pair))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A [`FeatureExtractor`] of `(reference, distorted)` frame pairs, aligned
/// by the caller (same index): `psnr` and `ssim` of the grey frames, or of
/// the mean over the R, G and B channels for RGB frames. Identical frames
/// have infinite PSNR, reported as `cap_db` (default 100 dB) so the vector
/// stays finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FullReference {
    cap_db: f64,
}

impl Default for FullReference {
    fn default() -> Self {
        Self { cap_db: 100.0 }
    }
}

impl FullReference {
    /// PSNR of identical frames reported as `cap_db`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a value that is not finite and > 0.
    pub fn with_cap(cap_db: f64) -> Result<Self, Error> {
        if !(cap_db.is_finite() && cap_db > 0.0) {
            return Err(Error::invalid_parameter("cap_db", cap_db, "finite and > 0"));
        }
        Ok(Self { cap_db })
    }
}

impl FeatureExtractor<(Frame, Frame)> for FullReference {
    fn feature_names(&self) -> Vec<String> {
        vec!["psnr".into(), "ssim".into()]
    }

    fn push(&mut self, pair: &(Frame, Frame)) -> oddframe::Result<Vec<Array1<f64>>> {
        let (r, d) = pair;
        let shape = |f: &Frame| (f.width(), f.height(), f.channels());
        if shape(r) != shape(d) {
            return Err(SourceError::Mismatch(format!(
                "reference frame {} is {:?}, distorted frame {} is {:?}",
                r.index(),
                shape(r),
                d.index(),
                shape(d)
            ))
            .into());
        }
        let (w, h, c) = (r.width() as usize, r.height() as usize, r.channels());
        let (mut m, mut s) = (0.0, 0.0);
        if c == 1 {
            // grey frames are already planes
            m = mse(r.as_bytes(), d.as_bytes())?;
            s = ssim(r.as_bytes(), d.as_bytes(), w, h)?;
        } else {
            for k in 0..c {
                let plane = |f: &Frame| -> Vec<u8> {
                    f.as_bytes().iter().skip(k).step_by(c).copied().collect()
                };
                let (pr, pd) = (plane(r), plane(d));
                m += mse(&pr, &pd)?;
                s += ssim(&pr, &pd, w, h)?;
            }
        }
        let p = psnr_of_mse(m / c as f64, PEAK).min(self.cap_db);
        Ok(vec![Array1::from(vec![p, s / c as f64])])
    }
}
