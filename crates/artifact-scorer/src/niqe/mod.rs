//! Quality: NIQE, the Naturalness Image Quality Evaluator (Mittal,
//! Soundararajan and Bovik, "Making a 'completely blind' image quality
//! analyzer", IEEE Signal Processing Letters 2013).
//!
//! Natural images, normalised locally, have very regular statistics;
//! distortions of any kind disturb them. NIQE measures how far a frame's
//! statistics lie from a model fitted on pristine images:
//! 1. **MSCN**: the luma less its local mean, over its local standard
//!    deviation plus 1 (both weighted by a 7x7 Gaussian of sigma 7/6, edges
//!    repeated).
//! 2. **Features** per [`PATCH`]-pixel patch, at two scales (the frame and
//!    the frame halved by 2x2 averaging; the original halves by bicubic
//!    resizing), 18 per scale: a generalised Gaussian's shape and variance
//!    fitted to the MSCN values, and an asymmetric generalised Gaussian's
//!    shape, mean, left and right variance fitted to the products of
//!    horizontally, vertically and both diagonally adjacent MSCN values
//!    (within the patch).
//! 3. **Pristine model**: the mean `m1` and covariance `S1` of the features
//!    of the sharpest patches (local deviation above 0.75 of the image's
//!    sharpest patch) of pristine images. The one shipped
//!    ([`NiqeModel::pristine`]) was fitted by the `fit_niqe` example on
//!    eight public-domain and CC0 photographs and textures (see
//!    `testdata/niqe`), none of them in the validation set.
//! 4. **Score**: the frame's patches give `m2` and `S2`, and
//!    `NIQE = sqrt((m1 - m2)' ((S1 + S2) / 2)^-1 (m1 - m2))`.
//!
//! Both covariances are shrunk (the paper inverts with a pseudo-inverse): a
//! fitted model's towards its own diagonal and a frame's towards the
//! model's, each with the weight of [`SHRINKAGE`] pseudo-patches, so that a
//! frame of a few patches still has a well-posed score.
//!
//! Quality maps NIQE to `0..=1` by `1 / (1 + (NIQE / NIQE_MID)^2)`: 1 for
//! the model's own statistics, 0.5 at [`NIQE_MID`], falling towards 0 as
//! the statistics grow unnatural. Patches without structure (flat) carry no
//! statistics and are skipped; a frame with none has no NIQE and quality 0.

mod stats;

use nalgebra::{DMatrix, DVector};
use oddframe::{Error, Result};

use crate::Luma;
use stats::{aggd_from, ggd_from, Moments};

mod model;

/// Side of the patches (pixels at full scale).
pub const PATCH: usize = 96;
/// Features per patch (18 per scale, two scales).
pub const FEATURES: usize = 36;
/// Pseudo-patches each covariance is shrunk with.
pub const SHRINKAGE: f64 = 36.0;
/// Patches at least this share of the sharpest one's deviation are pristine.
pub const SHARPNESS_SHARE: f64 = 0.75;
/// NIQE at which quality is 0.5.
pub const NIQE_MID: f64 = 8.0;

/// A multivariate Gaussian model of pristine patches' features.
#[derive(Debug, Clone, PartialEq)]
pub struct NiqeModel {
    mean: [f64; FEATURES],
    covariance: Vec<[f64; FEATURES]>,
    patches: usize,
}

/// NIQE of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Niqe {
    /// The distance from the pristine model; `None` when no patch has structure.
    pub distance: Option<f64>,
    /// Quality in `0..=1` from the distance (module docs).
    pub quality: f64,
    /// Patches measured.
    pub patches: usize,
}

impl NiqeModel {
    /// The model shipped with the crate (module docs).
    pub fn pristine() -> Self {
        Self {
            mean: model::MEAN,
            covariance: model::COVARIANCE.to_vec(),
            patches: model::PATCHES,
        }
    }

    /// Fits a model on pristine images: the features of each image's
    /// sharpest patches (deviation at least [`SHARPNESS_SHARE`] of its
    /// sharpest), their mean, and their covariance shrunk towards its
    /// diagonal.
    ///
    /// # Errors
    /// [`Error::Empty`] when the images hold fewer than two patches with
    /// structure.
    pub fn fit(images: &[Luma]) -> Result<Self> {
        let mut rows: Vec<[f64; FEATURES]> = Vec::new();
        for luma in images {
            let patches = patch_features(luma);
            let sharpest = patches.iter().map(|p| p.sharpness).fold(0.0, f64::max);
            rows.extend(
                patches
                    .iter()
                    .filter(|p| p.sharpness >= SHARPNESS_SHARE * sharpest)
                    .filter_map(|p| p.features),
            );
        }
        if rows.len() < 2 {
            return Err(Error::Empty {
                what: "patches with structure in the NIQE fitting images",
            });
        }
        let (mean, cov) = mean_covariance(&rows);
        let n = rows.len() as f64;
        let covariance = (0..FEATURES)
            .map(|i| {
                let mut row = [0.0; FEATURES];
                for (j, v) in row.iter_mut().enumerate() {
                    let target = if i == j { cov[(i, i)] } else { 0.0 };
                    *v = (n * cov[(i, j)] + SHRINKAGE * target) / (n + SHRINKAGE);
                }
                row
            })
            .collect();
        Ok(Self {
            mean,
            covariance,
            patches: rows.len(),
        })
    }

