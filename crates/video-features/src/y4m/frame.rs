//! One decoded frame's planes, and conversion to and from 8-bit images.

use image::{GrayImage, RgbImage};

use super::Colorspace;
use crate::SourceError;

/// The Y, Cb and Cr planes of one frame (Cb and Cr empty for mono), each
/// row-major without padding, with limited-range ("studio swing") BT.601
/// values as YUV4MPEG2 streams carry them. Samples deeper than 8 bits take
/// two bytes each, little endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Y4mFrame {
    width: u32,
    height: u32,
    colorspace: Colorspace,
    bit_depth: u8,
    planes: [Vec<u8>; 3],
    full_range: bool,
}

// BT.601: Kr = 0.299, Kb = 0.114; limited range: luma 16..235, chroma 16..240
const KR: f64 = 0.299;
const KB: f64 = 0.114;
const Y_SCALE: f64 = 219.0 / 255.0;
const C_SCALE: f64 = 224.0 / 255.0;

/// Luma samples per chroma sample horizontally and vertically; `None` for
/// mono.
fn subsampling(cs: Colorspace) -> Option<(usize, usize)> {
    match cs {
        Colorspace::C444 => Some((1, 1)),
        Colorspace::C422 => Some((2, 1)),
        Colorspace::Mono => None,
        _ => Some((2, 2)),
    }
}

fn to_u8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

