//! Constructed anomalies for choosing settings without anomalous data: a
//! normal clip with an intruder, something that moves where and as nothing
//! in the normal clips does. Two kinds, each with the truth known because
//! it is made (synthetic on purpose, and only for choosing among settings
//! on training clips):
//! - [`intrude`]: a rigid cut-out crossing the frame fast;
//! - [`fast_forward`]: the clip's own people, articulated and real, moving
//!   too fast: one region of the frame plays at several times the speed.
//!
//! [`intrude`]: from a quarter into a clip of grey frames, a cut-out of the clip's most
//! moving spot (a passer-by, in a surveillance clip) enters at the left
//! edge and crosses the frame at half a pixel per frame in model pixels,
//! //! two to three times a walker's pace at 64 x 64: the kind of anomaly a cyclist
//! or a cart is. The frames before it enters and after it leaves are the
//! clip's own, so one clip gives both classes.

use oddframe::image::GrayImage;
use oddframe::{Frame, FrameBuffer};

/// A clip with an intruder, and which frames show it.
#[derive(Debug, Clone)]
pub struct Intruded {
    /// The frames, the intruder pasted in.
    pub frames: Vec<Frame>,
    /// `true` where the intruder is.
    pub labels: Vec<bool>,
}

/// A grey frame's image.
fn grey(f: &Frame) -> Option<&GrayImage> {
    match f.buffer() {
        FrameBuffer::Luma(g) => Some(g),
        _ => None,
    }
}

/// A clip's grey images (at least one) and their one size.
fn grey_clip(frames: &[Frame]) -> Result<(Vec<&GrayImage>, u32, u32), String> {
    let grey: Vec<&GrayImage> = frames
        .iter()
        .map(|f| grey(f).ok_or("intruder frames must be grey"))
        .collect::<Result<_, _>>()?;
    let (width, height) = grey.first().ok_or("no frames")?.dimensions();
    if grey.iter().any(|g| g.dimensions() != (width, height)) {
        return Err("intruder frames must all be one size".into());
    }
    Ok((grey, width, height))
}

/// The intruder's size for `side`-pixel frames: a tall narrow box, about
/// a person's shape.
fn intruder_size(width: u32, height: u32) -> (u32, u32) {
    ((width / 12).max(2), (height / 5).max(4))
}

/// The top-left corner of the `w` x `h` box where `now` differs most from
/// `before` (ties: the first).
fn most_moving(before: &GrayImage, now: &GrayImage, w: u32, h: u32) -> (u32, u32) {
    let mut best = (0, (0, 0));
    for y in 0..=now.height() - h {
        for x in 0..=now.width() - w {
            let mut sum = 0u64;
            for dy in 0..h {
                for dx in 0..w {
                    let (a, b) = (
                        before.get_pixel(x + dx, y + dy)[0],
                        now.get_pixel(x + dx, y + dy)[0],
                    );
                    sum += u64::from(a.abs_diff(b));
                }
            }
            if sum > best.0 {
                best = (sum, (x, y));
            }
        }
    }
    best.1
}

/// `scene` with `cut` pasted with its left edge at column `x` (fractional:
/// linear interpolation between columns, the scene showing beside the cut)
/// and its top at row `y`; columns outside the scene are dropped.
fn paste_at(scene: &GrayImage, cut: &GrayImage, x: f64, y: u32) -> GrayImage {
    let mut out = scene.clone();
    let (cw, ch) = cut.dimensions();
    let left = x.floor();
    let a = x - left; // the cut's share of column c comes from c - x
    let first = left as i64;
    for tx in first..=first + i64::from(cw) {
        let Ok(tx) = u32::try_from(tx) else { continue };
        if tx >= scene.width() {
            break;
        }
        for dy in 0..ch.min(scene.height() - y) {
            let bg = f64::from(scene.get_pixel(tx, y + dy)[0]);
            let at = |c: i64| {
                u32::try_from(c)
                    .ok()
                    .filter(|&c| c < cw)
                    .map_or(bg, |c| f64::from(cut.get_pixel(c, dy)[0]))
            };
            // source position tx - x lies between columns j - 1 and j
            let j = i64::from(tx) - first;
            let v = a * at(j - 1) + (1.0 - a) * at(j);
            out.put_pixel(tx, y + dy, [v.round() as u8].into());
        }
    }
    out
}

