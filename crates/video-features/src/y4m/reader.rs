//! Reading a YUV4MPEG2 stream frame by frame.

use std::io::{BufRead, BufReader, Read};

use oddframe::Frame;

use super::header::MAX_LINE;
use super::{Y4mFrame, Y4mHeader};
use crate::{frame_time, Limits, PixelFormat, SourceError};

/// A YUV4MPEG2 decoder: the header is read and checked against the
/// [`Limits`] on construction, then frames one at a time.
///
/// As an iterator it yields `Result<Frame>` with the frame index and a
/// timestamp of `index / frame_rate`; use [`Y4mReader::read_frame`] for the
/// planes themselves.
///
/// ```
/// use video_features::y4m::{Colorspace, Y4mFrame, Y4mHeader, Y4mReader, Y4mWriter};
///
/// // write two 4x2 frames of limited-range luma, then read them back
/// let mut w = Y4mWriter::new(Vec::new(), Y4mHeader::new(4, 2, (25, 1), Colorspace::Mono))?;
/// for v in [16u8, 235] {
///     w.write_frame(&Y4mFrame::from_planes(4, 2, Colorspace::Mono, vec![v; 8], vec![], vec![])?)?;
/// }
/// let bytes = w.finish()?;
/// let frames: Vec<_> = Y4mReader::new(bytes.as_slice())?.collect::<Result<_, _>>()?;
/// assert_eq!(frames.len(), 2);
/// assert_eq!(frames[1].index(), 1);
/// assert_eq!(frames[1].timestamp(), std::time::Duration::from_millis(40));
/// assert_eq!(frames[0].as_bytes(), &[0; 8]); // black and white in full range
/// assert_eq!(frames[1].as_bytes(), &[255; 8]);
/// # Ok::<(), video_features::SourceError>(())
/// ```
#[derive(Debug)]
pub struct Y4mReader<R: Read> {
    inner: BufReader<R>,
    header: Y4mHeader,
    frame_bytes: usize,
    next_index: u64,
    offset: u64,
    output: PixelFormat,
    /// `XCOLORRANGE=FULL` in the header.
    full_range: bool,
    done: bool,
}

impl<R: Read> Y4mReader<R> {
    /// Reads the header with the default [`Limits`].
    ///
    /// # Errors
    /// As [`Y4mReader::with_limits`].
    pub fn new(reader: R) -> Result<Self, SourceError> {
        Self::with_limits(reader, Limits::default())
    }

    /// Reads the header and checks the frame size against `limits`.
    ///
    /// # Errors
    /// [`SourceError::Malformed`] for a missing magic, tag or newline,
    /// [`SourceError::Unsupported`] for layouts other than 4:2:0, 4:2:2,
    /// 4:4:4 and mono of 8 to 16 bits, [`SourceError::LimitExceeded`] for frames
    /// above the limits, [`SourceError::Io`] when reading fails.
    pub fn with_limits(reader: R, limits: Limits) -> Result<Self, SourceError> {
        let mut inner = BufReader::new(reader);
        let line = read_line(&mut inner, 0)?.ok_or_else(|| SourceError::Malformed {
            offset: 0,
            message: "empty stream".into(),
        })?;
        let header = Y4mHeader::parse(&line)?;
        let bytes = header.frame_bytes();
        limits.check(header.width, header.height, bytes)?;
        let frame_bytes = usize::try_from(bytes).map_err(|_| SourceError::LimitExceeded {
            what: "frame size in bytes",
            value: bytes,
            limit: usize::MAX as u64,
        })?;
        let full_range = header.extensions.iter().any(|x| x == "COLORRANGE=FULL");
        Ok(Self {
            inner,
            full_range,
            header,
            frame_bytes,
            next_index: 0,
            offset: line.len() as u64 + 1,
            output: PixelFormat::Luma,
            done: false,
        })
    }

    /// What the iterator yields (default [`PixelFormat::Luma`]).
    pub fn output(mut self, format: PixelFormat) -> Self {
        self.output = format;
        self
    }

