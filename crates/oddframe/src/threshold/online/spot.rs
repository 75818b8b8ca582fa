//! SPOT and DSPOT: streaming peaks-over-threshold (Siffer, Fouque,
//! Termier and Largouët, "Anomaly Detection in Streams with Extreme Value
//! Theory", KDD 2017).
//!
//! Above a high initial threshold `t` (the `level` quantile of the warm-up
//! scores), the excesses `y = x - t` follow a generalised Pareto
//! distribution (Pickands-Balkema-de Haan). Fitting it by maximum
//! likelihood gives the threshold `z_q` that a score exceeds with
//! probability `q`:
//!
//! `z_q = t + sigma / gamma * ((q n / N_t)^-gamma - 1)` (`t - sigma ln(q n / N_t)` for `gamma = 0`),
//!
//! with `n` scores and `N_t` peaks seen. Every new peak refits the tail.
//! The likelihood is maximised as Grimshaw (1993) showed: with
//! `theta = gamma / sigma`, the best `gamma` for a given `theta` is explicit,
//! so the fit is a search for the roots of one function of `theta`. Flagged
//! scores under the protect rule enter as *censored* peaks (known only to
//! exceed the threshold they were flagged at); the profile likelihood keeps
//! Grimshaw's one-dimensional form with censoring, so they neither pull
//! the tail up nor bias it down by being left out.

use std::collections::VecDeque;

use super::{check_rate, Gate, Learn, Rule};
use crate::threshold::quantile_sorted;
use crate::{Error, Result};

/// A generalised Pareto distribution of excesses `y >= 0`:
/// `P(Y > y) = (1 + gamma y / sigma)^(-1 / gamma)` (`exp(-y / sigma)` for
/// `gamma = 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Gpd {
    /// Shape (tail index); `> 0` heavy, `0` exponential, `< 0` bounded.
    pub gamma: f64,
    /// Scale, `> 0`.
    pub sigma: f64,
}

/// `|gamma|` below this is taken as the exponential limit.
const GAMMA_ZERO: f64 = 1e-9;

impl Gpd {
    /// Fits excesses by maximum likelihood (Grimshaw's method): `exact`
    /// excesses, and `censored` ones known only to be at least their value.
    ///
    /// # Errors
    /// [`Error::Empty`] without exact excesses; [`Error::InvalidParameter`]
    /// for a negative or non-finite excess.
    pub fn fit(exact: &[f64], censored: &[f64]) -> Result<Gpd> {
        let peaks: Vec<Peak> = exact
            .iter()
            .map(|&y| Peak { y, censored: false })
            .chain(censored.iter().map(|&y| Peak { y, censored: true }))
            .collect();
        check_peaks(&peaks)?;
        Ok(fit_peaks(&peaks, None).0)
    }

    /// `P(Y > y)`.
    pub fn survival(&self, y: f64) -> f64 {
        let y = y.max(0.0);
        if self.gamma.abs() < GAMMA_ZERO {
            (-y / self.sigma).exp()
        } else {
            let base = 1.0 + self.gamma * y / self.sigma;
            if base <= 0.0 {
                0.0
            } else {
                base.powf(-1.0 / self.gamma)
            }
        }
    }

    /// The excess exceeded with probability `p` in (0, 1].
    pub fn excess_at(&self, p: f64) -> f64 {
        if self.gamma.abs() < GAMMA_ZERO {
            -self.sigma * p.ln()
        } else {
            self.sigma / self.gamma * (p.powf(-self.gamma) - 1.0)
        }
    }
}

/// One excess over the initial threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct Peak {
    y: f64,
    censored: bool,
}

fn check_peaks(peaks: &[Peak]) -> Result<()> {
    if let Some(p) = peaks.iter().find(|p| !(p.y.is_finite() && p.y >= 0.0)) {
        return Err(Error::invalid_parameter("excess", p.y, "finite and >= 0"));
    }
    if !peaks.iter().any(|p| !p.censored && p.y > 0.0) {
        return Err(Error::Empty {
            what: "positive exact excesses",
        });
    }
    Ok(())
}

