#!/usr/bin/env bash
# Every check and test of the workspace; `.ci/run` runs exactly this.
#
# Needs: cargo (stable) with rustfmt and clippy, a C++ compiler for
# libFuzzer, the `ffmpeg` and `ffprobe` programs for the tests of
# video-features' ffmpeg source, and a Vulkan driver for conv-autoencoder's
# GPU (wgpu) backend tests. Installs what is missing and says so: FFmpeg
# with apt-get (Debian package `ffmpeg`), Mesa's CPU Vulkan driver lavapipe
# (Debian package `mesa-vulkan-drivers`), cargo-fuzz with
# `cargo install cargo-fuzz --locked` (about a minute). Nothing is skipped:
# if a program cannot be installed, the check fails.
#
# burn (conv-autoencoder) is the heaviest dependency: every cargo command
# below that builds it uses the same features (`--all-features`) and the
# same profile (`test`, dependencies at opt-level 2), so it is compiled once
# for check, once for tests, examples and benches together. The target
# directory lives outside the clone when CARGO_TARGET_DIR is unset and
# $HOME is writable, so a machine that keeps $HOME reuses it between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CARGO_TARGET_DIR:-}" ] && mkdir -p "$HOME/.cache/oddframe-target" 2>/dev/null; then
    export CARGO_TARGET_DIR="$HOME/.cache/oddframe-target"
fi
target="${CARGO_TARGET_DIR:-target}"
echo "target directory: $target"