    /// The feature means.
    pub fn mean(&self) -> &[f64; FEATURES] {
        &self.mean
    }

    /// The (shrunk) feature covariance, row by row.
    pub fn covariance(&self) -> &[[f64; FEATURES]] {
        &self.covariance
    }

    /// Patches the model was fitted on.
    pub fn patches(&self) -> usize {
        self.patches
    }

    fn covariance_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_fn(FEATURES, FEATURES, |i, j| self.covariance[i][j])
    }

    /// NIQE of `luma` against this model.
    ///
    /// ```
    /// use artifact_scorer::niqe::NiqeModel;
    /// use artifact_scorer::Luma;
    /// use oddframe::{image::GrayImage, Frame};
    ///
    /// // a texture, and the same texture with strong noise
    /// let tex = |x: u32, y: u32| 128.0 + 60.0 * ((x as f32 * 0.21).sin() * (y as f32 * 0.17).cos());
    /// let mut s = 1u32;
    /// let mut noise = || { s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); (s >> 24) as f32 - 128.0 };
    /// let clean = GrayImage::from_fn(192, 192, |x, y| [tex(x, y) as u8].into());
    /// let noisy = GrayImage::from_fn(192, 192, |x, y| [(tex(x, y) + 0.5 * noise()).clamp(0.0, 255.0) as u8].into());
    /// let m = |i| NiqeModel::pristine().measure(&Luma::from_frame(&Frame::luma(i, 0, Default::default()))?);
    /// let (a, b) = (m(clean)?, m(noisy)?);
    /// assert_eq!(a.patches, 4);
    /// assert!(b.distance > a.distance && b.quality < a.quality);
    /// # Ok::<(), oddframe::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a frame smaller than one patch.
    pub fn measure(&self, luma: &Luma) -> Result<Niqe> {
        luma.require(PATCH, "at least 96x96 pixels (one NIQE patch)")?;
        let rows: Vec<[f64; FEATURES]> = patch_features(luma)
            .iter()
            .filter_map(|p| p.features)
            .collect();
        if rows.is_empty() {
            return Ok(Niqe {
                distance: None,
                quality: 0.0,
                patches: 0,
            });
        }
        let (mean, cov) = mean_covariance(&rows);
        let n = rows.len() as f64;
        let model = self.covariance_matrix();
        let frame = (cov * n + &model * SHRINKAGE) / (n + SHRINKAGE);
        let pooled = (model + frame) * 0.5;
        let d = DVector::from_iterator(FEATURES, self.mean.iter().zip(&mean).map(|(a, b)| a - b));
        let distance = match pooled.cholesky() {
            Some(c) => d.dot(&c.solve(&d)).max(0.0).sqrt(),
            None => {
                return Err(Error::invalid_parameter(
                    "NIQE covariance",
                    "singular",
                    "positive definite",
                ))
            }
        };
        Ok(Niqe {
            distance: Some(distance),
            quality: 1.0 / (1.0 + (distance / NIQE_MID).powi(2)),
            patches: rows.len(),
        })
    }
}

/// One patch: its sharpness (mean local deviation at full scale) and its
/// features (`None` when it is flat).
struct Patch {
    sharpness: f64,
    features: Option<[f64; FEATURES]>,
}

/// The features of every whole patch of `luma`, row by row.
fn patch_features(luma: &Luma) -> Vec<Patch> {
    let full = Mscn::of(luma.as_slice(), luma.width(), luma.height());
    let half_plane = halved(luma);
    let half = Mscn::of(&half_plane, luma.width() / 2, luma.height() / 2);
    let (cols, rows) = (luma.width() / PATCH, luma.height() / PATCH);
    let mut out = Vec::with_capacity(cols * rows);
    for py in 0..rows {
        for px in 0..cols {
            let sharpness = full.mean_deviation(px * PATCH, py * PATCH, PATCH);
            let a = full.features(px * PATCH, py * PATCH, PATCH);
            let b = half.features(px * PATCH / 2, py * PATCH / 2, PATCH / 2);
            let features = a.zip(b).map(|(a, b)| {
                let mut f = [0.0; FEATURES];
                f[..18].copy_from_slice(&a);
                f[18..].copy_from_slice(&b);
                f
            });
            out.push(Patch {
                sharpness,
                features,
            });
        }
    }
    out
}

/// `luma` halved by 2x2 averaging.
fn halved(luma: &Luma) -> Vec<f32> {
    let (w, p) = (luma.width(), luma.as_slice());
    let (hw, hh) = (w / 2, luma.height() / 2);
    let mut out = Vec::with_capacity(hw * hh);
    for y in 0..hh {
        let (r0, r1) = (&p[2 * y * w..][..w], &p[(2 * y + 1) * w..][..w]);
        for x in 0..hw {
            out.push(0.25 * (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]));
        }
    }
    out
}

