//! Frame-difference energy on a grid, with temporal statistics.

use std::collections::VecDeque;

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Frame, Result};

use super::{check_grid, luma, Grid};
use crate::SourceError;

/// How much each part of the picture changed since the previous frame
/// given to it, and how the whole picture's change behaves over the last
/// few frames.
///
/// For frame t with BT.601 luma `Y_t`, the energy of a cell is the mean of
/// `|Y_t - Y_{t-1}| / 255` over its pixels (0 for the first frame); the
/// whole-frame energy `e_t` is the same mean over all pixels. Over the
/// last `window` frames (fewer at the start) it adds the mean, population
/// standard deviation and maximum of `e`, and `e_t` minus that mean (a
/// sudden change stands out). Features: `motion_r{row}_c{col}`, then
/// `motion_mean`, `motion_std`, `motion_max`, `motion_jump`.
///
/// The difference is between consecutive frames *given to it*: after
/// 500 ms sampling it is the change over 500 ms. Frames must keep their
/// size; a stream that jumps back in time starts over.
#[derive(Debug, Clone)]
pub struct MotionEnergy {
    cells: (usize, usize),
    window: usize,
    previous: Option<(u32, u32, std::time::Duration, Vec<u8>)>,
    history: VecDeque<f64>,
    grid: Option<Grid>,
}

impl Default for MotionEnergy {
    /// A 4 x 4 grid and statistics over 8 frames.
    fn default() -> Self {
        Self {
            cells: (4, 4),
            window: 8,
            previous: None,
            history: VecDeque::new(),
            grid: None,
        }
    }
}

impl MotionEnergy {
    /// A `rows` x `cols` grid and statistics over `window` frames.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless the grid is 1 to 64 each way and
    /// the window 1 to 10,000.
    pub fn new(rows: usize, cols: usize, window: usize) -> Result<Self> {
        check_grid("cells", (rows, cols))?;
        if !(1..=10_000).contains(&window) {
            return Err(Error::invalid_parameter("window", window, "1 to 10,000"));
        }
        Ok(Self {
            cells: (rows, cols),
            window,
            ..Self::default()
        })
    }
}

impl FeatureExtractor<Frame> for MotionEnergy {
    fn feature_names(&self) -> Vec<String> {
        let (rows, cols) = self.cells;
        let mut names: Vec<String> = (0..rows)
            .flat_map(|r| (0..cols).map(move |c| format!("motion_r{r}_c{c}")))
            .collect();
        names.extend(["motion_mean", "motion_std", "motion_max", "motion_jump"].map(String::from));
        names
    }

    fn n_features(&self) -> usize {
        self.cells.0 * self.cells.1 + 4
    }

    /// # Errors
    /// [`SourceError::Mismatch`] when the frame size changes or the frame
    /// has fewer pixels than cells along an axis.
    fn push(&mut self, frame: &Frame) -> Result<Vec<Array1<f64>>> {
        let (w, h) = (frame.width(), frame.height());
        let (rows, cols) = self.cells;
        let n_features = self.n_features();
        let grid = Grid::fit(&mut self.grid, (w as usize, h as usize), self.cells)?;
        let y = luma(frame)?;
        let mut sums = vec![0u64; rows * cols];
        let t = frame.timestamp();
        match &self.previous {
            Some((pw, ph, _, _)) if (*pw, *ph) != (w, h) => {
                return Err(SourceError::Mismatch(format!(
                    "frame {} is {w}x{h}, the previous one {pw}x{ph}",
                    frame.index()
                ))
                .into());
            }
            Some((_, _, pt, _)) if t < *pt => self.history.clear(),
            Some((_, _, _, prev)) => {
                let w = w as usize;
                for ((line, before), &r) in y
                    .chunks_exact(w)
                    .zip(prev.chunks_exact(w))
                    .zip(&grid.row_of)
                {
                    let row = &mut sums[usize::from(r) * cols..][..cols];
                    for ((&a, &b), &c) in line.iter().zip(before).zip(&grid.col_of) {
                        row[usize::from(c)] += u64::from(a.abs_diff(b));
                    }
                }
            }
            None => {}
        }
        let mut out = Vec::with_capacity(n_features);
        for (r, &height) in grid.heights.iter().enumerate() {
            for (c, &width) in grid.widths.iter().enumerate() {
                out.push(sums[r * cols + c] as f64 / (255.0 * (width * height) as f64));
            }
        }
        let energy = sums.iter().sum::<u64>() as f64 / (255.0 * y.len() as f64);
        if self.history.len() == self.window {
            self.history.pop_front();
        }
        self.history.push_back(energy);
        let n = self.history.len() as f64;
        let mean = self.history.iter().sum::<f64>() / n;
        let var = self.history.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n;
        let max = self.history.iter().copied().fold(0.0, f64::max);
        out.extend([mean, var.sqrt(), max, energy - mean]);
        self.previous = Some((w, h, t, y.into_owned()));
        Ok(vec![Array1::from(out)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;
    use std::time::Duration;

    fn frame(i: u64, f: impl Fn(u32, u32) -> u8) -> Frame {
        let img = GrayImage::from_fn(8, 4, |x, y| [f(x, y)].into());
        Frame::luma(img, i, Duration::from_millis(100 * i))
    }

    #[test]
    fn a_change_in_one_cell_shows_there() {
        let mut m = MotionEnergy::new(2, 2, 3).unwrap();
        let first = m.push(&frame(0, |_, _| 0)).unwrap().remove(0);
        assert!(first.iter().all(|&v| v == 0.0));
        // the top-right cell (x 4..8, y 0..2) turns white
        let v = m
            .push(&frame(1, |x, y| if x >= 4 && y < 2 { 255 } else { 0 }))
            .unwrap()
            .remove(0);
        assert_eq!(&v.as_slice().unwrap()[..4], &[0.0, 1.0, 0.0, 0.0]);
        // whole-frame energy 0.25; window holds [0, 0.25]
        assert!((v[4] - 0.125).abs() < 1e-12 && (v[5] - 0.125).abs() < 1e-12);
        assert_eq!((v[6], v[7]), (0.25, 0.125));
        assert_eq!(m.feature_names().len(), v.len());
    }

    #[test]
    fn size_changes_are_errors() {
        let mut m = MotionEnergy::default();
        m.push(&frame(0, |_, _| 0)).unwrap();
        let other = Frame::luma(GrayImage::new(16, 4), 1, Duration::from_millis(100));
        assert!(m.push(&other).is_err());
        assert!(MotionEnergy::new(4, 4, 0).is_err());
    }
}
