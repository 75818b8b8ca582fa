//! A minimal standardiser for QoE windows.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use oddframe::validate::check_matrix;
use oddframe::{Error, Result};

/// Per-feature standardisation `(x - mean) / std` with the population
/// standard deviation (scikit-learn's `StandardScaler` defaults); a feature
/// whose variance is 0 gets scale 1.
///
/// ```
/// use ndarray::array;
/// use video_features::qoe::Standardizer;
///
/// let s = Standardizer::fit(array![[1.0, 5.0], [3.0, 5.0]].view())?;
/// let z = s.transform(array![[2.0, 5.0], [3.0, 6.0]].view())?;
/// assert_eq!(z, array![[0.0, 0.0], [1.0, 1.0]]);
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Standardizer {
    mean: Array1<f64>,
    scale: Array1<f64>,
}

impl Standardizer {
    /// Learns the mean and scale of each column.
    ///
    /// # Errors
    /// No rows or columns, or non-finite input.
    pub fn fit(x: ArrayView2<'_, f64>) -> Result<Self> {
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::Empty {
                what: "data to standardise",
            });
        }
        check_matrix(x, x.ncols())?;
        let n = x.nrows() as f64;
        let mean = x.sum_axis(Axis(0)) / n;
        let var = x
            .rows()
            .into_iter()
            .fold(Array1::zeros(x.ncols()), |acc, r| {
                acc + (&r - &mean).mapv(|d| d * d)
            })
            / n;
        let scale = var.mapv(|v: f64| if v > 0.0 { v.sqrt() } else { 1.0 });
        Ok(Self { mean, scale })
    }

    /// Per-feature means.
    pub fn mean(&self) -> &Array1<f64> {
        &self.mean
    }

    /// Per-feature scales (standard deviations, 1 for constant features).
    pub fn scale(&self) -> &Array1<f64> {
        &self.scale
    }

    /// Standardises every row.
    ///
    /// # Errors
    /// Wrong column count or non-finite input.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_matrix(x, self.mean.len())?;
        Ok((&x - &self.mean) / &self.scale)
    }
}
