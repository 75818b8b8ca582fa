//! Saving a [`Pipeline`] as one file, and [`Registry`]: the part formats an
//! application can load back.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Model, Pipeline, Step};
use crate::frame_pipeline::{ExtractorSpec, FrameModel};
use crate::persist::{write_atomic, Envelope, Persist};
use crate::{Detector, Error, Float, Result, Threshold, Transformer};

/// The body of a saved pipeline: every part in its own envelope.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    steps: Vec<Envelope>,
    detector: Envelope,
    #[serde(default)]
    threshold: Option<Envelope>,
}

type StepLoader<F> = fn(Envelope, &Registry<F>) -> Result<Box<dyn Step<F>>>;
type ModelLoader<F> = fn(Envelope, &Registry<F>) -> Result<Box<dyn Model<F>>>;
type Upgrade = fn(Envelope) -> Result<Envelope>;
pub(crate) type FrameLoader = fn(Envelope, &Registry<f64>) -> Result<Box<dyn FrameModel>>;
pub(crate) type ExtractorLoader = fn(Envelope) -> Result<Box<dyn ExtractorSpec>>;

fn load_step<F: Float, T: Transformer<F> + Persist + 'static>(
    env: Envelope,
    _: &Registry<F>,
) -> Result<Box<dyn Step<F>>> {
    Ok(Box::new(T::from_envelope(env)?))
}

fn load_model<F: Float, D: Detector<F> + Persist + 'static>(
    env: Envelope,
    _: &Registry<F>,
) -> Result<Box<dyn Model<F>>> {
    Ok(Box::new(D::from_envelope(env)?))
}

fn load_nested<F: Float>(env: Envelope, registry: &Registry<F>) -> Result<Box<dyn Model<F>>> {
    Ok(Box::new(Pipeline::from_envelope(env, registry)?))
}

/// The part formats an application can load, by format name.
///
/// A saved [`Pipeline`] names the format of each of its parts; loading it
/// looks each one up here. Register the types your pipelines use (each
/// model crate's docs list its formats); nested pipelines
/// (`oddframe.pipeline`) are known from the start. An *upgrade* turns an
/// envelope of a retired format into a current one (for example a file of
/// an older composed model into a pipeline envelope) before it is loaded.
///
/// ```
/// use ndarray::{array, Array1, ArrayView2};
/// use oddframe::persist::{Envelope, Persist};
/// use oddframe::{validate::check_matrix, Detector, Pipeline, Registry, Result};
///
/// #[derive(Debug, PartialEq)]
/// struct Norm;
/// impl Detector<f64> for Norm {
///     fn n_features(&self) -> usize { 2 }
///     fn score(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
///         check_matrix(x, 2)?;
///         Ok(x.rows().into_iter().map(|r| r.dot(&r)).collect())
///     }
///     fn envelope(&self) -> Result<Envelope> { self.to_envelope() }
/// }
/// impl Persist for Norm {
///     const FORMAT: &'static str = "example.norm";
///     const SCHEMA: u32 = 1;
///     fn to_envelope(&self) -> Result<Envelope> {
///         Envelope::new(Self::FORMAT, 1, "1.0.0", Some(2), &())
///     }
///     fn from_checked_envelope(env: Envelope) -> Result<Self> {
///         env.body::<()>()?;
///         Ok(Norm)
///     }
/// }
///
/// let saved = Pipeline::new(Norm).to_json()?;
/// let registry = Registry::<f64>::new().detector::<Norm>();
/// let back = registry.pipeline_from_json(&saved)?;
/// assert_eq!(back.score(array![[3.0, 4.0]].view())?[0], 25.0);
/// assert!(Registry::<f64>::new().pipeline_from_json(&saved).is_err()); // unknown part
/// # Ok::<(), oddframe::Error>(())
/// ```
pub struct Registry<F: Float> {
    transformers: BTreeMap<&'static str, StepLoader<F>>,
    detectors: BTreeMap<&'static str, ModelLoader<F>>,
    upgrades: BTreeMap<&'static str, Upgrade>,
    /// Frame detectors and extractors (filled in `Registry<f64>` only:
    /// frame models score in `f64`).
    pub(crate) frame_detectors: BTreeMap<&'static str, FrameLoader>,
    pub(crate) extractors: BTreeMap<&'static str, ExtractorLoader>,
}

