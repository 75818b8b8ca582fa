//! Motion blur or defocus: the power cepstrum of the frame tells which kind
//! of kernel blurred it (Cannon, IEEE TASSP 1976; Oliveira, Figueiredo and
//! Bioucas-Dias, IEEE TIP 2014).
//!
//! Blurring multiplies the frame's spectrum by the kernel's, whose zeros
//! repeat at a spacing set by the kernel's size: along one direction, every
//! `1/L` cycles per pixel, for a linear motion of `L` pixels; on circles,
//! about every `1/(2r)`, for a defocus disc of radius `r`. The log spectrum
//! turns those zeros into deep periodic notches, and its inverse transform,
//! the power cepstrum, into a negative peak: a pair of points at distance
//! `L` along the motion for motion blur, a ring of radius about `2r - 1`
//! for defocus.
//!
//! The power spectrum is averaged over the [`TILES`] most varied
//! [`TILE`]-pixel tiles of the luma (Hann-windowed, half-overlapping; the
//! tile shrinks to the largest power of two that fits, down to
//! [`MIN_TILE`]). Cepstral values are averaged in polar bins (one pixel of
//! radius by [`ANGLE_BINS`] angles over 180 degrees, from [`MIN_RADIUS`]
//! out), after each direction's median over radii is taken out (straight
//! lines in the frame leave streaks along a direction at every radius; a
//! kernel's features sit at one radius). The deepest bin gives the peak's
//! **depth**, **radius** (the blur's extent) and **angle**. Its **angular
//! concentration** is the share of the ring's deep values (three pixels of
//! radius around the peak's, values at least half the peak's depth) that
//! lies within 15 degrees of the peak's direction: near 1 for a motion
//! streak, a third or less for a defocus ring.
//!
//! The total blur comes from the re-blur measure ([`crate::blur`]); the
//! motion share `p` maps the concentration linearly from
//! [`DEFOCUS_CONCENTRATION`] (0) to [`MOTION_CONCENTRATION`] (1). Motion
//! blur gets `p` of the blur's raw value and severity, defocus the rest. A
//! frame too small for a [`MIN_TILE`] tile, or without variation, has no
//! cepstrum; its blur is split evenly.

use crate::blur::Blur;
use crate::filter::median;
use crate::spectrum::{power_cepstrum, tile_side};
use crate::Result;
use crate::{Luma, Measurement};

/// Side of the tiles whose spectra are averaged (pixels).
pub const TILE: usize = 128;
/// The smallest tile side analysed; smaller frames have no cepstrum.
pub const MIN_TILE: usize = 32;
/// How many of the most varied tiles are averaged.
pub const TILES: usize = 16;
/// Angular bins over 180 degrees (5 degrees each).
pub const ANGLE_BINS: usize = 36;
/// Cepstral radii below this (pixels) are left out: the frame's own
/// spectrum dominates there.
pub const MIN_RADIUS: usize = 3;
/// Angular concentration at and below which blur counts as all defocus.
pub const DEFOCUS_CONCENTRATION: f64 = 0.6;
/// Angular concentration at and above which blur counts as all motion.
pub const MOTION_CONCENTRATION: f64 = 0.8;

/// The deepest negative peak of a frame's power cepstrum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CepstralPeak {
    /// The peak's (negative) cepstral value; deeper means a clearer kernel.
    pub depth: f64,
    /// Its distance from the origin, in pixels: a motion's length, or about
    /// twice a defocus radius less one.
    pub radius: usize,
    /// Its direction in degrees, `0..180`, measured from the x axis towards
    /// the y axis (image rows grow downwards), at the centre of its bin.
    pub angle_degrees: f64,
    /// Share of the ring's negative mass within 15 degrees of the peak (0..=1).
    pub concentration: f64,
}

/// Blur split into motion and defocus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlurKind {
    /// Motion blur: raw is the motion share of the re-blur measure.
    pub motion: Measurement,
    /// Defocus blur: raw is the defocus share of the re-blur measure.
    pub defocus: Measurement,
    /// The share of the blur attributed to motion (0..=1).
    pub motion_share: f64,
    /// The cepstral peak the split rests on; `None` for a frame too small or flat.
    pub peak: Option<CepstralPeak>,
}

/// Splits `blur` (measured on `luma` by [`crate::blur::measure`]) into
/// motion and defocus.
///
/// ```
/// use artifact_scorer::{blur, blur_kind, Luma};
/// use oddframe::{image::GrayImage, Frame};
///
/// // texture smeared along rows by an 11-pixel motion
/// let mut s = 1u32;
/// let mut noise = || { s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); (s >> 24) as f32 };
/// let tex: Vec<f32> = (0..160 * 160).map(|_| noise()).collect();
/// let img = GrayImage::from_fn(150, 150, |x, y| {
///     let sum: f32 = (0..11).map(|k| tex[(y * 160 + x + k) as usize]).sum();
///     [(sum / 11.0) as u8].into()
/// });
/// let luma = Luma::from_frame(&Frame::luma(img, 0, Default::default()))?;
/// let blur = blur::measure(&luma)?;
/// let kind = blur_kind::measure(&luma, &blur)?;
/// let peak = kind.peak.expect("large enough");
/// assert_eq!((peak.radius, peak.angle_degrees), (11, 2.5));
/// assert_eq!(kind.motion_share, 1.0);
/// assert_eq!((kind.motion.severity, kind.defocus.severity), (blur.overall.severity, 0.0));
/// # Ok::<(), artifact_scorer::ArtifactError>(())
/// ```
///
/// # Errors
/// None at present: every plane the blur measure accepts has a defined split.
pub fn measure(luma: &Luma, blur: &Blur) -> Result<BlurKind> {
    let peak = cepstral_peak(luma);
    let share = peak.map_or(0.5, |p| {
        let s = (p.concentration - DEFOCUS_CONCENTRATION)
            / (MOTION_CONCENTRATION - DEFOCUS_CONCENTRATION);
        s.clamp(0.0, 1.0)
    });
    let (raw, severity) = (blur.overall.raw, blur.overall.severity);
    Ok(BlurKind {
        motion: Measurement::new(share * raw, share * severity),
        defocus: Measurement::new((1.0 - share) * raw, (1.0 - share) * severity),
        motion_share: share,
        peak,
    })
}

