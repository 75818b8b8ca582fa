//! Training checkpoints for [`crate::AutoencoderValidParams::fit_with_checkpoint`].
//!
//! A checkpoint has the model file's layout (see [`crate::persist`]) with
//! its own magic `b"ODDFRAK\0"` and format [`CHECKPOINT_FORMAT`]. The JSON
//! header holds the architecture, normalisation, training settings, a
//! fingerprint of the training frames (count and FNV-1a of their scaled
//! values), the random generator's state, the training order and held-out
//! frames, the report so far and the early-stopping state. The data are
//! the current weights, the best epoch's weights (when there is one) and
//! Adam's two moment estimates of every parameter, as `f32`.
//!
//! Everything is checked before training continues; a checkpoint that is
//! corrupt or belongs to another run is an [`AeError::InvalidModel`].

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use burn::module::Module;
use serde::{Deserialize, Serialize};

use crate::adam::{self, Adam, SavedMoments};
use crate::frames::Normalization;
use crate::model::FrameAutoencoder;
use crate::net::Net;
use crate::persist::{
    check_layout, checksum, expected_len, invalid, push_f32, read_data, read_header, weights,
    with_values, write_envelope, TensorEntry,
};
use crate::rng::Rng;
use crate::train::Session;
use crate::train::TrainConfig;
use crate::{AeError, Architecture, Result, TrainReport};

/// The `format` field of a training checkpoint.
pub const CHECKPOINT_FORMAT: &str = "oddframe.conv-autoencoder.checkpoint";
const SCHEMA: u32 = 1;
const MAGIC: &[u8; 8] = b"ODDFRAK\0";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    schema: u32,
    crate_version: String,
    architecture: Architecture,
    normalization: Normalization,
    config: TrainConfig,
    frames: usize,
    fingerprint: u64,
    rng: u64,
    train_order: Vec<usize>,
    validation: Vec<usize>,
    report: TrainReport,
    best_loss: Option<f64>,
    since_best: usize,
    tensors: Vec<TensorEntry>,
    moments: Vec<MomentEntry>,
    data_len: u64,
    checksum: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MomentEntry {
    path: String,
    steps: u32,
    len: usize,
}

impl FrameAutoencoder {
    /// Writes `s` to `path` through a temporary file beside it.
    pub(crate) fn save_checkpoint(
        &self,
        path: &Path,
        config: &TrainConfig,
        frames: usize,
        fingerprint: u64,
        s: &Session,
    ) -> Result<()> {
        let (tensors, mut data) = weights(&s.net.valid());
        if let Some((_, best)) = &s.best {
            data.extend(weights(best).1);
        }
        let moments = s.optim.save()?;
        for m in &moments {
            push_f32(&mut data, &m.first);
            push_f32(&mut data, &m.second);
        }
        let header = Header {
            format: CHECKPOINT_FORMAT.into(),
            schema: SCHEMA,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            architecture: self.arch.clone(),
            normalization: self.norm,
            config: config.clone(),
            frames,
            fingerprint,
            rng: s.rng.state(),
            train_order: s.train_idx.clone(),
            validation: s.val_idx.clone(),
            report: s.report.clone(),
            best_loss: s.best.as_ref().map(|(l, _)| *l),
            since_best: s.since_best,
            tensors,
            moments: moments
                .iter()
                .map(|m| MomentEntry {
                    path: m.path.clone(),
                    steps: m.steps,
                    len: m.first.len(),
                })
                .collect(),
            data_len: data.len() as u64,
            checksum: checksum(&data),
        };
        let mut partial = PathBuf::from(path);
        partial.as_mut_os_string().push(".partial");
        write_envelope(
            BufWriter::new(File::create(&partial)?),
            MAGIC,
            &header,
            &data,
        )?;
        std::fs::rename(&partial, path)?;
        Ok(())
    }

