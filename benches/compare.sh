#!/usr/bin/env bash
# Compare maillog421 with grep -c, gzip -dc, pflogsumm and eximstats on generated logs (issue 4).
#
#   bash benches/compare.sh                               # 1 GiB inputs, 3 runs each, 4 GiB and jammed memory checks
#   SIZE_MB=64 REPEAT=1 BIG_MB=0 JAMMED_MB=0 bash benches/compare.sh  # smoke test, a couple of minutes
#
# Environment:
#   SIZE_MB  size of each generated input in MiB (default 1024)
#   REPEAT   runs per tool and input; the table shows medians (default 3)
#   BIG_MB   size of the second plain file of the memory check (default 4096; 0 skips it)
#   JAMMED_MB  size of the jammed-queue Exim log (every 421-deferred recipient stays queued,
#            `genlog --jammed`; default 2048; 0 skips it; skipped with a note when this genlog has
#            no --jammed option)
#   WORK     scratch directory for inputs and results (default /tmp/maillog421-compare)
#   SEED     genlog seed (default 421)
#   REGEN=1  regenerate inputs even if they exist
#   WITH_PEERS=0  leave out pflogsumm and eximstats (minutes per run on 1 GiB): maillog421 against
#            grep -c and gzip -dc only
#   ALLOW_MISMATCH=1  report maillog421-vs-truth differences, carry on, print the table, exit 3
#
# Needs: cargo, apt-get (to install pflogsumm, time, and to download exim4-base), perl.
# eximstats ships in exim4-base, which drags in an MTA and conflicts with postfix, so unless an
# `eximstats` is already on PATH the package is only downloaded and unpacked into $WORK/peers
# (`apt-get download exim4-base && dpkg -x`) and the script run with perl.
# The markdown table goes to stdout (and $WORK/table.md); progress goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/tmp/maillog421-compare}
SIZE_MB=${SIZE_MB:-1024}
REPEAT=${REPEAT:-3}
BIG_MB=${BIG_MB:-4096}
JAMMED_MB=${JAMMED_MB:-2048}
SEED=${SEED:-421}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
M421=$TARGET/release/maillog421
GENLOG=$TARGET/release/examples/genlog
# Year and zone are fixed so that every run reads the same stamps the same way.
M421_ARGS=(report --format json --tz utc --year 2026)

log() { printf '%s compare: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	printf 'compare: FAILED: %s\n' "$*" >&2
	exit 1
}

mkdir -p "$WORK"
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# ---------------------------------------------------------------------------------------------
# Peers

