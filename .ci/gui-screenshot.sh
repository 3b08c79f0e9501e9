#!/usr/bin/env bash
# Starts the release binary under Xvfb on the bundled example with GATESIM_AUTORUN=1 (the app runs
# the scenario once and prints "gatesim: run finished"), waits for that, takes a screenshot of the
# screen and fails if it is blank. Installs nothing: needs xvfb xauth libxcursor1 libxi6
# libxkbcommon-x11-0 libegl1 libgl1-mesa-dri imagemagick (see .ci/run).
#
# Usage: bash .ci/gui-screenshot.sh [output.png]   (default docs/screenshot.png)
# GATESIM_SCREENSHOT_PROFILE=debug uses the debug binary `cargo test` has built already (CI: it
# saves a release build of the whole app); the default is a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--inside-xvfb" ]; then
    # Second stage, on the virtual display: the app in the background, then the screenshot.
    out=$2 log=$3 data=$4
    GATESIM_AUTORUN=1 GATESIM_DATA_DIR="$data" "target/${GATESIM_SCREENSHOT_PROFILE:-release}/gatesim" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 480); do
        grep -q "gatesim: run finished" "$log" && break
        kill -0 "$pid" 2>/dev/null || { echo "the app exited early:"; cat "$log"; exit 1; }
        sleep 0.5
    done
    if ! grep -q "gatesim: run finished" "$log"; then
        echo "the run did not finish in 240 s:"; cat "$log"; kill "$pid"; exit 1
    fi
    sleep 2 # let the finished report paint
    import -window root "$out"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    exit 0
fi

out=${1:-docs/screenshot.png}
mkdir -p "$(dirname "$out")"
if [ "${GATESIM_SCREENSHOT_PROFILE:-release}" = debug ]; then
    cargo build --quiet
else
    cargo build --release --quiet
fi
log=$(mktemp)
data=$(mktemp -d)
trap 'rm -rf "$log" "$data"' EXIT
xvfb-run -a -s "-screen 0 1600x1000x24" bash "$0" --inside-xvfb "$out" "$log" "$data"

sd=$(convert "$out" -format '%[fx:standard_deviation]' info:)
echo "screenshot: $out (standard deviation of its pixels: $sd)"
awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }' || { echo "the screenshot is blank"; exit 1; }
