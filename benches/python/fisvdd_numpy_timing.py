"""Times one FISVDD fit of the NumPy reference (the parity fixture's
script, examples/tabular/tests/fixtures/fisvdd_reference.py) on the
bundled LIVE-Netflix-II training windows, at the two bandwidths the
criterion bench `fisvdd` uses, so that the two can be compared in one run
on the same machine.

Run from the workspace root (numpy, scikit-learn), right after
`cargo bench --bench fisvdd`:
    python3 benches/python/fisvdd_numpy_timing.py [REPEATS]
Prints one line per bandwidth: support vectors, median seconds per fit.
"""
import importlib.util
import statistics
import sys
import time

from sklearn.preprocessing import StandardScaler

PATH = "examples/tabular/tests/fixtures/fisvdd_reference.py"


def reference():
    spec = importlib.util.spec_from_file_location("fisvdd_reference", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    ref = reference()
    xtr, _ = ref.table("testdata/qoe/live_nflx_ii_train.csv")
    z = StandardScaler().fit_transform(xtr)
    for sigma in (2.081761, 0.4835):
        ref.SIGMA = sigma  # the module's kernel reads its global
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model = ref.Fisvdd(z[0])
            for row in z[1:]:
                model.learn(row)
            times.append(time.perf_counter() - start)
        print(f"sigma {sigma}: {len(model.sv)} support vectors, "
              f"median {statistics.median(times):.4f} s per fit over {repeats}")


if __name__ == "__main__":
    main()
