//! The event state machine: worked cases and invariants on arbitrary
//! score series.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oddframe::events::{detect, Event, EventDetector, EventParams};
use oddframe::{Decision, Threshold};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn decide(threshold: f64, scores: &[f64]) -> Vec<Decision> {
    let t = Threshold::fixed(threshold).unwrap();
    scores.iter().map(|&s| t.decide(s)).collect()
}

fn every(step: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64 * step).collect()
}

#[test]
fn hysteresis_keeps_an_event_open_under_the_threshold() {
    let scores = [0.0, 2.0, 0.8, 0.7, 2.0, 0.2, 0.0];
    let times = every(1.0, scores.len());
    let d = decide(1.0, &scores);
    // without hysteresis: two events, [1, 2) and [4, 5)
    let plain = detect(&times, &d, &EventParams::new()).unwrap();
    assert_eq!(
        plain.iter().map(|e| (e.start, e.end)).collect::<Vec<_>>(),
        [(1.0, 2.0), (4.0, 5.0)]
    );
    // exit at 0.5: 0.8 and 0.7 keep it open, one event [1, 5)
    let held = detect(&times, &d, &EventParams::new().exit(0.5)).unwrap();
    assert_eq!(held.len(), 1);
    let e = held[0];
    assert_eq!((e.start, e.end, e.samples, e.peak_time), (1.0, 5.0, 4, 1.0));
    assert!((e.mean - (2.0 + 0.8 + 0.7 + 2.0) / 4.0).abs() < 1e-12);
    // an exit level above the threshold is the threshold
    assert_eq!(
        detect(&times, &d, &EventParams::new().exit(5.0)).unwrap(),
        plain
    );
}

#[test]
fn an_open_event_at_the_end_is_ongoing() {
    let scores = [0.0, 3.0, 4.0, 2.0];
    let times = every(0.04, scores.len());
    let mut det = EventDetector::new(EventParams::new()).unwrap();
    for (t, d) in times.iter().zip(decide(1.0, &scores)) {
        assert!(det.push(*t, &d).unwrap().is_none());
    }
    let now = det.ongoing().unwrap();
    assert!(now.ongoing && now.peak == 4.0);
    let last = det.finish().unwrap();
    assert!(last.ongoing);
    assert_eq!((last.start, last.end, last.samples), (0.04, times[3], 3));
    assert!(det.finish().is_none());
}

#[test]
fn bad_samples_are_errors_and_change_nothing() {
    let t = Threshold::fixed(1.0).unwrap();
    let mut det = EventDetector::new(EventParams::new()).unwrap();
    det.push(1.0, &t.decide(2.0)).unwrap();
    let before = det.clone();
    assert!(det.push(0.5, &t.decide(2.0)).is_err(), "time went back");
    assert!(det.push(f64::NAN, &t.decide(2.0)).is_err());
    assert!(det.push(2.0, &t.decide(f64::INFINITY)).is_err());
    assert_eq!(det, before);
    for p in [
        EventParams::new().min_duration(-1.0),
        EventParams::new().merge_gap(f64::NAN),
        EventParams::new().exit(f64::INFINITY),
    ] {
        assert!(EventDetector::new(p).is_err(), "{p:?}");
    }
    assert!(detect(&[0.0], &[], &EventParams::new()).is_err());
}

/// Series of 0..200 scores in [0, 3] at irregular times (gaps of 0.01 to
/// 2 s), and settings.
fn series() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, f64, f64, f64)> {
    (0usize..200).prop_flat_map(|n| {
        (
            proptest::collection::vec(0.0f64..3.0, n),
            proptest::collection::vec(0.01f64..2.0, n),
            0.0f64..5.0,
            0.0f64..5.0,
            0.0f64..1.0,
        )
            .prop_map(|(scores, gaps, min_duration, merge_gap, exit)| {
                let mut t = 0.0;
                let times = gaps
                    .iter()
                    .map(|g| {
                        t += g;
                        t
                    })
                    .collect();
                (scores, times, min_duration, merge_gap, exit)
            })
    })
}

/// The detector through its saved form (feature `serde`).
#[cfg(feature = "serde")]
fn round_trip(d: EventDetector) -> EventDetector {
    serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap()
}

#[cfg(not(feature = "serde"))]
fn round_trip(d: EventDetector) -> EventDetector {
    d
}

/// 300 cases; failures are kept in tests/events.proptest-regressions
/// (committed) and replayed first.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 300,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/events.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

fn flagged_in(e: &Event, times: &[f64], d: &[Decision]) -> usize {
    times
        .iter()
        .zip(d)
        .filter(|(t, d)| d.is_anomaly && **t >= e.start && **t <= e.end)
        .count()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_event_is_shorter_than_the_minimum((scores, times, min, gap, exit) in series()) {
        let d = decide(1.5, &scores);
        let p = EventParams::new().min_duration(min).merge_gap(gap).exit(exit + 1.0);
        for e in detect(&times, &d, &p).unwrap() {
            prop_assert!(e.duration() >= min, "{e:?}");
            prop_assert!(e.start <= e.peak_time && e.peak_time <= e.end);
            prop_assert!(e.samples >= 1 && e.peak >= e.mean);
        }
    }

    /// (With a minimum duration it can: two short runs, each dropped, may
    /// merge into one long enough to keep.)
    #[test]
    fn a_larger_merge_gap_never_adds_events((scores, times, _, gap, exit) in series(), more in 0.0f64..5.0) {
        let d = decide(1.5, &scores);
        let p = EventParams::new().merge_gap(gap).exit(exit + 1.0);
        let fewer = detect(&times, &d, &p.merge_gap(gap + more)).unwrap();
        let base = detect(&times, &d, &p).unwrap();
        prop_assert!(fewer.len() <= base.len(), "{} > {}", fewer.len(), base.len());
        // without a minimum duration every flagged sample is in some event
        let covered: usize = base.iter().map(|e| flagged_in(e, &times, &d)).sum();
        prop_assert_eq!(covered, d.iter().filter(|d| d.is_anomaly).count());
    }

    #[test]
    fn a_stream_gives_the_batch_events((scores, times, min, gap, exit) in series()) {
        let d = decide(1.5, &scores);
        let p = EventParams::new().min_duration(min).merge_gap(gap).exit(exit + 1.0);
        let batch = detect(&times, &d, &p).unwrap();
        // one sample at a time, the detector saved and restored midway
        let mut det = EventDetector::new(p).unwrap();
        let mut streamed = Vec::new();
        for (i, (t, dec)) in times.iter().zip(&d).enumerate() {
            if i == times.len() / 2 {
                det = round_trip(det);
            }
            streamed.extend(det.push(*t, dec).unwrap());
        }
        streamed.extend(det.finish());
        prop_assert_eq!(streamed, batch);
    }
}
