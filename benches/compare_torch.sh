#!/usr/bin/env bash
# Times the CCTV autoencoder (batch 64, 64x64 grey) here and in PyTorch on
# the same machine, one right after the other, and prints the ratios.
#
#   bash benches/compare_torch.sh            # needs python3 with torch and numpy
#   PYTHON=/tmp/venv/bin/python bash benches/compare_torch.sh
#
# The Rust side is the criterion bench `autoencoder` (group cctv_flex: the
# flex CPU backend), built in the test profile the checks share (workspace
# crates at opt-level 1, dependencies at 2) and run with `--bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
target="${CARGO_TARGET_DIR:-target}"

bench=$(cargo test --workspace --all-features --locked --benches --no-run --message-format=json 2>/dev/null |
    "$python" -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "autoencoder" and m.get("executable"):
        print(m["executable"])')
echo "rust bench: $bench"
"$bench" --bench cctv_flex
torch=$("$python" benches/python/torch_autoencoder_timing.py)
echo "torch: $torch"
TORCH="$torch" TARGET="$target" "$python" - <<'PY'
import json, os
torch = json.loads(os.environ["TORCH"])
def median_s(name):
    path = os.path.join(os.environ["TARGET"], "criterion", "cctv_flex", name, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / 1e9
train, score = median_s("train_step_batch64"), median_s("score_64_frames")
print(f"training:  oddframe flex {64 / train:7.1f} frames/s, PyTorch {torch['train_frames_per_s']:7.1f} frames/s, ratio {torch['train_step_s'] / train:.2f}")
print(f"inference: oddframe flex {64 / score:7.1f} frames/s, PyTorch {torch['score_frames_per_s']:7.1f} frames/s, ratio {torch['score_64_s'] / score:.2f}")
print("(ratio > 1: oddframe faster; medians)")
PY
