//! How an error map becomes a frame score.
//!
//! The frame mean is the default and what [`crate::FrameAutoencoder`]'s
//! [`oddframe::FrameDetector`] scores are. It dilutes a small anomaly (a
//! cyclist covering a few percent of a surveillance frame) in the error of
//! the rest of the frame; the worst patch keeps it.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::{AeError, Result};

/// A reduction of a per-pixel error map to one score.
///
/// ```
/// use conv_autoencoder::Scoring;
/// use ndarray::Array2;
///
/// let mut map = Array2::<f32>::zeros((8, 8));
/// map[[6, 1]] = 4.0; // one bad pixel
/// assert_eq!(Scoring::Mean.score(&map)?, 4.0 / 64.0);
/// assert_eq!(Scoring::MaxPatch(2).score(&map)?, 1.0); // the 2x2 patch around it
/// # Ok::<(), conv_autoencoder::AeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// The mean error over the frame.
    #[default]
    Mean,
    /// The largest mean error over any `n` x `n` window of the map (every
    /// position, stride 1; `n` is clamped to the map's sides).
    MaxPatch(usize),
}

impl Scoring {
    /// Checks the patch size.
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] for a patch of size 0.
    pub fn validate(self) -> Result<Self> {
        match self {
            Scoring::MaxPatch(0) => Err(AeError::InvalidConfig(
                "scoring patch size must be at least 1 pixel".into(),
            )),
            s => Ok(s),
        }
    }

    /// The score of `map`, in O(pixels) (a summed-area table).
    ///
    /// # Errors
    /// [`AeError::InvalidConfig`] as [`Scoring::validate`];
    /// [`oddframe::Error::Empty`] for an empty map.
    pub fn score(self, map: &Array2<f32>) -> Result<f64> {
        let (h, w) = map.dim();
        if h == 0 || w == 0 {
            return Err(oddframe::Error::Empty { what: "error map" }.into());
        }
        match self.validate()? {
            Scoring::Mean => Ok(map.iter().map(|&v| f64::from(v)).sum::<f64>() / (h * w) as f64),
            Scoring::MaxPatch(n) => Ok(max_window_mean(map, n.min(h), n.min(w))),
        }
    }
}

impl std::fmt::Display for Scoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scoring::Mean => f.write_str("mean"),
            Scoring::MaxPatch(n) => write!(f, "patch:{n}"),
        }
    }
}

impl std::str::FromStr for Scoring {
    type Err = AeError;

    /// `mean` or `patch:N` (the form [`Scoring`] displays as).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || AeError::InvalidConfig(format!("scoring {s:?} is not mean or patch:N"));
        match s.split_once(':') {
            None if s == "mean" => Ok(Scoring::Mean),
            Some(("patch", n)) => Scoring::MaxPatch(n.parse().map_err(|_| bad())?).validate(),
            _ => Err(bad()),
        }
    }
}

/// The mean of every `ph` x `pw` window of `map` (non-empty, windows no
/// larger than it), row-major by the window's top-left pixel: `(h - ph + 1)
/// x (w - pw + 1)` values, in O(pixels) from a summed-area table.
pub(crate) fn window_means(map: &Array2<f32>, ph: usize, pw: usize) -> Vec<f64> {
    let (h, w) = map.dim();
    // sums[(y, x)] = sum of map[..y, ..x], (h + 1) x (w + 1)
    let mut sums = vec![0.0f64; (h + 1) * (w + 1)];
    for y in 0..h {
        let mut row = 0.0;
        for x in 0..w {
            row += f64::from(map[[y, x]]);
            sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
        }
    }
    let at = |y: usize, x: usize| sums[y * (w + 1) + x];
    let area = (ph * pw) as f64;
    let mut out = Vec::with_capacity((h - ph + 1) * (w - pw + 1));
    for y in 0..=h - ph {
        for x in 0..=w - pw {
            out.push((at(y + ph, x + pw) - at(y, x + pw) - at(y + ph, x) + at(y, x)) / area);
        }
    }
    out
}

/// The largest mean over `ph` x `pw` windows of `map`.
fn max_window_mean(map: &Array2<f32>, ph: usize, pw: usize) -> f64 {
    window_means(map, ph, pw)
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same maximum by summing every window directly.
    fn brute(map: &Array2<f32>, n: usize) -> f64 {
        let (h, w) = map.dim();
        let mut best = f64::NEG_INFINITY;
        for y in 0..=h - n {
            for x in 0..=w - n {
                let mut s = 0.0;
                for dy in 0..n {
                    for dx in 0..n {
                        s += f64::from(map[[y + dy, x + dx]]);
                    }
                }
                best = best.max(s / (n * n) as f64);
            }
        }
        best
    }

    #[test]
    fn max_patch_equals_the_direct_sum_and_clamps_to_the_map() {
        let map = Array2::from_shape_fn((7, 11), |(y, x)| ((y * 31 + x * 17) % 13) as f32 * 0.25);
        for n in [1, 2, 3, 7] {
            let got = Scoring::MaxPatch(n).score(&map).unwrap();
            assert!((got - brute(&map, n)).abs() < 1e-12, "{n}");
        }
        // a window larger than the map is clamped to each side: the mean
        let clamped = Scoring::MaxPatch(100).score(&map).unwrap();
        assert!((clamped - Scoring::Mean.score(&map).unwrap()).abs() < 1e-12);
        let square = Array2::from_shape_fn((7, 7), |(y, x)| map[[y, x]]);
        let mean = Scoring::Mean.score(&square).unwrap();
        assert!((Scoring::MaxPatch(7).score(&square).unwrap() - mean).abs() < 1e-12);
        assert_eq!(
            Scoring::MaxPatch(1).score(&map).unwrap(),
            f64::from(map.iter().cloned().fold(f32::MIN, f32::max))
        );
        assert!(Scoring::MaxPatch(0).score(&map).is_err());
        assert!(Scoring::Mean.score(&Array2::zeros((0, 3))).is_err());
        for s in [Scoring::Mean, Scoring::MaxPatch(16)] {
            assert_eq!(s.to_string().parse::<Scoring>().unwrap(), s);
        }
        for bad in ["", "max", "patch:", "patch:0", "patch:-3", "mean:2"] {
            assert!(bad.parse::<Scoring>().is_err(), "{bad}");
        }
    }
}