/// Sums the profile likelihood needs at `theta`.
struct Sums {
    /// `sum over all peaks of ln(1 + theta z)`
    s: f64,
    /// `sum over exact peaks of ln(1 + theta y)`
    u: f64,
    /// `sum over all of z / (1 + theta z)`
    ds: f64,
    /// `sum over exact of y / (1 + theta y)`
    du: f64,
}

fn sums(peaks: &[Peak], theta: f64) -> Sums {
    let mut r = Sums {
        s: 0.0,
        u: 0.0,
        ds: 0.0,
        du: 0.0,
    };
    for p in peaks {
        let l = (theta * p.y).ln_1p();
        let g = p.y / (1.0 + theta * p.y);
        r.s += l;
        r.ds += g;
        if !p.censored {
            r.u += l;
            r.du += g;
        }
    }
    r
}

/// `theta / d` times the derivative of the profile log-likelihood: its
/// roots other than 0 are the candidate maxima.
fn slope(peaks: &[Peak], d: f64, theta: f64) -> f64 {
    let m = sums(peaks, theta);
    1.0 - theta * m.ds / m.s - theta * m.du / d
}

/// The GPD and log-likelihood at a stationary `theta` (`gamma = S / d`,
/// `sigma = gamma / theta`), or `None` outside the admissible shapes.
fn candidate(peaks: &[Peak], d: f64, theta: f64) -> Option<(Gpd, f64)> {
    let m = sums(peaks, theta);
    let gamma = m.s / d;
    let sigma = gamma / theta;
    // the likelihood is unbounded for gamma <= -1 (Smith 1985)
    if !(gamma > -1.0 && sigma > 0.0 && sigma.is_finite()) {
        return None;
    }
    Some((Gpd { gamma, sigma }, -d * sigma.ln() - m.u - d))
}

/// The exponential candidate (`gamma = 0`): `sigma` is the total excess
/// over the exact count.
fn exponential(peaks: &[Peak], d: f64) -> (Gpd, f64) {
    let sigma = peaks.iter().map(|p| p.y).sum::<f64>() / d;
    (Gpd { gamma: 0.0, sigma }, -d * sigma.ln() - d)
}

/// A root of `f` in `[a, b]` where it changes sign (Illinois false
/// position; 60 steps at most).
fn root(f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let (mut fa, mut fb) = (f(a), f(b));
    let mut side = 0;
    for _ in 0..60 {
        let c = (a * fb - b * fa) / (fb - fa);
        if !c.is_finite() || (b - a).abs() <= 1e-12 * a.abs().max(b.abs()) {
            break;
        }
        let fc = f(c);
        if fc == 0.0 {
            return c;
        }
        if (fc > 0.0) == (fb > 0.0) {
            b = c;
            fb = fc;
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        } else {
            a = c;
            fa = fc;
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        }
    }
    (a * fb - b * fa) / (fb - fa)
}

