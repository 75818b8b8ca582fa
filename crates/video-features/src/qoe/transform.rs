//! Clipping and log compression of heavy-tailed QoE features.

use ndarray::{Array2, ArrayView2};
use oddframe::validate::check_matrix;
use oddframe::{Error, Float, Result, Transformer};

/// What happens to one column: clip to `[0, cap]`, then optionally `log1p`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ColumnTransform {
    /// Column index.
    pub column: usize,
    /// Upper clip (values are also clipped below at 0); `None` for no clipping.
    pub cap: Option<f64>,
    /// Apply `ln(1 + x)` after clipping.
    pub log1p: bool,
}

/// Per-column clipping and `log1p`, the preprocessing of the original QoE
/// system; columns not listed pass through unchanged.
///
/// A [`Transformer`] with nothing to fit, so it goes first in a pipeline
/// that scores raw windows (`PipelineParams::step`); with the `serde`
/// feature it is saved in the pipeline's file (format
/// `oddframe.qoe-transform`).
///
/// ```
/// use ndarray::array;
/// use video_features::qoe::QoeTransform;
///
/// let t = QoeTransform::live_nflx();
/// let x = array![[80.0, 5.0, 3.0, 50_000.0, 0.0, 12.0]];
/// let y = t.apply(x.view())?;
/// assert_eq!(y[[0, 0]], 80.0);
/// assert!((y[[0, 3]] - 20_001f64.ln()).abs() < 1e-12); // capped at 20,000 kbit/s
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct QoeTransform {
    n_features: usize,
    columns: Vec<ColumnTransform>,
}

impl QoeTransform {
    /// A transform of `n_features` columns.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a column index out of range, a column
    /// listed twice, or a cap that is not finite and > 0.
    pub fn new(n_features: usize, columns: Vec<ColumnTransform>) -> Result<Self> {
        for (i, c) in columns.iter().enumerate() {
            if c.column >= n_features {
                return Err(Error::invalid_parameter(
                    "column",
                    c.column,
                    "less than the number of features",
                ));
            }
            if columns[..i].iter().any(|d| d.column == c.column) {
                return Err(Error::invalid_parameter("column", c.column, "listed once"));
            }
            if let Some(cap) = c.cap {
                if !(cap.is_finite() && cap > 0.0) {
                    return Err(Error::invalid_parameter("cap", cap, "finite and > 0"));
                }
            }
        }
        Ok(Self {
            n_features,
            columns,
        })
    }

    /// The identity on `n_features` columns.
    pub fn identity(n_features: usize) -> Self {
        Self {
            n_features,
            columns: Vec::new(),
        }
    }

    /// The transform for the six [`super::FEATURE_NAMES`] columns:
    /// `bitrate_mean` clipped to 20,000 kbit/s, `stall_ratio` to 1 and
    /// `tsl_end` to 300 s, each followed by `log1p`.
    pub fn live_nflx() -> Self {
        let col = |column, cap| ColumnTransform {
            column,
            cap: Some(cap),
            log1p: true,
        };
        Self {
            n_features: 6,
            columns: vec![col(3, 20_000.0), col(4, 1.0), col(5, 300.0)],
        }
    }

    /// Number of columns expected.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The per-column operations.
    pub fn columns(&self) -> &[ColumnTransform] {
        &self.columns
    }

    /// Applies the transform to every row (the same as
    /// [`Transformer::transform`], for either float type).
    ///
    /// # Errors
    /// Wrong column count or non-finite input.
    pub fn apply<F: Float>(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        check_matrix(x, self.n_features)?;
        let mut y = x.to_owned();
        for c in &self.columns {
            let cap = c.cap.map(F::cast);
            y.column_mut(c.column).mapv_inplace(|v| {
                let v = match cap {
                    Some(cap) => v.max(F::zero()).min(cap),
                    None => v,
                };
                if c.log1p {
                    v.ln_1p()
                } else {
                    v
                }
            });
        }
        Ok(y)
    }
}

impl<F: Float> Transformer<F> for QoeTransform {
    fn n_features_in(&self) -> usize {
        self.n_features
    }

    fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.apply(x)
    }

    #[cfg(feature = "serde")]
    fn envelope(&self) -> Result<oddframe::persist::Envelope> {
        oddframe::Persist::to_envelope(self)
    }
}

#[cfg(feature = "serde")]
mod persist {
    use oddframe::persist::{Envelope, Persist};
    use oddframe::{Error, Result};

    use super::{ColumnTransform, QoeTransform};

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        columns: Vec<ColumnTransform>,
    }

    /// Saving and loading (feature `serde`): format `oddframe.qoe-transform`,
    /// schema 1; loading re-checks the columns as [`QoeTransform::new`] does.
    ///
    /// ```
    /// use oddframe::Persist;
    /// use video_features::qoe::QoeTransform;
    ///
    /// let t = QoeTransform::live_nflx();
    /// assert_eq!(QoeTransform::from_json(&t.to_json()?)?, t);
    /// # Ok::<(), oddframe::Error>(())
    /// ```
    impl Persist for QoeTransform {
        const FORMAT: &'static str = "oddframe.qoe-transform";
        const SCHEMA: u32 = 1;

        fn to_envelope(&self) -> Result<Envelope> {
            let body = Body {
                columns: self.columns.clone(),
            };
            let version = env!("CARGO_PKG_VERSION");
            Envelope::new(
                Self::FORMAT,
                Self::SCHEMA,
                version,
                Some(self.n_features),
                &body,
            )
        }

        fn from_checked_envelope(env: Envelope) -> Result<Self> {
            let d = env.require_n_features()?;
            let body: Body = env.take_body()?;
            QoeTransform::new(d, body.columns)
                .map_err(|e| Error::invalid_file(Self::FORMAT, e.to_string()))
        }
    }
}
