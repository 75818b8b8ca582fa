//! One persistence contract for every fitted part (feature `serde`).
//!
//! Models, transformers, thresholds, pipelines and stream states are saved
//! the same way: a JSON [`Envelope`]
//! `{ format, schema, crate_version, n_features, model }` whose `format` names
//! the kind of part (`oddframe.fisvdd`, `oddframe.standard-scaler`, ...) and
//! whose `schema` is the version of the `model` body. A type implements
//! [`Persist`] by writing its body into an envelope and rebuilding itself
//! from one; loading checks the format and the schema before the body is
//! read, and the implementation re-validates every number and shape of the
//! body, so a foreign, truncated, edited or newer file is an
//! [`Error::InvalidFile`], never a model that scores wrongly.
//!
//! ```
//! use oddframe::{Calibration, Persist, Threshold};
//!
//! let t = Threshold::calibrate(Calibration::Quantile(0.9), &[1.0, 2.0, 3.0])?;
//! let bytes = t.to_json()?;
//! assert_eq!(Threshold::from_json(&bytes)?, t);
//! assert!(Threshold::from_json(b"{\"format\":\"other\"}").is_err());
//! # Ok::<(), oddframe::Error>(())
//! ```
//!
//! [`save`](Persist::save) writes a file atomically (a temporary file in the
//! same directory, synced, renamed over the target, the directory synced),
//! so a crash leaves either the old file or the new one, never half of one.

use std::io::{Read, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The saved form of one part: what it is, which schema its body follows,
/// and the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    format: String,
    schema: u32,
    crate_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n_features: Option<usize>,
    model: serde_json::Value,
}

impl Envelope {
    /// An envelope around `body`.
    ///
    /// `crate_version` is the version of the crate that wrote it (pass
    /// `env!("CARGO_PKG_VERSION")`); `n_features` is the width of the input
    /// the part takes, where that applies.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] when the body cannot be represented as JSON
    /// (a map with non-string keys).
    pub fn new(
        format: &str,
        schema: u32,
        crate_version: &str,
        n_features: Option<usize>,
        body: &impl Serialize,
    ) -> Result<Self> {
        let model =
            serde_json::to_value(body).map_err(|e| Error::invalid_file(format, e.to_string()))?;
        Ok(Self {
            format: format.into(),
            schema,
            crate_version: crate_version.into(),
            n_features,
            model,
        })
    }

    /// The format name, for example `oddframe.fisvdd`.
    pub fn format(&self) -> &str {
        &self.format
    }

    /// The schema version of the body.
    pub fn schema(&self) -> u32 {
        self.schema
    }

    /// The version of the crate that wrote the file.
    pub fn crate_version(&self) -> &str {
        &self.crate_version
    }

    /// The number of input features the part takes, where that applies.
    pub fn n_features(&self) -> Option<usize> {
        self.n_features
    }

    /// Checks that this is a `format` file of a schema in `1..=newest`.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming the format or schema found.
    pub fn check(&self, format: &str, newest: u32) -> Result<()> {
        if self.format != format {
            return Err(Error::invalid_file(
                format,
                format!("the file holds {:?}", self.format),
            ));
        }
        if self.schema == 0 || self.schema > newest {
            return Err(Error::invalid_file(
                format,
                format!(
                    "schema {} is not supported (this version reads 1..={newest}; a newer \
                     oddframe wrote it?)",
                    self.schema
                ),
            ));
        }
        Ok(())
    }

    /// The declared input width, which must be present and at least 1.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] when it is missing or 0.
    pub fn require_n_features(&self) -> Result<usize> {
        match self.n_features {
            Some(d) if d > 0 => Ok(d),
            Some(_) => Err(Error::invalid_file(&self.format, "n_features is 0")),
            None => Err(Error::invalid_file(&self.format, "n_features is missing")),
        }
    }

    /// Reads the body as `T`.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] when the body does not have `T`'s shape
    /// (missing or unknown fields, wrong types).
    pub fn body<T: DeserializeOwned>(&self) -> Result<T> {
        T::deserialize(&self.model).map_err(|e| Error::invalid_file(&self.format, e.to_string()))
    }

    /// Reads the body as `T`, consuming the envelope (no copy of the body).
    ///
    /// # Errors
    /// As [`Envelope::body`].
    pub fn take_body<T: DeserializeOwned>(self) -> Result<T> {
        let format = self.format;
        serde_json::from_value(self.model).map_err(|e| Error::invalid_file(format, e.to_string()))
    }

    /// Takes the body out without reading it (for containers that hold
    /// other envelopes).
    pub fn into_body(self) -> serde_json::Value {
        self.model
    }

