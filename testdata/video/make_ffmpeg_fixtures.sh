#!/usr/bin/env bash
# Fixtures for the ffmpeg frame source: ffmpeg's per-frame PSNR and SSIM
# between the whole carphone pair decoded to grey (the source's default
# output), and ffprobe's report on vtest.avi. Needs ffmpeg (Debian 12:
# ffmpeg 5.1). Run from this folder.
set -euo pipefail
grey='[0:v]format=gray[d];[1:v]format=gray[r];[d][r]'
# -cpuflags 0 as in make_quality_fixtures.sh (ffmpeg's C SSIM)
for metric in psnr ssim; do
    ffmpeg -hide_banner -loglevel error -cpuflags 0 -i carphone_distorted.mp4 -i carphone_pristine.mp4 \
        -lavfi "${grey}${metric}=stats_file=carphone.gray.$metric.log" -f null -
done
ffprobe -v error -select_streams v:0 -of flat \
    -show_entries stream=codec_name,width,height,avg_frame_rate,nb_frames,duration vtest.avi > vtest.ffprobe.txt
