//! Hyper-parameters: [`FisvddParams`] (builder) and [`FisvddValidParams`] (checked).

use oddframe::{Error, ParamGuard};

/// How the Gaussian kernel bandwidth `sigma` is chosen at fit time.
///
/// The kernel is `K(x, y) = exp(-||x - y||^2 / (2 sigma^2))`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Bandwidth {
    /// A given `sigma > 0`.
    Fixed(f64),
    /// `sigma = median pairwise distance / sqrt(2)`, i.e. `2 sigma^2` equals
    /// the squared median distance. The median is taken over at most 1,000
    /// evenly spaced rows (O(min(n, 1000)^2 d)).
    MedianHeuristic,
    /// The `sigma` at which the fitted model keeps this fraction of the
    /// training samples as support vectors (in (0, 1)).
    ///
    /// The fraction of support vectors bounds the leave-one-out error of an
    /// SVDD on its training data (Tax & Duin, Machine Learning 54, 2004,
    /// section 3.3), so this rule chooses a description whose estimated
    /// rejection rate of normal data is the target. It needs no labels.
    ///
    /// The search steps down (or up) from the median heuristic by factors of
    /// `2^(1/4)` until the fraction reaches the target, then bisects that
    /// step twice, and returns the largest sigma found whose fraction
    /// reaches the target. When no sigma reaches it (below some sigma every
    /// sample is too far from the others to be learned), the sigma with the
    /// largest fraction seen is used. Cost: typically 8-14 fits, most of them at large
    /// sigma where fits are cheap; fits that overshoot the target by 10 %
    /// are stopped early.
    SupportFraction(f64),
}

impl Default for Bandwidth {
    /// `SupportFraction(0.2)`.
    fn default() -> Self {
        Bandwidth::SupportFraction(0.2)
    }
}

/// Checked FISVDD hyper-parameters; only [`FisvddParams::check`] makes one.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FisvddValidParams {
    pub(crate) bandwidth: Bandwidth,
    pub(crate) eps_duplicate: f64,
    pub(crate) eps_outlier: f64,
    pub(crate) passes: usize,
    pub(crate) budget: Option<usize>,
    pub(crate) refactor_every: usize,
    pub(crate) residual_tol: f64,
}

impl FisvddValidParams {
    /// The bandwidth rule.
    pub fn bandwidth(&self) -> Bandwidth {
        self.bandwidth
    }
    /// Samples whose largest kernel value exceeds `1 - eps_duplicate` are skipped.
    pub fn eps_duplicate(&self) -> f64 {
        self.eps_duplicate
    }
    /// Samples whose largest kernel value is below `eps_outlier` are not learned.
    pub fn eps_outlier(&self) -> f64 {
        self.eps_outlier
    }
    /// Passes over the training data in `fit`.
    pub fn passes(&self) -> usize {
        self.passes
    }
    /// Maximum number of support vectors, if any.
    pub fn budget(&self) -> Option<usize> {
        self.budget
    }
    /// Structural changes between two refactorisations of the inverse.
    pub fn refactor_every(&self) -> usize {
        self.refactor_every
    }
    /// Relative residual that triggers an early refactorisation.
    pub fn residual_tol(&self) -> f64 {
        self.residual_tol
    }
}

/// FISVDD hyper-parameters (builder with by-value setters).
///
/// ```
/// use fisvdd::{Bandwidth, FisvddParams};
/// use oddframe::ParamGuard;
///
/// let p = FisvddParams::new().bandwidth(Bandwidth::Fixed(0.5)).budget(Some(200));
/// assert!(p.check_ref().is_ok());
/// assert!(FisvddParams::new().bandwidth(Bandwidth::Fixed(-1.0)).check_ref().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FisvddParams(FisvddValidParams);

impl Default for FisvddParams {
    fn default() -> Self {
        Self(FisvddValidParams {
            bandwidth: Bandwidth::default(),
            eps_duplicate: 1e-8,
            eps_outlier: 1e-8,
            passes: 1,
            budget: None,
            refactor_every: 256,
            residual_tol: 1e-8,
        })
    }
}

impl FisvddParams {
    /// Default parameters: bandwidth `SupportFraction(0.2)`, `eps_duplicate`
    /// and `eps_outlier` `1e-8`, one pass, no budget, refactorisation every
    /// 256 changes or when the relative residual exceeds `1e-8`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bandwidth rule.
    pub fn bandwidth(mut self, b: Bandwidth) -> Self {
        self.0.bandwidth = b;
        self
    }

