//! The P-square streaming quantile (Jain and Chlamtac, "The P² algorithm
//! for dynamic calculation of quantiles and histograms without storing
//! observations", CACM 28(10), 1985).

use super::{check_rate, far_beyond_quantiles, reference_shares, Gate, Learn, Rule};
use crate::{Error, Result};

/// The `1 - rate` quantile of every score so far, estimated in constant
/// memory with five markers (P-square): the minimum, the `p/2`, `p`,
/// `(1+p)/2` quantiles and the maximum. Each new score moves the markers'
/// positions; a marker whose position falls a whole step behind or ahead of
/// where it should be is moved, its height adjusted by a piecewise-parabolic
/// fit through its neighbours.
///
/// For i.i.d. scores the estimate converges to the quantile, so the
/// false-alarm rate tends to `rate`; it does not follow drift (use
/// [`super::WindowQuantile`] or [`super::Dspot`] for that). The tail
/// probability interpolates the markers' heights and ranks linearly. Two
/// more sets of markers follow the reference quantiles of the protect rule
/// (`1 - 3.16 rate` and `1 - 10 rate`, see [the module docs](super)).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct P2Quantile {
    rate: f64,
    gate: Gate,
    /// The markers of the `1 - rate` quantile.
    markers: Markers,
    /// The markers of the protect rule's two reference quantiles (boxed:
    /// every method shares one enum, which stays small).
    reference: Box<[Markers; 2]>,
}

/// Five P-square markers around the `p` quantile.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct Markers {
    p: f64,
    /// Marker heights (the first five scores until there are five).
    heights: Vec<f64>,
    /// Marker positions (1-based ranks).
    positions: [f64; 5],
    /// Desired marker positions.
    desired: [f64; 5],
}

impl P2Quantile {
    /// Target false-alarm `rate` in (0, 1), flagging after `warmup >= 5`
    /// scores, protecting the threshold from flagged scores.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(rate: f64, warmup: u64) -> Result<Self> {
        check_rate("rate", rate)?;
        if warmup < 5 {
            return Err(Error::invalid_parameter(
                "warmup",
                warmup,
                ">= 5 for P-square",
            ));
        }
        Ok(Self {
            rate,
            gate: Gate::new(warmup, true),
            markers: Markers::new(1.0 - rate),
            reference: Box::new(reference_shares(rate).map(|share| Markers::new(1.0 - share))),
        })
    }

    /// Whether anomalies are kept from moving the threshold (default
    /// `true`: flagged scores far beyond the tail are not learned, see
    /// [the module docs](super)).
    pub fn protect(mut self, yes: bool) -> Self {
        self.gate.protect = yes;
        self
    }

    #[cfg(feature = "serde")]
    pub(crate) fn check_state(&self) -> Result<()> {
        let fresh = Self::new(self.rate, self.gate.warmup)?;
        let ours = std::iter::once(&self.markers).chain(self.reference.iter());
        let want = std::iter::once(&fresh.markers).chain(fresh.reference.iter());
        for (m, want) in ours.zip(want) {
            if m.p != want.p {
                return Err(Error::invalid_parameter(
                    "P-square quantile",
                    m.p,
                    "the one its rate gives",
                ));
            }
            m.check()?;
        }
        Ok(())
    }
}

impl Markers {
    fn new(p: f64) -> Self {
        Self {
            p,
            heights: Vec::with_capacity(5),
            positions: [1.0, 2.0, 3.0, 4.0, 5.0],
            desired: [0.0; 5],
        }
    }

    fn increments(&self) -> [f64; 5] {
        let p = self.p;
        [0.0, p / 2.0, p, (1.0 + p) / 2.0, 1.0]
    }

    fn is_full(&self) -> bool {
        self.heights.len() == 5
    }

    /// The estimate of the `p` quantile (the largest score until there are
    /// five; `+inf` before any).
    fn estimate(&self) -> f64 {
        if self.is_full() {
            self.heights[2]
        } else if self.heights.is_empty() {
            f64::INFINITY
        } else {
            self.heights
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
        }
    }

    #[cfg(feature = "serde")]
    fn check(&self) -> Result<()> {
        let bad = |what: &str| {
            Error::invalid_parameter("P-square markers", what.to_string(), "a consistent state")
        };
        if self.heights.len() > 5 || self.heights.iter().any(|h| !h.is_finite()) {
            return Err(bad("heights"));
        }
        let finite = self
            .positions
            .iter()
            .chain(&self.desired)
            .all(|v| v.is_finite());
        let increasing = self.positions.windows(2).all(|w| w[0] < w[1]);
        let sorted = !self.is_full() || self.heights.windows(2).all(|w| w[0] <= w[1]);
        if !(finite && increasing && sorted) {
            return Err(bad("positions"));
        }
        Ok(())
    }

