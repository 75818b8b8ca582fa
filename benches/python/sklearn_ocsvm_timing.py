"""scikit-learn's OneClassSVM timings for the shapes of the ocsvm benches.

Run with one thread, as the Rust figures are quoted:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benches/python/sklearn_ocsvm_timing.py
Prints the median of 3 runs of fit and of decision_function on 10,000 rows
(nu 0.1, gamma "scale", N(0, 1) data).
"""

import time

import numpy as np
import sklearn
from sklearn.svm import OneClassSVM


def median_time(f, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


def main():
    rng = np.random.default_rng(0)
    print(f"scikit-learn {sklearn.__version__}")
    for n, d in [(2000, 16), (10000, 16), (2000, 512), (10000, 512)]:
        x = rng.standard_normal((n, d))
        t = rng.standard_normal((10000, d))
        m = OneClassSVM(nu=0.1, gamma="scale")
        fit = median_time(lambda: m.fit(x))
        dec = median_time(lambda: m.decision_function(t))
        print(f"{n} x {d}: fit {fit:.3f} s, decision_function(10000) {dec:.3f} s, "
              f"n_sv {len(m.support_)}, n_iter {int(np.ravel(m.n_iter_)[0])}")


if __name__ == "__main__":
    main()
