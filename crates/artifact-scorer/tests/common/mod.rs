//! Shared by the artifact tests: the bundled natural images, a small
//! deterministic generator for synthetic distortions, and rank statistics.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oddframe::image::GrayImage;

pub mod distort;

/// The pristine images in `testdata/images` (OpenCV sample data).
pub const IMAGES: [&str; 5] = ["baboon", "building", "butterfly", "fruits", "starry_night"];

/// A bundled image as decoded.
fn open(name: &str) -> image::DynamicImage {
    let path = format!(
        "{}/../../testdata/images/{name}.jpg",
        env!("CARGO_MANIFEST_DIR")
    );
    image::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A bundled image as grey.
pub fn load(name: &str) -> GrayImage {
    open(name).to_luma8()
}

/// SplitMix64: a small deterministic generator for the distortions.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(f64::MIN_POSITIVE);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// Spearman's rank correlation of the levels 0..n with `values` (ties get
/// their mean rank).
pub fn spearman_with_levels(values: &[f64]) -> f64 {
    let n = values.len();
    let mut ranks = vec![0.0; n];
    for (i, v) in values.iter().enumerate() {
        let below = values.iter().filter(|w| *w < v).count() as f64;
        let equal = values.iter().filter(|w| *w == v).count() as f64;
        ranks[i] = below + (equal + 1.0) / 2.0;
    }
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (i, r) in ranks.iter().enumerate() {
        let (x, y) = (i as f64 + 1.0 - mean, r - mean);
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    if syy == 0.0 {
        return 0.0;
    }
    sxy / (sxx * syy).sqrt()
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A convolution kernel: `(dx, dy, weight)` taps.
pub type Kernel = Vec<(i64, i64, f64)>;

/// `img` convolved with `kernel` (offsets and weights summing to 1), the
/// frame continued at its edges by clamping.
pub fn convolve(img: &GrayImage, kernel: &[(i64, i64, f64)]) -> GrayImage {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let mut acc = 0.0;
        for &(dx, dy, k) in kernel {
            let sx = (i64::from(x) + dx).clamp(0, w - 1) as u32;
            let sy = (i64::from(y) + dy).clamp(0, h - 1) as u32;
            acc += k * f64::from(img.get_pixel(sx, sy).0[0]);
        }
        [acc.round().clamp(0.0, 255.0) as u8].into()
    })
}

fn normalised(mut taps: Kernel) -> Kernel {
    let sum: f64 = taps.iter().map(|t| t.2).sum();
    taps.iter_mut().for_each(|t| t.2 /= sum);
    taps
}

/// Defocus: a uniform disc ("pillbox") of `radius` pixels.
pub fn pillbox(radius: i64) -> Kernel {
    let r2 = radius * radius;
    let taps = (-radius..=radius)
        .flat_map(|dy| (-radius..=radius).map(move |dx| (dx, dy)))
        .filter(|(dx, dy)| dx * dx + dy * dy <= r2)
        .map(|(dx, dy)| (dx, dy, 1.0))
        .collect();
    normalised(taps)
}

/// Linear motion: a segment of `length` pixels at `degrees`, sampled at
/// quarter-pixel steps and accumulated on the nearest pixels.
pub fn motion(length: usize, degrees: f64) -> Kernel {
    let (s, c) = degrees.to_radians().sin_cos();
    let steps = 4 * length.max(1);
    let mut taps: Kernel = Vec::new();
    for i in 0..steps {
        let t = (i as f64 + 0.5) / steps as f64 * length as f64 - length as f64 / 2.0;
        let (dx, dy) = ((t * c).round() as i64, (t * s).round() as i64);
        match taps.iter_mut().find(|k| (k.0, k.1) == (dx, dy)) {
            Some(k) => k.2 += 1.0,
            None => taps.push((dx, dy, 1.0)),
        }
    }
    normalised(taps)
}

/// A bundled image in colour.
pub fn load_rgb(name: &str) -> oddframe::image::RgbImage {
    open(name).to_rgb8()
}

/// Specificity: the noise detectors stay quiet on another family's
/// distortion — at most 0.2 at level 3 and 0.35 at level 5 of `planes`
/// (indexed by level).
pub fn assert_not_noise(name: &str, planes: &[artifact_scorer::Luma]) {
    for (level, limit) in [(3, 0.2), (5, 0.35)] {
        let n = artifact_scorer::noise::measure(&planes[level]).unwrap();
        assert!(
            n.gaussian.severity <= limit && n.impulse.severity <= limit,
            "{name} level {level}: {n:?}"
        );
    }
}
