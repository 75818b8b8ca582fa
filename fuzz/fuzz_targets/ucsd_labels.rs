//! Untrusted UCSD frame labels tables: parsed or rejected with an error,
//! never a panic; what parses counts every video's frames from 0.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_features::ucsd::parse_frame_labels;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(videos) = parse_frame_labels(text) {
        let rows = text.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
        assert_eq!(videos.values().map(Vec::len).sum::<usize>(), rows);
    }
});
