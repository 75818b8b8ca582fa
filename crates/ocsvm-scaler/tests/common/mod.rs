//! Test data shared by the integration tests: the fixture datasets,
//! regenerated bit for bit (see `fixtures/make_ocsvm_fixtures.py`).

#![allow(dead_code)]

use ndarray::Array2;

/// splitmix64, uniform from the top 53 bits, Irwin-Hall normal: the
/// generator of the fixture script.
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    pub fn normal(&mut self) -> f64 {
        let mut s = 0.0;
        for _ in 0..12 {
            s += self.uniform();
        }
        s - 6.0
    }
}

fn to_array(rows: Vec<Vec<f64>>) -> Array2<f64> {
    let d = rows[0].len();
    let n = rows.len();
    Array2::from_shape_vec((n, d), rows.into_iter().flatten().collect()).unwrap()
}

pub fn gauss16() -> (Array2<f64>, Array2<f64>) {
    let mut r = SplitMix::new(16);
    let train: Vec<Vec<f64>> = (0..2000)
        .map(|_| (0..16).map(|_| r.normal()).collect())
        .collect();
    let test: Vec<Vec<f64>> = (0..300)
        .map(|i| {
            (0..16)
                .map(|_| r.normal() * (1.0 + (i % 3) as f64 * 0.5))
                .collect()
        })
        .collect();
    (to_array(train), to_array(test))
}

pub fn embed512() -> (Array2<f64>, Array2<f64>) {
    let mut r = SplitMix::new(512);
    let centres: Vec<Vec<f64>> = (0..12)
        .map(|_| (0..512).map(|_| r.normal()).collect())
        .collect();
    let mut row = |c: usize| -> Vec<f64> {
        let v: Vec<f64> = (0..512).map(|j| centres[c][j] + 0.5 * r.normal()).collect();
        let mut s = 0.0;
        for x in &v {
            s += x * x;
        }
        let n = s.sqrt();
        v.into_iter().map(|x| x / n).collect()
    };
    let train: Vec<Vec<f64>> = (0..2000).map(|i| row(i % 8)).collect();
    let test: Vec<Vec<f64>> = (0..300)
        .map(|i| if i < 200 { row(i % 8) } else { row(8 + i % 4) })
        .collect();
    (to_array(train), to_array(test))
}

pub fn repo_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

pub fn read_csv(rel: &str, cols: &[&str]) -> Array2<f64> {
    let mut rd = csv::Reader::from_path(repo_path(rel)).unwrap();
    let header = rd.headers().unwrap().clone();
    let idx: Vec<usize> = cols
        .iter()
        .map(|c| header.iter().position(|h| h == *c).unwrap())
        .collect();
    let rows: Vec<Vec<f64>> = rd
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            idx.iter().map(|&i| rec[i].parse().unwrap()).collect()
        })
        .collect();
    to_array(rows)
}

pub const QOE: [&str; 6] = [
    "vmaf_mean",
    "vmaf_std",
    "vmaf_mad",
    "bitrate_mean",
    "stall_ratio",
    "tsl_end",
];

pub fn qoe() -> (Array2<f64>, Array2<f64>) {
    (
        read_csv("testdata/qoe/live_nflx_ii_train.csv", &QOE),
        read_csv("testdata/qoe/live_nflx_ii_test.csv", &QOE),
    )
}

pub fn digits() -> (Array2<f64>, Array2<f64>) {
    let mut cols: Vec<String> = (0..64).map(|i| format!("p{i}")).collect();
    cols.push("digit".into());
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let all = read_csv("testdata/digits/digits.csv", &refs);
    let zero: Vec<usize> = (0..all.nrows()).filter(|&i| all[[i, 64]] == 0.0).collect();
    let x = all
        .slice_axis(ndarray::Axis(1), ndarray::Slice::from(0..64))
        .to_owned();
    (x.select(ndarray::Axis(0), &zero), x)
}

pub fn dataset(name: &str) -> (Array2<f64>, Array2<f64>) {
    match name {
        "gauss16" => gauss16(),
        "embed512" => embed512(),
        "qoe" => qoe(),
        "digits" => digits(),
        other => panic!("unknown dataset {other}"),
    }
}
