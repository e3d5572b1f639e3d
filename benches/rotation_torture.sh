#!/bin/sh
# Issue 16's torture run of `follow`: 1,000,000 Exim lines written while the
# log is rotated 20 times, mixing rename + create with the daemon's late
# writes, copytruncate + compress, copytruncate + delaycompress and two
# copytruncates before follow looks. Fails unless every 421 event comes out
# exactly once. Bounded: the writer pauses 2 ms every 500 lines, and every
# wait has a deadline.
set -eu
cd "$(dirname "$0")/.."
exec cargo test --release --locked --test rotation -- --ignored --nocapture million_lines_twenty_rotations_mixed