FUZZ_SECONDS="${FUZZ_SECONDS:-5}"
# each step says how long the run has taken so far (CI must stay well
# under its 90 minutes on a 2-core machine)
started=$SECONDS
step() { printf '\n==> [%dm%02ds] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*"; }

step "system programs: ffmpeg and ffprobe (video-features' ffmpeg source tests)"
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
    echo "ffmpeg/ffprobe missing: installing the Debian package ffmpeg (apt-get install -y ffmpeg)"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg
fi
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
    echo "error: ffmpeg and ffprobe are required (Debian/Ubuntu: apt-get install ffmpeg)" >&2
    exit 1
fi
echo "using $(ffmpeg -hide_banner -version | head -n 1)"

step "system programs: a Vulkan driver (conv-autoencoder's wgpu backend tests)"
lavapipe() { compgen -G "/usr/share/vulkan/icd.d/lvp_icd*.json" >/dev/null; }
if ! lavapipe; then
    echo "no lavapipe: installing Mesa's CPU Vulkan driver (apt-get install -y mesa-vulkan-drivers libvulkan1)"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        mesa-vulkan-drivers libvulkan1
fi
if ! lavapipe; then
    echo "error: Mesa's lavapipe Vulkan driver is required (Debian/Ubuntu: apt-get install mesa-vulkan-drivers)" >&2
    exit 1
fi
echo "using $(ls /usr/share/vulkan/icd.d/lvp_icd*.json | head -n 1)"
# wgpu probes GL too; a private runtime directory keeps that probe quiet
XDG_RUNTIME_DIR="$(mktemp -d)"
export XDG_RUNTIME_DIR

step "format"
cargo fmt --all --check

step "clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "tests, all features (includes doc tests; builds every example and bench)"
cargo test --workspace --all-features --locked
cargo test --workspace --all-features --locked --benches --no-run

step "default features: the publishable crates compile as users get them"
# The all-feature tests above run every test; what the default features
# change is only which code is compiled, so a check (no code generation, no
# second build of the dependencies) of every target of each publishable
# crate covers it. conv-autoencoder's default build (burn with the flex
# backend, no wgpu) is checked on its own.
cargo check --locked --all-targets \
    -p oddframe -p fisvdd -p ocsvm-scaler -p video-features -p artifact-scorer
cargo check -p conv-autoencoder --locked

step "examples on bundled data (binaries built by the all-feature tests)"
# run directly: `cargo run` with a package's default features would build
# them (and for the autoencoder, burn) once more
examples="$target/debug/examples"
"$examples/video_info" testdata/video/carphone_distorted.12f.y4m \
    --reference testdata/video/carphone_pristine.12f.y4m
work="$(mktemp -d)"
"$examples/embedding_ocsvm" --quiet --min-auc 0.95 \
    --save "$work/embedding.json" --scores-out "$work/embedding.csv"
# the saved file (embedding settings, scaler, SVM, threshold) scores the
# same frames exactly as the run that saved it
"$examples/embedding_ocsvm" --quiet --load "$work/embedding.json" --scores-out "$work/embedding-loaded.csv"
if ! cmp -s "$work/embedding.csv" "$work/embedding-loaded.csv"; then
    echo "error: the saved embedding detector does not reproduce the saving run's scores" >&2
    exit 1
fi
# a saved QoE pipeline (transform, scaler, detector, threshold) scores the
# raw test windows with the same report as the run that saved it (timings
# aside), for both detectors
strip_timings() { tail -n 1 | sed -E 's/"(fit_s|score_us_per_window)":[^,}]*,?//g'; }
for detector in fisvdd ocsvm; do
    saved="$("$examples/qoe_fisvdd" --detector "$detector" --save "$work/qoe.json" | strip_timings)"
    loaded="$("$examples/qoe_fisvdd" --load "$work/qoe.json" \
        --test testdata/qoe/live_nflx_ii_test.csv | strip_timings)"
    echo "$saved"
    if [ "$saved" != "$loaded" ]; then
        echo "error: the saved $detector pipeline reports $loaded" >&2
        exit 1
    fi
done
# per-session QoE streams: the example fails unless the monitor restored
# from its saved state decides every later window as the uninterrupted one
"$examples/qoe_stream" --quiet --min-auc 0.85
"$examples/artifact_report" --events-out "$work/aqs_events.csv"
report_csv="$("$examples/artifact_report" testdata/video/carphone_distorted.12f.y4m testdata/images/fruits.jpg --csv)"
echo "$report_csv" | head -n 3
if ! echo "$report_csv" | head -n 1 | grep -qx 'source,window_start,window_len,aqs,band,quality,blocking,ringing,ghosting,judder,gaussian_noise,impulse_noise,motion_blur,defocus_blur,banding,saturation' \
    || [ "$(echo "$report_csv" | wc -l)" -ne 4 ]; then
    echo "error: artifact_report's CSV is not what the example promises" >&2
    exit 1
fi

"$examples/surveillance_autoencoder" --quiet --min-auc 0.9 --scores-out "$work/scores.csv" \
    --save "$work/detector.json" --min-duration 0.5 --merge-gap 1 --events-out "$work/ae_events.csv"
events_header='source,start_s,end_s,duration_s,peak,peak_time_s,mean,samples,ongoing'
if ! head -n 1 "$work/ae_events.csv" | grep -qx "$events_header" \
    || [ "$(wc -l < "$work/ae_events.csv")" -lt 2 ]; then
    echo "error: surveillance_autoencoder wrote no events" >&2
    exit 1
fi
rows=$(($(wc -l < "$work/scores.csv") - 1))
echo "scores CSV: $rows frames"
if [ "$rows" -lt 500 ] || ! head -n 1 "$work/scores.csv" | grep -qx 'frame,time_s,score,is_anomaly'; then
    echo "error: the scores CSV is not what the example promises" >&2
    exit 1
fi
# the saved detector (model and threshold in one file) scores the same
# test video exactly as the run that saved it
"$examples/surveillance_autoencoder" --quiet --load "$work/detector.json" --scores-out "$work/loaded.csv"
if ! cmp -s "$work/scores.csv" "$work/loaded.csv"; then
    echo "error: the saved detector does not reproduce the saving run's scores" >&2
    exit 1
fi
echo "the saved detector reproduces all $rows scores"
# the same scores as a stream: an online threshold and events, on the
# first stretch whose times increase (the file holds more than one clip,
# each with its own clock)
awk -F, 'NR > 1 && $2 + 0 < last { exit } { if (NR > 1) last = $2 + 0; print }' \
    "$work/scores.csv" > "$work/stream.csv"
"$examples/score_events" --quiet --scores "$work/stream.csv" --threshold quantile:0.05:100 \
    --warmup 100 --min-duration 0.2 --merge-gap 0.5 --events-out "$work/events.csv"
if ! head -n 1 "$work/events.csv" | grep -qx "$events_header"; then
    echo "error: score_events' events CSV is not what the example promises" >&2
    exit 1
fi
echo "score_events: $(($(wc -l < "$work/events.csv") - 1)) events"
# UCSD Ped2: the bundled subset (3 training clips, 2 test clips) through
# the benchmark's code path; the full run is a README command
ped2="$("$examples/ucsd_ped2" testdata/ucsd_ped2 --quiet --min-auc 0.6 --save "$work/ped2.json" | tail -n 1)"
echo "$ped2"
for key in micro_auc macro_auc ap eer offline_micro_auc pixel_auc rbdc tbdc train_s \
    frames_per_s false_alarm_rate recall val_auc; do
    if ! echo "$ped2" | grep -q "\"$key\":[0-9]"; then
        echo "error: ucsd_ped2's report lacks a number for $key" >&2
        exit 1
    fi
done
# the saved pipeline holds the clip scorer with the chosen input
if ! grep -q '"format":"oddframe.clip-scorer"' "$work/ped2.json" ||
    ! grep -q '"input":{"diff":4}' "$work/ped2.json"; then
    echo "error: ucsd_ped2 --save did not write its clip scorer and input" >&2
    exit 1
fi
"$examples/stream_monitor" --quiet --min-flagged 0.9 --state "$work/monitor.json" \
    --min-duration 0.4 --merge-gap 1 --events-out "$work/monitor_events.csv" --clips-out "$work/clips"
# the constructed square (40-44 s of the second source) is one of the events,
# and its clip was cut
if ! awk -F, 'NR > 1 && $1 == "vtest+square" && $2 <= 44 && $3 >= 40 { found = 1 } END { exit !found }' \
    "$work/monitor_events.csv"; then
    echo "error: stream_monitor's events miss the constructed square" >&2
    exit 1
fi
if ! ls "$work/clips"/s1_e*.mkv > /dev/null 2>&1; then
    echo "error: stream_monitor wrote no clip of the square's source" >&2
    exit 1
fi
echo "stream_monitor: $(($(wc -l < "$work/monitor_events.csv") - 1)) events, $(ls "$work/clips" | wc -l) clips"
"$examples/stream_monitor" --frames 40 --quiet "lavfi:testsrc2=size=160x120:rate=10" \
    testdata/video/vtest_160x120_420.y4m
rm -rf "$work"

step "docs (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked

step "packaging (publishable crates)"
# Verification builds each crate against the others as if they came from a
# registry, and cargo treats registry crates as immutable: it reuses an
# unpacked copy in $CARGO_HOME/registry/src/-<hash of the path>/NAME-VERSION
# and compiled artifacts in the target directory without looking at their
# contents. A run at the same path as an earlier one would therefore verify
# against the earlier run's sources. Drop both kinds of stale copy first.
publishable=(oddframe fisvdd ocsvm-scaler video-features conv-autoencoder artifact-scorer)
for name in "${publishable[@]}"; do
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$name"-[0-9]*
done
rm -rf target/package-check
CARGO_TARGET_DIR=target/package-check cargo package --workspace --locked --allow-dirty \
    --exclude oddframe-examples-tabular --exclude oddframe-examples-video --exclude oddframe-benches \
    --exclude oddframe-benches-burn --exclude oddframe-examples-common \
    --exclude oddframe-examples-autoencoder \
    --exclude conv-autoencoder
# Verifying conv-autoencoder would compile burn a third time, unoptimised
# (about 5 minutes); it is built and tested above. Package every crate
# unverified as well, so conv-autoencoder's file list and manifest are
# checked (alone it cannot be packaged: its path dependencies are not on
# crates.io, and only a workspace-wide run resolves them locally).
CARGO_TARGET_DIR=target/package-check cargo package --workspace --locked --allow-dirty --no-verify \
    --exclude oddframe-examples-tabular --exclude oddframe-examples-video --exclude oddframe-benches \
    --exclude oddframe-benches-burn --exclude oddframe-examples-common \
    --exclude oddframe-examples-autoencoder

step "fuzz smoke run (${FUZZ_SECONDS} s per target, after replaying fuzz/regressions)"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi
# libFuzzer's coverage flags need nightly features: use a nightly toolchain
# when one is installed, otherwise stable with RUSTC_BOOTSTRAP=1
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    echo "no nightly toolchain: running cargo-fuzz on stable with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
# The smoke run looks for panics and replays the regressions; the crates
# forbid unsafe code, so it runs without AddressSanitizer (`-s none`): that
# took a quarter off the CPU time of the fuzz build (burn included) when
# measured, and the targets run faster. A long campaign can keep cargo-fuzz's default (ASan) to watch the
# dependencies' unsafe code too: `cargo fuzz run NAME`.
fuzz_run=("${fuzz[@]}" run --sanitizer none)
# the fuzz build compiles burn too (autoencoder_load): keep it beside the
# main target directory so a machine that keeps $HOME reuses it
fuzz_target_dir="fuzz/target"
if [ "$target" != target ]; then fuzz_target_dir="$target-fuzz"; fi
# the list is its own command so that a failure stops the script (inside
# `for ... in $(...)` it would not), and every [[bin]] must be listed
targets="$("${fuzz[@]}" list --fuzz-dir fuzz)"
declared=$(grep -c '^\[\[bin\]\]' fuzz/Cargo.toml)
if [ "$(echo "$targets" | grep -c .)" -ne "$declared" ]; then
    echo "error: cargo fuzz lists $(echo "$targets" | grep -c .) targets, fuzz/Cargo.toml declares $declared" >&2
    exit 1
fi
ran=0
for name in $targets; do
    echo "fuzz target $name"
    if [ -d "fuzz/regressions/$name" ]; then
        "${fuzz_run[@]}" --fuzz-dir fuzz --target-dir "$fuzz_target_dir" "$name" \
            fuzz/regressions/"$name"/* -- -rss_limit_mb=2048 -timeout=10
    fi
    # new inputs go to the (ignored) corpus; the committed seeds
    # (fuzz/seeds, written by its make_seeds.sh) give it valid structure
    mkdir -p "fuzz/corpus/$name"
    corpus=("fuzz/corpus/$name")
    if [ -d "fuzz/seeds/$name" ]; then corpus+=("fuzz/seeds/$name"); fi
    "${fuzz_run[@]}" --fuzz-dir fuzz --target-dir "$fuzz_target_dir" "$name" "${corpus[@]}" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048
    ran=$((ran + 1))
done
echo "$ran fuzz targets ran"

echo
echo "all checks passed in $(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s"
