#!/usr/bin/env bash
# Two builds of maillog421 on the same inputs, alternating, 5 runs each: medians of wall time,
# CPU (user + system) and peak RSS, and whether their JSON reports are the same.
#
#   bash benches/before_after.sh OLD_BIN NEW_BIN FILE...
#
# e.g. git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release), then
#   bash benches/before_after.sh /tmp/old/target/release/maillog421 target/release/maillog421 exim.log
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OLD_BIN NEW_BIN FILE..." >&2; exit 2; }
old=$1 new=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	for t in "" "--threads 1"; do
		: >"$tmp/old"
		: >"$tmp/new"
		for _ in 1 2 3 4 5; do
			for b in old new; do
				bin=$old
				[ "$b" = new ] && bin=$new
				# shellcheck disable=SC2086 # $t is empty or two words
				/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$bin" report --format json --tz utc --year 2026 $t "$f" >"$tmp/$b.json"
				cat "$tmp/t" >>"$tmp/$b"
			done
		done
		same=different
		cmp -s "$tmp/old.json" "$tmp/new.json" && same=same
		python3 - "$tmp" "$f" "${t:-default threads}" "$same" <<'PY'
import statistics as st, sys
tmp, f, t, same = sys.argv[1:]
for b in ("old", "new"):
    rows = [list(map(float, l.split())) for l in open(f"{tmp}/{b}") if l.strip()]
    wall = st.median(r[0] for r in rows)
    cpu = st.median(r[1] + r[2] for r in rows)
    rss = st.median(r[3] for r in rows) / 1024
    print(f"{f}\t{t}\t{b}\twall {wall:.2f} s\tCPU {cpu:.2f} s\tRSS {rss:.1f} MiB\tJSON {same}")
PY
	done
done
