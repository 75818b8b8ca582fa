//! Saving frame pipelines and extractor pipelines (feature `serde`), and
//! the frame side of the [`Registry`].

use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ExtractorPipeline, ExtractorSpec, FrameModel, FramePipeline};
use crate::persist::{write_atomic, Envelope, Persist};
use crate::pipeline::registry::unknown;
use crate::{Error, Float, FrameDetector, Pipeline, Registry, Result, Threshold};

const FRAME_PIPELINE: &str = "oddframe.frame-pipeline";
const EXTRACTOR_PIPELINE: &str = "oddframe.extractor-pipeline";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameBody {
    detector: Envelope,
    #[serde(default)]
    threshold: Option<Envelope>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractorBody {
    extractor: Envelope,
    pipeline: Envelope,
}

fn load_frame_pipeline(env: Envelope, r: &Registry<f64>) -> Result<Box<dyn FrameModel>> {
    Ok(Box::new(FramePipeline::from_envelope(env, r)?))
}

fn load_extractor_pipeline(env: Envelope, r: &Registry<f64>) -> Result<Box<dyn FrameModel>> {
    Ok(Box::new(ExtractorPipeline::from_envelope(env, r)?))
}

fn load_frame<D: FrameDetector + Persist + 'static>(
    env: Envelope,
    _: &Registry<f64>,
) -> Result<Box<dyn FrameModel>> {
    Ok(Box::new(D::from_envelope(env)?))
}

fn load_extractor<E: ExtractorSpec + Persist + 'static>(
    env: Envelope,
) -> Result<Box<dyn ExtractorSpec>> {
    Ok(Box::new(E::from_envelope(env)?))
}

/// Frame and extractor pipelines are known to every registry.
pub(crate) fn register_builtin<F: Float>(r: &mut Registry<F>) {
    r.frame_detectors
        .insert(FRAME_PIPELINE, load_frame_pipeline);
    r.frame_detectors
        .insert(EXTRACTOR_PIPELINE, load_extractor_pipeline);
}

impl Registry<f64> {
    /// Knows frame detectors of type `D` (by [`Persist::FORMAT`]).
    pub fn frame_detector<D: FrameDetector + Persist + 'static>(mut self) -> Self {
        self.frame_detectors.insert(D::FORMAT, load_frame::<D>);
        self
    }

    /// Knows extractor settings of type `E` (by [`Persist::FORMAT`]).
    pub fn extractor<E: ExtractorSpec + Persist + 'static>(mut self) -> Self {
        self.extractors.insert(E::FORMAT, load_extractor::<E>);
        self
    }

    pub(crate) fn frame_model(&self, env: Envelope) -> Result<Box<dyn FrameModel>> {
        let env = self.upgraded(env)?;
        match self.frame_detectors.get(env.format()) {
            Some(load) => load(env, self),
            None => Err(unknown(env.format(), "frame detector")),
        }
    }

    fn extractor_spec(&self, env: Envelope) -> Result<Box<dyn ExtractorSpec>> {
        let env = self.upgraded(env)?;
        match self.extractors.get(env.format()) {
            Some(load) => load(env),
            None => Err(unknown(env.format(), "extractor")),
        }
    }

    /// Loads a frame pipeline, or a bare frame detector of a registered
    /// format as a pipeline without threshold.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming the part that failed;
    /// [`Error::NotPersistable`] for a format no loader is registered for.
    pub fn load_frame_pipeline(&self, env: Envelope) -> Result<FramePipeline> {
        let env = self.upgraded(env)?;
        if env.format() == FRAME_PIPELINE {
            return FramePipeline::from_envelope(env, self);
        }
        Ok(FramePipeline {
            detector: self.frame_model(env)?,
            threshold: None,
        })
    }

    /// Loads a frame pipeline from a file (see
    /// [`Registry::load_frame_pipeline`]).
    ///
    /// # Errors
    /// As [`Registry::load_frame_pipeline`], or [`Error::Io`].
    pub fn load_frame_pipeline_file(&self, path: impl AsRef<Path>) -> Result<FramePipeline> {
        let file = std::fs::File::open(path)?;
        self.load_frame_pipeline(Envelope::from_reader(std::io::BufReader::new(file))?)
    }
}

