"""Times the reference implementations of the range metrics on the series
that `cargo bench --bench metrics` uses (100,000 scores, 100 labelled
stretches of 20 to 119 samples), for side-by-side medians.

    pip install numpy scikit-learn vus==0.0.6 tadpak==0.3.3
    python benches/python/range_metrics_timing.py

Prints one line per metric: the median of `--repeats` runs, in milliseconds.
"""
import argparse
import statistics
import time

import numpy as np
from sklearn.metrics import f1_score
from tadpak.pak import pak
from vus.utils.metrics import metricor


def series():
    n = 100_000
    i = np.arange(n)
    noise = np.round((i * 0.61803398875 % 1.0) * 1000.0) / 1000.0
    labels = np.zeros(n, dtype=bool)
    for k in range(100):
        start = k * 1000 + 300
        labels[start:start + 20 + k] = True
    return labels, noise + 0.4 * labels


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    labels, scores = series()
    y = labels.astype(float)
    flags_at = 0.95
    runs = {
        "vus_window16_100k": lambda: metricor().RangeAUC_volume_opt(y, scores, 16, 250),
        "range_auc_window16_100k": lambda: metricor().RangeAUC(y, scores, window=16, plot_ROC=True),
        "pa_k_curve_100k": lambda: [
            f1_score(labels, pak(scores, labels.astype(int), flags_at, k)) for k in range(101)
        ],
    }
    for name, fn in runs.items():
        print(f"{name}: {median_ms(fn, a.repeats):.1f} ms")


if __name__ == "__main__":
    main()