    fn add(&mut self, x: f64) {
        if !self.is_full() {
            self.heights.push(x);
            if self.is_full() {
                self.heights.sort_by(f64::total_cmp);
                let p = self.p;
                self.desired = [1.0, 1.0 + 2.0 * p, 1.0 + 4.0 * p, 3.0 + 2.0 * p, 5.0];
            }
            return;
        }
        let q = &mut self.heights;
        let cell = if x < q[0] {
            q[0] = x;
            0
        } else if x >= q[4] {
            q[4] = x;
            3
        } else {
            (1..4).find(|&i| x < q[i]).map_or(3, |i| i - 1)
        };
        for n in &mut self.positions[cell + 1..] {
            *n += 1.0;
        }
        let inc = self.increments();
        for (d, i) in self.desired.iter_mut().zip(inc) {
            *d += i;
        }
        for i in 1..4 {
            self.adjust(i);
        }
    }

    fn adjust(&mut self, i: usize) {
        let (q, n) = (&mut self.heights, &mut self.positions);
        let d = self.desired[i] - n[i];
        let step = if d >= 1.0 && n[i + 1] - n[i] > 1.0 {
            1.0
        } else if d <= -1.0 && n[i - 1] - n[i] < -1.0 {
            -1.0
        } else {
            return;
        };
        let parabolic = q[i]
            + step / (n[i + 1] - n[i - 1])
                * ((n[i] - n[i - 1] + step) * (q[i + 1] - q[i]) / (n[i + 1] - n[i])
                    + (n[i + 1] - n[i] - step) * (q[i] - q[i - 1]) / (n[i] - n[i - 1]));
        q[i] = if q[i - 1] < parabolic && parabolic < q[i + 1] {
            parabolic
        } else {
            let j = if step > 0.0 { i + 1 } else { i - 1 };
            q[i] + step * (q[j] - q[i]) / (n[j] - n[i])
        };
        n[i] += step;
    }

    /// `P(X >= score)` from the markers' heights and ranks.
    fn tail(&self, score: f64) -> Option<f64> {
        if !self.is_full() {
            return None;
        }
        let (q, n) = (&self.heights, &self.positions);
        let total = n[4];
        let cdf = if score < q[0] {
            0.0
        } else if score >= q[4] {
            // nothing as high was seen: at most one in total + 1
            return Some(1.0 / (total + 1.0));
        } else {
            let i = (1..5).find(|&i| score < q[i]).unwrap_or(4);
            let frac = if q[i] > q[i - 1] {
                (score - q[i - 1]) / (q[i] - q[i - 1])
            } else {
                1.0
            };
            let rank = n[i - 1] + frac * (n[i] - n[i - 1]);
            (rank - 1.0) / total
        };
        Some((1.0 - cdf).clamp(1.0 / (total + 1.0), 1.0))
    }
}

impl Rule for P2Quantile {
    fn threshold(&self) -> f64 {
        self.markers.estimate()
    }

    fn learn(&mut self, score: f64, how: Learn) {
        if how != Learn::Far {
            self.markers.add(score);
            for r in self.reference.iter_mut() {
                r.add(score);
            }
        }
    }

    fn far(&self, score: f64) -> bool {
        let [near, low] = &*self.reference;
        self.markers.is_full()
            && near.is_full()
            && low.is_full()
            && far_beyond_quantiles(
                self.markers.estimate(),
                near.estimate(),
                low.estimate(),
                self.rate,
                score,
            )
    }

    fn tail(&self, score: f64) -> Option<f64> {
        self.markers.tail(score)
    }
}

gated!(P2Quantile);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::online::OnlineThreshold;

    #[test]
    fn the_markers_track_the_quantiles_of_a_uniform_stream() {
        let mut t = P2Quantile::new(0.1, 5).unwrap().protect(false);
        for i in 0..20_000u32 {
            let u = f64::from(i.wrapping_mul(2_654_435_761) % 10_007) / 10_007.0;
            t.observe(u).unwrap();
        }
        let h = &t.markers.heights;
        for (got, want) in h.iter().zip([0.0, 0.45, 0.9, 0.95, 1.0]) {
            assert!((got - want).abs() < 0.01, "{h:?}");
        }
        let tail = t.tail_probability(0.9).unwrap();
        assert!((tail - 0.1).abs() < 0.01, "{tail}");
    }

    #[test]
    fn settings_are_checked() {
        assert!(P2Quantile::new(0.1, 4).is_err());
        assert!(P2Quantile::new(1.0, 10).is_err());
        assert!(P2Quantile::new(f64::NAN, 10).is_err());
    }
}