/// Maximum-likelihood GPD of `peaks` and the `theta` it was found at
/// (0 for the exponential). `near` is the previous fit's `theta`: the root
/// near it is tried first, and the full search runs only if it is not
/// bracketed there.
fn fit_peaks(peaks: &[Peak], near: Option<f64>) -> (Gpd, f64) {
    let d = peaks.iter().filter(|p| !p.censored).count() as f64;
    let f = |theta: f64| slope(peaks, d, theta);
    let mut best = (exponential(peaks, d), 0.0);
    let mut consider = |theta: f64| {
        if let Some((gpd, ll)) = candidate(peaks, d, theta) {
            if ll > best.0 .1 {
                best = ((gpd, ll), theta);
            }
        }
    };
    if let Some(t) = near.filter(|t| *t != 0.0) {
        let (a, b) = if t > 0.0 {
            (t / 1.5, t * 1.5)
        } else {
            (t * 0.9, t / 0.9)
        };
        let zmax = peaks.iter().map(|p| p.y).fold(0.0, f64::max);
        if 1.0 + b.min(a) * zmax > 0.0 && (f(a) > 0.0) != (f(b) > 0.0) {
            consider(root(&f, a, b));
            return (best.0 .0, best.1);
        }
    }
    let zmax = peaks.iter().map(|p| p.y).fold(0.0, f64::max);
    let zmean = peaks.iter().map(|p| p.y).sum::<f64>() / peaks.len() as f64;
    let zmin = peaks
        .iter()
        .map(|p| p.y)
        .filter(|&y| y > 0.0)
        .fold(f64::INFINITY, f64::min);
    // Grimshaw's bounds: roots lie in (-1 / zmax, 0) and (0, 2 (mean - min) /
    // min^2). The grid is geometric towards both ends of each interval, 0
    // included: a nearly exponential tail has its root close to 0, and a
    // grid that stops short of 0 would leave it unbracketed
    let upper = (2.0 * (zmean - zmin) / (zmin * zmin)).min(1e6 / zmean);
    let decade = |i: u32| 10f64.powf(-6.0 + 6.0 * f64::from(i) / 24.0);
    let mut grid: Vec<f64> = (0..=24)
        .flat_map(|i| [-(1.0 - decade(i)) / zmax, -0.5 * decade(i) / zmax])
        .collect();
    if upper > 0.0 {
        let lo = (1e-6 / zmean).min(upper / 2.0);
        grid.extend((0..=48).map(|i| lo * (upper / lo).powf(f64::from(i) / 48.0)));
    }
    grid.retain(|t| t.is_finite() && *t != 0.0);
    grid.sort_by(f64::total_cmp);
    let values: Vec<f64> = grid.iter().map(|&t| f(t)).collect();
    for i in 1..grid.len() {
        let same_side = (grid[i - 1] > 0.0) == (grid[i] > 0.0);
        let finite = values[i - 1].is_finite() && values[i].is_finite();
        if same_side && finite && (values[i - 1] > 0.0) != (values[i] > 0.0) {
            consider(root(&f, grid[i - 1], grid[i]));
        }
    }
    (best.0 .0, best.1)
}

/// The tail model SPOT and DSPOT share: the initial threshold, the
/// counts, the recent peaks and their GPD.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct Tail {
    rate: f64,
    level: f64,
    max_peaks: usize,
    /// Warm-up values, until calibration.
    init: Vec<f64>,
    /// The initial threshold (`+inf` until calibrated).
    t: f64,
    /// Values learned.
    n: u64,
    /// Peaks learned (all, not only those kept).
    nt: u64,
    peaks: VecDeque<Peak>,
    gpd: Gpd,
    /// The `theta` of the last fit (0: exponential).
    theta: f64,
    /// The alarm threshold over `t`'s scale (`+inf` until calibrated).
    z: f64,
}

impl Tail {
    fn new(rate: f64, level: f64, max_peaks: usize) -> Self {
        Self {
            rate,
            level,
            max_peaks,
            init: Vec::new(),
            t: f64::INFINITY,
            n: 0,
            nt: 0,
            peaks: VecDeque::new(),
            gpd: Gpd {
                gamma: 0.0,
                sigma: 1.0,
            },
            theta: 0.0,
            z: f64::INFINITY,
        }
    }

