#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the repository's own fixtures.
# Run from anywhere: `bash fuzz/seed.sh`. The corpus is not committed
# (fuzz/.gitignore); libFuzzer adds what it finds to it on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One file per distinct line, named by the line's SHA-1 as libFuzzer does.
split_lines() { # DIR FILE...
    local dir=$1
    shift
    mkdir -p "$dir"
    cat "$@" | sort -u >"$tmp/lines"
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$line" ] || continue
        printf '%s' "$line" >"$tmp/one"
        h=$(sha1sum <"$tmp/one" | cut -c1-40)
        mv "$tmp/one" "$dir/$h"
    done <"$tmp/lines"
}

exim_logs=(fixtures/exim/mainlog fixtures/exim/mainlog-rich
    fixtures/retries/exim/mainlog fixtures/retries/exim/mainlog.1
    fixtures/real/exim/mainlog-default fixtures/real/exim/mainlog-rich)
postfix_logs=(fixtures/postfix/maillog fixtures/postfix/maillog-nov02
    fixtures/postfix/mail.log-rfc3339 fixtures/newyear/maillog
    fixtures/real/postfix/maillog-classic fixtures/real/postfix/maillog-rfc3339)
for f in fixtures/retries/postfix/* fixtures/rotated/postfix/*; do
    case $f in *.gz) ;; *) [ -f "$f" ] && postfix_logs+=("$f") ;; esac
done

split_lines "$corpus/exim_line" "${exim_logs[@]}"
split_lines "$corpus/postfix_line" "${postfix_logs[@]}"

# reply: the remote reply texts, Postfix's after "said: " / "talk to me: ",
# Exim's from ": 421" on; a few hundred distinct ones.
{
    grep -ho -e 'said: .*' -e 'talk to me: .*' "${postfix_logs[@]}" |
        sed -e 's/^said: //' -e 's/^talk to me: //' -e 's/ (in reply to [^)]*))$//' -e 's/)$//'
    grep -ho ': 4[0-9][0-9][ -].*' "${exim_logs[@]}" | sed -e 's/^: //' -e 's/)$//'
} | sort -u | head -n 400 >"$tmp/replies"
split_lines "$corpus/reply" "$tmp/replies"

# gzip_input: small gzip files from fixture slices (single and multi-member),
# a truncated member, a member followed by garbage, and plain text.
g=$corpus/gzip_input
mkdir -p "$g"
n=0
for f in fixtures/exim/mainlog fixtures/postfix/maillog fixtures/postfix/mail.log-rfc3339; do
    for start in 1 40 80; do
        n=$((n + 1))
        sed -n "${start},$((start + 12))p" "$f" >"$tmp/slice"
        gzip -n -c "$tmp/slice" >"$g/slice-$n.gz"
        cp "$tmp/slice" "$g/plain-$n.log"
        sed -n "$((start + 13)),$((start + 20))p" "$f" | gzip -n -c >"$tmp/second"
        cat "$g/slice-$n.gz" "$tmp/second" >"$g/multi-$n.gz"
        head -c $(($(stat -c %s "$g/slice-$n.gz") * 2 / 3)) "$g/slice-$n.gz" >"$g/truncated-$n.gz"
        { cat "$g/slice-$n.gz"; printf 'garbage after the member\n'; } >"$g/trailing-$n.gz"
    done
done
cp fixtures/gzip/multi-member.log.gz "$g/fixture-multi-member.gz"
printf '' | gzip -n -c >"$g/empty-member.gz"
printf 'no newline at the end' >"$g/plain-no-newline.log"
echo "seeded: $(for t in exim_line postfix_line reply gzip_input; do
    printf '%s=%s ' "$t" "$(ls "$corpus/$t" | wc -l)"
done)"