/// `frames` (grey, one size, at least four) with an intruder crossing
/// them from a quarter in (until it leaves or the clip ends).
///
/// # Errors
/// Fewer than four frames, frames that are not grey or not one size, or
/// frames too small for the intruder (under 24 x 20 pixels).
pub fn intrude(frames: &[Frame]) -> Result<Intruded, String> {
    let n = frames.len();
    if n < 4 {
        return Err(format!("an intruder needs at least 4 frames, not {n}"));
    }
    let (grey, width, height) = grey_clip(frames)?;
    if width < 24 || height < 20 {
        return Err(format!(
            "{width}x{height} frames are too small for an intruder"
        ));
    }
    let (w, h) = intruder_size(width, height);
    let start = n / 4;
    let (sx, sy) = most_moving(grey[start - 1], grey[start], w, h);
    let cut = image::imageops::crop_imm(grey[start], sx, sy, w, h).to_image();
    // one column shows at `start`, it moves every other frame, and the
    // last column leaves after `2 (width + w - 1)` frames
    let end = n.min(start + 2 * (width + w - 1) as usize);
    let mut out = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for (k, (f, g)) in frames.iter().zip(&grey).enumerate() {
        if !(start..end).contains(&k) {
            out.push(f.clone());
            labels.push(false);
            continue;
        }
        let x = (k - start) as f64 / 2.0 + 1.0 - f64::from(w);
        let pasted = paste_at(g, &cut, x, sy);
        out.push(Frame::luma(pasted, f.index(), f.timestamp()));
        labels.push(true);
    }
    Ok(Intruded {
        frames: out,
        labels,
    })
}

/// The top-left corner of the `w` x `h` box of `map` (row-major, `width`
/// columns) with the largest sum (ties: the first).
fn largest_box(map: &[u64], width: u32, w: u32, h: u32) -> (u32, u32) {
    let height = map.len() as u32 / width;
    // summed-area table, one row and column of zeros in front
    let (tw, th) = (width as usize + 1, height as usize + 1);
    let mut table = vec![0u64; tw * th];
    for y in 0..height as usize {
        for x in 0..width as usize {
            table[(y + 1) * tw + x + 1] =
                map[y * width as usize + x] + table[y * tw + x + 1] + table[(y + 1) * tw + x]
                    - table[y * tw + x];
        }
    }
    let mut best = (0, (0, 0));
    for y in 0..=(height - h) as usize {
        for x in 0..=(width - w) as usize {
            let (x1, y1) = (x + w as usize, y + h as usize);
            let sum =
                table[y1 * tw + x1] + table[y * tw + x] - table[y * tw + x1] - table[y1 * tw + x];
            if sum > best.0 {
                best = (sum, (x as u32, y as u32));
            }
        }
    }
    best.1
}

