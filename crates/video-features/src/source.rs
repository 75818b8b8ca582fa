//! What every frame source shares: its error type and the [`Limits`] that
//! keep a hostile or corrupt input from exhausting memory.

/// Errors of the frame sources: each says what went wrong and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading or writing failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The input is not well formed.
    #[error("malformed input at byte {offset}: {message}")]
    Malformed {
        /// Byte offset of the problem from the start of the stream.
        offset: u64,
        /// What was wrong.
        message: String,
    },
    /// The stream ended inside a frame.
    #[error("truncated frame {frame} at byte {offset}: expected {expected} bytes, got {got}")]
    Truncated {
        /// Index of the incomplete frame.
        frame: u64,
        /// Byte offset where its data starts.
        offset: u64,
        /// Bytes a frame needs.
        expected: usize,
        /// Bytes that were there.
        got: usize,
    },
    /// A size in the input is above the configured [`Limits`].
    #[error("{what} {value} is above the limit {limit} (see Limits)")]
    LimitExceeded {
        /// What was measured.
        what: &'static str,
        /// Its value.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// An image file could not be decoded.
    #[error("cannot decode {path}: {message}")]
    Decode {
        /// The file.
        path: std::path::PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// A well-formed input this crate does not decode (say, 10-bit video).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A frame or image does not fit the stream it is written to.
    #[error("frame does not match the stream: {0}")]
    Mismatch(String),
    /// An external decoder (`ffmpeg`, `ffprobe`) is missing, could not open
    /// the input or failed; the message is its own.
    #[error("{program}: {message}")]
    Ffmpeg {
        /// The program that failed.
        program: String,
        /// What it said (the end of its error output), or why it could not
        /// run.
        message: String,
    },
    /// No data arrived for the stall timeout; the decoder was stopped.
    #[error("{program} delivered nothing for {timeout:?}: the stream stalled")]
    Stalled {
        /// The program that stalled.
        program: String,
        /// The timeout that ran out.
        timeout: std::time::Duration,
    },
}

/// What a frame source yields: grey or colour frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PixelFormat {
    /// 8-bit grey, full range (the default). Sources that decode YUV give
    /// the luma plane expanded to full range; image files are converted
    /// with `image`'s luma weights; ffmpeg converts with its own.
    #[default]
    Luma,
    /// 8-bit RGB, red first.
    Rgb,
}

/// Upper bounds checked before any frame buffer is allocated, in the manner
/// of `image`'s decoding limits.
///
/// ```
/// use video_features::Limits;
/// let mut strict = Limits::default();
/// strict.max_width = 1920;
/// strict.max_height = 1080;
/// assert_eq!(strict.max_alloc, Limits::default().max_alloc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest frame width in pixels (default 16,384).
    pub max_width: u32,
    /// Largest frame height in pixels (default 16,384).
    pub max_height: u32,
    /// Largest allocation for one frame in bytes (default 512 MiB).
    pub max_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_width: 16_384,
            max_height: 16_384,
            max_alloc: 512 << 20,
        }
    }
}

impl Limits {
    /// Checks a frame size and its byte count against the limits.
    pub(crate) fn check(&self, width: u32, height: u32, bytes: u64) -> Result<(), SourceError> {
        for (what, value, limit) in [
            ("frame width", u64::from(width), u64::from(self.max_width)),
            (
                "frame height",
                u64::from(height),
                u64::from(self.max_height),
            ),
            ("frame size in bytes", bytes, self.max_alloc),
        ] {
            if value > limit {
                return Err(SourceError::LimitExceeded { what, value, limit });
            }
        }
        Ok(())
    }
}

/// Presentation time of frame `index` at `frame_rate = (num, den)` frames
/// per second: `index * den / num` seconds, saturating.
pub(crate) fn frame_time(index: u64, (num, den): (u32, u32)) -> std::time::Duration {
    let nanos = u128::from(index) * u128::from(den) * 1_000_000_000 / u128::from(num.max(1));
    std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

impl From<SourceError> for oddframe::Error {
    fn from(e: SourceError) -> Self {
        oddframe::Error::Model(Box::new(e))
    }
}
