//! Rules over a sliding window of recent scores: the exact windowed
//! quantile, the median + k MAD rule and Tukey's fence (Q3 + k IQR).

use std::collections::VecDeque;

use super::{
    check_positive, check_rate, far_beyond_quantiles, gaussian_far, rank_tail, reference_shares,
    Gate, Learn, Rule,
};
use crate::threshold::quantile_sorted;
use crate::{Error, Result};

/// The last `capacity` scores, kept both in arrival order and sorted.
/// Inserting or dropping one costs a binary search and a move of the
/// sorted values after it (a `memmove`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "WindowState", into = "WindowState")
)]
pub(crate) struct SortedWindow {
    capacity: usize,
    arrived: VecDeque<f64>,
    sorted: Vec<f64>,
}

/// The saved form: capacity and the values in arrival order.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowState {
    capacity: usize,
    values: Vec<f64>,
}

#[cfg(feature = "serde")]
impl From<SortedWindow> for WindowState {
    fn from(w: SortedWindow) -> Self {
        Self {
            capacity: w.capacity,
            values: w.arrived.into(),
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<WindowState> for SortedWindow {
    type Error = Error;
    fn try_from(s: WindowState) -> Result<Self> {
        if s.capacity == 0 || s.values.len() > s.capacity {
            return Err(Error::invalid_parameter(
                "window",
                format!("{} values, capacity {}", s.values.len(), s.capacity),
                "capacity >= 1 holding at most capacity values",
            ));
        }
        crate::validate::check_scores(&s.values, "window").or_else(|e| {
            if s.values.is_empty() {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        let mut w = SortedWindow::new(s.capacity);
        for v in s.values {
            w.push(v);
        }
        Ok(w)
    }
}

impl SortedWindow {
    /// An empty window; memory grows with the values, not the capacity
    /// (which may come from a file).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            arrived: VecDeque::new(),
            sorted: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, v: f64) {
        if self.arrived.len() == self.capacity {
            if let Some(old) = self.arrived.pop_front() {
                let i = self.sorted.partition_point(|&s| s < old);
                self.sorted.remove(i);
            }
        }
        self.arrived.push_back(v);
        let i = self.sorted.partition_point(|&s| s <= v);
        self.sorted.insert(i, v);
    }

    pub(crate) fn sorted(&self) -> &[f64] {
        &self.sorted
    }

    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }

    /// The numpy-linear `q`-quantile (`+inf` when empty).
    pub(crate) fn quantile(&self, q: f64) -> f64 {
        if self.sorted.is_empty() {
            f64::INFINITY
        } else {
            quantile_sorted(&self.sorted, q)
        }
    }

    /// The median absolute deviation from the median (numpy's median of
    /// `|x - median|`), found among the two sorted runs of distances
    /// below and above the median without sorting them.
    fn mad(&self, median: f64) -> f64 {
        let s = &self.sorted;
        let n = s.len();
        if n == 0 {
            return f64::INFINITY;
        }
        let p = s.partition_point(|&v| v < median);
        let below = |i: usize| median - s[p - 1 - i];
        let above = |j: usize| s[p + j] - median;
        let kth = |k: usize| kth_of_two(&below, p, &above, n - p, k);
        if n % 2 == 1 {
            kth(n / 2)
        } else {
            0.5 * (kth(n / 2 - 1) + kth(n / 2))
        }
    }
}

/// The `k`-th smallest (0-based) of the union of two increasing sequences
/// given by index, in `O(log)` comparisons.
fn kth_of_two(
    a: &dyn Fn(usize) -> f64,
    na: usize,
    b: &dyn Fn(usize) -> f64,
    nb: usize,
    k: usize,
) -> f64 {
    // how many of the k + 1 smallest come from `a`
    let (mut lo, mut hi) = ((k + 1).saturating_sub(nb), (k + 1).min(na));
    while lo < hi {
        let i = (lo + hi) / 2;
        if a(i) < b(k - i) {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    let j = k + 1 - lo;
    let from_a = if lo > 0 { a(lo - 1) } else { f64::NEG_INFINITY };
    let from_b = if j > 0 { b(j - 1) } else { f64::NEG_INFINITY };
    from_a.max(from_b)
}

/// How the MAD and IQR rules learn: a flagged score that is not far
/// enters at the threshold (it stays above the centre the rule is measured
/// from without pulling the spread); a far one not at all.
fn learn_clipped(window: &mut SortedWindow, threshold: f64, score: f64, how: Learn) {
    match how {
        Learn::Normal => window.push(score),
        Learn::Flagged(_) => window.push(score.min(threshold)),
        Learn::Far => {}
    }
}

/// The interquartile range of a Gaussian in standard deviations,
/// `2 Phi^-1(3/4)`.
const IQR_TO_SIGMA_UNITS: f64 = 1.348_979_500_392_163_5;

fn check_window(window: usize, needed: usize) -> Result<usize> {
    if window >= needed.max(1) {
        Ok(window)
    } else {
        Err(Error::invalid_parameter(
            "window",
            window,
            "at least 1 / rate - 1 (and >= 1)",
        ))
    }
}

fn check_warmup(warmup: u64, window: usize) -> Result<u64> {
    if warmup >= 1 && warmup <= window as u64 {
        Ok(warmup)
    } else {
        Err(Error::invalid_parameter(
            "warmup",
            warmup,
            "in 1..=window for a windowed rule",
        ))
    }
}

/// The exact `1 - rate` quantile of the last `window` scores, taken as a
/// conformal threshold: the `ceil((n + 1)(1 - rate))`-th smallest of the
/// `n` scores in the window. If the window and the next score are
/// exchangeable (no drift within a window), the next normal score is
/// flagged with probability at most `rate`; the window lets the threshold
/// follow a drifting level. The tail probability is the score's conformal
/// p-value against the window.
///
/// The warm-up is at least `1 / rate - 1` scores, so that the window can
/// hold the threshold's rank. The protect rule's far bound is estimated
/// from the window too, and is as noisy as the threshold: to keep anomalies
/// as frequent as 5 % of the scores out, the window should hold at least
/// `100 / rate` scores (measured: with `20 / rate`, such spikes got past
/// the bound in some runs and took the threshold up with them).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct WindowQuantile {
    rate: f64,
    gate: Gate,
    window: SortedWindow,
}

impl WindowQuantile {
    /// Target false-alarm `rate` in (0, 1) over the last `window >= 1 /
    /// rate - 1` scores, flagging after `warmup` in `1..=window` scores,
    /// protecting the threshold from flagged scores.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(rate: f64, window: usize, warmup: u64) -> Result<Self> {
        check_rate("rate", rate)?;
        let needed = (1.0 / rate - 1.0).ceil() as usize;
        check_window(window, needed)?;
        Ok(Self {
            rate,
            gate: Gate::new(check_warmup(warmup.max(needed as u64), window)?, true),
            window: SortedWindow::new(window),
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
        Self::new(self.rate, self.window.capacity, self.gate.warmup).map(drop)
    }
}

impl WindowQuantile {
    /// The conformal `1 - share` quantile of the window: its
    /// `ceil((n + 1)(1 - share))`-th smallest (`+inf` past the largest).
    fn conformal(&self, share: f64) -> f64 {
        let n = self.window.len();
        let k = ((n as f64 + 1.0) * (1.0 - share)).ceil() as usize;
        if n == 0 || k > n {
            f64::INFINITY
        } else {
            self.window.sorted()[k.max(1) - 1]
        }
    }
}

impl Rule for WindowQuantile {
    fn threshold(&self) -> f64 {
        self.conformal(self.rate)
    }
    fn learn(&mut self, score: f64, how: Learn) {
        if how != Learn::Far {
            self.window.push(score);
        }
    }
    fn far(&self, score: f64) -> bool {
        let [near, low] = reference_shares(self.rate).map(|share| self.conformal(share));
        far_beyond_quantiles(Rule::threshold(self), near, low, self.rate, score)
    }
    fn tail(&self, score: f64) -> Option<f64> {
        Some(rank_tail(self.window.sorted(), score))
    }
}

gated!(WindowQuantile);

/// `median + k * 1.4826 * MAD` of the last `window` scores: a robust
/// k-sigma rule (1.4826 makes the MAD estimate a Gaussian's standard
/// deviation), flagging a Gaussian stream's scores at rate `1 - Phi(k)`.
/// When more than half the window holds one value the MAD is 0 and every
/// score above the median is flagged. The tail probability is the share of
/// the window at least as high (the conformal p-value).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RollingMad {
    k: f64,
    gate: Gate,
    window: SortedWindow,
}

/// The factor that makes the MAD of Gaussian data estimate its standard
/// deviation: `1 / Phi^-1(3/4)`.
const MAD_TO_SIGMA: f64 = 1.482_602_218_505_602;

impl RollingMad {
    /// Width `k > 0` robust standard deviations over the last `window`
    /// scores, flagging after `warmup` in `1..=window` scores.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(k: f64, window: usize, warmup: u64) -> Result<Self> {
        check_positive("k", k)?;
        check_window(window, 1)?;
        Ok(Self {
            k,
            gate: Gate::new(check_warmup(warmup, window)?, true),
            window: SortedWindow::new(window),
        })
    }

    /// Whether flagged scores are kept from moving the threshold (default
    /// `true`: they are learned at the threshold's value, which keeps the
    /// centre and spread as they were, or not at all when far beyond the
    /// band, see [the module docs](super)).
    pub fn protect(mut self, yes: bool) -> Self {
        self.gate.protect = yes;
        self
    }

    #[cfg(feature = "serde")]
    pub(crate) fn check_state(&self) -> Result<()> {
        Self::new(self.k, self.window.capacity, self.gate.warmup).map(drop)
    }
}

impl Rule for RollingMad {
    fn threshold(&self) -> f64 {
        let median = self.window.quantile(0.5);
        median + self.k * MAD_TO_SIGMA * self.window.mad(median)
    }
    fn learn(&mut self, score: f64, how: Learn) {
        let t = Rule::threshold(self);
        learn_clipped(&mut self.window, t, score, how);
    }
    fn far(&self, score: f64) -> bool {
        let median = self.window.quantile(0.5);
        let sigma = MAD_TO_SIGMA * self.window.mad(median);
        gaussian_far(score, median, sigma, self.k)
    }
    fn tail(&self, score: f64) -> Option<f64> {
        Some(rank_tail(self.window.sorted(), score))
    }
}

gated!(RollingMad);

/// Tukey's fence `Q3 + k * (Q3 - Q1)` of the last `window` scores
/// (quartiles with numpy's linear interpolation; `k = 1.5` is the classic
/// box-plot rule, flagging 0.35 % of a Gaussian). The tail probability is
/// the share of the window at least as high.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RollingIqr {
    k: f64,
    gate: Gate,
    window: SortedWindow,
}

impl RollingIqr {
    /// Fence `k > 0` interquartile ranges above the third quartile of the
    /// last `window` scores, flagging after `warmup` in `1..=window`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(k: f64, window: usize, warmup: u64) -> Result<Self> {
        check_positive("k", k)?;
        check_window(window, 1)?;
        Ok(Self {
            k,
            gate: Gate::new(check_warmup(warmup, window)?, true),
            window: SortedWindow::new(window),
        })
    }

    /// Whether flagged scores are kept from moving the threshold (default
    /// `true`: they are learned at the threshold's value, which keeps the
    /// centre and spread as they were, or not at all when far beyond the
    /// band, see [the module docs](super)).
    pub fn protect(mut self, yes: bool) -> Self {
        self.gate.protect = yes;
        self
    }

    #[cfg(feature = "serde")]
    pub(crate) fn check_state(&self) -> Result<()> {
        Self::new(self.k, self.window.capacity, self.gate.warmup).map(drop)
    }
}

impl Rule for RollingIqr {
    fn threshold(&self) -> f64 {
        let (q1, q3) = (self.window.quantile(0.25), self.window.quantile(0.75));
        q3 + self.k * (q3 - q1)
    }
    fn learn(&mut self, score: f64, how: Learn) {
        let t = Rule::threshold(self);
        learn_clipped(&mut self.window, t, score, how);
    }
    fn far(&self, score: f64) -> bool {
        // the fence in Gaussian units: centre (Q1 + Q3) / 2, sigma IQR / 1.349
        let (q1, q3) = (self.window.quantile(0.25), self.window.quantile(0.75));
        let sigma = (q3 - q1) / IQR_TO_SIGMA_UNITS;
        let k = IQR_TO_SIGMA_UNITS * (0.5 + self.k);
        gaussian_far(score, 0.5 * (q1 + q3), sigma, k)
    }
    fn tail(&self, score: f64) -> Option<f64> {
        Some(rank_tail(self.window.sorted(), score))
    }
}

gated!(RollingIqr);

#[cfg(test)]
mod tests {
    use super::*;

    fn mad_by_sorting(v: &[f64]) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let m = quantile_sorted(&s, 0.5);
        let mut d: Vec<f64> = s.iter().map(|x| (x - m).abs()).collect();
        d.sort_by(f64::total_cmp);
        quantile_sorted(&d, 0.5)
    }

    #[test]
    fn the_window_mad_equals_the_sorted_definition() {
        let mut w = SortedWindow::new(37);
        let mut seen = Vec::new();
        for i in 0..200u32 {
            let v = f64::from(i.wrapping_mul(2_654_435_761) % 101) - 50.0 + f64::from(i % 3) * 0.25;
            w.push(v);
            seen.push(v);
            let tail = &seen[seen.len().saturating_sub(37)..];
            let want = mad_by_sorting(tail);
            let got = w.mad(w.quantile(0.5));
            assert_eq!(got, want, "after {} values", i + 1);
        }
    }

    #[test]
    fn the_window_drops_the_oldest() {
        let mut w = SortedWindow::new(3);
        for v in [5.0, 1.0, 3.0, 2.0] {
            w.push(v);
        }
        assert_eq!(w.sorted(), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn settings_are_checked() {
        assert!(
            WindowQuantile::new(0.01, 50, 50).is_err(),
            "window too short for 1 %"
        );
        assert!(WindowQuantile::new(0.0, 500, 100).is_err());
        assert!(WindowQuantile::new(0.01, 500, 600).is_err());
        assert!(RollingMad::new(-1.0, 100, 10).is_err());
        assert!(RollingMad::new(3.0, 0, 1).is_err());
        assert!(RollingIqr::new(f64::NAN, 100, 10).is_err());
        assert!(RollingIqr::new(1.5, 100, 0).is_err());
    }
}
