//! Loading conv-autoencoder model files from arbitrary bytes: an error or
//! a model that scores, never a panic.
//!
//! Random bytes rarely get past the magic, so the input also edits a valid
//! file of a tiny network: its first byte picks raw bytes, a new JSON
//! header (the rest of the input) before the valid data, or byte patches
//! and a truncation of the whole valid file.
#![no_main]

use std::sync::OnceLock;

use conv_autoencoder::{Architecture, Backend, FrameAutoencoder, Stage};
use libfuzzer_sys::fuzz_target;
use oddframe::image::GrayImage;
use oddframe::Frame;

fn tiny() -> Architecture {
    Architecture {
        height: 8,
        width: 8,
        stages: vec![Stage::strided(2)],
        latent: 3,
        ..Architecture::cctv()
    }
}

/// A valid model file and where its data start.
fn valid() -> &'static (Vec<u8>, usize) {
    static FILE: OnceLock<(Vec<u8>, usize)> = OnceLock::new();
    FILE.get_or_init(|| {
        let model = FrameAutoencoder::new(tiny(), Backend::Cpu, 1).expect("a valid architecture");
        let mut bytes = Vec::new();
        model.to_writer(&mut bytes).expect("writing to memory");
        let header = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        (bytes, 12 + header)
    })
}

fn input(data: &[u8]) -> Vec<u8> {
    let (file, data_start) = valid();
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    match mode % 3 {
        0 => rest.to_vec(),
        1 => {
            let mut v = file[..8].to_vec();
            v.extend_from_slice(&(rest.len() as u32).to_le_bytes());
            v.extend_from_slice(rest);
            v.extend_from_slice(&file[*data_start..]);
            v
        }
        _ => {
            let mut v = file.clone();
            let mut patches = rest.chunks_exact(3);
            for p in &mut patches {
                let at = usize::from(u16::from_le_bytes([p[0], p[1]]));
                if let Some(b) = v.get_mut(at) {
                    *b = p[2];
                }
            }
            if let [a, b] = patches.remainder() {
                v.truncate(usize::from(u16::from_le_bytes([*a, *b])));
            }
            v
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = FrameAutoencoder::from_reader(input(data).as_slice(), Backend::Cpu) {
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
