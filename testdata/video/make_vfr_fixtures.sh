#!/usr/bin/env bash
# Variable-frame-rate clips and ffprobe's account of every test video's
# pictures. The clips keep 84 of the carphone pristine clip's 120 pictures
# (dropped at irregular intervals: every 7th from the 4th, every 11th from
# the 6th, and the run 40..52) with their original times, so the gaps
# between pictures vary from 1 to 14 frame intervals. *.frames.csv holds
# ffprobe's best-effort presentation time of each decoded picture, in
# order, one per line (what ffmpeg passes to its filters). Needs ffmpeg
# (Debian 12: ffmpeg 5.1) with libx264. Run from this folder.
set -euo pipefail
keep="not(eq(mod(n\,7)\,3))*not(eq(mod(n\,11)\,5))*not(between(n\,40\,52))"
for ext in mp4 mkv; do
    ffmpeg -hide_banner -loglevel error -y -i carphone_pristine.mp4 -vf "select='$keep'" \
        -fps_mode vfr -c:v libx264 -preset veryfast -crf 30 -bf 2 carphone_vfr.$ext
done
for f in carphone_vfr.mp4 carphone_vfr.mkv carphone_pristine.mp4 carphone_distorted.mp4 vtest.avi; do
    ffprobe -v error -select_streams v:0 -show_entries frame=best_effort_timestamp_time \
        -of csv=p=0 "$f" | grep -E '^-?[0-9]' | cut -d, -f1 > "$f.frames.csv"
done
