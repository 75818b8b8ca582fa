//! Saving and loading a [`FrameAutoencoder`]: [`oddframe::Persist`] with
//! format `oddframe.conv-autoencoder`, schema 2 (a JSON envelope whose body
//! holds the architecture, the normalisation, the tensor list and the
//! weights as packed `f32` with an FNV-1a checksum), so a model nests in a
//! frame pipeline file like any other part.
//!
//! Schema 1 is 0.1's binary layout (all integers little-endian), still read:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `b"ODDFRAE\0"` |
//! | 4 | header length `H` (at most 1 MiB) |
//! | `H` | JSON header: `format`, `schema` (1), `crate_version`, `architecture`, `normalization`, `threshold`, `tensors` (name and shape of each, in order), `data_len` (bytes), `checksum` (FNV-1a 64 of the data) |
//! | `data_len` | every tensor's values as `f32`, one after another |
//!
//! [`read_legacy`] returns the threshold such a file carried (0.1 kept it in
//! the model); loading it through `Persist` drops it.
//!
//! Loading checks the architecture, that the tensor list is exactly the one
//! the architecture builds (names and shapes), the data length, the
//! checksum and that every value is finite, before any weight reaches the
//! model. A truncated, corrupt or foreign file is an
//! `oddframe::Error::InvalidFile`, never a panic or a model that scores
//! wrongly.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use burn::module::Module;
use oddframe::persist::{pack_f32, unpack_f32, Envelope, Persist};
use oddframe::Threshold;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::frames::Normalization;
use crate::model::FrameAutoencoder;
use crate::net::Net;
use crate::{tensors, AeError, Architecture, Backend, Result};

/// The format name of a saved model.
const FORMAT: &str = "oddframe.conv-autoencoder";

const MAGIC: &[u8; 8] = b"ODDFRAE\0";
const MAX_HEADER: usize = 1 << 20;

/// Schema 1: the header of 0.1's binary files.
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

/// Schema 2: the body of the JSON envelope.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyV2 {
    architecture: Architecture,
    normalization: Normalization,
    tensors: Vec<TensorEntry>,
    /// Number of `f32` values in `data`.
    values: usize,
    /// The values, packed (`oddframe::persist::pack_f32`).
    data: String,
    /// FNV-1a 64 of the values' little-endian bytes.
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

/// Saving and loading (see the [module docs](crate::persist)). A loaded
/// model runs on [`Backend::default`]; [`FrameAutoencoder::load_on`] and
/// [`FrameAutoencoder::to_backend`] move it.
///
/// ```
/// use conv_autoencoder::{Architecture, AutoencoderParams};
/// use oddframe::{image::GrayImage, Frame, ParamGuard, Persist};
///
/// let mut arch = Architecture::stream();
/// (arch.width, arch.height) = (16, 16);
/// let frames: Vec<Frame> = (0..4u8)
///     .map(|i| Frame::luma(GrayImage::from_pixel(16, 16, [40 * i].into()), i.into(), Default::default()))
///     .collect();
/// let model = AutoencoderParams::new(arch).epochs(1).batch_size(4).validation_split(0.0).check()?.fit(&frames)?;
/// let back = conv_autoencoder::FrameAutoencoder::from_json(&model.to_json()?)?;
/// assert_eq!(back.score_frames(&frames)?, model.score_frames(&frames)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Persist for FrameAutoencoder {
    const FORMAT: &'static str = FORMAT;
    const SCHEMA: u32 = 2;

    fn to_envelope(&self) -> oddframe::Result<Envelope> {
        let all = tensors::read(&self.net);
        let mut values = Vec::with_capacity(all.iter().map(|t| t.values.len()).sum());
        let mut entries = Vec::with_capacity(all.len());
        for t in all {
            values.extend_from_slice(&t.values);
            entries.push(TensorEntry {
                name: t.name,
                shape: t.shape,
            });
        }
        let body = BodyV2 {
            architecture: self.arch.clone(),
            normalization: self.norm,
            tensors: entries,
            values: values.len(),
            data: pack_f32(&values),
            checksum: fnv1a(values.iter().flat_map(|v| v.to_le_bytes())),
        };
        let n = Some(self.arch.input_len());
        Envelope::new(FORMAT, 2, env!("CARGO_PKG_VERSION"), n, &body)
    }

    fn from_checked_envelope(env: Envelope) -> oddframe::Result<Self> {
        if env.schema() == 1 {
            return Err(core(invalid(
                "schema 1 files are binary, not JSON envelopes",
            )));
        }
        let b: BodyV2 = env.take_body()?;
        Self::from_v2(b, Backend::default()).map_err(core)
    }

    /// Reads a schema 2 JSON envelope or a schema 1 binary file.
    fn load_json<R: Read>(reader: R) -> oddframe::Result<Self> {
        let mut r = BufReader::new(reader);
        if r.fill_buf()?.starts_with(MAGIC) {
            return read_legacy(r).map(|(m, _)| m).map_err(core);
        }
        Self::from_envelope(Envelope::from_reader(r)?)
    }

    /// Reads a schema 2 JSON envelope or a schema 1 binary file.
    fn from_json(bytes: &[u8]) -> oddframe::Result<Self> {
        Self::load_json(bytes)
    }
}

