//! Untrusted CSV tables: parsed or rejected with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use video_features::qoe::CsvTable;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = CsvTable::from_reader(data) {
        let names: Vec<String> = t.header().to_vec();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        if let Ok(x) = t.matrix(&refs) {
            assert!(x.iter().all(|v| v.is_finite()));
            assert_eq!(x.nrows(), t.len());
        }
    }
});
