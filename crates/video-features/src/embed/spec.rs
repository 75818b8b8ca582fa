//! [`EmbeddingSpec`]: the settings of an [`Embedding`], from which a fresh
//! embedding is built per video and which is saved with the model using it.

use oddframe::frame_pipeline::ExtractorSpec;
use oddframe::{FeatureExtractor, Frame, Result};

use super::{ColorHistogram, Embedding, GradientHistogram, MotionEnergy};

/// One extractor of an [`EmbeddingSpec`], with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", deny_unknown_fields)
)]
#[non_exhaustive]
pub enum EmbeddingPart {
    /// [`ColorHistogram::new`]`(hue, saturation, value)`.
    Color {
        /// Hue bins.
        hue: usize,
        /// Saturation bins.
        saturation: usize,
        /// Value bins.
        value: usize,
    },
    /// [`GradientHistogram::new`]`(rows, cols, bins)`.
    Gradient {
        /// Grid rows.
        rows: usize,
        /// Grid columns.
        cols: usize,
        /// Orientation bins.
        bins: usize,
    },
    /// [`MotionEnergy::new`]`(rows, cols, window)`.
    Motion {
        /// Grid rows.
        rows: usize,
        /// Grid columns.
        cols: usize,
        /// Frames of the statistics window.
        window: usize,
    },
}

impl EmbeddingPart {
    fn build(self) -> Result<Box<dyn FeatureExtractor<Frame>>> {
        Ok(match self {
            EmbeddingPart::Color {
                hue,
                saturation,
                value,
            } => Box::new(ColorHistogram::new(hue, saturation, value)?),
            EmbeddingPart::Gradient { rows, cols, bins } => {
                Box::new(GradientHistogram::new(rows, cols, bins)?)
            }
            EmbeddingPart::Motion { rows, cols, window } => {
                Box::new(MotionEnergy::new(rows, cols, window)?)
            }
        })
    }
}

/// Which extractors an [`Embedding`] concatenates, with their settings:
/// an [`ExtractorSpec`], so an `oddframe::frame_pipeline::ExtractorPipeline`
/// builds a fresh embedding for each video and saves these settings in its
/// file (feature `serde`, format `oddframe.embedding`).
///
/// ```
/// use oddframe::frame_pipeline::ExtractorSpec;
/// use video_features::embed::{EmbeddingPart, EmbeddingSpec};
///
/// assert_eq!(EmbeddingSpec::default().n_features(), 264);
/// let spec = EmbeddingSpec::new(vec![EmbeddingPart::Motion { rows: 2, cols: 2, window: 4 }])?;
/// assert_eq!(spec.n_features(), 8);
/// assert!(EmbeddingSpec::new(vec![]).is_err());
/// assert!(EmbeddingSpec::new(vec![EmbeddingPart::Gradient { rows: 0, cols: 4, bins: 9 }]).is_err());
/// # Ok::<(), oddframe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddingSpec {
    parts: Vec<EmbeddingPart>,
    n_features: usize,
}

impl Default for EmbeddingSpec {
    /// Colour histogram, gradient histogram and motion energy with their
    /// defaults (264 features), as [`Embedding::default`].
    fn default() -> Self {
        let parts = vec![
            EmbeddingPart::Color {
                hue: 8,
                saturation: 4,
                value: 4,
            },
            EmbeddingPart::Gradient {
                rows: 4,
                cols: 4,
                bins: 9,
            },
            EmbeddingPart::Motion {
                rows: 4,
                cols: 4,
                window: 8,
            },
        ];
        Self {
            parts,
            n_features: 264,
        }
    }
}

impl EmbeddingSpec {
    /// An embedding of `parts`, in order.
    ///
    /// # Errors
    /// [`oddframe::Error::InvalidParameter`] for no parts or a part's
    /// setting out of range (as its constructor).
    pub fn new(parts: Vec<EmbeddingPart>) -> Result<Self> {
        if parts.is_empty() {
            return Err(oddframe::Error::invalid_parameter(
                "parts",
                0,
                "at least one extractor",
            ));
        }
        let mut n_features = 0;
        for p in &parts {
            n_features += p.build()?.n_features();
        }
        Ok(Self { parts, n_features })
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[EmbeddingPart] {
        &self.parts
    }

    /// A fresh embedding with these settings.
    ///
    /// # Errors
    /// Never for a spec made by [`EmbeddingSpec::new`] (its settings were
    /// checked); kept fallible for specs read from files.
    pub fn embedding(&self) -> Result<Embedding> {
        let mut e = Embedding::new();
        for p in &self.parts {
            e.parts.push(p.build()?);
        }
        Ok(e)
    }
}

impl ExtractorSpec for EmbeddingSpec {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn build(&self) -> Box<dyn FeatureExtractor<Frame>> {
        match self.embedding() {
            Ok(e) => Box::new(e),
            // unreachable for a checked spec; an empty embedding reports
            // the problem on its first frame
            Err(_) => Box::new(Embedding::new()),
        }
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

    use super::{EmbeddingPart, EmbeddingSpec};

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        parts: Vec<EmbeddingPart>,
    }

    /// Saving and loading (feature `serde`): format `oddframe.embedding`,
    /// schema 1; loading re-checks every part as [`EmbeddingSpec::new`].
    impl Persist for EmbeddingSpec {
        const FORMAT: &'static str = "oddframe.embedding";
        const SCHEMA: u32 = 1;

        fn to_envelope(&self) -> Result<Envelope> {
            let body = Body {
                parts: self.parts.clone(),
            };
            Envelope::new(
                Self::FORMAT,
                1,
                env!("CARGO_PKG_VERSION"),
                Some(self.n_features),
                &body,
            )
        }

        fn from_checked_envelope(env: Envelope) -> Result<Self> {
            let declared = env.require_n_features()?;
            let body: Body = env.take_body()?;
            let spec = EmbeddingSpec::new(body.parts)
                .map_err(|e| Error::invalid_file(Self::FORMAT, e.to_string()))?;
            if spec.n_features != declared {
                return Err(Error::invalid_file(
                    Self::FORMAT,
                    format!(
                        "declares {declared} features, its parts give {}",
                        spec.n_features
                    ),
                ));
            }
            Ok(spec)
        }
    }
}