impl FramePipeline {
    /// The saved form: the detector's and the threshold's envelopes inside
    /// one (format `oddframe.frame-pipeline`, schema 1).
    ///
    /// # Errors
    /// [`Error::NotPersistable`] when the detector cannot be saved.
    pub fn to_envelope(&self) -> Result<Envelope> {
        let body = FrameBody {
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
        Envelope::new(FRAME_PIPELINE, 1, env!("CARGO_PKG_VERSION"), None, &body)
    }

    /// Rebuilds a frame pipeline whose parts `registry` knows.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming the part that failed.
    pub fn from_envelope(env: Envelope, registry: &Registry<f64>) -> Result<Self> {
        env.check(FRAME_PIPELINE, 1)?;
        let body: FrameBody = env.take_body()?;
        let detector = registry
            .frame_model(body.detector)
            .map_err(|e| e.in_part("detector"))?;
        let threshold = body
            .threshold
            .map(Threshold::from_envelope)
            .transpose()
            .map_err(|e| e.in_part("threshold"))?;
        Ok(Self {
            detector,
            threshold,
        })
    }

    /// Writes the saved form as JSON.
    ///
    /// # Errors
    /// As [`FramePipeline::to_envelope`], or [`Error::Io`].
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        self.to_envelope()?.to_writer(writer)
    }

    /// Saves to a file, atomically.
    ///
    /// # Errors
    /// As [`FramePipeline::to_envelope`], or [`Error::Io`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut bytes = Vec::new();
        self.save_json(&mut bytes)?;
        write_atomic(path.as_ref(), &bytes)
    }

    /// Loads a pipeline written by [`FramePipeline::save_json`].
    ///
    /// # Errors
    /// As [`Registry::load_frame_pipeline`], or [`Error::Io`].
    pub fn load_json<R: Read>(reader: R, registry: &Registry<f64>) -> Result<Self> {
        registry.load_frame_pipeline(Envelope::from_reader(reader)?)
    }

    /// Loads a file written by [`FramePipeline::save`].
    ///
    /// # Errors
    /// As [`Registry::load_frame_pipeline`], or [`Error::Io`].
    pub fn load(path: impl AsRef<Path>, registry: &Registry<f64>) -> Result<Self> {
        registry.load_frame_pipeline_file(path)
    }
}

impl ExtractorPipeline {
    /// The saved form: the extractor's settings and the feature pipeline
    /// (format `oddframe.extractor-pipeline`, schema 1).
    ///
    /// # Errors
    /// [`Error::NotPersistable`] when a part cannot be saved.
    pub fn to_envelope(&self) -> Result<Envelope> {
        let body = ExtractorBody {
            extractor: self
                .extractor
                .envelope()
                .map_err(|e| e.in_part("extractor"))?,
            pipeline: self
                .pipeline
                .to_envelope()
                .map_err(|e| e.in_part("pipeline"))?,
        };
        let n = Some(self.extractor.n_features());
        Envelope::new(EXTRACTOR_PIPELINE, 1, env!("CARGO_PKG_VERSION"), n, &body)
    }

    /// Rebuilds an extractor pipeline whose parts `registry` knows.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming the part that failed, or when the
    /// extractor's width is not the pipeline's.
    pub fn from_envelope(env: Envelope, registry: &Registry<f64>) -> Result<Self> {
        env.check(EXTRACTOR_PIPELINE, 1)?;
        let body: ExtractorBody = env.take_body()?;
        let extractor = registry
            .extractor_spec(body.extractor)
            .map_err(|e| e.in_part("extractor"))?;
        let pipeline =
            Pipeline::from_envelope(body.pipeline, registry).map_err(|e| e.in_part("pipeline"))?;
        ExtractorPipeline::from_boxed(extractor, pipeline)
            .map_err(|e| Error::invalid_file(EXTRACTOR_PIPELINE, e.to_string()))
    }
}
