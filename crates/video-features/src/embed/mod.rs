//! Frame embeddings for the one-class pipeline, computed from the pixels
//! with nothing to download.
//!
//! | extractor | what it sees | length (defaults) |
//! |---|---|---|
//! | [`ColorHistogram`] | HSV histogram (grey pixels by value, coloured ones by hue, saturation and value), fractions of pixels | 4 + 8 x 3 x 4 = 100 |
//! | [`GradientHistogram`] | HOG-style orientation histograms on a grid of cells | 4 x 4 x 9 = 144 |
//! | [`MotionEnergy`] | mean absolute frame difference per cell, and statistics of the whole-frame value over a short window | 4 x 4 + 4 = 20 |
//!
//! Each is a [`FeatureExtractor<Frame>`] that returns exactly one vector of
//! fixed length with named features per frame, on grey or RGB frames from
//! any source. [`Embedding`] concatenates extractors; its default is all
//! three (264 features).
//!
//! A learned model (CLIP or any network of your own) plugs in the same
//! way: implement [`FeatureExtractor<Frame>`] returning one vector per
//! frame, and add it to an [`Embedding`] or use it alone.
//!
//! ```
//! use std::time::Duration;
//! use image::GrayImage;
//! use ndarray::Array1;
//! use oddframe::{FeatureExtractor, Frame};
//! use video_features::embed::{ColorHistogram, Embedding};
//!
//! /// A stand-in for a user's model: mean brightness.
//! struct Brightness;
//! impl FeatureExtractor<Frame> for Brightness {
//!     fn feature_names(&self) -> Vec<String> { vec!["brightness".into()] }
//!     fn push(&mut self, f: &Frame) -> oddframe::Result<Vec<Array1<f64>>> {
//!         let sum: f64 = f.as_bytes().iter().map(|&v| f64::from(v)).sum();
//!         Ok(vec![Array1::from_elem(1, sum / f.as_bytes().len() as f64 / 255.0)])
//!     }
//! }
//!
//! let mut embed = Embedding::new()
//!     .with(ColorHistogram::default())
//!     .with(Brightness);
//! assert_eq!(embed.n_features(), 101);
//! let frame = Frame::luma(GrayImage::from_pixel(32, 24, [200].into()), 0, Duration::ZERO);
//! let v = embed.push(&frame)?.remove(0);
//! assert_eq!(v.len(), 101);
//! assert!((v[100] - 200.0 / 255.0).abs() < 1e-12);
//! # Ok::<(), oddframe::Error>(())
//! ```

mod color;
mod gradient;
mod motion;
mod spec;

use std::borrow::Cow;

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Frame, FrameBuffer, Result};

pub use color::ColorHistogram;
pub use gradient::GradientHistogram;
pub use motion::MotionEnergy;
pub use spec::{EmbeddingPart, EmbeddingSpec};

use crate::preprocess::bt601_luma;
use crate::SourceError;

/// Several extractors side by side: one vector per frame, the parts'
/// vectors concatenated in the order they were added.
pub struct Embedding {
    parts: Vec<Box<dyn FeatureExtractor<Frame>>>,
}

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedding")
            .field("n_features", &self.n_features())
            .finish()
    }
}

impl Default for Embedding {
    /// Colour histogram, gradient histogram and motion energy with their
    /// defaults (264 features).
    fn default() -> Self {
        Self::new()
            .with(ColorHistogram::default())
            .with(GradientHistogram::default())
            .with(MotionEnergy::default())
    }
}

impl Embedding {
    /// An embedding with no parts yet.
    pub fn new() -> Self {
        Self { parts: Vec::new() }
    }

    /// Adds an extractor; it must return one vector per frame.
    pub fn with(mut self, part: impl FeatureExtractor<Frame> + 'static) -> Self {
        self.parts.push(Box::new(part));
        self
    }
}

impl FeatureExtractor<Frame> for Embedding {
    fn feature_names(&self) -> Vec<String> {
        self.parts.iter().flat_map(|p| p.feature_names()).collect()
    }

