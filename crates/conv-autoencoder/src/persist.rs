//! Saving and loading a [`FrameAutoencoder`] in one versioned file.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `b"ODDFRAE\0"` |
//! | 4 | header length `H` (at most 1 MiB) |
//! | `H` | JSON header: `format` ([`FORMAT`]), `schema` ([`SCHEMA`]), `crate_version`, `architecture`, `normalization`, `threshold`, `tensors` (name and shape of each, in order), `data_len` (bytes), `checksum` (FNV-1a 64 of the data) |
//! | `data_len` | every tensor's values as `f32`, one after another |
//!
//! Loading checks the magic, the header, the architecture, that the tensor
//! list is exactly the one the architecture builds (names and shapes), the
//! data length, the checksum and that every value is finite, before any
//! weight reaches the model. A truncated, corrupt or foreign file is an
//! [`AeError::InvalidModel`], never a panic or a model that scores wrongly.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use burn::module::Module;
use oddframe::Threshold;
use serde::{Deserialize, Serialize};

use crate::frames::Normalization;
use crate::model::FrameAutoencoder;
use crate::net::Net;
use crate::{tensors, AeError, Architecture, Backend, Result};

/// The `format` field of a saved model.
pub const FORMAT: &str = "oddframe.conv-autoencoder";
/// The schema version this crate writes (and the newest it reads).
pub const SCHEMA: u32 = 1;

const MAGIC: &[u8; 8] = b"ODDFRAE\0";
const MAX_HEADER: usize = 1 << 20;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    schema: u32,
    crate_version: String,
    architecture: Architecture,
    normalization: Normalization,
    threshold: Option<Threshold>,
    tensors: Vec<TensorEntry>,
    data_len: u64,
    checksum: u64,
}

#[derive(Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct TensorEntry {
    name: String,
    shape: Vec<usize>,
}

fn invalid(msg: impl Into<String>) -> AeError {
    AeError::InvalidModel(msg.into())
}

/// FNV-1a, 64-bit.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl FrameAutoencoder {
    /// Writes the model (weights, architecture, normalisation, threshold).
    ///
    /// # Errors
    /// [`AeError::Io`] when writing fails.
    pub fn to_writer<W: Write>(&self, mut w: W) -> Result<()> {
        let all = tensors::read(&self.net);
        let mut data = Vec::with_capacity(all.iter().map(|t| t.values.len() * 4).sum());
        for t in &all {
            for v in &t.values {
                data.extend_from_slice(&v.to_le_bytes());
            }
        }
        let header = Header {
            format: FORMAT.into(),
            schema: SCHEMA,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            architecture: self.arch.clone(),
            normalization: self.norm,
            threshold: self.threshold,
            tensors: all
                .into_iter()
                .map(|t| TensorEntry {
                    name: t.name,
                    shape: t.shape,
                })
                .collect(),
            data_len: data.len() as u64,
            checksum: checksum(&data),
        };
        let json = serde_json::to_vec(&header).map_err(|e| AeError::Io(e.into()))?;
        let len = u32::try_from(json.len()).map_err(|_| invalid("header too large"))?;
        w.write_all(MAGIC)?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&json)?;
        w.write_all(&data)?;
        w.flush()?;
        Ok(())
    }

    /// Saves to `path` (created or truncated).
    ///
    /// # Errors
    /// [`AeError::Io`] when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.to_writer(BufWriter::new(File::create(path)?))
    }

    /// Reads a model written by [`FrameAutoencoder::to_writer`] onto `backend`.
    ///
    /// # Errors
    /// [`AeError::InvalidModel`] for anything malformed (see the module
    /// docs), [`AeError::Io`] when reading fails,
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn from_reader<R: Read>(mut r: R, backend: Backend) -> Result<Self> {
        let mut head = [0u8; 12];
        read_exact(&mut r, &mut head, "the file header")?;
        if &head[..8] != MAGIC {
            return Err(invalid(
                "not an oddframe autoencoder file (bad magic bytes)",
            ));
        }
        let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
        if len > MAX_HEADER {
            return Err(invalid(format!("header length {len} exceeds {MAX_HEADER}")));
        }
        let mut json = vec![0u8; len];
        read_exact(&mut r, &mut json, "the JSON header")?;
        let h: Header = serde_json::from_slice(&json)
            .map_err(|e| invalid(format!("header is not valid: {e}")))?;
        check_header(&h)?;

        let device = backend.device()?;
        let net = Net::new(&h.architecture, &device);
        let expected: Vec<TensorEntry> = tensors::layout(&net)
            .into_iter()
            .map(|(name, shape)| TensorEntry { name, shape })
            .collect();
        if h.tensors != expected {
            return Err(invalid(
                "the tensor list does not match the one the architecture builds",
            ));
        }
        let total: u64 = expected
            .iter()
            .map(|t| t.shape.iter().product::<usize>() as u64 * 4)
            .sum();
        if h.data_len != total {
            return Err(invalid(format!(
                "data_len {} but the tensors need {total} bytes",
                h.data_len
            )));
        }
        let mut data = Vec::new();
        let got = r.take(total + 1).read_to_end(&mut data)?;
        if got as u64 != total {
            return Err(invalid(format!(
                "{got} tensor bytes where {total} are needed (truncated or trailing data)"
            )));
        }
        if checksum(&data) != h.checksum {
            return Err(invalid("checksum mismatch: the weights are corrupt"));
        }
        let values: Vec<f32> = data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("weight {i} is not finite")));
        }
        let mut offset = 0;
        let net = tensors::replace(net, &mut |_, shape| {
            let n: usize = shape.iter().product();
            let v = values[offset..offset + n].to_vec();
            offset += n;
            v
        })
        .valid();
        Ok(Self {
            arch: h.architecture,
            norm: h.normalization,
            threshold: h.threshold,
            backend,
            device,
            net,
        })
    }

    /// Loads a model saved by [`FrameAutoencoder::save`] onto `backend`.
    ///
    /// # Errors
    /// As [`FrameAutoencoder::from_reader`].
    pub fn load(path: impl AsRef<Path>, backend: Backend) -> Result<Self> {
        Self::from_reader(BufReader::new(File::open(path)?), backend)
    }
}

fn read_exact<R: Read>(r: &mut R, buf: &mut [u8], what: &str) -> Result<()> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => invalid(format!("truncated in {what}")),
        _ => AeError::Io(e),
    })
}

fn check_header(h: &Header) -> Result<()> {
    if h.format != FORMAT {
        return Err(invalid(format!(
            "format is {:?}, expected {FORMAT:?}",
            h.format
        )));
    }
    if h.schema == 0 || h.schema > SCHEMA {
        return Err(invalid(format!(
            "schema {} is not supported (this version reads 1..={SCHEMA})",
            h.schema
        )));
    }
    h.architecture
        .validate()
        .map_err(|e| invalid(format!("architecture: {e}")))?;
    h.normalization
        .validate()
        .map_err(|e| invalid(format!("normalization: {e}")))?;
    if let Some(t) = &h.threshold {
        if !t.value().is_finite() {
            return Err(invalid("threshold is not finite"));
        }
    }
    Ok(())
}
