#!/bin/sh
# The command-line tools on bad runs: resuming a finished run reports the accuracy of the model
# it holds (not 0), resuming on another amount of data is refused with the reason, the
# benchmark stops with a message when training diverges instead of waiting for steps forever,
# damaged model and my-digits files are refused with the reason, crafted model files of designs
# that are not the exercise's (tests/c/craft.h) are refused by every tool with the rule they
# break and nothing is written, and the crafted files every reader accepts run.
# Usage: cli.sh MNIST-TRAIN MNIST-BENCH MNIST-DATA-DIR CRAFT-MODELS
set -u
train=$1 bench=$2 data=$3 craft=$4
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
# mnist-export refuses damaged inputs with the reason, and writes nothing
export_bin=$(dirname "$bench")/mnist-export
head -c 40 "$dir/run.bin" > "$dir/cut.bin"
if "$export_bin" --model "$dir/cut.bin" --onnx "$dir/cut.onnx" 2> "$dir/err"; then fail "a truncated model was exported"; fi
grep -q "truncated" "$dir/err" && [ ! -e "$dir/cut.onnx" ] || fail "truncated model: $(cat "$dir/err")"
"$export_bin" --model "$dir/run.bin" --safetensors "$dir/ok.safetensors" > /dev/null || fail "export of a good model"
printf '\377\377\377\377' | dd of="$dir/ok.safetensors" bs=1 seek=0 conv=notrunc 2> /dev/null   # header length ~4 GB
if "$export_bin" --model "$dir/ok.safetensors" --onnx "$dir/bad.onnx" 2> "$dir/err"; then fail "a damaged safetensors file was exported"; fi
grep -q "header length" "$dir/err" || fail "damaged safetensors: $(cat "$dir/err")"
# mnist-teach: a damaged my-digits file is refused with the reason, and no model is written;
# a short fine-tune on the blocky digits of tests/data writes a model that loads
teach=$(dirname "$bench")/mnist-teach
digits=$(dirname "$0")/../data/blocky-taught.mydigits
head -c 100 "$digits" > "$dir/cut.mydigits"
if "$teach" --data "$data" --model "$dir/run.bin" --digits "$dir/cut.mydigits" --out "$dir/taught.bin" 2> "$dir/err"; then fail "a cut my-digits file was taught"; fi
grep -q "cut short" "$dir/err" && [ ! -e "$dir/taught.bin" ] || fail "cut my-digits file: $(cat "$dir/err")"
"$teach" --data "$data" --model "$dir/run.bin" --digits "$digits" --steps 4 --threads 2 --out "$dir/taught.bin" --json > "$dir/teach" || fail "mnist-teach: $(cat "$dir/teach")"
grep -q '"held_out":10' "$dir/teach" || fail "mnist-teach output: $(cat "$dir/teach")"
"$export_bin" --model "$dir/taught.bin" --onnx "$dir/taught.onnx" > /dev/null || fail "the taught model does not load"
# mnist-train: a validation split is reported and never trained on; an unknown preset is refused with the list
out=$("$train" --data "$data" --preset fast --epochs 1 --limit 256 --batch 64 --validation 500 --threads 2 --json | tail -n 1)
echo "$out" | grep -q '"validation":500,"final_val_acc":[0-9]' || fail "no validation accuracy: $out"
if "$train" --data "$data" --preset nope 2> "$dir/err" > /dev/null; then fail "an unknown preset was accepted"; fi
grep -q "fast, reference, long" "$dir/err" || fail "unknown preset: $(cat "$dir/err")"
if "$train" --data "$data" --validation 60000 2> "$dir/err" > /dev/null; then fail "--validation 60000 was accepted"; fi
# crafted designs (the gate, nn/arch_spec.h): refused by mnist-teach, mnist-infer, mnist-export and
# mnist-train --resume with the rule, writing nothing; the accepted ones are read and taught
infer=$(dirname "$bench")/mnist-infer images="$data/t10k-images-idx3-ubyte"
# refuses WHAT COMMAND...: the command fails on crafted file $name, naming $rule
refuses() {
  what=$1; shift
  if "$@" > /dev/null 2> "$dir/err"; then fail "$what accepted $name"; fi
  grep -qF "$rule" "$dir/err" || fail "$what on $name, no rule \"$rule\": $(cat "$dir/err")"
}
mkdir "$dir/crafted"
"$craft" "$dir/crafted" > "$dir/crafted.txt" || fail "craft_models"
tab=$(printf '\t')
refused=0
while IFS="$tab" read -r name rule; do
  f="$dir/crafted/$name"
  if [ "$rule" = accepted ]; then
    "$infer" --model "$f" --images "$images" --limit 20 > /dev/null 2> "$dir/err" ||
      fail "mnist-infer on $name: $(cat "$dir/err")"
    continue
  fi
  refused=$((refused + 1))
  refuses mnist-teach "$teach" --data "$data" --model "$f" --digits "$digits" --steps 2 --out "$dir/crafted.out"
  refuses mnist-infer "$infer" --model "$f" --images "$images" --limit 20
  refuses mnist-export "$export_bin" --model "$f" --onnx "$dir/crafted.onnx"
  case "$name" in *.bin)
    refuses "mnist-train --resume" "$train" --data "$data" --limit 256 --threads 2 --resume "$f" \
      --save "$dir/crafted.out" ;;
  esac
  [ ! -e "$dir/crafted.out" ] && [ ! -e "$dir/crafted.onnx" ] || fail "a tool wrote a file for $name"
done < "$dir/crafted.txt"
[ "$refused" -ge 10 ] || fail "only $refused crafted files were refused: $(cat "$dir/crafted.txt")"
"$teach" --data "$data" --model "$dir/crafted/no-conv.bin" --digits "$digits" --steps 2 --threads 2 \
  --out "$dir/no-conv-taught.bin" > /dev/null 2> "$dir/err" ||
  fail "mnist-teach on a design without convolutions: $(cat "$dir/err")"
echo "cli: 13 checks, 0 failed"
