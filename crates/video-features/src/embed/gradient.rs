//! HOG-style gradient-orientation histograms on a grid.

use ndarray::Array1;
use oddframe::{FeatureExtractor, Frame, Result};

use super::{check_grid, luma, Grid};

/// Histograms of gradient orientation on a grid of cells, after Dalal and
/// Triggs (CVPR 2005), on the BT.601 luma plane.
///
/// Gradients are central differences `[-1, 0, 1]` (one-sided at the
/// border); each pixel votes its magnitude for its unsigned orientation in
/// `[0, 180)` degrees, split linearly between the two nearest bin centres.
/// Each cell's histogram is then normalised as L2-Hys (L2 norm, clip at
/// 0.2, L2 norm again), so the vector describes shape, not contrast; a
/// flat cell stays all zero. The grid divides the frame into near-equal
/// cells whatever its size. Features are named `hog_r{row}_c{col}_o{bin}`.
#[derive(Debug, Clone)]
pub struct GradientHistogram {
    cells: (usize, usize),
    bins: usize,
    grid: Option<Grid>,
}

impl Default for GradientHistogram {
    /// A 4 x 4 grid of 9-bin histograms.
    fn default() -> Self {
        Self {
            cells: (4, 4),
            bins: 9,
            grid: None,
        }
    }
}

impl GradientHistogram {
    /// `rows` x `cols` cells of `bins` orientation bins each.
    ///
    /// # Errors
    /// [`oddframe::Error::InvalidParameter`] unless the grid is 1 to 64
    /// each way and `bins` 2 to 36.
    pub fn new(rows: usize, cols: usize, bins: usize) -> Result<Self> {
        check_grid("cells", (rows, cols))?;
        if !(2..=36).contains(&bins) {
            return Err(oddframe::Error::invalid_parameter("bins", bins, "2 to 36"));
        }
        Ok(Self {
            cells: (rows, cols),
            bins,
            grid: None,
        })
    }
}

impl FeatureExtractor<Frame> for GradientHistogram {
    fn feature_names(&self) -> Vec<String> {
        let (rows, cols) = self.cells;
        let mut names = Vec::with_capacity(self.n_features());
        for r in 0..rows {
            for c in 0..cols {
                for o in 0..self.bins {
                    names.push(format!("hog_r{r}_c{c}_o{o}"));
                }
            }
        }
        names
    }

    fn n_features(&self) -> usize {
        self.cells.0 * self.cells.1 * self.bins
    }

    /// # Errors
    /// [`crate::SourceError::Mismatch`] for a frame with fewer pixels than cells
    /// along an axis.
    fn push(&mut self, frame: &Frame) -> Result<Vec<Array1<f64>>> {
        let (w, h) = (frame.width() as usize, frame.height() as usize);
        let (_, cols) = self.cells;
        let nb = self.bins;
        let mut hist = vec![0f32; self.n_features()];
        let grid = Grid::fit(&mut self.grid, (w, h), self.cells)?;
        let (col_of, row_of) = (&grid.col_of, &grid.row_of);
        let y = luma(frame)?;
        let scale = nb as f32 / std::f32::consts::PI;
        for (r, &row_cell) in row_of.iter().enumerate() {
            let up = &y[r.saturating_sub(1) * w..][..w];
            let down = &y[(r + 1).min(h - 1) * w..][..w];
            let line = &y[r * w..][..w];
            let base = usize::from(row_cell) * cols;
            for (x, &col_cell) in col_of.iter().enumerate() {
                let gx = f32::from(line[(x + 1).min(w - 1)]) - f32::from(line[x.saturating_sub(1)]);
                let gy = f32::from(down[x]) - f32::from(up[x]);
                let mag = (gx * gx + gy * gy).sqrt();
                if mag == 0.0 {
                    continue;
                }
                // unsigned angle in [0, pi), in bin units; centres at k + 0.5
                let mut pos = unsigned_angle(gx, gy) * scale - 0.5;
                if pos < 0.0 {
                    pos += nb as f32;
                }
                let lo = (pos as usize).min(nb - 1);
                let frac = pos - lo as f32;
                let cell = &mut hist[(base + usize::from(col_cell)) * nb..][..nb];
                cell[lo] += mag * (1.0 - frac);
                cell[(lo + 1) % nb] += mag * frac;
            }
        }
        Ok(vec![hist
            .chunks_exact_mut(nb)
            .flat_map(|cell| {
                l2_hys(cell);
                cell.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()
            })
            .collect()])
    }
}

