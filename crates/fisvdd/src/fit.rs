//! Fitting: bandwidth selection and learning the training data in order.

use ndarray::{ArrayView2, Axis};
use oddframe::validate::check_finite;
use oddframe::{Error, Float};

use crate::model::Fisvdd;
use crate::params::{Bandwidth, FisvddValidParams};
use crate::Result;

/// At most this many rows enter the median heuristic.
const MEDIAN_ROWS: usize = 1000;
/// Bisection steps of the support-fraction rule (final step `2^(1/16)`,
/// 4 % in sigma: the fraction is flat near the target, finer steps only cost fits).
const BISECT_STEPS: usize = 2;
/// Steps tried to bracket the support-fraction target (a factor of 2^12).
const BRACKET_STEPS: usize = 48;
/// Bracketing step factor, `2^(1/4)`.
const STEP: f64 = 1.189_207_115_002_721;

impl FisvddValidParams {
    /// Fits a model: chooses `sigma` by the bandwidth rule, starts from the
    /// first row as the only support vector and learns the other rows in
    /// order (`passes` times).
    ///
    /// ```
    /// use fisvdd::FisvddParams;
    /// use ndarray::array;
    /// use oddframe::{Detector, ParamGuard};
    ///
    /// let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]];
    /// let model = FisvddParams::new().sigma(1.0).check()?.fit(x.view())?;
    /// let s = model.score(array![[0.5, 0.4], [6.0, 6.0]].view())?;
    /// assert!(s[0] < 0.0 && s[1] > 0.0);
    /// # Ok::<(), fisvdd::FisvddError>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Empty`] for no rows or no columns, [`Error::NonFinite`] for
    /// NaN or infinite input, [`Error::InvalidParameter`] when the data give
    /// no usable bandwidth (all rows identical under the median heuristic).
    pub fn fit<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Fisvdd<F>> {
        check_fit_input(x)?;
        let sigma = match self.bandwidth {
            Bandwidth::Fixed(s) => s,
            Bandwidth::MedianHeuristic => median_heuristic(x)?,
            Bandwidth::SupportFraction(t) => self.support_fraction_sigma(x, t)?,
        };
        Ok(self.fit_sigma(x, sigma, None, true).0)
    }

    /// Learns `x` with a given sigma; stops early (returning `true`) once the
    /// model holds more than `stop_above` support vectors.
    pub(crate) fn fit_sigma<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        sigma: f64,
        stop_above: Option<usize>,
        probe_inverse: bool,
    ) -> (Fisvdd<F>, bool) {
        let mut model = Fisvdd::start(x.row(0), sigma, self.clone());
        model.probe_inverse = probe_inverse;
        let mut buf = Vec::with_capacity(x.ncols());
        for pass in 0..self.passes {
            for row in x.axis_iter(Axis(0)).skip(usize::from(pass == 0)) {
                let s = match row.as_slice() {
                    Some(s) => s,
                    None => {
                        buf.clear();
                        buf.extend(row.iter().copied());
                        &buf[..]
                    }
                };
                model.learn(s);
                if stop_above.is_some_and(|cap| model.n_sv() > cap) {
                    return (model, true);
                }
            }
        }
        (model, false)
    }

    /// The support-fraction rule (see [`Bandwidth::SupportFraction`]): the
    /// largest sigma whose support fraction reaches the target, found by
    /// stepping from the median heuristic by factors of `2^(1/4)` until the
    /// fraction crosses the target, then bisecting the last step in
    /// log-sigma. Stepping from above matters: the fraction is only roughly
    /// monotone in sigma and may hover near the target over a wide range.
    fn support_fraction_sigma<F: Float>(&self, x: ArrayView2<'_, F>, target: f64) -> Result<f64> {
        let n = x.nrows() as f64;
        let cap = ((target * n * 1.1).ceil() as usize) + 8;
        let frac = |sigma: f64| {
            let (m, stopped) = self.fit_sigma(x, sigma, Some(cap), false);
            if stopped {
                1.0
            } else {
                m.n_sv() as f64 / n
            }
        };
        let reaches = |sigma: f64| frac(sigma) >= target;
        let s0 = median_heuristic(x)?;
        let f0 = frac(s0);
        if f0 >= target {
            // lo reaches the target; step up until it does not
            let mut lo = s0;
            for _ in 0..BRACKET_STEPS {
                let up = lo * STEP;
                if !reaches(up) {
                    return Ok(bisect(lo, up, &reaches));
                }
                lo = up;
            }
            return Ok(lo);
        }
        // step down; below some sigma every sample is an outlier and the
        // fraction falls again, so give up once it has halved from its best
        let (mut hi, mut best) = (s0, (s0, f0));
        for _ in 0..BRACKET_STEPS {
            let lo = hi / STEP;
            let f = frac(lo);
            if f >= target {
                return Ok(bisect(lo, hi, &reaches));
            }
            if f > best.1 {
                best = (lo, f);
            } else if f < best.1 / 2.0 {
                break;
            }
            hi = lo;
        }
        Ok(best.0)
    }
}

/// Narrows `[lo, hi]` (lo reaches the target, hi does not) and returns
/// the final `lo`.
fn bisect(mut lo: f64, mut hi: f64, reaches: &dyn Fn(f64) -> bool) -> f64 {
    for _ in 0..BISECT_STEPS {
        let mid = (lo * hi).sqrt();
        if reaches(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

fn check_fit_input<F: Float>(x: ArrayView2<'_, F>) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::Empty {
            what: "training data (no rows)",
        }
        .into());
    }
    if x.ncols() == 0 {
        return Err(Error::Empty {
            what: "training data (no features)",
        }
        .into());
    }
    check_finite(x)?;
    Ok(())
}

/// The median-heuristic bandwidth: median pairwise Euclidean distance over
/// at most 1,000 evenly spaced rows, divided by `sqrt(2)`.
///
/// ```
/// use ndarray::array;
/// let s = fisvdd::median_heuristic(array![[0.0], [1.0], [3.0]].view())?;
/// assert!((s - 2.0 / 2f64.sqrt()).abs() < 1e-12);
/// # Ok::<(), fisvdd::FisvddError>(())
/// ```
///
/// # Errors
/// Empty or non-finite data, or data whose rows are all identical.
pub fn median_heuristic<F: Float>(x: ArrayView2<'_, F>) -> Result<f64> {
    check_fit_input(x)?;
    let n = x.nrows();
    let take = n.min(MEDIAN_ROWS);
    let rows: Vec<Vec<f64>> = (0..take)
        .map(|i| x.row(i * n / take).iter().map(|v| v.as_f64()).collect())
        .collect();
    let mut d = Vec::with_capacity(take * (take - 1) / 2);
    for i in 0..take {
        for j in i + 1..take {
            let d2: f64 = rows[i]
                .iter()
                .zip(&rows[j])
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            if d2 > 0.0 {
                d.push(d2.sqrt());
            }
        }
    }
    if d.is_empty() {
        return Err(Error::invalid_parameter(
            "bandwidth",
            "median heuristic",
            "usable only when at least two rows differ",
        )
        .into());
    }
    let mid = d.len() / 2;
    d.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = d[mid];
    let median = if d.len() % 2 == 1 {
        upper
    } else {
        let lower = d[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    };
    Ok(median / std::f64::consts::SQRT_2)
}

impl<F: Float> oddframe::Fit<F> for FisvddValidParams {
    type Model = Fisvdd<F>;
    type Error = crate::FisvddError;

    fn fit(&self, x: ArrayView2<'_, F>) -> Result<Fisvdd<F>> {
        FisvddValidParams::fit(self, x)
    }
}