impl<F: Float> std::fmt::Debug for Registry<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field(
                "transformers",
                &self.transformers.keys().collect::<Vec<_>>(),
            )
            .field("detectors", &self.detectors.keys().collect::<Vec<_>>())
            .field("upgrades", &self.upgrades.keys().collect::<Vec<_>>())
            .field(
                "frame_detectors",
                &self.frame_detectors.keys().collect::<Vec<_>>(),
            )
            .field("extractors", &self.extractors.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<F: Float> Default for Registry<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// Upgrades applied to one envelope at most (a chain longer than this is a
/// cycle).
const MAX_UPGRADES: usize = 8;

impl<F: Float> Registry<F> {
    /// A registry that knows nested pipelines, thresholds and (in
    /// `Registry<f64>`) frame and extractor pipelines only.
    pub fn new() -> Self {
        let mut detectors: BTreeMap<&'static str, ModelLoader<F>> = BTreeMap::new();
        detectors.insert(Pipeline::<F>::FORMAT, load_nested::<F>);
        let mut registry = Self {
            transformers: BTreeMap::new(),
            detectors,
            upgrades: BTreeMap::new(),
            frame_detectors: BTreeMap::new(),
            extractors: BTreeMap::new(),
        };
        crate::frame_pipeline::register_builtin(&mut registry);
        registry
    }

    /// Knows transformers of type `T` (by [`Persist::FORMAT`]).
    pub fn transformer<T: Transformer<F> + Persist + 'static>(mut self) -> Self {
        self.transformers.insert(T::FORMAT, load_step::<F, T>);
        self
    }

    /// Knows detectors of type `D` (by [`Persist::FORMAT`]).
    pub fn detector<D: Detector<F> + Persist + 'static>(mut self) -> Self {
        self.detectors.insert(D::FORMAT, load_model::<F, D>);
        self
    }

    /// Rewrites envelopes of `format` with `upgrade` before loading them.
    pub fn upgrade(
        mut self,
        format: &'static str,
        upgrade: fn(Envelope) -> Result<Envelope>,
    ) -> Self {
        self.upgrades.insert(format, upgrade);
        self
    }

    /// Every format this registry loads: transformers, detectors, upgraded
    /// formats, frame detectors, extractors.
    pub fn formats(&self) -> Vec<&'static str> {
        let t = self.transformers.keys();
        t.chain(self.detectors.keys())
            .chain(self.upgrades.keys())
            .chain(self.frame_detectors.keys())
            .chain(self.extractors.keys())
            .copied()
            .collect()
    }

    pub(crate) fn upgraded(&self, mut env: Envelope) -> Result<Envelope> {
        for _ in 0..MAX_UPGRADES {
            match self.upgrades.get(env.format()) {
                Some(up) => env = up(env)?,
                None => return Ok(env),
            }
        }
        Err(Error::invalid_file(
            env.format(),
            "upgrades of this format do not end",
        ))
    }

    pub(crate) fn step(&self, env: Envelope) -> Result<Box<dyn Step<F>>> {
        let env = self.upgraded(env)?;
        match self.transformers.get(env.format()) {
            Some(load) => load(env, self),
            None => Err(unknown(env.format(), "transformer")),
        }
    }

    pub(crate) fn model(&self, env: Envelope) -> Result<Box<dyn Model<F>>> {
        let env = self.upgraded(env)?;
        match self.detectors.get(env.format()) {
            Some(load) => load(env, self),
            None => Err(unknown(env.format(), "detector")),
        }
    }

    /// Loads a transformer of any registered format.
    ///
    /// # Errors
    /// [`Error::NotPersistable`] for an unknown format; the part's own
    /// validation errors.
    pub fn load_transformer(&self, env: Envelope) -> Result<Box<dyn Transformer<F>>> {
        let step = self.step(env)?;
        Ok(Box::new(step))
    }

    /// Loads a detector of any registered format (a pipeline included).
    ///
    /// # Errors
    /// As [`Registry::load_transformer`].
    pub fn load_detector(&self, env: Envelope) -> Result<Box<dyn Detector<F>>> {
        let model = self.model(env)?;
        Ok(Box::new(model))
    }

    /// Loads a pipeline from an envelope, or a bare detector of a registered
    /// format as a pipeline of that detector alone.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming the part that failed, or as
    /// [`Registry::load_transformer`].
    pub fn load_pipeline(&self, env: Envelope) -> Result<Pipeline<F>> {
        let env = self.upgraded(env)?;
        if env.format() == Pipeline::<F>::FORMAT {
            return Pipeline::from_envelope(env, self);
        }
        Ok(Pipeline {
            steps: Vec::new(),
            detector: self.model(env)?,
            threshold: None,
        })
    }

    /// Loads a pipeline from JSON bytes.
    ///
    /// # Errors
    /// As [`Registry::load_pipeline`].
    pub fn pipeline_from_json(&self, bytes: &[u8]) -> Result<Pipeline<F>> {
        self.load_pipeline(Envelope::from_slice(bytes)?)
    }

    /// Loads a pipeline from a file written by [`Pipeline::save`].
    ///
    /// # Errors
    /// As [`Registry::load_pipeline`], or [`Error::Io`].
    pub fn load_pipeline_file(&self, path: impl AsRef<Path>) -> Result<Pipeline<F>> {
        let file = std::fs::File::open(path)?;
        self.load_pipeline(Envelope::from_reader(std::io::BufReader::new(file))?)
    }
}