/// The orientation of `(gx, gy)` modulo pi, in `[0, pi)`, within 1e-5
/// radians (a polynomial for atan on [0, 1] after folding the octants;
/// about 3x faster than `atan2` here, and the exact value matters only
/// to 1/9 of pi).
fn unsigned_angle(gx: f32, gy: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    // fold to the upper half plane: direction modulo pi
    let (x, y) = if gy < 0.0 || (gy == 0.0 && gx < 0.0) {
        (-gx, -gy)
    } else {
        (gx, gy)
    };
    let (ax, ay) = (x.abs(), y);
    let (t, swapped) = if ay > ax {
        (ax / ay, true)
    } else {
        (ay / ax, false)
    };
    let t2 = t * t;
    // minimax odd polynomial for atan(t), t in [0, 1]
    let p = t
        * (0.999_977_26
            + t2 * (-0.332_623_47
                + t2 * (0.193_543_46
                    + t2 * (-0.116_432_87 + t2 * (0.052_653_32 - t2 * 0.011_721_2)))));
    let a = if swapped { FRAC_PI_2 - p } else { p };
    let a = if x < 0.0 { PI - a } else { a };
    if a >= PI {
        0.0
    } else {
        a
    }
}

/// L2 norm, clip at 0.2, L2 norm again; zero stays zero.
fn l2_hys(v: &mut [f32]) {
    for clip in [true, false] {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm <= f32::EPSILON {
            return;
        }
        for x in v.iter_mut() {
            *x /= norm;
            if clip {
                *x = x.min(0.2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;
    use std::time::Duration;

    fn frame(f: impl Fn(u32, u32) -> u8) -> Frame {
        Frame::luma(
            GrayImage::from_fn(32, 32, |x, y| [f(x, y)].into()),
            0,
            Duration::ZERO,
        )
    }

    #[test]
    fn orientation_lands_in_the_right_bin() {
        let mut hog = GradientHistogram::new(1, 1, 4).unwrap();
        // bin centres at 22.5, 67.5, 112.5 and 157.5 degrees
        // a horizontal ramp: angle 0, halfway between bins 3 and 0
        let v = hog.push(&frame(|x, _| (x * 8) as u8)).unwrap().remove(0);
        assert!((v[0] - v[3]).abs() < 1e-6 && v[0] > 0.5, "{v:?}");
        // a vertical ramp: angle 90 degrees, between bins 1 and 2
        let v = hog.push(&frame(|_, y| (y * 8) as u8)).unwrap().remove(0);
        assert!((v[1] - v[2]).abs() < 1e-6 && v[1] > 0.5, "{v:?}");
        // flat: all zero
        let v = hog.push(&frame(|_, _| 7)).unwrap().remove(0);
        assert!(v.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn fast_angle_is_within_1e5_of_atan2_on_every_integer_gradient() {
        let mut worst = 0f32;
        for gx in -255..=255 {
            for gy in -255..=255 {
                if gx == 0 && gy == 0 {
                    continue;
                }
                let (x, y) = (gx as f32, gy as f32);
                let exact = y.atan2(x).rem_euclid(std::f32::consts::PI);
                let got = unsigned_angle(x, y);
                assert!((0.0..std::f32::consts::PI).contains(&got));
                // the two ends of [0, pi) are the same direction
                let d = (got - exact).abs();
                worst = worst.max(d.min(std::f32::consts::PI - d));
            }
        }
        assert!(worst < 1e-5, "worst {worst}");
    }

    #[test]
    fn too_small_frames_are_errors() {
        let mut hog = GradientHistogram::new(64, 64, 9).unwrap();
        assert!(hog.push(&frame(|x, _| x as u8)).is_err());
        assert!(GradientHistogram::new(0, 4, 9).is_err());
        assert!(GradientHistogram::new(4, 4, 1).is_err());
    }
}