    fn n_features(&self) -> usize {
        self.parts.iter().map(|p| p.n_features()).sum()
    }

    /// # Errors
    /// The parts' errors; [`Error::InvalidParameter`] when the embedding
    /// has no parts or a part does not return exactly one vector of its
    /// stated length.
    fn push(&mut self, frame: &Frame) -> Result<Vec<Array1<f64>>> {
        if self.parts.is_empty() {
            return Err(Error::invalid_parameter(
                "parts",
                0,
                "at least one extractor",
            ));
        }
        let mut out = Vec::with_capacity(self.n_features());
        for (k, part) in self.parts.iter_mut().enumerate() {
            let mut v = part.push(frame)?;
            let n = part.n_features();
            if v.len() != 1 || v[0].len() != n {
                return Err(Error::invalid_parameter(
                    "parts",
                    k,
                    "extractors that return one vector of n_features() per frame",
                ));
            }
            out.extend(v.remove(0));
        }
        Ok(vec![Array1::from(out)])
    }
}

/// The frame's BT.601 luma plane (borrowed for grey frames).
fn luma(frame: &Frame) -> Result<Cow<'_, [u8]>> {
    match frame.buffer() {
        FrameBuffer::Luma(img) => Ok(Cow::Borrowed(img.as_raw().as_slice())),
        FrameBuffer::Rgb(img) => Ok(Cow::Owned(bt601_luma(img).into_raw())),
        other => Err(SourceError::Unsupported(format!("frame buffer {other:?}")).into()),
    }
}

/// Checks a grid size, as the extractors' constructors do.
fn check_grid(name: &'static str, cells: (usize, usize)) -> Result<()> {
    let ok = |n: usize| (1..=MAX_CELLS).contains(&n);
    if ok(cells.0) && ok(cells.1) {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            name,
            format!("{}x{}", cells.0, cells.1),
            "1 to 64 cells each way",
        ))
    }
}

/// Most grid cells each way.
const MAX_CELLS: usize = 64;

/// A `rows x cols` grid of near-equal cells on a frame: the cell of each
/// pixel column and row, and each cell's width and height. Kept by the
/// extractors and rebuilt only when the frame size changes.
#[derive(Debug, Clone, Default)]
struct Grid {
    size: (usize, usize),
    col_of: Vec<u16>,
    row_of: Vec<u16>,
    widths: Vec<usize>,
    heights: Vec<usize>,
}

impl Grid {
    /// The grid for a `width x height` frame, from `cache` when it fits.
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] when a cell would be empty.
    fn fit(
        cache: &mut Option<Grid>,
        (width, height): (usize, usize),
        (rows, cols): (usize, usize),
    ) -> Result<&Grid> {
        if let Some(g) = cache.take().filter(|g| g.size == (width, height)) {
            return Ok(cache.insert(g));
        }
        let (col_of, widths) = axis(width, cols, "x")?;
        let (row_of, heights) = axis(height, rows, "y")?;
        Ok(cache.insert(Grid {
            size: (width, height),
            col_of,
            row_of,
            widths,
            heights,
        }))
    }
}

/// `n` near-equal cells along an axis of `len` pixels (cell `i` ends at
/// `len * (i + 1) / n`): the cell of each position and each cell's length.
fn axis(len: usize, n: usize, name: &str) -> Result<(Vec<u16>, Vec<usize>)> {
    if len < n {
        return Err(SourceError::Mismatch(format!(
            "a frame {len} pixels along {name} is too small for {n} cells"
        ))
        .into());
    }
    let mut cell_of = Vec::with_capacity(len);
    let mut lengths = Vec::with_capacity(n);
    let mut start = 0;
    for c in 0..n {
        let end = len * (c + 1) / n;
        cell_of.extend(std::iter::repeat_n(c as u16, end - start));
        lengths.push(end - start);
        start = end;
    }
    Ok((cell_of, lengths))
}