APT_UPDATED=0
apt_install() {
	if [ "$APT_UPDATED" = 0 ]; then
		log "apt-get update"
		apt-get update -qq >&2
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

[ -x /usr/bin/time ] || apt_install time
WITH_PEERS=${WITH_PEERS:-1}
if [ "$WITH_PEERS" = 0 ]; then
	log "WITH_PEERS=0: pflogsumm and eximstats left out"
else
command -v pflogsumm >/dev/null 2>&1 || apt_install pflogsumm
command -v perl >/dev/null 2>&1 || apt_install perl
PFLOGSUMM=(pflogsumm)

if command -v eximstats >/dev/null 2>&1; then
	EXIMSTATS=(eximstats)
else
	PEERS=$WORK/peers
	if [ ! -f "$PEERS/x/usr/sbin/eximstats" ]; then
		mkdir -p "$PEERS"
		if ! ls "$PEERS"/exim4-base_*.deb >/dev/null 2>&1; then
			[ "$APT_UPDATED" = 1 ] || {
				apt-get update -qq >&2
				APT_UPDATED=1
			}
			log "apt-get download exim4-base (eximstats; not installed: exim4 would replace postfix)"
			# _apt cannot write to a root-owned scratch dir; download as root without sandbox
			(cd "$PEERS" && apt-get download -o APT::Sandbox::User=root exim4-base >&2)
		fi
		dpkg -x "$PEERS"/exim4-base_*.deb "$PEERS/x"
	fi
	EXIMSTATS=(perl "$PEERS/x/usr/sbin/eximstats")
fi
fi
perl -MJSON::PP -e 1 || die "perl JSON::PP missing"

# ---------------------------------------------------------------------------------------------
# Build

log "cargo build --release (binary and genlog example)"
(cd "$ROOT" && cargo build --release -q --bin maillog421 --example genlog) >&2
[ -x "$M421" ] || die "$M421 not built"
[ -x "$GENLOG" ] || die "$GENLOG not built"

# ---------------------------------------------------------------------------------------------
# Inputs

# gen FORMAT SIZE NAME [--rotate K]: $WORK/NAME (+ NAME.K.gz ...) and NAME.truth.json
gen() {
	local fmt=$1 size=$2 name=$3
	shift 3
	local out=$WORK/$name
	if [ "${REGEN:-0}" = 1 ] || [ ! -f "$out.truth.json" ] || [ ! -f "$out" ]; then
		log "genlog $fmt $size MiB -> $out $*"
		rm -f "$out" "$out".*.gz "$out.truth.json"
		"$GENLOG" "$fmt" "$size" "$out" --seed "$SEED" "$@" 2>&1 | sed 's/^/  /' >&2
	fi
}

# files NAME: the files of an input, oldest first
files() {
	local out=$WORK/$1 f
	for f in $(ls "$out".*.gz 2>/dev/null | sed -E 's/.*\.([0-9]+)\.gz$/\1 &/' | sort -rn | cut -d' ' -f2); do
		printf '%s\n' "$f"
	done
	printf '%s\n' "$out"
}

EXIM=exim-$SIZE_MB.log
POSTFIX=postfix-$SIZE_MB.log
EXIM_GZ=exim-$SIZE_MB-rot4.log
POSTFIX_GZ=postfix-$SIZE_MB-rot4.log
gen exim "$SIZE_MB" "$EXIM"
gen postfix "$SIZE_MB" "$POSTFIX"
gen exim "$SIZE_MB" "$EXIM_GZ" --rotate 4
gen postfix "$SIZE_MB" "$POSTFIX_GZ" --rotate 4

# ---------------------------------------------------------------------------------------------
# Measurement

# measure INPUT TOOL OUTFILE CMD...: one run under /usr/bin/time -v, appended to $RESULTS
measure() {
	local input=$1 tool=$2 out=$3
	shift 3
	local tv=$WORK/time.txt rc=0
	/usr/bin/time -v -o "$tv" "$@" >"$out" 2>"$WORK/stderr.txt" || rc=$?
	if [ "$rc" != 0 ]; then
		# grep -c exits 1 when it counts 0; everything else is a failure
		if ! { [ "$tool" = "grep -c" ] && [ "$rc" = 1 ]; }; then
			sed 's/^/  /' "$WORK/stderr.txt" | tail -5 >&2
			die "$tool on $input exited $rc"
		fi
	fi
	local wall rss cpu
	cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 } END { print s }' "$tv")
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tv")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
	printf '%s\t%s\t%s\t%s\t%s\n' "$input" "$tool" "$wall" "$rss" "$cpu" >>"$RESULTS"
	log "  $input  $tool: ${wall}s, CPU ${cpu}s, $((rss / 1024)) MiB"
}

# check_truth REPORT.json TRUTH.json
check_truth() {
	perl -MJSON::PP -e '
		my ($rep, $tr) = map { local $/; open my $f, "<", $_ or die "$_: $!"; decode_json(<$f>) } @ARGV;
		my $t = $rep->{totals};
		my @bad;
		for my $k (qw(lines delivered deferred bounced retry_skipped messages_received deferrals_421
		              suspended_421 replies_421 inbound_421)) {
			push @bad, "$k: maillog421 $t->{$k}, truth $tr->{$k}" if $t->{$k} != $tr->{$k};
		}
		for my $c (@{$rep->{by_category}}) {
			my $want = $tr->{by_category}{$c->{category}} // 0;
			push @bad, "by_category $c->{category}: maillog421 $c->{deferrals_421}, truth $want"
				if $c->{deferrals_421} != $want;
		}
		if (@bad) { print STDERR "  $_\n" for @bad; exit 1 }
	' "$1" "$2"
}

