#!/usr/bin/env bash
# Fuzzes the IDX reader, the model-file reader, the safetensors reader, the my-digits reader and drawing preprocessing with libFuzzer
# (clang, with AddressSanitizer and UndefinedBehaviorSanitizer), each for a bounded time.
#   tests/fuzz/run.sh [seconds per target, default 60]
# Crashing inputs are written to tests/fuzz/regressions/<target>/ (commit them: CTest replays
# that folder with gcc on every test run). Needs clang and its libFuzzer runtime.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
out=build/fuzz
mkdir -p "$out"
src=$(ls src/runtime/*.c src/kernels/*.c src/nn/*.c src/data/*.c src/train/*.c src/formats/*.c | grep -v __avx)
extra=""
if [ "$(uname -m)" = x86_64 ]; then   # the AVX2 kernel file is built with its own flags, as in CMake
  clang -std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -Isrc -mavx2 -mfma -fsanitize=address,undefined -c src/kernels/gemm__avx2.c -o "$out/gemm__avx2.o"
  clang -std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -Isrc -mavx512f -mavx2 -mfma -fsanitize=address,undefined -c src/kernels/gemm__avx512.c -o "$out/gemm__avx512.o"
  extra="$out/gemm__avx2.o $out/gemm__avx512.o"
fi
for target in idx model preprocess safetensors my_digits; do
  clang -std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all tests/fuzz/fuzz_$target.c $src $extra -o "$out/fuzz_$target" -lm -lpthread
  work="$out/corpus_$target"
  mkdir -p "$work" "tests/fuzz/regressions/$target"
  echo "== fuzz_$target for ${seconds}s"
  "$out/fuzz_$target" "$work" "tests/fuzz/corpus/$target" -max_total_time="$seconds" -max_len=300000 \
    -artifact_prefix="tests/fuzz/regressions/$target/" -print_final_stats=1 2>&1 | grep -E "stat::number_of_executed_units|stat::peak_rss|DONE|ERROR|SUMMARY" || true
done
