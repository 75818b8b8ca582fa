//! Naming a method ([`OnlineMethod`], parsed from text) and holding any of
//! them ([`Online`], saved with a stream's state).

use super::{
    Dspot, OnlineThreshold, P2Quantile, RollingIqr, RollingMad, Spot, StreamingThreshold,
    WindowQuantile,
};
use crate::{Decision, Error, Result};

/// An online threshold method and its settings, written as text:
///
/// | text | method |
/// |---|---|
/// | `quantile:RATE` | [`P2Quantile`] at false-alarm rate `RATE` |
/// | `quantile:RATE:WINDOW` | [`WindowQuantile`] over the last `WINDOW` scores |
/// | `mad:K[:WINDOW]` | [`RollingMad`], window 1000 by default |
/// | `iqr:K[:WINDOW]` | [`RollingIqr`], window 1000 by default |
/// | `spot:RATE` | [`Spot`] |
/// | `dspot:RATE[:DEPTH]` | [`Dspot`], depth 100 by default |
/// | `ewma:K[:ALPHA]` | [`StreamingThreshold`], `alpha` 0.01 by default |
///
/// ```
/// use oddframe::threshold::online::OnlineMethod;
/// let m: OnlineMethod = "dspot:1e-3:50".parse()?;
/// assert_eq!(m, OnlineMethod::Dspot { rate: 1e-3, depth: 50 });
/// assert_eq!(m.to_string(), "dspot:0.001:50");
/// assert!("spot:2".parse::<OnlineMethod>().is_err());
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum OnlineMethod {
    /// A streaming quantile: P-square over everything, or exact over a window.
    Quantile {
        /// Target false-alarm rate.
        rate: f64,
        /// Sliding window (`None`: all scores, P-square).
        window: Option<usize>,
    },
    /// Median + k MAD over a window.
    Mad {
        /// Width in robust standard deviations.
        k: f64,
        /// Window length.
        window: usize,
    },
    /// Q3 + k IQR over a window.
    Iqr {
        /// Fence multiple.
        k: f64,
        /// Window length.
        window: usize,
    },
    /// Peaks over threshold with a GPD tail.
    Spot {
        /// Target false-alarm rate.
        rate: f64,
    },
    /// SPOT around a moving mean.
    Dspot {
        /// Target false-alarm rate.
        rate: f64,
        /// Scores in the moving mean.
        depth: usize,
    },
    /// k-sigma over an exponentially weighted moving average.
    Ewma {
        /// Width in standard deviations.
        k: f64,
        /// Smoothing in (0, 1].
        alpha: f64,
    },
}

const DEFAULT_WINDOW: usize = 1000;
const DEFAULT_DEPTH: usize = 100;
const DEFAULT_ALPHA: f64 = 0.01;
const SPOT_WARMUP: u64 = 5000;

impl OnlineMethod {
    /// The warm-up a method uses unless told otherwise: a full window for
    /// windowed rules, `max(100, 10 / rate)` scores for P-square, 1000
    /// calibration scores for SPOT (after the depth window for DSPOT),
    /// `1 / alpha` for the EWMA.
    pub fn default_warmup(&self) -> u64 {
        match *self {
            OnlineMethod::Quantile {
                window: Some(w), ..
            }
            | OnlineMethod::Mad { window: w, .. }
            | OnlineMethod::Iqr { window: w, .. } => w as u64,
            OnlineMethod::Quantile { rate, window: None } => (10.0 / rate).ceil().max(100.0) as u64,
            OnlineMethod::Spot { .. } => SPOT_WARMUP,
            OnlineMethod::Dspot { depth, .. } => depth as u64 + SPOT_WARMUP,
            OnlineMethod::Ewma { alpha, .. } => (1.0 / alpha).ceil() as u64,
        }
    }

    /// The method with its default warm-up, protecting its threshold.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming a setting out of range.
    pub fn build(self) -> Result<Online> {
        self.build_with(None, true)
    }