    /// A fixed `sigma` (shorthand for `bandwidth(Bandwidth::Fixed(sigma))`).
    pub fn sigma(self, sigma: f64) -> Self {
        self.bandwidth(Bandwidth::Fixed(sigma))
    }

    /// Near-duplicate tolerance, in (0, 1).
    pub fn eps_duplicate(mut self, eps: f64) -> Self {
        self.0.eps_duplicate = eps;
        self
    }

    /// Outlier tolerance, in \[0, 1).
    pub fn eps_outlier(mut self, eps: f64) -> Self {
        self.0.eps_outlier = eps;
        self
    }

    /// Passes over the training data, at least 1.
    pub fn passes(mut self, passes: usize) -> Self {
        self.0.passes = passes;
        self
    }

    /// Maximum number of support vectors (at least 2), or `None`.
    pub fn budget(mut self, budget: Option<usize>) -> Self {
        self.0.budget = budget;
        self
    }

    /// Structural changes between periodic refactorisations, at least 1.
    /// The period is `max(refactor_every, n_sv)`, so that the O(m^3)
    /// refactorisation costs O(m^2) per change, like an update.
    pub fn refactor_every(mut self, n: usize) -> Self {
        self.0.refactor_every = n;
        self
    }

    /// Relative residual `|f(s) - L| / L` of a new support vector above which
    /// the inverse is refactorised at once; finite and > 0.
    pub fn residual_tol(mut self, tol: f64) -> Self {
        self.0.residual_tol = tol;
        self
    }
}

impl FisvddParams {
    /// Wraps parameters read from a file so that they are checked again.
    #[cfg(feature = "serde")]
    pub(crate) fn from_valid(p: FisvddValidParams) -> Self {
        Self(p)
    }
}

impl ParamGuard for FisvddParams {
    type Checked = FisvddValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&FisvddValidParams, Error> {
        let p = &self.0;
        match p.bandwidth {
            Bandwidth::Fixed(s) if !(s.is_finite() && s > 0.0) => {
                return Err(Error::invalid_parameter("sigma", s, "finite and > 0"))
            }
            Bandwidth::SupportFraction(f) if !(f > 0.0 && f < 1.0) => {
                return Err(Error::invalid_parameter("support_fraction", f, "in (0, 1)"))
            }
            _ => {}
        }
        if !(p.eps_duplicate > 0.0 && p.eps_duplicate < 1.0) {
            return Err(Error::invalid_parameter(
                "eps_duplicate",
                p.eps_duplicate,
                "in (0, 1)",
            ));
        }
        if !(p.eps_outlier >= 0.0 && p.eps_outlier < 1.0) {
            return Err(Error::invalid_parameter(
                "eps_outlier",
                p.eps_outlier,
                "in [0, 1)",
            ));
        }
        if p.passes == 0 {
            return Err(Error::invalid_parameter("passes", 0, ">= 1"));
        }
        if let Some(b) = p.budget {
            if b < 2 {
                return Err(Error::invalid_parameter("budget", b, ">= 2"));
            }
        }
        if p.refactor_every == 0 {
            return Err(Error::invalid_parameter("refactor_every", 0, ">= 1"));
        }
        if !(p.residual_tol.is_finite() && p.residual_tol > 0.0) {
            return Err(Error::invalid_parameter(
                "residual_tol",
                p.residual_tol,
                "finite and > 0",
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<FisvddValidParams, Error> {
        self.check_ref()?;
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(p: FisvddParams, field: &str) {
        let e = p.check().unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    }

    #[test]
    fn each_rule_is_checked() {
        bad(FisvddParams::new().sigma(0.0), "sigma");
        bad(FisvddParams::new().sigma(f64::NAN), "sigma");
        bad(FisvddParams::new().sigma(f64::INFINITY), "sigma");
        bad(
            FisvddParams::new().bandwidth(Bandwidth::SupportFraction(1.0)),
            "support_fraction",
        );
        bad(
            FisvddParams::new().bandwidth(Bandwidth::SupportFraction(f64::NAN)),
            "support_fraction",
        );
        bad(FisvddParams::new().eps_duplicate(0.0), "eps_duplicate");
        bad(FisvddParams::new().eps_outlier(1.0), "eps_outlier");
        bad(FisvddParams::new().eps_outlier(-0.1), "eps_outlier");
        bad(FisvddParams::new().passes(0), "passes");
        bad(FisvddParams::new().budget(Some(1)), "budget");
        bad(FisvddParams::new().refactor_every(0), "refactor_every");
        bad(FisvddParams::new().residual_tol(0.0), "residual_tol");
        assert!(FisvddParams::new().check().is_ok());
    }
}