MISMATCHES=0
# run_input NAME KIND(exim|postfix) GZ(0|1)
run_input() {
	local name=$1 kind=$2 gz=$3
	local truth=$WORK/$name.truth.json
	local -a fl
	mapfile -t fl < <(files "$name")
	local label=$name
	log "input $label (${#fl[@]} file(s))"
	local j1=$WORK/$name.t1.json jn=$WORK/$name.tn.json r
	for ((r = 1; r <= REPEAT; r++)); do
		measure "$label" "maillog421" "$jn" "$M421" "${M421_ARGS[@]}" "${fl[@]}"
		measure "$label" "maillog421 --threads 1" "$j1" "$M421" "${M421_ARGS[@]}" --threads 1 "${fl[@]}"
		if [ "$gz" = 1 ]; then
			measure "$label" "grep -c" "$WORK/grep.out" bash -c 'set -o pipefail; gzip -dcf "$@" | grep -c " 421 "' _ "${fl[@]}"
			# -f: the newest file of a rotated set is plain
			measure "$label" "gzip -dc" /dev/null gzip -dcf "${fl[@]}"
		else
			measure "$label" "grep -c" "$WORK/grep.out" grep -c ' 421 ' "${fl[@]}"
		fi
		if [ "$WITH_PEERS" = 0 ]; then
			:
		elif [ "$kind" = postfix ] && [ "$gz" = 0 ]; then
			measure "$label" "pflogsumm" "$WORK/pflogsumm.out" "${PFLOGSUMM[@]}" "${fl[@]}"
		elif [ "$kind" = exim ]; then
			measure "$label" "eximstats" "$WORK/eximstats.out" "${EXIMSTATS[@]}" "${fl[@]}"
		fi
	done
	if ! cmp -s "$j1" "$jn"; then
		die "$label: --threads 1 and the default give different JSON ($j1 vs $jn)"
	fi
	if ! check_truth "$jn" "$truth"; then
		MISMATCHES=$((MISMATCHES + 1))
		if [ "${ALLOW_MISMATCH:-0}" = 1 ]; then
			log "WARNING: $label: maillog421 totals differ from the truth $truth (ALLOW_MISMATCH=1, carrying on)"
		else
			die "$label: maillog421 totals differ from the truth $truth (see above)"
		fi
	else
		log "  $label: totals equal the truth; --threads 1 == default"
	fi
}

run_input "$EXIM" exim 0
run_input "$POSTFIX" postfix 0
run_input "$EXIM_GZ" exim 1
run_input "$POSTFIX_GZ" postfix 1

# Memory check: peak RSS on the SIZE_MB plain file (measured above) and a BIG_MB plain file.
if [ "$BIG_MB" != 0 ]; then
	BIG=exim-$BIG_MB.log
	gen exim "$BIG_MB" "$BIG"
	log "memory check on $BIG"
	measure "$BIG" "maillog421" "$WORK/$BIG.tn.json" "$M421" "${M421_ARGS[@]}" "$WORK/$BIG"
	if ! check_truth "$WORK/$BIG.tn.json" "$WORK/$BIG.truth.json"; then
		MISMATCHES=$((MISMATCHES + 1))
		[ "${ALLOW_MISMATCH:-0}" = 1 ] || die "$BIG: maillog421 totals differ from the truth"
	fi
fi