/// The deepest peak of the tile-averaged power cepstrum, if the frame holds
/// a tile and has variation.
fn cepstral_peak(luma: &Luma) -> Option<CepstralPeak> {
    let n = tile_side(luma, TILE, MIN_TILE)?;
    let cepstrum = power_cepstrum(luma, n, TILES, 1e-3)?;
    let bins = PolarBins::new(&cepstrum, n);
    bins.deepest()
}

/// One cepstral value of the half plane, in polar coordinates.
struct Sample {
    radius: usize,
    degrees: f64,
    bin: usize,
    value: f64,
}

/// The cepstrum's half plane `dy >= 0` (the cepstrum of a real frame is
/// symmetric about the origin) out to three eighths of the tile, as samples
/// and as means in polar bins (whole pixels of radius by [`ANGLE_BINS`]).
struct PolarBins {
    radii: usize,
    samples: Vec<Sample>,
    mean: Vec<Option<f64>>,
}

impl PolarBins {
    fn new(cepstrum: &[f64], n: usize) -> Self {
        let radii = n * 3 / 8;
        let r = radii as isize;
        let mut samples = Vec::new();
        for dy in 0..=r {
            for dx in -r..=r {
                let radius = (dx as f64).hypot(dy as f64).round() as usize;
                if radius < MIN_RADIUS || radius > radii || (dy == 0 && dx < 0) {
                    continue;
                }
                let degrees = (dy as f64).atan2(dx as f64).to_degrees().rem_euclid(180.0);
                let bin = (degrees / (180.0 / ANGLE_BINS as f64)) as usize % ANGLE_BINS;
                let value = cepstrum[dy as usize * n + dx.rem_euclid(n as isize) as usize];
                samples.push(Sample {
                    radius,
                    degrees,
                    bin,
                    value,
                });
            }
        }
        let mut bins = Self {
            radii,
            samples,
            mean: Vec::new(),
        };
        bins.mean = bins.bin_means();
        // lines in the frame leave streaks in the cepstrum that run along a
        // direction at every radius, while a kernel's features sit at one
        // radius: taking out each direction's median over radii keeps them
        for a in 0..ANGLE_BINS {
            let mut along: Vec<f64> = (MIN_RADIUS..=radii).filter_map(|r| bins.at(r, a)).collect();
            let Some(m) = median(&mut along) else {
                continue;
            };
            bins.samples
                .iter_mut()
                .filter(|s| s.bin == a)
                .for_each(|s| s.value -= m);
        }
        bins.mean = bins.bin_means();
        bins
    }

    fn bin_means(&self) -> Vec<Option<f64>> {
        let mut sum = vec![(0.0f64, 0usize); (self.radii + 1) * ANGLE_BINS];
        for s in &self.samples {
            let b = &mut sum[s.radius * ANGLE_BINS + s.bin];
            b.0 += s.value;
            b.1 += 1;
        }
        sum.iter()
            .map(|&(s, c)| (c > 0).then(|| s / c as f64))
            .collect()
    }

    fn at(&self, r: usize, a: usize) -> Option<f64> {
        self.mean[r * ANGLE_BINS + a]
    }

    /// The deepest bin, with the concentration of its ring (three radii
    /// wide): the share of the ring's negative mass within 15 degrees of the
    /// bin's direction.
    fn deepest(&self) -> Option<CepstralPeak> {
        let mut best: Option<(f64, usize, usize)> = None;
        for r in MIN_RADIUS..=self.radii {
            for a in 0..ANGLE_BINS {
                if let Some(v) = self.at(r, a) {
                    if best.is_none_or(|b| v < b.0) {
                        best = Some((v, r, a));
                    }
                }
            }
        }
        let (depth, radius, bin) = best?;
        let angle_degrees = (bin as f64 + 0.5) * 180.0 / ANGLE_BINS as f64;
        let (mut near, mut total) = (0.0, 0.0);
        for s in self
            .samples
            .iter()
            .filter(|s| s.radius.abs_diff(radius) <= 1)
        {
            // only values at least half as deep as the peak: the ring's
            // shallow noise, which grows with its circumference, stays out
            let neg = if s.value <= 0.5 * depth {
                -s.value
            } else {
                0.0
            };
            let off = (s.degrees - angle_degrees).rem_euclid(180.0);
            if off.min(180.0 - off) <= 15.0 {
                near += neg;
            }
            total += neg;
        }
        Some(CepstralPeak {
            depth,
            radius,
            angle_degrees,
            concentration: if total > 0.0 { near / total } else { 0.0 },
        })
    }
}
