//! ffprobe's `flat` output from arbitrary text: metadata or an error, never
//! a panic; whatever parses has a positive size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_features::ffmpeg::VideoInfo;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(info) = VideoInfo::parse_ffprobe(&text) {
        assert!(info.width > 0 && info.height > 0);
        let (w, h) = info.display_size();
        assert_eq!(
            u64::from(w) * u64::from(h),
            u64::from(info.width) * u64::from(info.height)
        );
        if let Some((n, d)) = info.frame_rate {
            assert!(n > 0 && d > 0);
        }
    }
});
