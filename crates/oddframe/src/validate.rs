//! Input checks shared by every model: shape and finiteness.

use ndarray::{ArrayView1, ArrayView2};

use crate::{Error, Float, Result};

/// Checks that `x` has `expected` columns and only finite values.
///
/// ```
/// use ndarray::array;
/// use oddframe::validate::check_matrix;
/// assert!(check_matrix(array![[1.0, 2.0]].view(), 2).is_ok());
/// assert!(check_matrix(array![[1.0, f64::NAN]].view(), 2).is_err());
/// ```
///
/// # Errors
/// [`Error::DimensionMismatch`] for a wrong column count,
/// [`Error::NonFinite`] naming the first NaN or infinite cell.
pub fn check_matrix<F: Float>(x: ArrayView2<'_, F>, expected: usize) -> Result<()> {
    check_features(x.ncols(), expected)?;
    check_finite(x)
}

fn check_features(found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what: "features",
            expected,
            found,
        })
    }
}

/// Checks that every value of `x` is finite.
///
/// # Errors
/// [`Error::NonFinite`] naming the first NaN or infinite cell (row-major order).
pub fn check_finite<F: Float>(x: ArrayView2<'_, F>) -> Result<()> {
    for (row, r) in x.rows().into_iter().enumerate() {
        if let Some(col) = r.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { row, col });
        }
    }
    Ok(())
}

/// Checks one sample: `expected` values, all finite.
///
/// # Errors
/// As [`check_matrix`], with row 0.
pub fn check_sample<F: Float>(x: ArrayView1<'_, F>, expected: usize) -> Result<()> {
    check_features(x.len(), expected)?;
    match x.iter().position(|v| !v.is_finite()) {
        Some(col) => Err(Error::NonFinite { row: 0, col }),
        None => Ok(()),
    }
}

/// Checks a slice of scores: non-empty and finite.
///
/// # Errors
/// [`Error::Empty`] or [`Error::NonFinite`] (with column 0).
pub fn check_scores(scores: &[f64], what: &'static str) -> Result<()> {
    if scores.is_empty() {
        return Err(Error::Empty { what });
    }
    match scores.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(Error::NonFinite { row, col: 0 }),
        None => Ok(()),
    }
}