/// MSCN coefficients and local deviations of a plane.
struct Mscn {
    w: usize,
    coeff: Vec<f32>,
    deviation: Vec<f32>,
}

impl Mscn {
    fn of(p: &[f32], w: usize, h: usize) -> Self {
        let kernel = gaussian_7();
        let mean = separable(p, w, h, &kernel);
        let squares: Vec<f32> = p.iter().map(|v| v * v).collect();
        let mean_sq = separable(&squares, w, h, &kernel);
        let deviation: Vec<f32> = mean
            .iter()
            .zip(&mean_sq)
            .map(|(m, s)| (s - m * m).abs().sqrt())
            .collect();
        let coeff = p
            .iter()
            .zip(&mean)
            .zip(&deviation)
            .map(|((v, m), d)| (v - m) / (d + 1.0))
            .collect();
        Self {
            w,
            coeff,
            deviation,
        }
    }

    fn mean_deviation(&self, x0: usize, y0: usize, side: usize) -> f64 {
        let sum: f64 = (y0..y0 + side)
            .map(|y| {
                self.deviation[y * self.w + x0..][..side]
                    .iter()
                    .map(|&d| f64::from(d))
                    .sum::<f64>()
            })
            .sum();
        sum / (side * side) as f64
    }

    /// The 18 features of the square at `(x0, y0)`; `None` when it is flat.
    fn features(&self, x0: usize, y0: usize, side: usize) -> Option<[f64; 18]> {
        // moments of the coefficients, and of the products of horizontal,
        // vertical, main-diagonal and anti-diagonal neighbours in the square
        let mut m = [Moments::default(); 5];
        for y in 0..side {
            let row = &self.coeff[(y0 + y) * self.w + x0..][..side];
            for (i, &c) in row.iter().enumerate() {
                m[0].add(f64::from(c));
                if i + 1 < side {
                    m[1].add(f64::from(c * row[i + 1]));
                }
            }
            if y + 1 < side {
                let next = &self.coeff[(y0 + y + 1) * self.w + x0..][..side];
                for i in 0..side {
                    m[2].add(f64::from(row[i] * next[i]));
                    if i + 1 < side {
                        m[3].add(f64::from(row[i] * next[i + 1]));
                        m[4].add(f64::from(row[i + 1] * next[i]));
                    }
                }
            }
        }
        let (shape, var) = ggd_from(&m[0])?;
        let mut f = [0.0; 18];
        f[0] = shape;
        f[1] = var;
        for k in 0..4 {
            f[2 + 4 * k..6 + 4 * k].copy_from_slice(&aggd_from(&m[k + 1])?);
        }
        Some(f)
    }
}

/// The normalised 7-tap Gaussian of sigma 7/6.
fn gaussian_7() -> [f32; 7] {
    let sigma = 7.0f64 / 6.0;
    let mut k = [0.0f64; 7];
    for (i, v) in k.iter_mut().enumerate() {
        let d = i as f64 - 3.0;
        *v = (-d * d / (2.0 * sigma * sigma)).exp();
    }
    let sum: f64 = k.iter().sum();
    k.map(|v| (v / sum) as f32)
}

/// `p` filtered by `k` along rows then columns, edges repeated.
fn separable(p: &[f32], w: usize, h: usize, k: &[f32; 7]) -> Vec<f32> {
    let mut rows = vec![0.0f32; w * h];
    for y in 0..h {
        let (src, dst) = (&p[y * w..][..w], &mut rows[y * w..][..w]);
        for x in 0..w {
            if x >= 3 && x + 3 < w {
                let s = &src[x - 3..x + 4];
                dst[x] = k.iter().zip(s).map(|(a, b)| a * b).sum();
            } else {
                dst[x] = k
                    .iter()
                    .enumerate()
                    .map(|(t, kv)| kv * src[(x + t).saturating_sub(3).min(w - 1)])
                    .sum();
            }
        }
    }
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        let dst = &mut out[y * w..][..w];
        for (t, kv) in k.iter().enumerate() {
            let sy = (y + t).saturating_sub(3).min(h - 1);
            for (d, s) in dst.iter_mut().zip(&rows[sy * w..][..w]) {
                *d += kv * s;
            }
        }
    }
    out
}

/// The mean and the sample covariance (divided by `n - 1`; zero for one row).
fn mean_covariance(rows: &[[f64; FEATURES]]) -> ([f64; FEATURES], DMatrix<f64>) {
    let n = rows.len() as f64;
    let mut mean = [0.0; FEATURES];
    for r in rows {
        for (m, v) in mean.iter_mut().zip(r) {
            *m += v / n;
        }
    }
    let mut cov = DMatrix::zeros(FEATURES, FEATURES);
    if rows.len() > 1 {
        for r in rows {
            let d = DVector::from_iterator(FEATURES, r.iter().zip(&mean).map(|(v, m)| v - m));
            cov += &d * d.transpose();
        }
        cov /= n - 1.0;
    }
    (mean, cov)
}
