#!/bin/sh
# Renders an HTML file in headless Chromium (Debian's `chromium` package):
# a PNG screenshot at OUTPNG, the DOM as Chromium parsed it at OUTPNG.dom.html
# and Chromium's log at OUTPNG.log. Fails if the page logged anything to the
# console (a script error, a resource that failed to load).
#
# Usage: tests/browser/render.sh HTMLFILE OUTPNG
# Environment: CHROMIUM (default chromium), WINDOW_SIZE (default 1280,2000).
# Exit: 0 ok, 1 usage, 2 Chromium failed or the console logged, 3 no Chromium.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 HTMLFILE OUTPNG" >&2
    exit 1
fi
chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
    echo "$0: '$chromium' not found; install it with: apt-get install -y chromium" >&2
    exit 3
fi
html=$(realpath "$1")
out=$(realpath "$2")
log="$out.log"
dom="$out.dom.html"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM
rm -f "$out" "$log" "$dom"

# No network: every host name resolves to nothing, so a stray external
# reference shows up as a failed load on the console instead of a fetch.
run() {
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND" \
        --user-data-dir="$profile" --window-size="${WINDOW_SIZE:-1280,2000}" \
        --enable-logging=stderr --v=0 "$@" "file://$html"
}

if ! run --screenshot="$out" 2>>"$log" >/dev/null; then
    echo "$0: chromium --screenshot failed; log: $log" >&2
    tail -n 20 "$log" >&2
    exit 2
fi
if ! run --dump-dom >"$dom" 2>>"$log"; then
    echo "$0: chromium --dump-dom failed; log: $log" >&2
    tail -n 20 "$log" >&2
    exit 2
fi
if [ ! -s "$out" ]; then
    echo "$0: no screenshot written at $out; log: $log" >&2
    exit 2
fi
if grep -E 'Uncaught|CONSOLE' "$log" >&2; then
    echo "$0: the page logged to the console (above); log: $log" >&2
    exit 2
fi