# Jammed queue: the recipients a 421 deferred never get through, so every such pair stays open.
JAMMED=
if [ "$JAMMED_MB" != 0 ]; then
	genlog_help=$("$GENLOG" --help 2>&1 || true)
	if [[ $genlog_help == *--jammed* ]]; then
		JAMMED=exim-$JAMMED_MB-jammed.log
		gen exim "$JAMMED_MB" "$JAMMED" --jammed
		log "memory check on $JAMMED"
		measure "$JAMMED" "maillog421" "$WORK/$JAMMED.tn.json" "$M421" "${M421_ARGS[@]}" "$WORK/$JAMMED"
		if ! check_truth "$WORK/$JAMMED.tn.json" "$WORK/$JAMMED.truth.json"; then
			MISMATCHES=$((MISMATCHES + 1))
			[ "${ALLOW_MISMATCH:-0}" = 1 ] || die "$JAMMED: maillog421 totals differ from the truth"
		fi
	else
		log "genlog has no --jammed option: no jammed-queue row"
	fi
fi

# ---------------------------------------------------------------------------------------------
# Table

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# med INPUT TOOL COLUMN(3=wall, 4=rss KiB, 5=CPU s, user + system)
med() { awk -F'\t' -v i="$1" -v t="$2" -v c="$3" '$1 == i && $2 == t { print $c }' "$RESULTS" | median; }

input_mib() {
	local n=0 f
	# uncompressed size: the truth file knows it
	n=$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die; print decode_json(<$f>)->{bytes}' "$WORK/$1.truth.json")
	awk -v b="$n" 'BEGIN { printf "%.0f", b / 1048576 }'
}

table() {
	local cpus
	cpus=$(nproc)
	echo "maillog421 vs peers: SIZE_MB=$SIZE_MB REPEAT=$REPEAT SEED=$SEED, $cpus cores, $(date -u +%Y-%m-%d)."
	echo "Medians of $REPEAT run(s) under /usr/bin/time -v. \"maillog421 ÷ tool\" is maillog421's (default threads) median wall time over the tool's: below 1 means maillog421 is faster. CPU s is user + system time (all threads): on a shared machine it moves less than the wall time."
	echo
	echo "| input | MiB | tool | median wall s | MiB/s | median CPU s | median max RSS MiB | maillog421 ÷ tool |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|"
	local input tool m421 wall rss cpu mib
	for input in "$EXIM" "$POSTFIX" "$EXIM_GZ" "$POSTFIX_GZ"; do
		mib=$(input_mib "$input")
		m421=$(med "$input" maillog421 3)
		while IFS= read -r tool; do
			wall=$(med "$input" "$tool" 3)
			rss=$(med "$input" "$tool" 4)
			cpu=$(med "$input" "$tool" 5)
			awk -v i="$input" -v m="$mib" -v t="$tool" -v w="$wall" -v r="$rss" -v x="$m421" -v c="$cpu" 'BEGIN {
				ratio = (t == "maillog421") ? "1" : (w > 0 ? sprintf("%.2f", x / w) : "n/a")
				mbs = w > 0 ? sprintf("%.0f", m / w) : "n/a"
				printf "| %s | %s | %s | %.2f | %s | %.2f | %.1f | %s |\n", i, m, t, w, mbs, c, r / 1024, ratio }'
		done < <(awk -F'\t' -v i="$input" '$1 == i { print $2 }' "$RESULTS" | awk '!seen[$0]++')
	done
	echo
	echo "Memory check (maillog421, default threads, plain Exim file${JAMMED:+; $JAMMED: every 421-deferred recipient still queued at the end}):"
	echo
	echo "| input | MiB | wall s | max RSS MiB |"
	echo "|---|---:|---:|---:|"
	for input in "$EXIM" ${BIG:+"$BIG"} ${JAMMED:+"$JAMMED"}; do
		awk -v i="$input" -v m="$(input_mib "$input")" -v w="$(med "$input" maillog421 3)" -v r="$(med "$input" maillog421 4)" \
			'BEGIN { printf "| %s | %s | %.2f | %.1f |\n", i, m, w, r / 1024 }'
	done
	if [ "$MISMATCHES" != 0 ]; then
		echo
		echo "WARNING: $MISMATCHES input(s) where maillog421's totals differ from the generator's truth (ALLOW_MISMATCH=1)."
	fi
}

table | tee "$WORK/table.md"
# the table is printed either way; disagreements with the truth still fail the run
[ "$MISMATCHES" = 0 ] || exit 3