    /// Writes the envelope as JSON.
    ///
    /// # Errors
    /// [`Error::Io`] when writing fails.
    pub fn to_writer<W: Write>(&self, writer: W) -> Result<()> {
        serde_json::to_writer(writer, self).map_err(json_error)
    }

    /// Reads an envelope from JSON (the body is checked later, by the part
    /// that reads it).
    ///
    /// # Errors
    /// [`Error::Io`] when reading fails, [`Error::InvalidFile`] when the
    /// bytes are not an envelope.
    pub fn from_reader<R: Read>(reader: R) -> Result<Self> {
        serde_json::from_reader(reader).map_err(envelope_error)
    }

    /// Reads an envelope from JSON bytes.
    ///
    /// # Errors
    /// As [`Envelope::from_reader`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(envelope_error)
    }

    /// Reads an envelope from a JSON value (a part nested in a composed file).
    ///
    /// # Errors
    /// [`Error::InvalidFile`] when the value is not an envelope.
    pub fn from_value(value: serde_json::Value) -> Result<Self> {
        serde_json::from_value(value).map_err(envelope_error)
    }
}

fn json_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        Error::Io(e.into())
    } else {
        Error::invalid_file("oddframe", e.to_string())
    }
}

fn envelope_error(e: serde_json::Error) -> Error {
    if e.is_io() {
        Error::Io(e.into())
    } else {
        Error::invalid_file("oddframe", format!("not an oddframe envelope: {e}"))
    }
}

