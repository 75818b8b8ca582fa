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
use serde::de::DeserializeOwned;
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

/// The name and shape of one saved tensor.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TensorEntry {
    pub(crate) name: String,
    pub(crate) shape: Vec<usize>,
}

pub(crate) fn invalid(msg: impl Into<String>) -> AeError {
    AeError::InvalidModel(msg.into())
}

/// FNV-1a, 64-bit, of `bytes`.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    fnv1a(bytes.iter().copied())
}

/// FNV-1a, 64-bit, of a stream of bytes (no buffer needed).
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl FrameAutoencoder {
    /// Writes the model (weights, architecture, normalisation, threshold).
    ///
    /// # Errors
    /// [`AeError::Io`] when writing fails.
    pub fn to_writer<W: Write>(&self, w: W) -> Result<()> {
        let (tensors, data) = weights(&self.net);
        let header = Header {
            format: FORMAT.into(),
            schema: SCHEMA,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            architecture: self.arch.clone(),
            normalization: self.norm,
            threshold: self.threshold,
            tensors,
            data_len: data.len() as u64,
            checksum: checksum(&data),
        };
        write_envelope(w, MAGIC, &header, &data)
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
        let h: Header = read_header(&mut r, MAGIC, "an oddframe autoencoder file")?;
        check_header(&h)?;
        let device = backend.device()?;
        let net = Net::new(&h.architecture, &device);
        check_layout(&net, &h.tensors)?;
        let values = read_data(r, h.data_len, expected_len(&h.tensors), h.checksum)?;
        let net = with_values(net, &values).valid();
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

/// Every float tensor's name and shape, and all their values as
/// little-endian `f32` bytes.
pub(crate) fn weights(net: &Net) -> (Vec<TensorEntry>, Vec<u8>) {
    let all = tensors::read(net);
    let mut data = Vec::with_capacity(all.iter().map(|t| t.values.len() * 4).sum());
    for t in &all {
        push_f32(&mut data, &t.values);
    }
    let entries = all
        .into_iter()
        .map(|t| TensorEntry {
            name: t.name,
            shape: t.shape,
        })
        .collect();
    (entries, data)
}

/// Appends `values` as little-endian bytes.
pub(crate) fn push_f32(data: &mut Vec<u8>, values: &[f32]) {
    for v in values {
        data.extend_from_slice(&v.to_le_bytes());
    }
}

/// Writes magic, header length, JSON header and data.
pub(crate) fn write_envelope<W: Write, H: Serialize>(
    mut w: W,
    magic: &[u8; 8],
    header: &H,
    data: &[u8],
) -> Result<()> {
    let json = serde_json::to_vec(header).map_err(|e| AeError::Io(e.into()))?;
    let len = u32::try_from(json.len())
        .ok()
        .filter(|&l| l as usize <= MAX_HEADER)
        .ok_or_else(|| invalid("header too large"))?;
    w.write_all(magic)?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&json)?;
    w.write_all(data)?;
    w.flush()?;
    Ok(())
}

/// Reads and parses the header after checking the magic and the length.
pub(crate) fn read_header<R: Read, H: DeserializeOwned>(
    r: &mut R,
    magic: &[u8; 8],
    what: &str,
) -> Result<H> {
    let mut head = [0u8; 12];
    read_exact(r, &mut head, "the file header")?;
    if &head[..8] != magic {
        return Err(invalid(format!("not {what} (bad magic bytes)")));
    }
    let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
    if len > MAX_HEADER {
        return Err(invalid(format!("header length {len} exceeds {MAX_HEADER}")));
    }
    let mut json = vec![0u8; len];
    read_exact(r, &mut json, "the JSON header")?;
    serde_json::from_slice(&json).map_err(|e| invalid(format!("header is not valid: {e}")))
}

/// Checks that `entries` are exactly the tensors `net` has (names, shapes, order).
pub(crate) fn check_layout(net: &Net, entries: &[TensorEntry]) -> Result<()> {
    let expected: Vec<TensorEntry> = tensors::layout(net)
        .into_iter()
        .map(|(name, shape)| TensorEntry { name, shape })
        .collect();
    if entries == expected.as_slice() {
        Ok(())
    } else {
        Err(invalid(
            "the tensor list does not match the one the architecture builds",
        ))
    }
}

/// Bytes the values of `entries` take.
pub(crate) fn expected_len(entries: &[TensorEntry]) -> u64 {
    entries
        .iter()
        .map(|t| t.shape.iter().product::<usize>() as u64 * 4)
        .sum()
}

/// Reads the rest of the file: exactly `total` bytes (`data_len` must say
/// so too), matching `sum`, every value finite.
pub(crate) fn read_data<R: Read>(r: R, data_len: u64, total: u64, sum: u64) -> Result<Vec<f32>> {
    if data_len != total {
        return Err(invalid(format!(
            "data_len {data_len} but the tensors need {total} bytes"
        )));
    }
    let mut data = Vec::new();
    let got = r.take(total.saturating_add(1)).read_to_end(&mut data)?;
    if got as u64 != total {
        return Err(invalid(format!(
            "{got} tensor bytes where {total} are needed (truncated or trailing data)"
        )));
    }
    if checksum(&data) != sum {
        return Err(invalid("checksum mismatch: the data are corrupt"));
    }
    let values: Vec<f32> = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid(format!("value {i} is not finite")));
    }
    Ok(values)
}

/// `net` with its tensors, in layout order, taken from the front of
/// `values` (checked by [`check_layout`] and [`read_data`]).
pub(crate) fn with_values(net: Net, values: &[f32]) -> Net {
    let mut offset = 0;
    tensors::replace(net, &mut |_, shape| {
        let n: usize = shape.iter().product();
        let v = values[offset..offset + n].to_vec();
        offset += n;
        v
    })
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
