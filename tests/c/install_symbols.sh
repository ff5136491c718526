#!/bin/sh
# The installed C library's symbols (CTest c_install_symbols): `cmake --install` into an empty
# prefix, then every library in it, with nm:
#   - no defined global symbol without the mnist_ prefix (`nm -g --defined-only`): internal
#     names (net_create, pool_run, model_load, ...) cannot clash with a program's;
#   - the exported names are exactly the functions include/mnist/mnist.h declares;
#   - nothing of the self-tests and benchmarks (the pipeline probe, the kernels' self-check, the
#     arithmetic peak: probe_*, kernel_check_*, peak_*), not even as a local symbol or an object.
# (install_check.sh checks that the public header is the only one installed.)
#   install_symbols.sh BUILD_DIR [NM [AR]]
set -eu
build=$1 nm=${2:-nm} ar=${3:-ar}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
status=0
fail() { echo "FAIL: $*"; status=1; }

header=$prefix/include/mnist/mnist.h
[ -f "$header" ] || fail "no include/mnist/mnist.h installed"
declared=$(grep -o 'mnist_[a-z0-9_]*(' "$header" 2>/dev/null | tr -d '(' | sort -u || true)

libs=$(find "$prefix" -name '*.a' -o -name '*.so' | sort)
[ -n "$libs" ] || fail "no library installed"
for lib in $libs; do
  name=${lib#"$prefix"/}
  exported=$("$nm" -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u)
  foreign=$(echo "$exported" | grep -v '^mnist_' || true)
  [ -z "$foreign" ] || fail "$name exports $(echo "$foreign" | wc -l) names without the mnist_ prefix:" \
    "$(echo $foreign | cut -c1-400)"
  undeclared=$(echo "$exported" | grep '^mnist_' | grep -vxF "$declared" || true)
  [ -z "$undeclared" ] || fail "$name exports mnist_ names the header does not declare: $(echo $undeclared)"
  missing=$(echo "$declared" | grep -vxF "$exported" || true)
  [ -z "$missing" ] || fail "$name lacks functions the header declares: $(echo $missing)"
  selftest=$("$nm" "$lib" | awk 'NF >= 2 { print $NF }' | grep -E '^(probe_|kernel_check_|peak_)' | sort -u || true)
  [ -z "$selftest" ] || fail "$name holds self-test or benchmark code: $(echo $selftest | cut -c1-400)"
  objects=$("$ar" t "$lib" | grep -E 'probe|kernel_check|peak' || true)
  [ -z "$objects" ] || fail "$name holds the objects $(echo $objects)"
  echo "$name: $(echo "$exported" | grep -c .) names exported," \
    "$(echo "$exported" | grep -c '^mnist_') of them mnist_; $("$ar" t "$lib" | wc -l) object(s)"
done
[ $status = 0 ] && echo "c_install_symbols: ok"
exit $status
