//! Loading conv-autoencoder model files from arbitrary bytes: an error or
//! a model that scores, never a panic.
//!
//! Random bytes rarely get past the magic or the envelope, so the input
//! also edits valid files: the committed 0.1 (binary, schema 1) file and
//! its schema 2 JSON envelope. The first byte picks raw bytes, a new JSON
//! header (the rest of the input) before the binary file's weights, or
//! byte patches and a truncation of either valid file.

#![no_main]

use std::sync::OnceLock;

use conv_autoencoder::FrameAutoencoder;
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

fuzz_target!(|data: &[u8]| {
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