/// `frames` (grey, one size, at least eight) where, from a quarter in, the
/// quarter of the frame (half its width, half its height) that moves most
/// plays `speed` (2 to 8) times too fast: frame `start + k` shows there what
/// frame `start + speed k` showed, the rest of the frame its own
/// content. When the fast region has run to the clip's end it jumps back
/// to the present. Labelled anomalous: every frame whose region differs
/// from its own time, and the frame of the jump back.
///
/// # Errors
/// Fewer than eight frames, frames that are not grey or not one size, a
/// speed outside 2 to 8.
pub fn fast_forward(frames: &[Frame], speed: usize) -> Result<Intruded, String> {
    let n = frames.len();
    if n < 8 {
        return Err(format!("fast forward needs at least 8 frames, not {n}"));
    }
    if !(2..=8).contains(&speed) {
        return Err(format!("fast forward speed must be 2 to 8, not {speed}"));
    }
    let (grey, width, height) = grey_clip(frames)?;
    let start = n / 4;
    // source frames start + speed k, k = 0..=steps, all within the clip
    let steps = (n - 1 - start) / speed;
    let mut motion = vec![0u64; (width * height) as usize];
    for k in 1..=steps {
        let (a, b) = (grey[start + speed * k - 1], grey[start + speed * k]);
        for (m, (p, q)) in motion.iter_mut().zip(a.as_raw().iter().zip(b.as_raw())) {
            *m += u64::from(p.abs_diff(*q));
        }
    }
    let (w, h) = ((width / 2).max(1), (height / 2).max(1));
    let (bx, by) = largest_box(&motion, width, w, h);
    let mut out = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for (k, f) in frames.iter().enumerate() {
        let fast = k.checked_sub(start).filter(|&j| j >= 1 && j <= steps);
        let Some(j) = fast else {
            out.push(f.clone());
            labels.push(k == start + steps + 1);
            continue;
        };
        let mut img = grey[k].clone();
        let src = grey[start + speed * j];
        for y in by..by + h {
            for x in bx..bx + w {
                img.put_pixel(x, y, *src.get_pixel(x, y));
            }
        }
        out.push(Frame::luma(img, f.index(), f.timestamp()));
        labels.push(true);
    }
    Ok(Intruded {
        frames: out,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(n: u64) -> Vec<Frame> {
        // a textured scene with one walker, a bright 3x8 box, a pixel every
        // fourth frame
        (0..n)
            .map(|i| {
                let at = (i / 4) as u32;
                let img = GrayImage::from_fn(48, 40, |x, y| {
                    let walker = (10..18).contains(&y) && (at + 20..at + 23).contains(&x);
                    [if walker {
                        200
                    } else {
                        60 + ((x + 2 * y) % 5) as u8
                    }]
                    .into()
                });
                Frame::luma(img, i, Default::default())
            })
            .collect()
    }

    #[test]
    fn a_fast_copy_of_the_walker_crosses_the_frame() {
        let frames = clip(160);
        let got = intrude(&frames).unwrap();
        // enters at frame 40, its 4 columns cross 48 at half a pixel per
        // frame: gone from frame 142
        let want: Vec<bool> = (0..160).map(|k| (40..142).contains(&k)).collect();
        assert_eq!(got.labels, want);
        for k in (0..40).chain(142..160) {
            assert_eq!(got.frames[k].as_bytes(), frames[k].as_bytes(), "frame {k}");
        }
        // the walker (columns 30-32 at frame 40) moved a pixel since frame
        // 39: the cut is taken there
        let g = |k: usize| grey(&frames[k]).unwrap();
        let (sx, sy) = most_moving(g(39), g(40), 4, 8);
        assert_eq!((sx, sy), (29, 10));
        let cut = |dx: u32, dy: u32| *g(40).get_pixel(sx + dx, sy + dy);
        assert_eq!(cut(1, 0)[0], 200);
        let out = grey(&got.frames[40]).unwrap();
        assert_eq!(*out.get_pixel(0, sy), cut(3, 0), "one column in");
        // fully in from frame 46, half a pixel per frame: whole pixels on
        // even steps
        for k in (46..132).step_by(2) {
            let x = ((k - 46) / 2) as u32;
            let out = grey(&got.frames[k]).unwrap();
            for dy in 0..8 {
                for dx in 0..4 {
                    assert_eq!(*out.get_pixel(x + dx, sy + dy), cut(dx, dy), "frame {k}");
                }
            }
        }
    }

    #[test]
    fn half_pixel_positions_blend_neighbouring_columns() {
        let scene = GrayImage::from_pixel(6, 2, [0].into());
        let cut = GrayImage::from_fn(2, 1, |x, _| [if x == 0 { 100 } else { 200 }].into());
        let whole = paste_at(&scene, &cut, 2.0, 1);
        assert_eq!(whole.as_raw(), &[0, 0, 0, 0, 0, 0, 0, 0, 100, 200, 0, 0]);
        let half = paste_at(&scene, &cut, 2.5, 1);
        assert_eq!(half.as_raw(), &[0, 0, 0, 0, 0, 0, 0, 0, 50, 150, 100, 0]);
        let off_left = paste_at(&scene, &cut, -1.0, 0);
        assert_eq!(&off_left.as_raw()[..6], &[200, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn a_fast_forward_plays_the_busiest_quarter_too_fast() {
        // the walker (columns 20-22 + frame/4, rows 10-17) lives in the
        // top half; 160 frames: from frame 40, 39 steps of three frames
        let frames = clip(160);
        let got = fast_forward(&frames, 3).unwrap();
        let want: Vec<bool> = (0..160).map(|k| (41..=80).contains(&k)).collect();
        assert_eq!(got.labels, want);
        let g = |f: &Frame| grey(f).unwrap().clone();
        for k in (0..41).chain(81..160) {
            assert_eq!(got.frames[k].as_bytes(), frames[k].as_bytes(), "frame {k}");
        }
        // the walker's path over the fast frames ends at column 47: the
        // 24 x 20 box at (24, 0) holds it (the first of the boxes that do)
        let in_box = |x: u32, y: u32| y < 20 && (24..48).contains(&x);
        for k in 41..=79 {
            let src = g(&frames[40 + 3 * (k - 40)]);
            let (out, own) = (g(&got.frames[k]), g(&frames[k]));
            for y in 0..40 {
                for x in 0..48 {
                    let want = if in_box(x, y) {
                        src.get_pixel(x, y)
                    } else {
                        own.get_pixel(x, y)
                    };
                    assert_eq!(out.get_pixel(x, y), want, "frame {k} at {x},{y}");
                }
            }
        }
        assert_ne!(got.frames[50].as_bytes(), frames[50].as_bytes());
    }

    #[test]
    fn the_largest_box_is_found_by_its_sum() {
        #[rustfmt::skip]
        let map = [
            0, 0, 0, 0,
            0, 5, 1, 0,
            0, 1, 9, 0,
        ];
        assert_eq!(largest_box(&map, 4, 2, 2), (1, 1));
        assert_eq!(largest_box(&map, 4, 1, 1), (2, 2));
        assert_eq!(largest_box(&map, 4, 4, 3), (0, 0));
    }

    #[test]
    fn bad_clips_are_errors() {
        assert!(fast_forward(&clip(7), 3).is_err());
        assert!(fast_forward(&clip(20), 1).is_err());
        assert!(fast_forward(&clip(20), 9).is_err());
        let mut mixed = clip(20);
        mixed[5] = Frame::luma(GrayImage::new(40, 40), 5, Default::default());
        assert!(fast_forward(&mixed, 3).is_err());
        let mut colour = clip(20);
        colour[7] = Frame::rgb(
            oddframe::image::RgbImage::new(48, 40),
            7,
            Default::default(),
        );
        assert!(fast_forward(&colour, 3).is_err());
        assert!(intrude(&clip(3)).is_err());
        let small: Vec<Frame> = (0..6)
            .map(|i| Frame::luma(GrayImage::new(16, 16), i, Default::default()))
            .collect();
        assert!(intrude(&small).is_err());
        let mut mixed = clip(6);
        mixed[2] = Frame::luma(GrayImage::new(40, 40), 2, Default::default());
        assert!(intrude(&mixed).is_err());
    }
}
