#!/bin/sh
# The C library as another program sees it (CTest c_install): `cmake --install` into an empty
# prefix, then README's "Use it from C" program, as printed, built against the installed files
# only — once with pkg-config, once as a CMake project with find_package(mnist-in-a-tab) — and
# run: it trains a design a few steps, saves the model file, reads it back and classifies.
# Also: the public header is the only one installed (install_symbols.sh checks the symbols).
#   install_check.sh BUILD_DIR README.md
set -eu
build=$1 readme=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
headers=$(cd "$work/prefix" && find include -type f | sort | tr '\n' ' ')
[ "$headers" = "include/mnist/mnist.h " ] || { echo "FAIL: installed headers are [$headers], not only mnist/mnist.h"; exit 1; }
mkdir -p "$work/app"
# the first C block after the "## Use it from C" heading
awk '/^## Use it from C/ { s = 1 } s && /^```c$/ { c = 1; next } c && /^```$/ { exit } c { print }' "$readme" > "$work/app/example.c"
test -s "$work/app/example.c" || { echo "FAIL: no C example under README's \"Use it from C\""; exit 1; }

cd "$work/app"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror example.c $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs mnist-in-a-tab) -o with-pkg-config
out=$(./with-pkg-config)
echo "pkg-config build: $out"
echo "$out" | grep -q "^7722 parameters, 12 steps, last loss [0-9.]*; image 1 (a 1) read as [0-9]$" || { echo "FAIL: unexpected output"; exit 1; }

cat > CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(example C)
find_package(mnist-in-a-tab REQUIRED)
add_executable(example example.c)
target_link_libraries(example mnist::mnist)
CMAKE
cmake -S . -B build -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build >/dev/null
out2=$(./build/example)
echo "CMake build: $out2"
[ "$out" = "$out2" ] || { echo "FAIL: the two builds differ"; exit 1; }
echo "c_install: ok"