/// Packs floats exactly and compactly for a saved body: the base64 text of
/// their little-endian bytes (a third the size of JSON numbers, and read
/// back bit for bit).
///
/// ```
/// use oddframe::persist::{pack_f64, unpack_f64};
/// let v = [1.5, -0.1, f64::MIN_POSITIVE];
/// assert_eq!(unpack_f64(&pack_f64(&v), 3)?, v);
/// assert!(unpack_f64(&pack_f64(&v), 2).is_err());
/// # Ok::<(), oddframe::Error>(())
/// ```
pub fn pack_f64(values: &[f64]) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// As [`pack_f64`], for `f32`.
pub fn pack_f32(values: &[f32]) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unpack_bytes(text: &str, width: usize, len: usize) -> Result<Vec<u8>> {
    use base64::Engine;
    let bad = |reason: String| Error::invalid_file("packed floats", reason);
    // the decoded size is known before decoding: refuse absurd lengths first
    let want = len
        .checked_mul(width)
        .ok_or_else(|| bad(format!("{len} values is too many")))?;
    if text.len() / 4 * 3 > want + 3 {
        return Err(bad(format!("{} characters for {len} values", text.len())));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| bad(e.to_string()))?;
    if bytes.len() != want {
        return Err(bad(format!(
            "{} bytes for {len} values of {width} bytes",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Unpacks `len` values written by [`pack_f64`].
///
/// # Errors
/// [`Error::InvalidFile`] for text that is not base64 or holds another
/// number of values.
pub fn unpack_f64(text: &str, len: usize) -> Result<Vec<f64>> {
    let bytes = unpack_bytes(text, 8, len)?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect())
}

/// Unpacks `len` values written by [`pack_f32`].
///
/// # Errors
/// As [`unpack_f64`].
pub fn unpack_f32(text: &str, len: usize) -> Result<Vec<f32>> {
    let bytes = unpack_bytes(text, 4, len)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// A part that is saved in an [`Envelope`] and rebuilt from one.
///
/// Implement [`FORMAT`](Persist::FORMAT), [`SCHEMA`](Persist::SCHEMA),
/// [`to_envelope`](Persist::to_envelope) and
/// [`from_checked_envelope`](Persist::from_checked_envelope); the rest
/// (bytes, readers and writers, files) comes with the trait. Keep reading
/// every older schema when the body changes: bump `SCHEMA` and branch on
/// [`Envelope::schema`].
///
/// ```
/// use oddframe::persist::{Envelope, Persist};
/// use oddframe::{Error, Result};
///
/// /// A constant offset, saved as `{"offset": x}`.
/// #[derive(Debug, PartialEq)]
/// struct Offset(f64);
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Body { offset: f64 }
///
/// impl Persist for Offset {
///     const FORMAT: &'static str = "example.offset";
///     const SCHEMA: u32 = 1;
///     fn to_envelope(&self) -> Result<Envelope> {
///         Envelope::new(Self::FORMAT, Self::SCHEMA, "1.0.0", None, &Body { offset: self.0 })
///     }
///     fn from_checked_envelope(env: Envelope) -> Result<Self> {
///         let b: Body = env.body()?;
///         if !b.offset.is_finite() {
///             return Err(Error::invalid_file(Self::FORMAT, "offset is not finite"));
///         }
///         Ok(Offset(b.offset))
///     }
/// }
///
/// let bytes = Offset(2.5).to_json()?;
/// assert_eq!(Offset::from_json(&bytes)?, Offset(2.5));
/// let newer = br#"{"format":"example.offset","schema":2,"crate_version":"9","model":{}}"#;
/// assert!(Offset::from_json(newer).unwrap_err().to_string().contains("schema 2"));
/// # Ok::<(), oddframe::Error>(())
/// ```
pub trait Persist: Sized {
    /// The format name written into every envelope of this type.
    const FORMAT: &'static str;
    /// The newest schema this version writes and reads.
    const SCHEMA: u32;

    /// The saved form.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] when the part cannot be represented.
    fn to_envelope(&self) -> Result<Envelope>;

    /// Rebuilds the part from an envelope whose format and schema have been
    /// checked ([`Persist::from_envelope`] does that first), validating
    /// every value of the body.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] naming what is wrong.
    fn from_checked_envelope(envelope: Envelope) -> Result<Self>;

    /// Checks the format and schema, then rebuilds the part.
    ///
    /// # Errors
    /// [`Error::InvalidFile`] for another format, an unknown schema, or an
    /// invalid body.
    fn from_envelope(envelope: Envelope) -> Result<Self> {
        envelope.check(Self::FORMAT, Self::SCHEMA)?;
        Self::from_checked_envelope(envelope)
    }

    /// The saved form as JSON bytes.
    ///
    /// # Errors
    /// As [`Persist::to_envelope`].
    fn to_json(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.to_envelope()?.to_writer(&mut out)?;
        Ok(out)
    }

    /// Rebuilds the part from JSON bytes.
    ///
    /// # Errors
    /// As [`Persist::from_envelope`].
    fn from_json(bytes: &[u8]) -> Result<Self> {
        Self::from_envelope(Envelope::from_slice(bytes)?)
    }

    /// Writes the saved form as JSON.
    ///
    /// # Errors
    /// As [`Persist::to_envelope`], or [`Error::Io`].
    fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        self.to_envelope()?.to_writer(writer)
    }

    /// Reads a part written by [`Persist::save_json`].
    ///
    /// # Errors
    /// As [`Persist::from_envelope`], or [`Error::Io`].
    fn load_json<R: Read>(reader: R) -> Result<Self> {
        Self::from_envelope(Envelope::from_reader(reader)?)
    }

    /// Saves to a file, atomically ([`write_atomic`]).
    ///
    /// # Errors
    /// As [`Persist::to_envelope`], or [`Error::Io`].
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), &self.to_json()?)
    }

    /// Loads from a file written by [`Persist::save`].
    ///
    /// # Errors
    /// As [`Persist::from_envelope`], or [`Error::Io`].
    fn load(path: impl AsRef<Path>) -> Result<Self> {
        let file = std::fs::File::open(path)?;
        Self::load_json(std::io::BufReader::new(file))
    }
}

/// Writes `bytes` to `path` so that a crash at any moment leaves either the
/// previous file or the complete new one: the bytes go to a temporary file
/// in the same directory, which is synced to disk and renamed over `path`;
/// then the directory itself is synced so the rename survives a power loss.
///
/// # Errors
/// [`Error::Io`] when any step fails (the temporary file is removed).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().ok_or_else(|| {
        Error::Io(std::io::Error::other(format!(
            "{} is not a file path",
            path.display()
        )))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(Error::Io)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // directories cannot be opened for syncing on this platform; the
    // rename is as durable as the file system makes it
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_checks_format_and_schema() {
        let e = Envelope::new("a.b", 2, "0.1.0", Some(3), &serde_json::json!({"x": 1})).unwrap();
        assert!(e.check("a.b", 2).is_ok());
        assert!(e
            .check("a.b", 1)
            .unwrap_err()
            .to_string()
            .contains("schema 2"));
        assert!(e
            .check("a.c", 2)
            .unwrap_err()
            .to_string()
            .contains("\"a.b\""));
        assert_eq!(e.require_n_features().unwrap(), 3);
        let bytes = serde_json::to_vec(&e).unwrap();
        assert_eq!(Envelope::from_slice(&bytes).unwrap(), e);
        // unknown top-level fields and truncation are errors
        assert!(Envelope::from_slice(
            br#"{"format":"a","schema":1,"crate_version":"1","model":1,"x":2}"#
        )
        .is_err());
        assert!(Envelope::from_slice(&bytes[..bytes.len() - 3]).is_err());
        let zero = Envelope::new("a.b", 0, "0.1.0", Some(0), &1).unwrap();
        assert!(zero.check("a.b", 1).is_err());
        assert!(zero.require_n_features().is_err());
    }

    #[test]
    fn write_atomic_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("oddframe-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(write_atomic(&dir.join("missing/x.json"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
