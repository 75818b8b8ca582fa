//! Image sequences: a directory of TIFF, PNG, JPEG or BMP frames read in
//! natural order (`2.png` before `10.png`).

use image::{DynamicImage, ImageReader};
use oddframe::Frame;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use crate::PixelFormat;
use crate::{frame_time, Limits, SourceError};

/// File extensions read as frames (compared case-insensitively).
pub const EXTENSIONS: [&str; 6] = ["tif", "tiff", "png", "jpg", "jpeg", "bmp"];

/// Frames from image files, one file per frame, as an iterator of
/// `Result<Frame>` with the position in the sequence as index and
/// `index / frame_rate` as timestamp.
///
/// ```
/// use video_features::sequence::ImageSequence;
///
/// let dir = std::env::temp_dir().join(format!("oddframe-seq-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// for (name, v) in [("f10.png", 30u8), ("f2.png", 20), ("f1.png", 10), ("notes.txt", 0)] {
///     if name.ends_with(".png") {
///         image::GrayImage::from_pixel(4, 3, image::Luma([v])).save(dir.join(name))?;
///     } else {
///         std::fs::write(dir.join(name), "not a frame")?;
///     }
/// }
/// let seq = ImageSequence::open(&dir)?.frame_rate(10, 1)?;
/// assert_eq!(seq.len(), 3);
/// let firsts: Vec<u8> = seq.map(|f| f.map(|f| f.as_bytes()[0])).collect::<Result<_, _>>()?;
/// assert_eq!(firsts, vec![10, 20, 30]); // natural order: f1, f2, f10
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ImageSequence {
    paths: Vec<PathBuf>,
    next: usize,
    frame_rate: (u32, u32),
    output: PixelFormat,
    limits: Limits,
}

impl ImageSequence {
    /// The image files of `dir` (not recursive) in natural order; other
    /// files are ignored. 25 frames per second until set otherwise.
    ///
    /// # Errors
    /// [`SourceError::Io`] when the directory cannot be listed,
    /// [`SourceError::Malformed`] when it holds no image file.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, SourceError> {
        let dir = dir.as_ref();
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_file() && is_image(&path) {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            return Err(SourceError::Malformed {
                offset: 0,
                message: format!("no TIFF, PNG, JPEG or BMP file in {}", dir.display()),
            });
        }
        paths.sort_by(|a, b| natural_cmp(&file_name(a), &file_name(b)));
        Ok(Self::from_paths(paths))
    }

    /// Exactly these files, in this order.
    pub fn from_paths(paths: Vec<PathBuf>) -> Self {
        Self {
            paths,
            next: 0,
            frame_rate: (25, 1),
            output: PixelFormat::Luma,
            limits: Limits::default(),
        }
    }

    /// Frames per second as `numerator / denominator`, for timestamps.
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] when either term is 0.
    pub fn frame_rate(mut self, num: u32, den: u32) -> Result<Self, SourceError> {
        if num == 0 || den == 0 {
            return Err(SourceError::Mismatch(format!(
                "frame rate {num}/{den}: both terms must be > 0"
            )));
        }
        self.frame_rate = (num, den);
        Ok(self)
    }

    /// Grey (default, BT.601 luma of colour images) or RGB frames.
    pub fn output(mut self, format: PixelFormat) -> Self {
        self.output = format;
        self
    }

    /// Size and allocation limits passed to the image decoders.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The files, in reading order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    fn decode(&self, path: &Path) -> Result<DynamicImage, SourceError> {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.limits.max_width);
        limits.max_image_height = Some(self.limits.max_height);
        limits.max_alloc = Some(self.limits.max_alloc);
        let mut reader = ImageReader::open(path)?.with_guessed_format()?;
        reader.limits(limits);
        reader.decode().map_err(|e| SourceError::Decode {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

impl Iterator for ImageSequence {
    type Item = Result<Frame, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.paths.get(self.next)?.clone();
        let index = self.next as u64;
        self.next += 1;
        let t = frame_time(index, self.frame_rate);
        let shown = Some(frame_time(1, self.frame_rate));
        Some(self.decode(&path).map(|img| {
            match self.output {
                // grey files as they are; colour ones by BT.601 (the `image`
                // crate's own conversion uses the BT.709 weights)
                PixelFormat::Luma => match img {
                    image::DynamicImage::ImageLuma8(g) => Frame::luma(g, index, t),
                    other => Frame::luma(oddframe::frame::bt601_luma(&other.into_rgb8()), index, t),
                },
                PixelFormat::Rgb => Frame::rgb(img.into_rgb8(), index, t),
            }
            .with_duration(shown)
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.paths.len() - self.next.min(self.paths.len());
        (left, Some(left))
    }
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Natural order: runs of digits compare as numbers, the rest as text.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (nx, rx) = split_digits(x);
                let (ny, ry) = split_digits(y);
                let (tx, ty) = (trim_zeros(nx), trim_zeros(ny));
                let ord = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = rx;
                y = ry;
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "f10.png", "f2.png", "f1.png", "F3.png", "f02.png", "a.png", "f1b.png",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            vec!["F3.png", "a.png", "f1.png", "f1b.png", "f02.png", "f2.png", "f10.png"]
        );
        assert_eq!(natural_cmp("001.tif", "1.tif"), Ordering::Less); // ties by text
        assert_eq!(natural_cmp("Test009", "Test010"), Ordering::Less);
    }

    #[test]
    #[allow(clippy::unwrap_used)] // test code
    fn colour_images_become_bt601_grey() {
        let dir = std::env::temp_dir().join(format!("oddframe-seq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // saturated colours, where BT.601 and BT.709 differ most
        let rgb = image::RgbImage::from_fn(3, 1, |x, _| match x {
            0 => image::Rgb([255, 0, 0]),
            1 => image::Rgb([0, 255, 0]),
            _ => image::Rgb([0, 0, 255]),
        });
        rgb.save(dir.join("0.png")).unwrap();
        let mut seq = ImageSequence::open(&dir).unwrap();
        let grey = seq.next().unwrap().unwrap();
        assert_eq!(grey.as_bytes(), [76, 150, 29]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
