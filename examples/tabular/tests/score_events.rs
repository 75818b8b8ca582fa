//! `score_events` on a score file whose truth we control: Gaussian noise at
//! 25 scores per second with two labelled anomalous stretches, the second
//! still running at the end of the file. (Synthetic because the events it
//! must find have to be known exactly.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "../score_events.rs"]
#[allow(dead_code)]
mod score_events;

use clap::Parser;

/// Times, scores and labels: anomalies in [200 s, 210 s) and from 395 s on.
fn write_scores(path: &std::path::Path) {
    let mut state = 42u64;
    let mut uniform = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 + 1e-17
    };
    let mut csv = String::from("time_s,score,label\n");
    for i in 0..10_000 {
        let t = f64::from(i) * 0.04;
        let noise = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
        let anomalous = (200.0..210.0).contains(&t) || t >= 395.0;
        let score = noise + if anomalous { 8.0 } else { 0.0 };
        csv.push_str(&format!("{t},{score},{}\n", u8::from(anomalous)));
    }
    std::fs::write(path, csv).unwrap();
}

#[test]
fn the_labelled_stretches_come_out_as_events() {
    let dir = std::env::temp_dir().join(format!("score_events_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (scores, events_out) = (dir.join("scores.csv"), dir.join("events.csv"));
    write_scores(&scores);
    let cli = score_events::Cli::parse_from([
        "score_events",
        "--scores",
        scores.to_str().unwrap(),
        "--threshold",
        "spot:1e-3",
        "--warmup",
        "2000",
        "--min-duration",
        "1",
        "--merge-gap",
        "0.5",
        "--events-out",
        events_out.to_str().unwrap(),
    ]);
    let (report, events) = score_events::run(&cli).unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    let (a, b) = (events[0], events[1]);
    assert!(
        (a.start - 200.0).abs() < 0.1 && (a.end - 210.0).abs() < 0.1,
        "{a:?}"
    );
    assert!(
        !a.ongoing && b.ongoing && (b.start - 395.0).abs() < 0.1,
        "{b:?}"
    );
    assert!(report.ongoing && report.events == 2);
    assert!(report.auc.unwrap() > 0.99, "{report:?}");
    // both stretches found early with few false alarms
    let m = report.labelled.as_ref().unwrap();
    assert_eq!(m.event_recall, 1.0, "{m:?}");
    assert!(
        m.event_f1 > 0.9 && m.pa_f1 > 0.9 && m.pa_k_auc > 0.9,
        "{m:?}"
    );
    assert!(m.vus_roc > 0.99 && m.vus_pr > 0.9, "{m:?}");
    assert!(
        m.nab_standard > 90.0 && m.nab_low_fn > m.nab_low_fp - 1e-9,
        "{m:?}"
    );
    // 250 + 125 anomalous scores of 8000 judged, and about 1e-3 of the rest
    let anomalous = (250 + 125) as f64 / 8000.0;
    assert!((report.flag_rate - anomalous).abs() < 0.005, "{report:?}");
    let written = std::fs::read_to_string(&events_out).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(
        lines[0],
        "source,start_s,end_s,duration_s,peak,peak_time_s,mean,samples,ongoing"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[2].ends_with(",1"),
        "the last event is ongoing: {}",
        lines[2]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_files_are_errors_naming_the_line() {
    let dir = std::env::temp_dir().join(format!("score_events_bad_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.csv");
    for (body, names) in [
        ("time_s,score\n0,1\n1,NaN\n", "line 3"),
        ("time_s,score\n1,1\n0,1\n", "line 3"),
        ("time_s,score,label\n0,1,2\n", "label 2"),
        ("time,score\n0,1\n", "time_s"),
    ] {
        std::fs::write(&path, body).unwrap();
        let cli = score_events::Cli::parse_from([
            "score_events",
            "--scores",
            path.to_str().unwrap(),
            "--warmup",
            "1",
            "--threshold",
            "mad:3:10",
        ]);
        let e = score_events::run(&cli).unwrap_err().to_string();
        assert!(e.contains(names), "{body:?}: {e}");
    }
    assert!(score_events::Cli::try_parse_from([
        "score_events",
        "--scores",
        "x",
        "--threshold",
        "spot:2"
    ])
    .is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
