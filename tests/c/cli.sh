#!/bin/sh
# The command-line tools on bad runs: resuming a finished run reports the accuracy of the model
# it holds (not 0), resuming on another amount of data is refused with the reason, and the
# benchmark stops with a message when training diverges instead of waiting for steps forever.
# Usage: cli.sh MNIST-TRAIN MNIST-BENCH MNIST-DATA-DIR
set -u
train=$1 bench=$2 data=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$train" --data "$data" --limit 256 --batch 64 --epochs 1 --threads 2 --save "$dir/run.bin" --json > "$dir/first" || fail "first run"
out=$("$train" --data "$data" --limit 256 --threads 2 --resume "$dir/run.bin" --json | tail -n 1)
acc=$(echo "$out" | sed -n 's/.*"final_test_acc":\([0-9.]*\).*/\1/p')
first=$(tail -n 1 "$dir/first" | sed -n 's/.*"final_test_acc":\([0-9.]*\).*/\1/p')
[ -n "$acc" ] && [ "$acc" = "$first" ] || fail "a finished run resumed reports final_test_acc '$acc'; the run itself ended at '$first' ($out)"

if "$train" --data "$data" --limit 128 --threads 2 --resume "$dir/run.bin" --json > /dev/null 2> "$dir/err"; then
  fail "resuming a run of 256 images on 128 was accepted"
fi
grep -q "same training set" "$dir/err" || fail "no reason given: $(cat "$dir/err")"

"$bench" --lr 1e4 --reps 10 --steps 10 --batch 32 --threads 1 > /dev/null 2> "$dir/bench"
rc=$?
[ $rc -eq 3 ] && grep -q "diverged" "$dir/bench" || fail "mnist-bench on a diverging run: exit $rc, $(cat "$dir/bench")"
echo "cli: 3 checks, 0 failed"
