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
use oddframe::Error;

use crate::Result;

use crate::Luma;
use stats::{aggd_from, ggd_from, ColumnMoments};

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
            }
            .into());
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
    /// # Ok::<(), artifact_scorer::ArtifactError>(())
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
                )
                .into())
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
    let (w, h) = (luma.width(), luma.height());
    let half_plane = halved(luma);
    let mut full = MscnRows::new(luma.as_slice(), w, h);
    let mut half = MscnRows::new(&half_plane, w / 2, h / 2);
    let (cols, rows) = (luma.width() / PATCH, luma.height() / PATCH);
    let mut out = Vec::with_capacity(cols * rows);
    let (mut band_full, mut band_half) = (Band::new(full.w), Band::new(half.w));
    for _ in 0..rows {
        band_full.gather(&mut full, PATCH);
        band_half.gather(&mut half, PATCH / 2);
        for px in 0..cols {
            let sharpness = band_full.mean_deviation(px * PATCH, PATCH);
            let a = band_full.features(px * PATCH, PATCH);
            let b = band_half.features(px * PATCH / 2, PATCH / 2);
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

/// The statistics of one row of patches (a band of `side` rows), per
/// column: the local deviations' sums and the moments of the coefficients
/// and of their products with the right, lower, lower-right and lower-left
/// neighbours. Products that pair a pixel with one in the next band or (at
/// read-out) the next patch are left out, so each patch sees only its own.
struct Band {
    deviation: Vec<f32>,
    stats: [ColumnMoments; 5],
    /// The coefficients of the row before.
    above: Vec<f32>,
}

impl Band {
    fn new(w: usize) -> Self {
        let short = w.saturating_sub(1);
        Self {
            deviation: vec![0.0; w],
            stats: [
                ColumnMoments::new(w),
                ColumnMoments::new(short),
                ColumnMoments::new(w),
                ColumnMoments::new(short),
                ColumnMoments::new(short),
            ],
            above: vec![0.0; w],
        }
    }

    /// Accumulates the next `side` rows of `rows`.
    fn gather(&mut self, rows: &mut MscnRows<'_>, side: usize) {
        self.deviation.fill(0.0);
        self.stats.iter_mut().for_each(ColumnMoments::clear);
        for i in 0..side {
            let (row, deviation) = rows.next_row();
            for (s, d) in self.deviation.iter_mut().zip(deviation) {
                *s += d;
            }
            let [values, right, down, down_right, down_left] = &mut self.stats;
            values.add_values(row);
            right.add_products(row, &row[1..]);
            if i > 0 {
                let above = &self.above;
                down.add_products(above, row);
                down_right.add_products(above, &row[1..]);
                down_left.add_products(&above[1..], row);
            }
            self.above.copy_from_slice(row);
        }
    }

    /// The mean local deviation of the patch at column `x0`.
    fn mean_deviation(&self, x0: usize, side: usize) -> f64 {
        let sum: f64 = self.deviation[x0..x0 + side]
            .iter()
            .map(|&d| f64::from(d))
            .sum();
        sum / (side * side) as f64
    }

    /// The 18 features of the patch at column `x0`; `None` when it is flat.
    fn features(&self, x0: usize, side: usize) -> Option<[f64; 18]> {
        let [values, right, down, down_right, down_left] = &self.stats;
        let (shape, var) = ggd_from(&values.moments(x0, side))?;
        let mut f = [0.0; 18];
        f[0] = shape;
        f[1] = var;
        let pairs = [
            right.moments(x0, side - 1),
            down.moments(x0, side),
            down_right.moments(x0, side - 1),
            down_left.moments(x0, side - 1),
        ];
        for (k, m) in pairs.iter().enumerate() {
            f[2 + 4 * k..6 + 4 * k].copy_from_slice(&aggd_from(m)?);
        }
        Some(f)
    }
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

/// MSCN coefficients and local deviations of a plane, produced one row at
/// a time (nothing the size of the plane is stored): each source row and
/// its squares are filtered along the row once, into rings of the seven
/// rows the vertical taps need.
struct MscnRows<'a> {
    p: &'a [f32],
    w: usize,
    h: usize,
    k: [f32; 7],
    ring_mean: Vec<Vec<f32>>,
    ring_sq: Vec<Vec<f32>>,
    squares: Vec<f32>,
    mean: Vec<f32>,
    mean_sq: Vec<f32>,
    /// Source rows filtered along the row so far.
    ready: usize,
    /// The next row to produce.
    y: usize,
    coeff: Vec<f32>,
    deviation: Vec<f32>,
}

impl<'a> MscnRows<'a> {
    fn new(p: &'a [f32], w: usize, h: usize) -> Self {
        let row = vec![0.0f32; w];
        Self {
            p,
            w,
            h,
            k: gaussian_7(),
            ring_mean: vec![row.clone(); 7],
            ring_sq: vec![row.clone(); 7],
            squares: row.clone(),
            mean: row.clone(),
            mean_sq: row.clone(),
            ready: 0,
            y: 0,
            coeff: row.clone(),
            deviation: row,
        }
    }

    /// The coefficients and deviations of the next row (`h` rows in all).
    fn next_row(&mut self) -> (&[f32], &[f32]) {
        let (w, h, y, p) = (self.w, self.h, self.y, self.p);
        while self.ready <= (y + 3).min(h - 1) {
            let src = &p[self.ready * w..][..w];
            for (s, v) in self.squares.iter_mut().zip(src) {
                *s = v * v;
            }
            along_row(src, &self.k, &mut self.ring_mean[self.ready % 7]);
            along_row(&self.squares, &self.k, &mut self.ring_sq[self.ready % 7]);
            self.ready += 1;
        }
        let slots: [usize; 7] = std::array::from_fn(|t| (y + t).saturating_sub(3).min(h - 1) % 7);
        down_column(&self.ring_mean, slots, &self.k, &mut self.mean);
        down_column(&self.ring_sq, slots, &self.k, &mut self.mean_sq);
        let (c, d) = (&mut self.coeff[..w], &mut self.deviation[..w]);
        let (v, m, s) = (&p[y * w..][..w], &self.mean[..w], &self.mean_sq[..w]);
        for x in 0..w {
            d[x] = (s[x] - m[x] * m[x]).abs().sqrt();
            c[x] = (v[x] - m[x]) / (d[x] + 1.0);
        }
        self.y += 1;
        (&self.coeff, &self.deviation)
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

/// `src` filtered by `k` into `dst` (edges repeated).
fn along_row(src: &[f32], k: &[f32; 7], dst: &mut [f32]) {
    let w = src.len();
    let edge = |x: usize| -> f32 {
        k.iter()
            .enumerate()
            .map(|(t, kv)| kv * src[(x + t).saturating_sub(3).min(w - 1)])
            .sum()
    };
    if w > 6 {
        // interior: the taps as shifted views, added in the taps' order
        let n = w - 6;
        let mid = &mut dst[3..][..n];
        let v: [&[f32]; 7] = std::array::from_fn(|t| &src[t..][..n]);
        for x in 0..n {
            let mut acc = k[0] * v[0][x];
            for t in 1..7 {
                acc += k[t] * v[t][x];
            }
            mid[x] = acc;
        }
    }
    for x in (0..3.min(w)).chain(w.saturating_sub(3).max(3)..w) {
        dst[x] = edge(x);
    }
}

/// The vertical taps: `k[t]` times ring row `slots[t]`, added in the taps'
/// order, into `dst`.
fn down_column(ring: &[Vec<f32>], slots: [usize; 7], k: &[f32; 7], dst: &mut [f32]) {
    let w = dst.len();
    let r: [&[f32]; 7] = std::array::from_fn(|t| &ring[slots[t]][..w]);
    for x in 0..w {
        let mut acc = k[0] * r[0][x];
        for t in 1..7 {
            acc += k[t] * r[t][x];
        }
        dst[x] = acc;
    }
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