pub(crate) fn unknown(format: &str, kind: &str) -> Error {
    Error::NotPersistable {
        what: format!("{kind} format {format:?}"),
        reason: "no loader is registered for it (Registry::transformer / Registry::detector)",
    }
}

impl<F: Float> Pipeline<F> {
    /// The format of a saved pipeline.
    pub const FORMAT: &'static str = "oddframe.pipeline";
    /// The schema this version writes and reads.
    pub const SCHEMA: u32 = 1;

    /// The saved form: every step's, the detector's and the threshold's own
    /// envelope inside one.
    ///
    /// # Errors
    /// [`Error::NotPersistable`] naming a part that cannot be saved.
    pub fn to_envelope(&self) -> Result<Envelope> {
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| s.envelope().map_err(|e| e.in_part(&format!("step {i}"))))
            .collect::<Result<Vec<_>>>()?;
        let body = Body {
            steps,
            detector: self
                .detector
                .envelope()
                .map_err(|e| e.in_part("detector"))?,
            threshold: self
                .threshold
                .as_ref()
                .map(Persist::to_envelope)
                .transpose()?,
        };
        Envelope::new(
            Self::FORMAT,
            Self::SCHEMA,
            env!("CARGO_PKG_VERSION"),
            Some(self.n_features()),
            &body,
        )
    }

    /// The saved form as JSON bytes.
    ///
    /// # Errors
    /// As [`Pipeline::to_envelope`].
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.save_json(&mut out)?;
        Ok(out)
    }

    /// Writes the saved form as JSON.
    ///
    /// # Errors
    /// As [`Pipeline::to_envelope`], or [`Error::Io`].
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        self.to_envelope()?.to_writer(writer)
    }

    /// Saves to a file, atomically (see [`write_atomic`]).
    ///
    /// # Errors
    /// As [`Pipeline::to_envelope`], or [`Error::Io`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), &self.to_json()?)
    }

    /// Loads a pipeline written by [`Pipeline::save_json`] with the parts
    /// `registry` knows.
    ///
    /// # Errors
    /// As [`Registry::load_pipeline`], or [`Error::Io`].
    pub fn load_json<R: Read>(reader: R, registry: &Registry<F>) -> Result<Self> {
        registry.load_pipeline(Envelope::from_reader(reader)?)
    }

    /// Loads a pipeline file written by [`Pipeline::save`].
    ///
    /// # Errors
    /// As [`Registry::load_pipeline`], or [`Error::Io`].
    pub fn load(path: impl AsRef<Path>, registry: &Registry<F>) -> Result<Self> {
        registry.load_pipeline_file(path)
    }

    /// Rebuilds a pipeline from its envelope: each part is loaded and
    /// validated by its own format, then the widths of the chain, the
    /// declared input width and the threshold are checked.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming the part that failed (`step 1`,
    /// `detector`, `threshold`).
    pub fn from_envelope(env: Envelope, registry: &Registry<F>) -> Result<Self> {
        env.check(Self::FORMAT, Self::SCHEMA)?;
        let declared = env.require_n_features()?;
        let body: Body = env.take_body()?;
        let mut steps = Vec::with_capacity(body.steps.len());
        for (i, s) in body.steps.into_iter().enumerate() {
            steps.push(
                registry
                    .step(s)
                    .map_err(|e| e.in_part(&format!("step {i}")))?,
            );
        }
        let detector = registry
            .model(body.detector)
            .map_err(|e| e.in_part("detector"))?;
        let threshold = body
            .threshold
            .map(Threshold::from_envelope)
            .transpose()
            .map_err(|e| e.in_part("threshold"))?;
        if let Some((part, _, gets, takes)) = super::chain_mismatch(&steps, detector.as_ref()) {
            return Err(Error::invalid_file(
                Self::FORMAT,
                format!(
                    "{part} takes {takes} features but receives {gets} from the part before it"
                ),
            ));
        }
        let pipeline = Self::from_parts(steps, detector, threshold)?;
        if pipeline.n_features() != declared {
            return Err(Error::invalid_file(
                Self::FORMAT,
                format!(
                    "declares {declared} input features, its parts take {}",
                    pipeline.n_features()
                ),
            ));
        }
        Ok(pipeline)
    }
}