impl Y4mFrame {
    /// A frame from its 8-bit planes.
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] when a plane's length does not fit the
    /// size and layout.
    pub fn from_planes(
        width: u32,
        height: u32,
        colorspace: Colorspace,
        y: Vec<u8>,
        cb: Vec<u8>,
        cr: Vec<u8>,
    ) -> Result<Self, SourceError> {
        Self::from_planes_with_depth(width, height, colorspace, 8, [y, cb, cr])
    }

    /// A frame from its planes of `bit_depth` (8 to 16) bits per sample,
    /// two bytes per sample, little endian, above 8 bits.
    ///
    /// ```
    /// use video_features::y4m::{Colorspace, Y4mFrame};
    /// // one 10-bit sample of 1023 (white) in a 1x1 mono frame
    /// let f = Y4mFrame::from_planes_with_depth(1, 1, Colorspace::Mono, 10, [vec![0xff, 0x03], vec![], vec![]])?;
    /// assert_eq!((f.bit_depth(), f.sample(0, 0)), (10, 1023));
    /// # Ok::<(), video_features::SourceError>(())
    /// ```
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] when a plane's length does not fit the
    /// size, layout and depth, or the depth is outside 8..=16.
    pub fn from_planes_with_depth(
        width: u32,
        height: u32,
        colorspace: Colorspace,
        bit_depth: u8,
        [y, cb, cr]: [Vec<u8>; 3],
    ) -> Result<Self, SourceError> {
        if !(8..=16).contains(&bit_depth) {
            return Err(SourceError::Mismatch(format!(
                "{bit_depth} bits per sample (8 to 16 are supported)"
            )));
        }
        let (cw, ch) = colorspace.chroma_size(width, height);
        let per = if bit_depth > 8 { 2 } else { 1 };
        let want = [
            u64::from(width) * u64::from(height) * per,
            u64::from(cw) * u64::from(ch) * per,
            u64::from(cw) * u64::from(ch) * per,
        ];
        for (name, (plane, n)) in ["Y", "Cb", "Cr"]
            .iter()
            .zip([&y, &cb, &cr].iter().zip(want))
        {
            if plane.len() as u64 != n {
                return Err(SourceError::Mismatch(format!(
                    "{name} plane has {} bytes, a {width}x{height} {} frame needs {n}",
                    plane.len(),
                    colorspace.tag_with_depth(bit_depth)
                )));
            }
        }
        Ok(Self {
            width,
            height,
            colorspace,
            bit_depth,
            planes: [y, cb, cr],
            full_range: false,
        })
    }

    /// Bits per sample (8 to 16).
    pub fn bit_depth(&self) -> u8 {
        self.bit_depth
    }

    /// Sample `i` of plane `plane` (0 = Y, 1 = Cb, 2 = Cr), whatever the
    /// depth.
    ///
    /// # Panics
    /// When the plane or the sample does not exist.
    pub fn sample(&self, plane: usize, i: usize) -> u16 {
        let p = &self.planes[plane];
        if self.bit_depth > 8 {
            u16::from_le_bytes([p[2 * i], p[2 * i + 1]])
        } else {
            u16::from(p[i])
        }
    }

    /// The frame reduced to 8 bits per sample (rounded), or a copy when it
    /// is 8-bit already.
    pub fn to_8bit(&self) -> Self {
        if self.bit_depth <= 8 {
            return self.clone();
        }
        let shift = u32::from(self.bit_depth - 8);
        let half = 1u32 << (shift - 1);
        let reduce = |p: &Vec<u8>| -> Vec<u8> {
            p.chunks_exact(2)
                .map(|b| {
                    let v = u32::from(u16::from_le_bytes([b[0], b[1]]));
                    ((v + half) >> shift).min(255) as u8
                })
                .collect()
        };
        Self {
            planes: [
                reduce(&self.planes[0]),
                reduce(&self.planes[1]),
                reduce(&self.planes[2]),
            ],
            bit_depth: 8,
            width: self.width,
            height: self.height,
            colorspace: self.colorspace,
            full_range: self.full_range,
        }
    }

    /// Marks the values as full range (0..255, as the extension tag
    /// `XCOLORRANGE=FULL` declares) rather than limited range, which
    /// changes [`Y4mFrame::to_rgb`].
    pub fn with_full_range(mut self, full: bool) -> Self {
        self.full_range = full;
        self
    }

    /// Whether the values are full range.
    pub fn is_full_range(&self) -> bool {
        self.full_range
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The chroma layout.
    pub fn colorspace(&self) -> Colorspace {
        self.colorspace
    }

    /// The luma plane's bytes (two per sample above 8 bits).
    pub fn y(&self) -> &[u8] {
        &self.planes[0]
    }

    /// The Cb plane (empty for mono).
    pub fn cb(&self) -> &[u8] {
        &self.planes[1]
    }

    /// The Cr plane (empty for mono).
    pub fn cr(&self) -> &[u8] {
        &self.planes[2]
    }

    pub(crate) fn planes(&self) -> &[Vec<u8>; 3] {
        &self.planes
    }

    /// The luma plane as a full-range grey image: limited-range values
    /// (16..235) are expanded to 0..255, full-range ones copied. This is the
    /// BT.601 luma of the RGB picture, what a grey conversion of the
    /// decoded frame gives.
    /// Deeper samples are first rounded to 8 bits.
    pub fn to_luma(&self) -> GrayImage {
        if self.bit_depth > 8 {
            return self.to_8bit().into_luma();
        }
        self.luma_image(self.planes[0].clone())
    }

    /// [`Y4mFrame::to_luma`] without copying: the luma plane becomes the
    /// image (expanded in place when limited range).
    pub fn into_luma(mut self) -> GrayImage {
        if self.bit_depth > 8 {
            return self.to_8bit().into_luma();
        }
        let grey = std::mem::take(&mut self.planes[0]);
        self.luma_image(grey)
    }

    fn luma_image(&self, mut grey: Vec<u8>) -> GrayImage {
        if !self.full_range {
            // one table lookup per sample: the same values as computing
            // each, at memory speed
            let table: [u8; 256] = std::array::from_fn(|y| to_u8((y as f64 - 16.0) / Y_SCALE));
            for y in &mut grey {
                *y = table[usize::from(*y)];
            }
        }
        GrayImage::from_raw(self.width, self.height, grey)
            .unwrap_or_else(|| GrayImage::new(self.width, self.height))
    }

    /// Full-range RGB by the BT.601 equations, from limited-range values
    /// (luma 16..235, chroma 16..240) unless the frame is marked full range.
    /// Chroma is upsampled by replication (each chroma sample covers the
    /// luma samples of its block), which ignores the 4:2:0 siting; mono
    /// frames become grey; deeper samples are first rounded to 8 bits.
    pub fn to_rgb(&self) -> RgbImage {
        if self.bit_depth > 8 {
            return self.to_8bit().to_rgb();
        }
        let (y0, ys, cs) = if self.full_range {
            (0.0, 1.0, 1.0)
        } else {
            (16.0, Y_SCALE, C_SCALE)
        };
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, _) = self.colorspace.chroma_size(self.width, self.height);
        let sub = subsampling(self.colorspace);
        let mut out = vec![0u8; w * h * 3];
        for r in 0..h {
            for c in 0..w {
                let yv = (f64::from(self.planes[0][r * w + c]) - y0) / ys;
                let (cb, cr) = match sub {
                    None => (0.0, 0.0),
                    Some((sx, sy)) => {
                        let k = (r / sy) * cw as usize + c / sx;
                        (
                            (f64::from(self.planes[1][k]) - 128.0) / cs,
                            (f64::from(self.planes[2][k]) - 128.0) / cs,
                        )
                    }
                };
                let red = yv + 2.0 * (1.0 - KR) * cr;
                let blue = yv + 2.0 * (1.0 - KB) * cb;
                let green = (yv - KR * red - KB * blue) / (1.0 - KR - KB);
                let o = (r * w + c) * 3;
                out[o] = to_u8(red);
                out[o + 1] = to_u8(green);
                out[o + 2] = to_u8(blue);
            }
        }
        RgbImage::from_raw(self.width, self.height, out)
            .unwrap_or_else(|| RgbImage::new(self.width, self.height))
    }

    /// A mono frame holding a grey image as its luma plane, marked full
    /// range (grey values are kept as they are).
    pub fn from_luma(image: &GrayImage) -> Self {
        Self {
            width: image.width(),
            height: image.height(),
            colorspace: Colorspace::Mono,
            bit_depth: 8,
            planes: [image.as_raw().clone(), Vec::new(), Vec::new()],
            full_range: true,
        }
    }

    /// Converts an RGB image to limited-range BT.601 planes in `colorspace`;
    /// subsampled chroma is the mean over each block.
    pub fn from_rgb(image: &RgbImage, colorspace: Colorspace) -> Self {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let (cw, ch) = colorspace.chroma_size(image.width(), image.height());
        let (cw, ch) = (cw as usize, ch as usize);
        let mut y = vec![0u8; w * h];
        let mut sums = vec![(0.0, 0.0, 0.0); cw * ch];
        let sub = subsampling(colorspace);
        for (i, p) in image.pixels().enumerate() {
            let [r, g, b] = p.0.map(f64::from);
            let luma = KR * r + (1.0 - KR - KB) * g + KB * b;
            y[i] = to_u8(16.0 + Y_SCALE * luma);
            if let Some((sx, sy)) = sub {
                let cb = (b - luma) / (2.0 * (1.0 - KB));
                let cr = (r - luma) / (2.0 * (1.0 - KR));
                let k = (i / w / sy) * cw + (i % w) / sx;
                sums[k].0 += cb;
                sums[k].1 += cr;
                sums[k].2 += 1.0;
            }
        }
        let (cb, cr) = sums
            .iter()
            .map(|&(b, r, n)| {
                (
                    to_u8(128.0 + C_SCALE * b / n),
                    to_u8(128.0 + C_SCALE * r / n),
                )
            })
            .unzip();
        Self {
            width: image.width(),
            height: image.height(),
            colorspace,
            bit_depth: 8,
            planes: [y, cb, cr],
            full_range: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn rgb_round_trips_through_444_within_rounding() {
        let img = RgbImage::from_fn(8, 4, |x, y| Rgb([(x * 30) as u8, (y * 60) as u8, 200]));
        let f = Y4mFrame::from_rgb(&img, Colorspace::C444);
        let back = f.to_rgb();
        for (a, b) in back.pixels().zip(img.pixels()) {
            for k in 0..3 {
                assert!(
                    (i16::from(a[k]) - i16::from(b[k])).abs() <= 2,
                    "{a:?} {b:?}"
                );
            }
        }
        // the reference points of limited range
        let grey = Y4mFrame::from_planes(1, 1, Colorspace::C444, vec![16], vec![128], vec![128]);
        assert_eq!(grey.unwrap().to_rgb().get_pixel(0, 0).0, [0, 0, 0]);
        let white = Y4mFrame::from_planes(1, 1, Colorspace::C444, vec![235], vec![128], vec![128]);
        assert_eq!(white.unwrap().to_rgb().get_pixel(0, 0).0, [255, 255, 255]);
    }

    #[test]
    fn subsampled_chroma_covers_its_block_and_sizes_are_checked() {
        // 3x3 in 4:2:0: chroma 2x2
        let f = Y4mFrame::from_planes(
            3,
            3,
            Colorspace::C420Jpeg,
            vec![126; 9],
            vec![128, 128, 128, 128],
            vec![240, 128, 128, 128],
        )
        .unwrap();
        let rgb = f.to_rgb();
        assert!(rgb.get_pixel(1, 1)[0] > 200); // red block at top-left 2x2
        assert!(rgb.get_pixel(2, 0)[0] < 140);
        assert!(Y4mFrame::from_planes(
            3,
            3,
            Colorspace::C420Jpeg,
            vec![0; 9],
            vec![0; 3],
            vec![0; 4]
        )
        .is_err());
        assert_eq!(Y4mFrame::from_luma(&GrayImage::new(4, 2)).y().len(), 8);
    }
}