impl FrameAutoencoder {
    fn from_v2(b: BodyV2, backend: Backend) -> Result<Self> {
        check_model(&b.architecture, &b.normalization)?;
        let device = backend.device()?;
        let net = Net::new(&b.architecture, &device);
        check_layout(&net, &b.tensors)?;
        let need = expected_len(&b.tensors) / 4;
        if b.values as u64 != need {
            return Err(invalid(format!(
                "{} values but the tensors need {need}",
                b.values
            )));
        }
        let values = unpack_f32(&b.data, b.values).map_err(|e| invalid(e.to_string()))?;
        if fnv1a(values.iter().flat_map(|v| v.to_le_bytes())) != b.checksum {
            return Err(invalid("checksum mismatch: the weights are corrupt"));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("value {i} is not finite")));
        }
        let net = with_values(net, &values).valid();
        Ok(Self {
            arch: b.architecture,
            norm: b.normalization,
            backend,
            device,
            net,
        })
    }

    /// Loads a saved model (either schema) onto `backend`.
    ///
    /// # Errors
    /// As [`Persist::load`]; `oddframe::Error::Model` holding
    /// [`AeError::BackendUnavailable`] for a backend not compiled in.
    pub fn load_on(path: impl AsRef<Path>, backend: Backend) -> oddframe::Result<Self> {
        let model = <Self as Persist>::load(path)?;
        if model.backend == backend {
            return Ok(model);
        }
        model.to_backend(backend).map_err(Into::into)
    }
}

/// Reads a schema 1 (0.1, binary) model file onto [`Backend::default`],
/// with the threshold 0.1 kept inside the model.
///
/// # Errors
/// [`AeError::InvalidModel`] for anything malformed (see the module docs),
/// [`AeError::Io`] when reading fails.
pub fn read_legacy<R: Read>(mut r: R) -> Result<(FrameAutoencoder, Option<Threshold>)> {
    let h: Header = read_header(&mut r, MAGIC, "an oddframe autoencoder file")?;
    check_header(&h)?;
    let backend = Backend::default();
    let device = backend.device()?;
    let net = Net::new(&h.architecture, &device);
    check_layout(&net, &h.tensors)?;
    let values = read_data(r, h.data_len, expected_len(&h.tensors), h.checksum)?;
    let net = with_values(net, &values).valid();
    let model = FrameAutoencoder {
        arch: h.architecture,
        norm: h.normalization,
        backend,
        device,
        net,
    };
    Ok((model, h.threshold))
}

/// An autoencoder error as the core's: file problems are `InvalidFile`.
fn core(e: AeError) -> oddframe::Error {
    match e {
        AeError::InvalidModel(reason) => oddframe::Error::invalid_file(FORMAT, reason),
        other => other.into(),
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

fn check_model(architecture: &Architecture, normalization: &Normalization) -> Result<()> {
    architecture
        .validate()
        .map_err(|e| invalid(format!("architecture: {e}")))?;
    normalization
        .validate()
        .map_err(|e| invalid(format!("normalization: {e}")))
}

fn check_header(h: &Header) -> Result<()> {
    if h.format != FORMAT {
        return Err(invalid(format!(
            "format is {:?}, expected {FORMAT:?}",
            h.format
        )));
    }
    if h.schema != 1 {
        return Err(invalid(format!(
            "schema {} is not a binary schema (binary files are schema 1)",
            h.schema
        )));
    }
    check_model(&h.architecture, &h.normalization)?;
    if let Some(t) = &h.threshold {
        if !t.value().is_finite() {
            return Err(invalid("threshold is not finite"));
        }
    }
    Ok(())
}
