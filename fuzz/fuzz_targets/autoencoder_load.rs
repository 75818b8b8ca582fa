//! Loading conv-autoencoder model files from arbitrary bytes: an error or
//! a model that scores, never a panic.
//!
//! Random bytes rarely get past the magic or the envelope, so the input
//! also edits valid files: the committed 0.1 (binary, schema 1) file, its
//! schema 2 JSON envelope, and two clip scorer files around it (input
//! differences one or two frames back, a local baseline, smoothing). The first byte picks raw
//! bytes, a new JSON header (the rest of the input) before the binary
//! file's weights, byte patches and a truncation of one of the valid files,
//! or raw bytes as a clip scorer file.

#![no_main]

use std::sync::OnceLock;

use conv_autoencoder::{AeError, ClipScorer, FrameAutoencoder, FrameScore, Input, MapScore};
use libfuzzer_sys::fuzz_target;
use oddframe::image::GrayImage;
use oddframe::{Frame, Persist};

/// The committed 0.1 file of a small network.
const SCHEMA1: &[u8] = include_bytes!("../../crates/conv-autoencoder/tests/fixtures/model_schema1.oddae");

/// The valid files and where the binary file's data start.
fn valid() -> &'static (Vec<u8>, Vec<u8>, usize) {
    static FILES: OnceLock<(Vec<u8>, Vec<u8>, usize)> = OnceLock::new();
    FILES.get_or_init(|| {
        let model = FrameAutoencoder::from_json(SCHEMA1).expect("the committed file loads");
        let json = model.to_json().expect("saving to memory");
        let header = u32::from_le_bytes([SCHEMA1[8], SCHEMA1[9], SCHEMA1[10], SCHEMA1[11]]) as usize;
        (SCHEMA1.to_vec(), json, 12 + header)
    })
}

/// A clip scorer file around the committed model: its input the one-frame
/// difference, or (`lagged`) the difference two frames back.
fn clip_file(lagged: bool) -> &'static [u8] {
    static FILES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    let files = FILES.get_or_init(|| {
        let file = |input| {
            let model = FrameAutoencoder::from_json(SCHEMA1).expect("the committed file loads");
            let clip = frames(4, 16, 16);
            let how = FrameScore {
                map: MapScore::Local(4),
                smooth: 2.0,
            };
            let scorer = ClipScorer::fit(model, input, how, &[&clip]).expect("a clip scorer");
            scorer.to_json().expect("saving to memory")
        };
        [file(Input::Diff(4)), file(Input::DiffLag { gain: 4, lag: 2 })]
    });
    &files[usize::from(lagged)]
}

/// `n` grey `w` x `h` frames of a moving ramp.
fn frames(n: u32, w: u32, h: u32) -> Vec<Frame> {
    (0..n)
        .map(|i| {
            let image = GrayImage::from_fn(w, h, |x, y| [((x + 2 * i) * 9 + y) as u8].into());
            Frame::luma(image, i.into(), Default::default())
        })
        .collect()
}

/// Byte patches (two-byte offset, value) and a final truncation.
fn patched(file: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut v = file.to_vec();
    let mut patches = rest.chunks_exact(3);
    for p in &mut patches {
        let at = usize::from(u16::from_le_bytes([p[0], p[1]])) * (v.len() / 65536 + 1);
        if let Some(b) = v.get_mut(at) {
            *b = p[2];
        }
    }
    if let [a, b] = patches.remainder() {
        v.truncate(usize::from(u16::from_le_bytes([*a, *b])) * (v.len() / 65536 + 1));
    }
    v
}

fn input(data: &[u8]) -> Vec<u8> {
    let (binary, json, data_start) = valid();
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    match mode % 4 {
        0 => rest.to_vec(),
        1 => {
            let mut v = binary[..8].to_vec();
            v.extend_from_slice(&(rest.len() as u32).to_le_bytes());
            v.extend_from_slice(rest);
            v.extend_from_slice(&binary[*data_start..]);
            v
        }
        2 => patched(binary, rest),
        _ => patched(json, rest),
    }
}

/// Loads a clip scorer; one that loads scores a small clip of its size.
fn clip_scorer(bytes: &[u8]) {
    if let Ok(scorer) = ClipScorer::from_json(bytes) {
        let a = scorer.model().architecture();
        if a.channels == 1 && a.width * a.height <= 64 * 64 {
            let clip = frames(3, a.width as u32, a.height as u32);
            // weights patched to huge values may overflow to an error, but
            // a loaded file never disagrees with its own sizes
            let shape = |r: Result<_, AeError>| {
                assert!(!matches!(r, Err(AeError::FrameShape { .. })), "a clip of the model's size");
            };
            shape(scorer.score_clip(&clip).map(drop));
            shape(scorer.stream().push(&clip[0]).map(drop));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.first().map(|m| m % 6) {
        // the length's parity picks the input kind of the file to edit
        Some(4) => return clip_scorer(&patched(clip_file(data.len() % 2 == 1), &data[1..])),
        Some(5) => return clip_scorer(&data[1..]),
        _ => {}
    }
    if let Ok(model) = FrameAutoencoder::from_json(&input(data)) {
        let a = model.architecture();
        let frame = Frame::luma(
            GrayImage::new(a.width as u32, a.height as u32),
            0,
            Default::default(),
        );
        if a.channels == 1 && a.width * a.height <= 64 * 64 {
            model
                .score_frames(&[frame])
                .expect("a frame of the model's size");
        }
    }
});
