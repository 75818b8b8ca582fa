#!/usr/bin/env bash
# Every check and test of the workspace; `.ci/run` runs exactly this.
#
# Needs: cargo (stable) with rustfmt and clippy. For the fuzz smoke run it
# installs cargo-fuzz (`cargo install cargo-fuzz`) if missing and needs a
# nightly toolchain for libFuzzer's sanitizer flags. Without nightly the
# fuzz step is skipped with a message, except under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-5}"
step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "tests, default features"
cargo test --workspace --locked

step "tests, all features (includes doc tests)"
cargo test --workspace --all-features --locked

step "docs (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked

step "benches build"
cargo bench --workspace --no-run --locked

step "packaging (publishable crates)"
cargo package --workspace --locked --allow-dirty \
    --exclude oddframe-examples-qoe --exclude oddframe-benches

step "fuzz smoke run (${FUZZ_SECONDS} s per target)"
if ! cargo +nightly --version >/dev/null 2>&1; then
    msg="no nightly toolchain: cargo-fuzz needs one for -Zsanitizer"
    if [ "${CI:-}" = "true" ]; then
        echo "error: $msg (install with: rustup toolchain install nightly)" >&2
        exit 1
    fi
    echo "skipping fuzz smoke run: $msg"
else
    if ! command -v cargo-fuzz >/dev/null 2>&1; then
        echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
        cargo install cargo-fuzz --locked
    fi
    for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
        echo "fuzz target $target"
        cargo +nightly fuzz run --fuzz-dir fuzz "$target" -- \
            -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048
    done
fi

echo
echo "all checks passed"
