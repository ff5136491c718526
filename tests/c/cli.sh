#!/bin/sh
# The command-line tools on bad runs: resuming a finished run reports the accuracy of the model
# it holds (not 0), resuming on another amount of data is refused with the reason, the
# benchmark stops with a message when training diverges instead of waiting for steps forever,
# damaged model and my-digits files are refused with the reason, every numeric setting is taken
# at its documented bounds and refused beyond them, a design over the memory limit is refused,
# crafted model files of designs that are not the exercise's (tests/c/craft.h) are refused by
# every tool with the rule they break and nothing is written, and the crafted files every reader
# accepts run.
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
# mnist-train and mnist-teach: every numeric setting at the bounds --help documents is accepted
# (a FLOAT's bound too: "--dropout 0.9" was refused as outside 0..0.9), and just beyond them
# (a whole number's neighbour; a decimal a millionth of its size beyond) refused naming the option
ranges=0
for tool in "$train" "$teach"; do
  "$tool" --help | sed -n 's/^  \(--[a-z0-9-]*\) *\([XN]\) .*; \([^ ]*\) to \([^ )]*\))$/\1 \2 \3 \4/p' > "$dir/ranges"
  [ -s "$dir/ranges" ] || fail "no ranges in $tool --help"
  while read -r opt kind lo hi; do
    for v in "$lo" "$hi"; do
      "$tool" "$opt" "$v" --help > /dev/null 2> "$dir/err" || fail "$tool $opt $v (a documented bound) refused: $(cat "$dir/err")"
    done
    if [ "$hi" = 18446744073709551615 ]; then beyond="-1 18446744073709551616"
    elif [ "$kind" = N ]; then beyond=$(awk -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.0f %.0f", lo - 1, hi + 1 }')
    else beyond=$(awk -v lo="$lo" -v hi="$hi" 'BEGIN { d = lo == 0 ? 1e-6 : lo * 1e-6; u = hi == 0 ? 1e-6 : hi * 1e-6; printf "%.9g %.9g", lo - d, hi + u }')
    fi
    for v in $beyond; do
      if "$tool" "$opt" "$v" --help > /dev/null 2> "$dir/err"; then fail "$tool $opt $v (beyond its range $lo to $hi) accepted"; fi
      grep -q -- "$opt" "$dir/err" && grep -q -- "$v" "$dir/err" || fail "$tool $opt $v: no reason naming it: $(cat "$dir/err")"
    done
    ranges=$((ranges + 1))
  done < "$dir/ranges"
done
[ "$ranges" -ge 30 ] || fail "only $ranges settings with ranges in --help"
# a design whose memory plan is above the limit (it passed the old limits) is refused with the parts
big="c16k3 m2 c16k3 m2 c256k3 c400k3 gap fc10"
if "$train" --describe --arch "$big" > /dev/null 2> "$dir/err"; then fail "--describe of a design needing ~600 MB accepted"; fi
grep -q "more than the limit of 150 MB (.*per-chunk weight gradients" "$dir/err" || fail "design over the memory limit: $(cat "$dir/err")"
"$train" --describe --arch no-transitions > /dev/null || fail "the largest named design refused"
# --designs --json: a line per named design with name, spec, params and macs; a design with a recipe
# preset of its own name names it, and --arch NAME --preset NAME both take it
"$train" --designs --json > "$dir/designs" || fail "--designs --json"
[ "$(wc -l < "$dir/designs")" -ge 6 ] || fail "--designs --json: $(cat "$dir/designs")"
grep -v -c '^{"name":"[a-z0-9-]*","spec":"[^"]*","params":[0-9]*,"macs":[0-9]*\(,"preset":"[a-z0-9-]*"\)\?}$' \
  "$dir/designs" | grep -qx 0 || fail "--designs --json lines: $(cat "$dir/designs")"
grep -q '"name":"reference".*"params":15122,' "$dir/designs" || fail "--designs --json: the reference net's count"
for name in $(sed -n 's/.*"preset":"\([a-z0-9-]*\)".*/\1/p' "$dir/designs"); do
  "$train" --arch "$name" --preset "$name" --describe > /dev/null || fail "--arch $name --preset $name"
done
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
echo "cli: 14 checks ($ranges settings at their bounds), 0 failed"