    /// The method with `warmup` scores before the first flag (`None`: the
    /// default) and the protect rule on or off.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming a setting out of range.
    pub fn build_with(self, warmup: Option<u64>, protect: bool) -> Result<Online> {
        let w = warmup.unwrap_or_else(|| self.default_warmup());
        Ok(match self {
            OnlineMethod::Quantile { rate, window: None } => {
                Online::P2(P2Quantile::new(rate, w)?.protect(protect))
            }
            OnlineMethod::Quantile {
                rate,
                window: Some(n),
            } => Online::Window(WindowQuantile::new(rate, n, w)?.protect(protect)),
            OnlineMethod::Mad { k, window } => {
                Online::Mad(RollingMad::new(k, window, w)?.protect(protect))
            }
            OnlineMethod::Iqr { k, window } => {
                Online::Iqr(RollingIqr::new(k, window, w)?.protect(protect))
            }
            OnlineMethod::Spot { rate } => Online::Spot(Spot::new(rate, w)?.protect(protect)),
            OnlineMethod::Dspot { rate, depth } => {
                Online::Dspot(Dspot::new(rate, depth, w)?.protect(protect))
            }
            OnlineMethod::Ewma { k, alpha } => {
                Online::Ewma(StreamingThreshold::new(alpha, k, w)?.learn_anomalies(!protect))
            }
        })
    }
}

impl std::fmt::Display for OnlineMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            OnlineMethod::Quantile { rate, window: None } => write!(f, "quantile:{rate}"),
            OnlineMethod::Quantile {
                rate,
                window: Some(w),
            } => write!(f, "quantile:{rate}:{w}"),
            OnlineMethod::Mad { k, window } => write!(f, "mad:{k}:{window}"),
            OnlineMethod::Iqr { k, window } => write!(f, "iqr:{k}:{window}"),
            OnlineMethod::Spot { rate } => write!(f, "spot:{rate}"),
            OnlineMethod::Dspot { rate, depth } => write!(f, "dspot:{rate}:{depth}"),
            OnlineMethod::Ewma { k, alpha } => write!(f, "ewma:{k}:{alpha}"),
        }
    }
}

const FORMS: &str = "quantile:RATE[:WINDOW], mad:K[:WINDOW], iqr:K[:WINDOW], spot:RATE, \
                     dspot:RATE[:DEPTH] or ewma:K[:ALPHA]";

impl std::str::FromStr for OnlineMethod {
    type Err = Error;

    /// Parses the text forms above and checks the numbers' ranges.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::invalid_parameter("threshold method", s, FORMS);
        let parts: Vec<&str> = s.trim().split(':').collect();
        let num = |i: usize| -> Result<Option<f64>> {
            parts
                .get(i)
                .map(|p| p.parse::<f64>().map_err(|_| bad()))
                .transpose()
        };
        let count = |i: usize, default: usize| -> Result<usize> {
            parts
                .get(i)
                .map_or(Ok(default), |p| p.parse::<usize>().map_err(|_| bad()))
        };
        let first = num(1)?.ok_or_else(bad)?;
        let arity = |most: usize| {
            if parts.len() > most {
                Err(bad())
            } else {
                Ok(())
            }
        };
        let method = match parts[0] {
            "quantile" => {
                arity(3)?;
                OnlineMethod::Quantile {
                    rate: first,
                    window: parts.get(2).map(|_| count(2, 0)).transpose()?,
                }
            }
            "mad" => {
                arity(3)?;
                OnlineMethod::Mad {
                    k: first,
                    window: count(2, DEFAULT_WINDOW)?,
                }
            }
            "iqr" => {
                arity(3)?;
                OnlineMethod::Iqr {
                    k: first,
                    window: count(2, DEFAULT_WINDOW)?,
                }
            }
            "spot" => {
                arity(2)?;
                OnlineMethod::Spot { rate: first }
            }
            "dspot" => {
                arity(3)?;
                OnlineMethod::Dspot {
                    rate: first,
                    depth: count(2, DEFAULT_DEPTH)?,
                }
            }
            "ewma" => {
                arity(3)?;
                OnlineMethod::Ewma {
                    k: first,
                    alpha: num(2)?.unwrap_or(DEFAULT_ALPHA),
                }
            }
            _ => return Err(bad()),
        };
        // range checks: build once with the default warm-up
        method.build()?;
        Ok(method)
    }
}