    /// The stream header.
    pub fn header(&self) -> &Y4mHeader {
        &self.header
    }

    /// The next frame's planes, or `None` at the end of the stream.
    ///
    /// # Errors
    /// [`SourceError::Malformed`] for a bad frame header,
    /// [`SourceError::Truncated`] when the stream ends inside a frame,
    /// [`SourceError::Io`] when reading fails. After an error the reader
    /// yields nothing more.
    pub fn read_frame(&mut self) -> Result<Option<Y4mFrame>, SourceError> {
        if self.done {
            return Ok(None);
        }
        let r = self.read_frame_inner();
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }

    /// The pictures with their planes as stored, each at `index /
    /// frame_rate`.
    pub fn pictures(self) -> impl Iterator<Item = Result<super::Picture, SourceError>> {
        let rate = self.header.frame_rate;
        let mut reader = self;
        std::iter::from_fn(move || {
            let index = reader.next_index;
            reader
                .read_frame()
                .transpose()
                .map(|f| f.map(|f| super::Picture::new(f, index, frame_time(index, rate))))
        })
    }

    fn read_frame_inner(&mut self) -> Result<Option<Y4mFrame>, SourceError> {
        let Some(line) = read_line(&mut self.inner, self.offset)? else {
            return Ok(None);
        };
        if !(line.starts_with(b"FRAME") && (line.len() == 5 || line[5] == b' ')) {
            return Err(SourceError::Malformed {
                offset: self.offset,
                message: format!("frame {} does not start with FRAME", self.next_index),
            });
        }
        self.offset += line.len() as u64 + 1;
        let h = &self.header;
        let (cw, ch) = h.colorspace.chroma_size(h.width, h.height);
        let per = h.sample_bytes() as usize;
        let sizes = [
            (h.width as usize) * (h.height as usize) * per,
            (cw as usize) * (ch as usize) * per,
            (cw as usize) * (ch as usize) * per,
        ];
        // each plane read straight into its own buffer
        let mut planes: [Vec<u8>; 3] = Default::default();
        let mut got = 0;
        for (plane, n) in planes.iter_mut().zip(sizes) {
            plane
                .try_reserve_exact(n)
                .map_err(|_| SourceError::LimitExceeded {
                    what: "frame allocation (failed)",
                    value: self.frame_bytes as u64,
                    limit: 0,
                })?;
            let read = (&mut self.inner).take(n as u64).read_to_end(plane)?;
            got += read;
            if read < n {
                return Err(SourceError::Truncated {
                    frame: self.next_index,
                    offset: self.offset,
                    expected: self.frame_bytes,
                    got,
                });
            }
        }
        self.offset += got as u64;
        self.next_index += 1;
        Y4mFrame::from_planes_with_depth(h.width, h.height, h.colorspace, h.bit_depth, planes)
            .map(|f| Some(f.with_full_range(self.full_range)))
    }
}

impl<R: Read> Iterator for Y4mReader<R> {
    type Item = Result<Frame, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let index = self.next_index;
        match self.read_frame() {
            Ok(None) => None,
            Err(e) => Some(Err(e)),
            Ok(Some(f)) => {
                let t = frame_time(index, self.header.frame_rate);
                let shown = Some(frame_time(1, self.header.frame_rate));
                Some(Ok(match self.output {
                    PixelFormat::Luma => Frame::luma(f.into_luma(), index, t),
                    PixelFormat::Rgb => Frame::rgb(f.to_rgb(), index, t),
                }
                .with_duration(shown)))
            }
        }
    }
}

/// Reads up to `\n` (not included), at most [`MAX_LINE`] bytes; `None` at
/// a clean end of stream.
fn read_line<R: BufRead>(r: &mut R, offset: u64) -> Result<Option<Vec<u8>>, SourceError> {
    let mut line = Vec::new();
    let n = r.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(SourceError::Malformed {
            offset,
            message: if n > MAX_LINE {
                format!("header line longer than {MAX_LINE} bytes")
            } else {
                "stream ends inside a header line".into()
            },
        });
    }
    line.pop();
    Ok(Some(line))
}
