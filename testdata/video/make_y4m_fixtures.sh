#!/usr/bin/env bash
# Regenerates the Y4M test streams and ffmpeg's decodings of them from the
# OpenCV sample video (../shared/data/video/vtest.avi). Needs ffmpeg
# (Debian 12: ffmpeg 5.1). Run from this folder.
set -euo pipefail
src=../../../shared/data/video/vtest.avi
common=(-hide_banner -loglevel error -y -i "$src" -frames:v 4 -vf scale=160:120:flags=area)
ffmpeg "${common[@]}" -pix_fmt yuv420p vtest_160x120_420.y4m
ffmpeg "${common[@]}" -pix_fmt yuv422p -strict -1 vtest_160x120_422.y4m
ffmpeg "${common[@]}" -pix_fmt yuv444p -strict -1 vtest_160x120_444.y4m
ffmpeg "${common[@]}" -pix_fmt gray -strict -1 vtest_160x120_mono.y4m
# ffmpeg's own decoding of the 4:2:0 stream: every frame as (full-range) grey, the
# first as RGB with exact rounding and replicated chroma
ffmpeg -hide_banner -loglevel error -y -i vtest_160x120_420.y4m -f rawvideo -pix_fmt gray vtest_160x120_420.gray
ffmpeg -hide_banner -loglevel error -y -i vtest_160x120_420.y4m -frames:v 1 \
    -sws_flags neighbor+accurate_rnd+full_chroma_int -f rawvideo -pix_fmt rgb24 vtest_160x120_420.frame0.rgb
# the 4:2:0 stream as an image sequence (one grey TIFF per frame, as the UCSD
# anomaly dataset stores its frames)
mkdir -p vtest_gray_tif
ffmpeg -hide_banner -loglevel error -y -i vtest_160x120_420.y4m -pix_fmt gray vtest_gray_tif/%03d.tif
# the 4:2:0 stream's first two frames widened to 10 bits per sample
ffmpeg -hide_banner -loglevel error -y -i vtest_160x120_420.y4m -frames:v 2 \
    -pix_fmt yuv420p10le -strict -1 vtest_160x120_420p10.y4m
