//! The small floating-point trait the feature-level models are generic over.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A floating-point element type: implemented for `f32` and `f64` only.
///
/// Models accept either; parity tests against scikit-learn run in `f64`.
/// Conversions to and from `f64` are lossless for `f64` and round to nearest
/// for `f32`.
///
/// ```
/// use oddframe::Float;
/// fn mean<F: Float>(xs: &[F]) -> F {
///     xs.iter().copied().sum::<F>() / F::cast(xs.len() as f64)
/// }
/// assert_eq!(mean(&[1.0f32, 2.0, 3.0]), 2.0);
/// ```
pub trait Float:
    num_traits::Float
    + ndarray::ScalarOperand
    + ndarray::LinalgScalar
    + Sum
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// Converts from `f64` (rounding to nearest for `f32`).
    fn cast(x: f64) -> Self;
    /// Converts to `f64` (exact).
    fn as_f64(self) -> f64;
}

impl Float for f32 {
    #[inline]
    fn cast(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    #[inline]
    fn cast(x: f64) -> Self {
        x
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
}
