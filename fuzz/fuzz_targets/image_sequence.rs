//! Image-sequence frames from arbitrary bytes (written to a temporary file
//! whose extension the first byte picks), decoded under small limits:
//! a frame or an error naming the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_features::sequence::{ImageSequence, EXTENSIONS};
use video_features::y4m::PixelFormat;
use video_features::Limits;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let ext = EXTENSIONS[usize::from(pick) % EXTENSIONS.len()];
    let path = std::env::temp_dir().join(format!("oddframe-fuzz-{}.{ext}", std::process::id()));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let mut limits = Limits::default();
    limits.max_width = 512;
    limits.max_height = 512;
    limits.max_alloc = 1 << 22;
    let format = if pick & 0x80 != 0 {
        PixelFormat::Rgb
    } else {
        PixelFormat::Luma
    };
    let mut seq = ImageSequence::from_paths(vec![path.clone()])
        .limits(limits)
        .output(format);
    if let Some(Ok(frame)) = seq.next() {
        assert!(frame.width() <= 512 && frame.height() <= 512);
    }
    let _ = std::fs::remove_file(&path);
});
