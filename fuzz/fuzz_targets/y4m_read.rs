//! Y4M streams (8 to 16 bits per sample) from arbitrary bytes under small
//! limits: frames or an error, never a panic or an allocation above the
//! limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_features::y4m::{PixelFormat, Y4mReader, Y4mWriter};
use video_features::Limits;

fuzz_target!(|data: &[u8]| {
    let mut limits = Limits::default();
    limits.max_width = 256;
    limits.max_height = 256;
    limits.max_alloc = 1 << 18;
    let rgb = data.first().is_some_and(|b| b & 1 == 1);
    let Ok(mut r) = Y4mReader::with_limits(data, limits) else {
        return;
    };
    let header = r.header().clone();
    let mut w = Y4mWriter::new(Vec::new(), header).expect("a parsed header writes");
    while let Ok(Some(f)) = r.read_frame() {
        let _ = f.to_luma();
        // any depth and layout: quality against itself, or an error
        let _ = video_features::quality::frame_quality(&f, &f);
        if rgb {
            let _ = f.to_rgb();
        }
        w.write_frame(&f)
            .expect("a frame of the stream fits the stream");
    }
    let _ = w.finish();
    let frames = Y4mReader::with_limits(data, limits).map(|r| {
        r.output(if rgb {
            PixelFormat::Rgb
        } else {
            PixelFormat::Luma
        })
        .count()
    });
    let _ = frames;
});
