//! From error maps to frame scores, as the UCSD Ped2 example chooses:
//! a reduction of each map (the library's [`Scoring`] or a
//! [`LocalBaseline`]) and an optional causal smoothing over the clip's past
//! scores ([`CausalGaussian`]).

use std::fmt;
use std::str::FromStr;

use conv_autoencoder::{LocalBaseline, Scoring};
use ndarray::Array2;
use oddframe::smooth::{CausalGaussian, Smoother};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A reduction of an error map to a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MapScore {
    /// [`Scoring::Mean`] or [`Scoring::MaxPatch`] of the raw map.
    Plain(Scoring),
    /// The most unusual N x N window against a [`LocalBaseline`] of normal
    /// frames' maps.
    Local(usize),
}

impl fmt::Display for MapScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapScore::Plain(s) => s.fmt(f),
            MapScore::Local(n) => write!(f, "local:{n}"),
        }
    }
}

impl FromStr for MapScore {
    type Err = String;

    /// `mean`, `patch:N` or `local:N`.
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(n) = s.strip_prefix("local:") {
            return match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(MapScore::Local(n)),
                _ => Err(format!("local window {n:?} is not a positive integer")),
            };
        }
        s.parse::<Scoring>()
            .map(MapScore::Plain)
            .map_err(|_| format!("{s:?} is not mean, patch:N or local:N"))
    }
}

/// A map reduction and the causal smoothing after it (`smooth` = the
/// Gaussian's sigma in frames; 0 = none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameScore {
    /// The map reduction.
    pub map: MapScore,
    /// Sigma of the causal Gaussian, in frames; 0 for none.
    pub smooth: f64,
}

impl fmt::Display for FrameScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.smooth > 0.0 {
            write!(f, "{} + causal σ{}", self.map, self.smooth)
        } else {
            self.map.fmt(f)
        }
    }
}

/// The map reductions tried when choosing.
pub const MAP_CANDIDATES: [MapScore; 6] = [
    MapScore::Plain(Scoring::Mean),
    MapScore::Plain(Scoring::MaxPatch(8)),
    MapScore::Plain(Scoring::MaxPatch(16)),
    MapScore::Local(4),
    MapScore::Local(8),
    MapScore::Local(16),
];

/// The causal smoothings tried when choosing (sigma in frames).
pub const SMOOTH_CANDIDATES: [f64; 3] = [0.0, 2.0, 4.0];

/// A [`FrameScore`] ready to score: its baseline fitted where it needs one.
#[derive(Debug, Clone)]
pub struct Scorer {
    how: FrameScore,
    baseline: Option<LocalBaseline>,
}

impl Scorer {
    /// Ready `how`, fitting its baseline (if any) on `normal` maps.
    ///
    /// # Errors
    /// A bad smoothing sigma or window; the baseline's errors.
    pub fn new(how: FrameScore, normal: &[Array2<f32>]) -> AnyResult<Self> {
        if how.smooth != 0.0 {
            CausalGaussian::new(how.smooth)?;
        }
        let baseline = match how.map {
            MapScore::Plain(s) => {
                s.validate()?;
                None
            }
            MapScore::Local(n) => Some(LocalBaseline::fit(normal, n)?),
        };
        Ok(Self { how, baseline })
    }

    /// The same map reduction (its baseline shared, not fitted again)
    /// with another causal smoothing.
    ///
    /// # Errors
    /// A bad smoothing sigma.
    pub fn smoothed(&self, smooth: f64) -> AnyResult<Self> {
        if smooth != 0.0 {
            CausalGaussian::new(smooth)?;
        }
        Ok(Self {
            how: FrameScore { smooth, ..self.how },
            baseline: self.baseline.clone(),
        })
    }

    /// What it does.
    pub fn how(&self) -> FrameScore {
        self.how
    }

    /// One clip's frame scores, in order (the smoothing restarts per clip).
    ///
    /// # Errors
    /// The reductions' errors (a map of the wrong size, NaN).
    pub fn clip_scores(&self, maps: &[Array2<f32>]) -> AnyResult<Vec<f64>> {
        let mut smoother = match self.how.smooth {
            s if s > 0.0 => Some(CausalGaussian::new(s)?),
            _ => None,
        };
        maps.iter()
            .map(|m| {
                let raw = self.reduce(m)?;
                Ok(match &mut smoother {
                    Some(g) => g.push(raw)?,
                    None => raw,
                })
            })
            .collect()
    }

    fn reduce(&self, map: &Array2<f32>) -> AnyResult<f64> {
        Ok(match (&self.baseline, self.how.map) {
            (Some(b), _) => b.score(map)?,
            (None, MapScore::Plain(s)) => s.score(map)?,
            (None, MapScore::Local(_)) => return Err("local scoring without a baseline".into()),
        })
    }

    /// The map behind the score, pixel for pixel: the raw map, or with a
    /// baseline each pixel's value of the window centred on it (clamped at
    /// the borders).
    ///
    /// # Errors
    /// The baseline's errors.
    pub fn pixel_map(&self, map: &Array2<f32>) -> AnyResult<Array2<f32>> {
        let Some(b) = &self.baseline else {
            return Ok(map.clone());
        };
        let z = b.z_map(map)?;
        let (zh, zw) = z.dim();
        let half = b.patch() / 2;
        Ok(Array2::from_shape_fn(map.dim(), |(y, x)| {
            z[[
                y.saturating_sub(half).min(zh - 1),
                x.saturating_sub(half).min(zw - 1),
            ]]
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_ones_are_refused() {
        for m in MAP_CANDIDATES {
            assert_eq!(m.to_string().parse::<MapScore>().unwrap(), m);
        }
        for bad in ["local:0", "local:", "local:x", "max", "patch:0"] {
            assert!(bad.parse::<MapScore>().is_err(), "{bad}");
        }
    }

    #[test]
    fn smoothing_is_causal_and_restarts_per_clip() {
        let maps: Vec<Array2<f32>> = (0..6)
            .map(|i| Array2::from_elem((4, 4), if i == 3 { 1.0 } else { 0.0 }))
            .collect();
        let how = FrameScore {
            map: MapScore::Plain(Scoring::Mean),
            smooth: 2.0,
        };
        let s = Scorer::new(how, &[]).unwrap().clip_scores(&maps).unwrap();
        // nothing before the spike sees it; after it, it decays
        assert_eq!(&s[..3], &[0.0; 3]);
        assert!(s[3] > s[4] && s[4] > s[5] && s[5] > 0.0);
        let again = Scorer::new(how, &[])
            .unwrap()
            .clip_scores(&maps[3..])
            .unwrap();
        assert_eq!(again[0], 1.0); // a new clip starts from its own first score
    }

    #[test]
    fn pixel_maps_centre_the_local_windows() {
        let normal: Vec<Array2<f32>> = (0..5)
            .map(|i| Array2::from_shape_fn((6, 6), |(y, x)| ((i + y + x) % 3) as f32 * 0.1))
            .collect();
        let how = FrameScore {
            map: MapScore::Local(3),
            smooth: 0.0,
        };
        let s = Scorer::new(how, &normal).unwrap();
        let mut odd = normal[0].clone();
        odd[[4, 1]] = 5.0;
        let p = s.pixel_map(&odd).unwrap();
        assert_eq!(p.dim(), (6, 6));
        // pixels three or more away see windows without the odd pixel
        for ((y, x), &v) in p.indexed_iter() {
            if y.abs_diff(4).max(x.abs_diff(1)) >= 3 {
                assert!(v < p[[4, 1]], "({y}, {x})");
            }
        }
        assert!(Scorer::new(how, &normal[..1]).is_err());
    }
}