    fn calibrate(&mut self) {
        let mut sorted = std::mem::take(&mut self.init);
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return;
        }
        self.t = quantile_sorted(&sorted, self.level);
        self.n = sorted.len() as u64;
        let t = self.t;
        for &x in sorted.iter().filter(|&&x| x > t) {
            self.push_peak(Peak {
                y: x - t,
                censored: false,
            });
        }
        self.refit(None);
    }

    fn push_peak(&mut self, p: Peak) {
        if self.peaks.len() == self.max_peaks {
            self.peaks.pop_front();
        }
        self.peaks.push_back(p);
        self.nt += 1;
    }

    fn refit(&mut self, near: Option<f64>) {
        let peaks = self.peaks.make_contiguous();
        if check_peaks(peaks).is_err() {
            // no spread above t yet: the threshold stays at t
            self.z = self.t;
            return;
        }
        let (gpd, theta) = fit_peaks(peaks, near);
        self.gpd = gpd;
        self.theta = theta;
        let r = (self.rate * self.n as f64 / self.nt as f64).min(1.0);
        self.z = self.t + gpd.excess_at(r);
    }

    /// Learns `x` (on the tail's own scale); `censored_at` is the
    /// threshold a protected flagged value exceeded.
    fn learn(&mut self, x: f64, censored_at: Option<f64>) {
        if self.t == f64::INFINITY {
            self.init.push(x);
            return;
        }
        self.n += 1;
        let peak = match censored_at {
            Some(z) => Peak {
                y: (z - self.t).max(0.0),
                censored: true,
            },
            None if x > self.t => Peak {
                y: x - self.t,
                censored: false,
            },
            None => return,
        };
        self.push_peak(peak);
        self.refit(Some(self.theta));
    }

    /// Whether `x` lies three decades of tail probability beyond the alarm
    /// level, extending the tail log-linearly from the initial threshold
    /// (exceeded by `nt / n` of the values). Unlike the fitted shape's own
    /// extrapolation, this bound moves only with `z`, so a few anomalies
    /// cannot make the tail look heavier and let more of them in.
    fn far(&self, x: f64) -> bool {
        let decades = (self.nt as f64 / self.n.max(1) as f64 / self.rate).log10();
        super::far_beyond(self.z, self.t, decades, x)
    }

    fn tail(&self, x: f64) -> Option<f64> {
        (x > self.t && self.nt > 0)
            .then(|| self.nt as f64 / self.n as f64 * self.gpd.survival(x - self.t))
    }

    #[cfg(feature = "serde")]
    fn check(&self) -> Result<()> {
        let calibrated = self.t.is_finite();
        let consistent = self.init.iter().all(|v| v.is_finite())
            && self.gpd.gamma.is_finite()
            && self.gpd.sigma.is_finite()
            && self.gpd.sigma > 0.0
            && self.theta.is_finite()
            && !self.z.is_nan()
            && self.t != f64::NEG_INFINITY
            && self.nt <= self.n
            && self.peaks.len() <= self.max_peaks
            && self.peaks.iter().all(|p| p.y.is_finite() && p.y >= 0.0)
            && (calibrated || (self.n == 0 && self.peaks.is_empty()));
        if consistent {
            Ok(())
        } else {
            Err(Error::invalid_parameter(
                "SPOT tail",
                format!("t {}, z {}, {} peaks", self.t, self.z, self.peaks.len()),
                "a consistent state",
            ))
        }
    }
}

fn check_spot(rate: f64, level: f64, max_peaks: usize, calibration: u64) -> Result<()> {
    check_rate("rate", rate)?;
    if !(level > 0.0 && level < 1.0 - rate) {
        return Err(Error::invalid_parameter(
            "level",
            level,
            "in (0, 1 - rate): the initial threshold sits below the alarm",
        ));
    }
    if max_peaks < 10 {
        return Err(Error::invalid_parameter("max_peaks", max_peaks, ">= 10"));
    }
    if (calibration as f64) * (1.0 - level) < 10.0 {
        return Err(Error::invalid_parameter(
            "warmup",
            calibration,
            "enough calibration scores for 10 peaks: (1 - level) * n >= 10",
        ));
    }
    Ok(())
}

/// SPOT: the threshold a normal score exceeds with probability `rate`,
/// from a generalised Pareto tail fitted above the `level` quantile of the
/// warm-up scores and refitted at every new peak. It assumes the stream's
/// distribution does not drift (use [`Dspot`] when it does). The tail
/// probability of a score above the initial threshold comes from the GPD;
/// below it, `None`.
///
/// ```
/// use oddframe::threshold::online::{OnlineThreshold, Spot};
///
/// let mut t = Spot::new(1e-3, 2000)?;
/// // deterministic stand-in for exponential scores
/// for i in 0..20_000u32 {
///     let u = (f64::from(i.wrapping_mul(2_654_435_761) % 99_991) + 0.5) / 99_991.0;
///     t.observe(-u.ln())?;
/// }
/// // for Exp(1) the 1e-3 quantile is ln(1000) = 6.91
/// assert!((t.value() - 1000f64.ln()).abs() < 0.5, "{}", t.value());
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Spot {
    gate: Gate,
    tail: Tail,
}

/// The initial threshold's level of SPOT and DSPOT (as in the paper's
/// experiments).
pub(crate) const SPOT_LEVEL: f64 = 0.98;
/// Peaks kept for the tail fit.
pub(crate) const SPOT_MAX_PEAKS: usize = 2000;

