#!/usr/bin/env bash
# Builds the CI subset of UCSD Ped2 (testdata/ucsd_ped2) from the full
# dataset in the frames layout (default ../shared/data/ucsd_ped2): the first
# 48 frames of training clips 01-03 and 80 consecutive frames of test clips
# 01 (frames 20-99) and 02 (54-133), each half normal and half abnormal,
# scaled to 180x120 grey JPEG (masks: nearest neighbour, 1-bit PNG), with
# the official frame labels of those frames renumbered from 0.
# Needs ffmpeg. Run from the repository root.
set -euo pipefail
src="${1:-../shared/data/ucsd_ped2}"
out=testdata/ucsd_ped2
rm -rf "$out/training" "$out/testing"
scale() { # scale IN OUT FILTER PIXFMT
    ffmpeg -loglevel error -y -i "$1" -vf "scale=180:120:flags=$3" -pix_fmt "$4" "$2"
}
for clip in 01 02 03; do
    mkdir -p "$out/training/frames/$clip"
    for i in $(seq 0 47); do
        f=$(printf %03d "$i")
        scale "$src/training/frames/$clip/$f.jpg" "$out/training/frames/$clip/$f.jpg" area gray
    done
done
labels="$out/testing/frame_labels.csv"
mkdir -p "$out/testing"
echo "video,frame,abnormal" >"$labels"
for spec in 01:20 02:54; do
    clip=${spec%:*} first=${spec#*:}
    mkdir -p "$out/testing/frames/$clip" "$out/testing/masks/$clip"
    for k in $(seq 0 79); do
        i=$((first + k))
        f=$(printf %03d "$i") g=$(printf %03d "$k")
        scale "$src/testing/frames/$clip/$f.jpg" "$out/testing/frames/$clip/$g.jpg" area gray
        scale "$src/testing/masks/$clip/$f.png" "$out/testing/masks/$clip/$g.png" neighbor monob
        abnormal=$(grep "^$clip,$i," "$src/testing/frame_labels.csv" | cut -d, -f3)
        echo "$clip,$k,$abnormal" >>"$labels"
    done
done
