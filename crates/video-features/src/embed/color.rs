//! Joint HSV colour histogram.

use ndarray::Array1;
use oddframe::{Error, FeatureExtractor, Frame, FrameBuffer, Result};

use crate::SourceError;

/// Fractions of pixels in bins of the HSV cone; the vector sums to 1.
///
/// Hue (`[0, 360)` degrees), saturation and value (`[0, 1]`) are each cut
/// into equal bins. The lowest saturation bin is achromatic: the hue of a
/// nearly grey pixel is mostly sensor noise and white balance, so those
/// pixels are counted by value alone (`hsv_grey_v{v}`), and only the
/// other saturation bins are split by hue (`hsv_h{h}_s{s}_v{v}`, value
/// fastest). With the default 8 x 4 x 4 that is 4 + 8 x 3 x 4 = 100
/// features; grey frames fill only the `hsv_grey_*` bins.
#[derive(Debug, Clone)]
pub struct ColorHistogram {
    bins: [usize; 3],
}

impl Default for ColorHistogram {
    /// 8 hue x 4 saturation x 4 value bins (100 features).
    fn default() -> Self {
        Self { bins: [8, 4, 4] }
    }
}

impl ColorHistogram {
    /// A histogram with the given bins per axis; `value + hue x
    /// (saturation - 1) x value` features.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless each is 1 to 64 and hue 1 to 360.
    pub fn new(hue: usize, saturation: usize, value: usize) -> Result<Self> {
        for (name, n, max) in [
            ("hue_bins", hue, 360),
            ("saturation_bins", saturation, 64),
            ("value_bins", value, 64),
        ] {
            if n == 0 || n > max {
                return Err(Error::invalid_parameter(name, n, "1 to 64 (hue: 1 to 360)"));
            }
        }
        Ok(Self {
            bins: [hue, saturation, value],
        })
    }

    /// The bin of one pixel, in exact integer arithmetic: saturation
    /// `chroma / max` and hue in sextants `[0, 6)` are rationals, floored
    /// into their bins without rounding.
    fn bin(&self, [r, g, b]: [u8; 3]) -> usize {
        let [nh, ns, nv] = self.bins;
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let chroma = i64::from(max - min);
        let v = usize::from(max) * nv / 256;
        if max == 0 {
            return v;
        }
        let s = ((chroma as usize * ns) / usize::from(max)).min(ns - 1);
        if s == 0 {
            return v;
        }
        let (red_max, green_max) = (max == r, max == g);
        let (r, g, b) = (i64::from(r), i64::from(g), i64::from(b));
        // hue in sextants times chroma: (x - y) + k * chroma, in [0, 6 chroma)
        let mut h = if red_max {
            g - b
        } else if green_max {
            b - r + 2 * chroma
        } else {
            r - g + 4 * chroma
        };
        if h < 0 {
            h += 6 * chroma;
        }
        let hb = ((h as usize * nh) / (6 * chroma as usize)).min(nh - 1);
        nv + (hb * (ns - 1) + s - 1) * nv + v
    }
}

impl FeatureExtractor<Frame> for ColorHistogram {
    fn feature_names(&self) -> Vec<String> {
        let [nh, ns, nv] = self.bins;
        let mut names: Vec<String> = (0..nv).map(|v| format!("hsv_grey_v{v}")).collect();
        for h in 0..nh {
            for s in 1..ns {
                for v in 0..nv {
                    names.push(format!("hsv_h{h}_s{s}_v{v}"));
                }
            }
        }
        names
    }

    fn n_features(&self) -> usize {
        let [nh, ns, nv] = self.bins;
        nv + nh * (ns - 1) * nv
    }

    /// # Errors
    /// [`SourceError::Mismatch`] for an empty frame.
    fn push(&mut self, frame: &Frame) -> Result<Vec<Array1<f64>>> {
        let mut counts = vec![0u64; self.n_features()];
        let pixels = match frame.buffer() {
            FrameBuffer::Rgb(img) => {
                for p in img.as_raw().chunks_exact(3) {
                    counts[self.bin([p[0], p[1], p[2]])] += 1;
                }
                img.as_raw().len() / 3
            }
            FrameBuffer::Luma(img) => {
                let nv = self.bins[2];
                for &y in img.as_raw() {
                    counts[usize::from(y) * nv / 256] += 1;
                }
                img.as_raw().len()
            }
            other => return Err(SourceError::Unsupported(format!("frame buffer {other:?}")).into()),
        };
        if pixels == 0 {
            return Err(SourceError::Mismatch("empty frame".into()).into());
        }
        let n = pixels as f64;
        Ok(vec![counts.iter().map(|&c| c as f64 / n).collect()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primaries_land_in_their_hue_bins() {
        let h = ColorHistogram::new(6, 2, 2).unwrap();
        // red 0 deg, yellow 60, green 120, cyan 180, blue 240, magenta 300
        let colours = [
            [255, 0, 0],
            [255, 255, 0],
            [0, 255, 0],
            [0, 255, 255],
            [0, 0, 255],
            [255, 0, 255],
        ];
        // 2 grey bins, then per hue one saturated bin of 2 values
        for (k, c) in colours.into_iter().enumerate() {
            // saturated and bright (v bin 1)
            assert_eq!(h.bin(c), 2 + k * 2 + 1, "{c:?}");
        }
        assert_eq!(h.bin([0, 0, 0]), 0);
        assert_eq!(h.bin([200, 200, 200]), 1);
        // dull red: low saturation, counted as grey
        assert_eq!(h.bin([200, 150, 150]), 1);
        assert_eq!(h.feature_names()[2], "hsv_h0_s1_v0");
        assert_eq!(h.n_features(), h.feature_names().len());
    }
}
