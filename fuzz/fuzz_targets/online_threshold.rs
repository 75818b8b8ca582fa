//! Untrusted threshold settings and states: the text form of an online
//! method parses or is an error, and what parses builds, prints back to
//! itself and judges scores without a panic; a saved online threshold or
//! event detector loads or is an error, and what loads keeps working.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oddframe::events::EventDetector;
use oddframe::threshold::online::{Online, OnlineMethod, OnlineThreshold};
use oddframe::Threshold;
use oddframe_fuzz::f64_at;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(method) = text.parse::<OnlineMethod>() {
            let mut t = method.build().expect("a parsed method builds");
            for i in 0..200 {
                let _ = t.observe(f64::from(i % 17) * 0.31);
            }
            assert_eq!(method.to_string().parse::<OnlineMethod>().ok(), Some(method));
        }
    }
    if let Ok(mut online) = serde_json::from_slice::<Online>(data) {
        if online.check_state().is_ok() {
            for i in 0..32 {
                let _ = online.observe(f64_at(data, i));
            }
        }
    }
    if let Ok(mut events) = serde_json::from_slice::<EventDetector>(data) {
        let t = Threshold::fixed(1.0).expect("finite");
        for i in 0..32 {
            let _ = events.push(f64_at(data, i), &t.decide(f64_at(data, i + 32)));
        }
        let _ = events.finish();
    }
});