/// Any online threshold: what a stream holds and saves.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Online {
    /// P-square quantile.
    P2(P2Quantile),
    /// Windowed conformal quantile.
    Window(WindowQuantile),
    /// Median + k MAD.
    Mad(RollingMad),
    /// Q3 + k IQR.
    Iqr(RollingIqr),
    /// SPOT.
    Spot(Spot),
    /// DSPOT.
    Dspot(Dspot),
    /// k-sigma EWMA.
    Ewma(StreamingThreshold),
}

macro_rules! each {
    ($self:expr, $t:ident => $e:expr) => {
        match $self {
            Online::P2($t) => $e,
            Online::Window($t) => $e,
            Online::Mad($t) => $e,
            Online::Iqr($t) => $e,
            Online::Spot($t) => $e,
            Online::Dspot($t) => $e,
            Online::Ewma($t) => $e,
        }
    };
}

impl Online {
    /// Whether this threshold is of the kind `method` builds.
    pub fn follows(&self, method: OnlineMethod) -> bool {
        matches!(
            (self, method),
            (Online::P2(_), OnlineMethod::Quantile { window: None, .. })
                | (
                    Online::Window(_),
                    OnlineMethod::Quantile {
                        window: Some(_),
                        ..
                    }
                )
                | (Online::Mad(_), OnlineMethod::Mad { .. })
                | (Online::Iqr(_), OnlineMethod::Iqr { .. })
                | (Online::Spot(_), OnlineMethod::Spot { .. })
                | (Online::Dspot(_), OnlineMethod::Dspot { .. })
                | (Online::Ewma(_), OnlineMethod::Ewma { .. })
        )
    }

    /// Checks a state read from a file: settings in range, values finite
    /// and consistent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming what is wrong.
    #[cfg(feature = "serde")]
    pub fn check_state(&self) -> Result<()> {
        each!(self, t => t.check_state())
    }
}

impl OnlineThreshold for Online {
    fn observe(&mut self, score: f64) -> Result<Decision> {
        each!(self, t => OnlineThreshold::observe(t, score))
    }
    fn value(&self) -> f64 {
        each!(self, t => OnlineThreshold::value(t))
    }
    fn tail_probability(&self, score: f64) -> Option<f64> {
        each!(self, t => t.tail_probability(score))
    }
    fn seen(&self) -> u64 {
        each!(self, t => t.seen())
    }
    fn is_warm(&self) -> bool {
        each!(self, t => t.is_warm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for text in [
            "quantile:0.01",
            "quantile:0.01:500",
            "mad:3:200",
            "iqr:1.5:1000",
            "spot:0.001",
            "dspot:0.001:20",
            "ewma:5:0.1",
        ] {
            let m: OnlineMethod = text.parse().unwrap();
            assert_eq!(m.to_string(), text);
            assert_eq!(m.to_string().parse::<OnlineMethod>().unwrap(), m);
        }
        assert_eq!(
            "mad:3".parse::<OnlineMethod>().unwrap(),
            OnlineMethod::Mad {
                k: 3.0,
                window: 1000
            }
        );
        for bad in [
            "",
            "quantile",
            "quantile:x",
            "quantile:0.5:1:2",
            "spot:0",
            "spot:1e-3:5",
            "mad:-1",
            "ewma:3:0",
            "dspot:0.01:0",
            "sigma:3",
            "quantile:0.01:10",
        ] {
            assert!(bad.parse::<OnlineMethod>().is_err(), "{bad:?}");
        }
    }
}
