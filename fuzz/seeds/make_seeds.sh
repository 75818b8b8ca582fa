#!/usr/bin/env bash
# Writes the committed seed inputs of the fuzz targets (fuzz/seeds/TARGET/):
# small valid inputs, so that each short CI run mutates real structure
# instead of starting from nothing. Needs ffmpeg, ffprobe and the example
# binaries (`cargo build --workspace --all-features --examples`).
#
#   bash fuzz/seeds/make_seeds.sh [EXAMPLES_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
examples="${1:-${CARGO_TARGET_DIR:-target}/debug/examples}"
seeds=fuzz/seeds

mkdir -p "$seeds"/{ffprobe_parse,y4m_read,qoe_csv,ucsd_labels,pipeline_load,online_threshold}
# what ffprobe says about a bundled video and a bundled Y4M file
ffprobe_entries="stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration,bit_rate:stream_side_data=rotation:format=format_name,duration,bit_rate:packet=pts"
for f in vtest.avi carphone_pristine.12f.y4m carphone_vfr.mkv; do
    ffprobe -v error -select_streams v:0 -of flat -show_entries "$ffprobe_entries" -read_intervals "%+#64" \
        "testdata/video/$f" > "$seeds/ffprobe_parse/${f%%.*}.txt"
done
# two 16x16 frames, 4:2:0 and 4:4:4
ffmpeg -v error -y -f lavfi -i testsrc2=size=16x16:rate=5 -frames:v 2 -pix_fmt yuv420p \
    "$seeds/y4m_read/testsrc2_420.y4m"
ffmpeg -v error -y -f lavfi -i testsrc2=size=16x16:rate=5 -frames:v 2 -pix_fmt yuv444p \
    -strict -1 "$seeds/y4m_read/testsrc2_444.y4m"
ffmpeg -v error -y -f lavfi -i testsrc2=size=16x16:rate=5 -frames:v 2 -pix_fmt yuv420p10le \
    -strict -1 "$seeds/y4m_read/testsrc2_420p10.y4m"
# the head of the bundled QoE windows
head -n 6 testdata/qoe/live_nflx_ii_test.csv > "$seeds/qoe_csv/live_nflx_ii_head.csv"
# the head of the bundled UCSD Ped2 labels
head -n 6 testdata/ucsd_ped2/testing/frame_labels.csv > "$seeds/ucsd_labels/ped2_head.csv"
# a QoE pipeline of the original setting (49 support vectors)
"$examples/qoe_fisvdd" --sigma 2.081761 --calibration in-sample \
    --save "$seeds/pipeline_load/qoe_fisvdd.json" >/dev/null
# every text form of an online threshold method
i=0
for m in quantile:0.01 quantile:0.01:500 mad:3:200 iqr:1.5 spot:0.001 dspot:0.001:20 ewma:5:0.1; do
    printf '%s' "$m" > "$seeds/online_threshold/method$i.txt"
    i=$((i + 1))
done
ls -l "$seeds"/*/
