//! Full-reference quality: per-frame PSNR and SSIM between a reference and
//! a distorted rendition.
//!
//! - PSNR: `10 log10(255^2 / MSE)` per plane; infinite for identical planes.
//! - SSIM (Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from
//!   error visibility to structural similarity", IEEE TIP 13(4), 2004, eq.
//!   13 with K1 = 0.01, K2 = 0.03, L = 255): computed in 8x8 windows placed
//!   every 4 pixels inside the plane (the sample statistics of each window
//!   with the N - 1 divisor), averaged over the windows. The paper's
//!   Gaussian 11x11 window weights pixels differently; the 8x8 block form
//!   is what ffmpeg's `ssim` filter reports, so the two can be compared.
//! - For 4:2:0 frames, the frame value (`average`) weights the planes by
//!   their sizes (4 : 1 : 1), as ffmpeg does: PSNR from the weighted mean
//!   MSE, SSIM as the weighted mean.

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Frame};

use crate::y4m::Y4mFrame;
use crate::SourceError;

const PEAK: f64 = 255.0;

/// Mean squared error of two equally long planes.
fn mse(reference: &[u8], distorted: &[u8]) -> Result<f64, SourceError> {
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
            let d = u64::from(a.abs_diff(b));
            d * d
        })
        .sum();
    Ok(sum as f64 / reference.len() as f64)
}

fn psnr_of_mse(mse: f64) -> f64 {
    10.0 * (PEAK * PEAK / mse).log10()
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
    Ok(psnr_of_mse(mse(reference, distorted)?))
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
    let c1 = (0.01 * PEAK) * (0.01 * PEAK);
    let c2 = (0.03 * PEAK) * (0.03 * PEAK);
    let n = 64.0;
    let (mut total, mut windows) = (0.0, 0usize);
    for y0 in (0..=height - 8).step_by(4) {
        for x0 in (0..=width - 8).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0u64, 0u64, 0u64, 0u64, 0u64);
            for y in y0..y0 + 8 {
                let row = y * width + x0;
                for (&a, &b) in reference[row..row + 8].iter().zip(&distorted[row..row + 8]) {
                    let (a, b) = (u64::from(a), u64::from(b));
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

/// Per-plane and frame quality of one distorted frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameQuality {
    /// PSNR (dB) of Y, Cb, Cr, and of the frame (weighted mean MSE).
    pub psnr: [f64; 4],
    /// SSIM of Y, Cb, Cr, and of the frame (weighted mean).
    pub ssim: [f64; 4],
}

/// PSNR and SSIM of every plane of `distorted` against `reference`, on the
/// stored (limited-range) values, as ffmpeg's `psnr` and `ssim` filters
/// report them. Mono frames have only the Y plane (the others repeat it).
///
/// # Errors
/// [`SourceError::Mismatch`] when the frames differ in size or layout.
pub fn frame_quality(
    reference: &Y4mFrame,
    distorted: &Y4mFrame,
) -> Result<FrameQuality, SourceError> {
    let layout = |f: &Y4mFrame| (f.width(), f.height(), f.colorspace());
    if layout(reference) != layout(distorted) {
        return Err(SourceError::Mismatch(format!(
            "reference {:?} and distorted {:?} differ",
            layout(reference),
            layout(distorted)
        )));
    }
    let (w, h) = (reference.width() as usize, reference.height() as usize);
    let (cw, ch) = reference
        .colorspace()
        .chroma_size(reference.width(), reference.height());
    let (cw, ch) = (cw as usize, ch as usize);
    let mse_y = mse(reference.y(), distorted.y())?;
    let ssim_y = ssim(reference.y(), distorted.y(), w, h)?;
    if cw == 0 {
        let p = psnr_of_mse(mse_y);
        return Ok(FrameQuality {
            psnr: [p; 4],
            ssim: [ssim_y; 4],
        });
    }
    let (mse_u, mse_v) = (
        mse(reference.cb(), distorted.cb())?,
        mse(reference.cr(), distorted.cr())?,
    );
    let (ssim_u, ssim_v) = (
        ssim(reference.cb(), distorted.cb(), cw, ch)?,
        ssim(reference.cr(), distorted.cr(), cw, ch)?,
    );
    let (wy, wc) = ((w * h) as f64, (cw * ch) as f64);
    let total = wy + 2.0 * wc;
    let mse_avg = (wy * mse_y + wc * (mse_u + mse_v)) / total;
    let ssim_avg = (wy * ssim_y + wc * (ssim_u + ssim_v)) / total;
    Ok(FrameQuality {
        psnr: [
            psnr_of_mse(mse_y),
            psnr_of_mse(mse_u),
            psnr_of_mse(mse_v),
            psnr_of_mse(mse_avg),
        ],
        ssim: [ssim_y, ssim_u, ssim_v, ssim_avg],
    })
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
        let p = psnr_of_mse(m / c as f64).min(self.cap_db);
        Ok(vec![Array1::from(vec![p, s / c as f64])])
    }
}