    /// The session saved in `path`, checked against this model and run.
    pub(crate) fn resume(
        &mut self,
        path: &Path,
        config: &TrainConfig,
        frames: usize,
        fingerprint: u64,
    ) -> Result<Session> {
        let mut r = BufReader::new(File::open(path)?);
        let h: Header = read_header(&mut r, MAGIC, "an oddframe training checkpoint")?;
        check_run(&h, self, config, frames, fingerprint)?;
        let net = Net::new(&self.arch, &self.device);
        check_layout(&net, &h.tensors)?;
        let weights_len = expected_len(&h.tensors);
        let copies = if h.best_loss.is_some() { 2 } else { 1 };
        let layout = crate::tensors::layout(&net);
        let mut total = weights_len * copies;
        for (i, m) in h.moments.iter().enumerate() {
            let fits = layout
                .iter()
                .any(|(p, shape)| *p == m.path && shape.iter().product::<usize>() == m.len);
            let ordered = i == 0 || h.moments[i - 1].path < m.path;
            if !fits || !ordered {
                return Err(invalid(format!(
                    "optimizer state of {} does not fit the network",
                    m.path
                )));
            }
            total += 8 * m.len as u64;
        }
        let values = read_data(r, h.data_len, total, h.checksum)?;
        let n = (weights_len / 4) as usize;
        let current = with_values(net.clone(), &values[..n]).valid();
        let best = h
            .best_loss
            .map(|loss| (loss, with_values(net, &values[n..2 * n]).valid()));
        let mut offset = n * copies as usize;
        let mut saved = Vec::with_capacity(h.moments.len());
        for m in &h.moments {
            let first = values[offset..offset + m.len].to_vec();
            let second = values[offset + m.len..offset + 2 * m.len].to_vec();
            offset += 2 * m.len;
            saved.push(SavedMoments {
                path: m.path.clone(),
                steps: m.steps,
                first,
                second,
            });
        }
        adam::check(&saved, &layout)?;
        let train_device = self.device.clone().autodiff();
        Ok(Session {
            net: current.fork(&train_device).train(),
            optim: Adam::restore(saved, &self.device),
            rng: Rng::new(h.rng),
            train_idx: h.train_order,
            val_idx: h.validation,
            report: h.report,
            best,
            since_best: h.since_best,
        })
    }
}

/// The checkpoint belongs to this model and run, and its bookkeeping is
/// consistent (so nothing downstream can index out of range).
fn check_run(
    h: &Header,
    model: &FrameAutoencoder,
    config: &TrainConfig,
    frames: usize,
    fingerprint: u64,
) -> Result<()> {
    if h.format != CHECKPOINT_FORMAT || h.schema != SCHEMA {
        return Err(invalid(format!(
            "format {:?} schema {}: expected {CHECKPOINT_FORMAT:?} schema {SCHEMA}",
            h.format, h.schema
        )));
    }
    let mismatch = |what: &str| {
        Err(AeError::InvalidModel(format!(
            "the checkpoint is of another run: its {what} differs"
        )))
    };
    if h.architecture != model.arch {
        return mismatch("architecture");
    }
    if h.normalization != model.norm {
        return mismatch("normalization");
    }
    if h.frames != frames || h.fingerprint != fingerprint {
        return mismatch("training frames");
    }
    let same = TrainConfig {
        epochs: config.epochs,
        ..h.config.clone()
    };
    if &same != config {
        return mismatch("training settings (only epochs may change)");
    }
    let done = h.report.epochs.len();
    if done > config.epochs {
        return Err(AeError::InvalidConfig(format!(
            "the checkpoint has trained {done} epochs, more than epochs = {}",
            config.epochs
        )));
    }
    let mut seen = vec![false; frames];
    for &i in h.train_order.iter().chain(&h.validation) {
        match seen.get_mut(i) {
            Some(s) if !*s => *s = true,
            _ => return Err(invalid("the training order is not a split of the frames")),
        }
    }
    let consistent = seen.iter().all(|&s| s)
        && !h.train_order.is_empty()
        && h.report.train_frames == h.train_order.len()
        && h.report.validation_frames == h.validation.len()
        && h.report.best_epoch <= done
        && (h.best_loss.is_some() == (done > 0))
        && h.best_loss.is_none_or(f64::is_finite);
    if !consistent {
        return Err(invalid("the checkpoint's training state is inconsistent"));
    }
    Ok(())
}
