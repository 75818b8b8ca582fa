#!/usr/bin/env bash
# Every check and test of the workspace; `.ci/run` runs exactly this.
#
# Needs: cargo (stable) with rustfmt and clippy, and a C++ compiler for
# libFuzzer. For the fuzz smoke run it installs cargo-fuzz
# (`cargo install cargo-fuzz --locked`, about a minute) if it is missing.
# Nothing is skipped.
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
# Verification builds each crate against the others as if they came from a
# registry, and cargo treats registry crates as immutable: it reuses an
# unpacked copy in $CARGO_HOME/registry/src/-<hash of the path>/NAME-VERSION
# and compiled artifacts in the target directory without looking at their
# contents. A run at the same path as an earlier one would therefore verify
# against the earlier run's sources. Drop both kinds of stale copy first.
publishable=(oddframe fisvdd ocsvm-scaler video-features)
for name in "${publishable[@]}"; do
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$name"-[0-9]*
done
rm -rf target/package-check
CARGO_TARGET_DIR=target/package-check cargo package --workspace --locked --allow-dirty \
    --exclude oddframe-examples-tabular --exclude oddframe-benches

step "fuzz smoke run (${FUZZ_SECONDS} s per target, after replaying fuzz/regressions)"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi
# libFuzzer's sanitizer flags need nightly features: use a nightly toolchain
# when one is installed, otherwise stable with RUSTC_BOOTSTRAP=1
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    echo "no nightly toolchain: running cargo-fuzz on stable with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
for target in $("${fuzz[@]}" list --fuzz-dir fuzz); do
    echo "fuzz target $target"
    if [ -d "fuzz/regressions/$target" ]; then
        "${fuzz[@]}" run --fuzz-dir fuzz "$target" fuzz/regressions/"$target"/* -- -rss_limit_mb=2048
    fi
    "${fuzz[@]}" run --fuzz-dir fuzz "$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048
done

echo
echo "all checks passed"