impl Spot {
    /// Target false-alarm `rate`, calibrating on `warmup` scores (at least
    /// `10 / (1 - level)`: 500 at the default level 0.98), at most 2000
    /// recent peaks kept.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(rate: f64, warmup: u64) -> Result<Self> {
        Self::with_level(rate, SPOT_LEVEL, SPOT_MAX_PEAKS, warmup)
    }

    /// As [`Spot::new`] with the initial threshold's `level` (below
    /// `1 - rate`) and the most peaks kept, `max_peaks >= 10`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn with_level(rate: f64, level: f64, max_peaks: usize, warmup: u64) -> Result<Self> {
        check_spot(rate, level, max_peaks, warmup)?;
        Ok(Self {
            gate: Gate::new(warmup, true),
            tail: Tail::new(rate, level, max_peaks),
        })
    }

    /// Whether anomalies are kept from moving the threshold (default
    /// `true`: flagged scores are learned as censored peaks unless they lie
    /// far beyond the tail, see [the module docs](super)).
    pub fn protect(mut self, yes: bool) -> Self {
        self.gate.protect = yes;
        self
    }

    /// The fitted tail (after the warm-up).
    pub fn gpd(&self) -> Gpd {
        self.tail.gpd
    }

    /// The initial threshold `t` (`+inf` during the warm-up).
    pub fn initial_threshold(&self) -> f64 {
        self.tail.t
    }

    #[cfg(feature = "serde")]
    pub(crate) fn check_state(&self) -> Result<()> {
        let t = &self.tail;
        check_spot(t.rate, t.level, t.max_peaks, self.gate.warmup)?;
        t.check()
    }
}

impl Rule for Spot {
    fn threshold(&self) -> f64 {
        self.tail.z
    }
    fn learn(&mut self, score: f64, how: Learn) {
        match how {
            Learn::Normal => self.tail.learn(score, None),
            Learn::Flagged(z) => self.tail.learn(score, Some(z)),
            Learn::Far => {}
        }
    }
    fn far(&self, score: f64) -> bool {
        self.tail.far(score)
    }
    fn end_warmup(&mut self) {
        self.tail.calibrate();
    }
    fn tail(&self, score: f64) -> Option<f64> {
        self.tail.tail(score)
    }
}

/// DSPOT: SPOT on the residuals `x - M`, where `M` is the mean of the
/// last `depth` normal scores, so that the threshold follows a drifting
/// level. The warm-up first fills the depth window, then calibrates the
/// tail on the residuals. Under protect, flagged scores enter the moving
/// mean at the threshold's value (winsorized: a spike moves the level by at
/// most `threshold / depth`, while a lasting step is followed) and the
/// tail as censored peaks, unless they lie far beyond the tail (see [the
/// module docs](super)).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Dspot {
    gate: Gate,
    tail: Tail,
    depth: usize,
    recent: VecDeque<f64>,
    sum: f64,
    /// Pushes since `sum` was last recomputed from scratch.
    since_sum: usize,
}

impl Dspot {
    /// Target false-alarm `rate` around the moving mean of the last
    /// `depth >= 1` normal scores, warming up on `warmup` scores (`depth`
    /// to fill the window, then at least `10 / (1 - level)` residuals).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field out of range.
    pub fn new(rate: f64, depth: usize, warmup: u64) -> Result<Self> {
        if depth == 0 {
            return Err(Error::invalid_parameter("depth", 0, ">= 1"));
        }
        let calibration = warmup.saturating_sub(depth as u64);
        check_spot(rate, SPOT_LEVEL, SPOT_MAX_PEAKS, calibration)?;
        Ok(Self {
            gate: Gate::new(warmup, true),
            tail: Tail::new(rate, SPOT_LEVEL, SPOT_MAX_PEAKS),
            depth,
            recent: VecDeque::new(),
            sum: 0.0,
            since_sum: 0,
        })
    }

    /// Whether flagged scores are kept from moving the threshold (default
    /// `true`).
    pub fn protect(mut self, yes: bool) -> Self {
        self.gate.protect = yes;
        self
    }

    /// The moving mean `M`.
    pub fn moving_mean(&self) -> f64 {
        if self.recent.is_empty() {
            0.0
        } else {
            self.sum / self.recent.len() as f64
        }
    }

    fn push(&mut self, x: f64) {
        if self.recent.len() == self.depth {
            if let Some(old) = self.recent.pop_front() {
                self.sum -= old;
            }
        }
        self.recent.push_back(x);
        self.sum += x;
        self.since_sum += 1;
        // bound the rounding a running sum accumulates
        if self.since_sum >= self.depth.max(1024) {
            self.sum = self.recent.iter().sum();
            self.since_sum = 0;
        }
    }

