#!/usr/bin/env bash
# The project's one entry point (package.json's scripts call it too):
#   ./run.sh start   set up, build, serve the app at http://127.0.0.1:5173/
#   ./run.sh test    set up, build, run every suite (CTest, node --test, Playwright, the engines)
#   ./run.sh build   set up and build; the app ready to deploy in dist/ (any static host, any path)
#   ./run.sh bench   speed benchmark (bench/results/speed.json)
# Set-up installs what is missing: Debian packages (as root or through sudo) and npm ci.
set -euo pipefail
cd "$(dirname "$0")"
export NODE_PATH=/usr/share/nodejs       # emcc's JS optimiser needs acorn from Debian's node modules

APT_PACKAGES="emscripten chromium firefox-esr webkit2gtk-driver xvfb xauth python3-torch python3-onnx cmake ninja-build gcc pkg-config nodejs npm wabt"

missing_packages() {
  local missing=""
  command -v emcc >/dev/null || missing="$missing emscripten"
  [ -x /usr/bin/chromium ] || missing="$missing chromium"
  [ -x /usr/bin/firefox-esr ] || missing="$missing firefox-esr"
  command -v WebKitWebDriver >/dev/null || missing="$missing webkit2gtk-driver"
  command -v xvfb-run >/dev/null || missing="$missing xvfb"
  command -v xauth >/dev/null || missing="$missing xauth"
  /usr/bin/python3 -c 'import torch' 2>/dev/null || missing="$missing python3-torch"
  /usr/bin/python3 -c 'import onnx' 2>/dev/null || missing="$missing python3-onnx"
  command -v cmake >/dev/null || missing="$missing cmake"
  command -v ninja >/dev/null || missing="$missing ninja-build"
  command -v pkg-config >/dev/null || missing="$missing pkg-config"
  command -v gcc >/dev/null || missing="$missing gcc"
  command -v node >/dev/null || missing="$missing nodejs"
  command -v npm >/dev/null || missing="$missing npm"
  echo "$missing"
}

setup() {
  local missing
  missing=$(missing_packages)
  if [ -n "$missing" ]; then
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
      if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
        echo "Missing packages:$missing"
        echo "Install them with:  sudo apt-get install -y$missing"
        exit 1
      fi
    fi
    echo "Installing:$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "Node.js $(node --version) is too old: Vite needs Node.js 20.19 or newer (https://nodejs.org, or NodeSource's Debian packages)."
    exit 1
  fi
  npm ci --no-audit --no-fund --loglevel=error
}

build() {
  cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release -DWERROR=ON >/dev/null
  cmake --build build/native
  if [ ! -f build/wasm/build.ninja ]; then
    emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release -DWERROR=ON \
      -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
  fi
  cmake --build build/wasm
  node scripts/prepare-data.mjs
}

case "${1:-}" in
  start)
    setup; build
    echo "Serving the app at http://127.0.0.1:5173/"
    exec npx vite --config vite.config.mjs --host 127.0.0.1 --port 5173 --strictPort ;;
  test)
    setup; build
    logs=$(mktemp -d)
    echo "== CTest (native C)"
    ctest --test-dir build/native --output-on-failure 2>&1 | tee "$logs/ctest"
    echo "== CTest again under AddressSanitizer + UndefinedBehaviorSanitizer"
    cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=ON -DWERROR=ON >/dev/null
    cmake --build build/asan
    ctest --test-dir build/asan --output-on-failure 2>&1 | tee "$logs/ctest-asan"
    echo "== node --test (the wasm build in Node)"
    node --test tests/node/ 2>&1 | tee "$logs/node"
    echo "== Playwright (the app in Chromium)"
    CI=1 npx playwright test 2>&1 | tee "$logs/playwright"
    echo "== The core scenario in Chromium, Firefox ESR and WebKitGTK (under Xvfb; LANG=C.UTF-8 on purpose)"
    xvfb-run -a env LANG=C.UTF-8 node tests/engines/run.mjs 2>&1 | tee "$logs/engines"
    echo "== Playwright against the production build (vite build + preview, strict CSP)"
    CI=1 PREVIEW=1 npx playwright test tests/e2e/pipeline.spec.mjs tests/e2e/hardening.spec.mjs 2>&1 | tee "$logs/playwright-preview"
    # one closing line over all suites (each suite already failed the script if it failed)
    c=$(cat "$logs/ctest" "$logs/ctest-asan" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' |
        awk '{ total += $1; failed += $2 } END { print total, failed }')
    n=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$logs/node" | tail -1)
    nf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$logs/node" | tail -1)
    p=$(cat "$logs/playwright" "$logs/playwright-preview" | sed -n 's/^ *\([0-9]*\) passed (.*/\1/p' | awk '{ s += $1 } END { print s }')
    e=$(sed -n 's/^engines: \([0-9]*\) passed, [0-9]* failed$/\1/p' "$logs/engines" | tail -1)
    total=$(( ${c% *} - ${c#* } + n + p + ${e:-0} )); failed=$(( ${c#* } + nf ))
    if [ "${c% *}" -eq 0 ] || [ "${n:-0}" -eq 0 ] || [ "${p:-0}" -eq 0 ] || [ "${e:-0}" -eq 0 ]; then echo "a suite ran no test"; exit 1; fi
    echo "all suites: $total passed, $failed failed" ;;
  build)
    setup; build
    npx vite build --config vite.config.mjs --logLevel warn
    echo "dist/ holds the app: copy it to any static host, at any path (docs/deploy.md)" ;;
  bench) setup; build; node bench/speed.mjs "${@:2}" ;;
  *) echo "usage: ./run.sh start|test|build|bench"; exit 2 ;;
esac
