//! Checked hyper-parameters: the `params -> valid params -> fit` split.

/// Turns a parameter builder into checked parameters.
///
/// Every model of oddframe has an `XParams` builder with by-value setters and
/// an `XValidParams` that only [`ParamGuard::check`] can produce, so a model
/// can never be fitted with a NaN bandwidth or a negative rate. `check`
/// returns an error naming the field and the allowed range.
///
/// ```
/// use oddframe::{Error, ParamGuard};
///
/// #[derive(Debug, Clone)]
/// struct ValidRate(f64);
/// struct RateParams(ValidRate);
///
/// impl ParamGuard for RateParams {
///     type Checked = ValidRate;
///     type Error = Error;
///     fn check_ref(&self) -> Result<&ValidRate, Error> {
///         let r = (self.0).0;
///         if r.is_finite() && r > 0.0 && r < 1.0 {
///             Ok(&self.0)
///         } else {
///             Err(Error::invalid_parameter("rate", r, "finite and in (0, 1)"))
///         }
///     }
///     fn check(self) -> Result<ValidRate, Error> {
///         self.check_ref()?;
///         Ok(self.0)
///     }
/// }
///
/// assert!(RateParams(ValidRate(0.1)).check().is_ok());
/// assert!(RateParams(ValidRate(f64::NAN)).check().is_err());
/// ```
pub trait ParamGuard {
    /// The checked parameter type.
    type Checked;
    /// The error returned when a parameter is out of range.
    type Error: std::error::Error;

    /// Checks the parameters and borrows the checked form.
    ///
    /// # Errors
    /// When any parameter is outside its documented range.
    fn check_ref(&self) -> Result<&Self::Checked, Self::Error>;

    /// Checks the parameters and returns the checked form.
    ///
    /// # Errors
    /// When any parameter is outside its documented range.
    fn check(self) -> Result<Self::Checked, Self::Error>;
}