    #[cfg(feature = "serde")]
    pub(crate) fn check_state(&self) -> Result<()> {
        Self::new(self.tail.rate, self.depth, self.gate.warmup)?;
        if self.recent.len() > self.depth
            || self.recent.iter().any(|v| !v.is_finite())
            || !self.sum.is_finite()
        {
            return Err(Error::invalid_parameter(
                "DSPOT window",
                self.recent.len(),
                "at most depth finite values",
            ));
        }
        self.tail.check()
    }
}

impl Rule for Dspot {
    fn threshold(&self) -> f64 {
        self.moving_mean() + self.tail.z
    }
    fn learn(&mut self, score: f64, how: Learn) {
        if self.recent.len() < self.depth {
            self.push(score);
            return;
        }
        let mean = self.moving_mean();
        match how {
            Learn::Normal => {
                self.tail.learn(score - mean, None);
                self.push(score);
            }
            Learn::Flagged(z) => {
                self.tail.learn(score - mean, Some(z - mean));
                self.push(z);
            }
            // the level learns far scores winsorized at the threshold: a
            // spike moves it by at most threshold / depth, a lasting shift
            // pulls it along
            Learn::Far => self.push(Rule::threshold(self)),
        }
    }
    fn far(&self, score: f64) -> bool {
        self.tail.far(score - self.moving_mean())
    }
    fn end_warmup(&mut self) {
        self.tail.calibrate();
    }
    fn tail(&self, score: f64) -> Option<f64> {
        self.tail.tail(score - self.moving_mean())
    }
}

gated!(Spot);
gated!(Dspot);

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic uniforms in (0, 1).
    fn uniforms(n: u32) -> Vec<f64> {
        (0..n)
            .map(|i| (f64::from(i.wrapping_mul(2_654_435_761) % 1_000_003) + 0.5) / 1_000_003.0)
            .collect()
    }

    #[test]
    fn the_fit_recovers_known_shapes() {
        let u = uniforms(20_000);
        for (gamma, sigma) in [(0.3, 2.0), (0.0, 1.5), (-0.2, 1.0)] {
            let g = Gpd { gamma, sigma };
            let y: Vec<f64> = u.iter().map(|&p| g.excess_at(p)).collect();
            let fit = Gpd::fit(&y, &[]).unwrap();
            assert!((fit.gamma - gamma).abs() < 0.03, "{fit:?} for {g:?}");
            assert!((fit.sigma / sigma - 1.0).abs() < 0.03, "{fit:?} for {g:?}");
        }
    }

    #[test]
    fn censoring_corrects_the_top_of_the_sample() {
        // an exponential sample whose top 10 % is only known to exceed
        // the 0.9 quantile: leaving it out biases sigma down, censoring does not
        let u = uniforms(20_000);
        let g = Gpd {
            gamma: 0.1,
            sigma: 1.0,
        };
        let cut = g.excess_at(0.1);
        let (mut exact, mut censored) = (Vec::new(), Vec::new());
        for &p in &u {
            let y = g.excess_at(p);
            if y > cut {
                censored.push(cut);
            } else {
                exact.push(y);
            }
        }
        let with = Gpd::fit(&exact, &censored).unwrap();
        let without = Gpd::fit(&exact, &[]).unwrap();
        let want = g.excess_at(1e-3);
        assert!((with.excess_at(1e-3) / want - 1.0).abs() < 0.1, "{with:?}");
        assert!(without.excess_at(1e-3) < 0.6 * want, "{without:?}");
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Gpd::fit(&[], &[1.0]).is_err());
        assert!(Gpd::fit(&[1.0, f64::NAN], &[]).is_err());
        assert!(Gpd::fit(&[1.0, -1.0], &[]).is_err());
        assert!(Spot::new(1e-3, 100).is_err(), "too short a warm-up");
        assert!(
            Spot::with_level(0.05, 0.98, 100, 5000).is_err(),
            "level above 1 - rate"
        );
        assert!(Dspot::new(1e-3, 0, 5000).is_err());
        assert!(Dspot::new(1e-3, 1000, 1200).is_err());
    }
}
