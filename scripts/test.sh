#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every check mqtls has, in the order that fails cheapest first:
#
#   gcc        release build with -Werror, unit tests on the optimised code
#   clang      the same sources through a second compiler's warnings
#   asan       ASan + UBSan build; ctest runs every unit and integration test
#   core-size  Cortex-M4 cross build: size table + no heap/stdio/POSIX symbol
#   m4-unit    the core's unit tests cross-built as mps2-an386 images
#              (scripts/fw-build.sh), each run under qemu-system-arm
#   fuzz       libFuzzer targets, a fixed number of runs over their seed corpus
#   coverage   gcov build, unit tests, line and branch coverage of src/core
#   mbedtls36  mbedTLS 3.6 LTS (Debian trixie's source, built once into
#              build/mbedtls-3.6/host), src/tls compiled for Cortex-M4 with
#              no POSIX, then an ASan build against 3.6 runs the TLS,
#              credentials, doctor and compat tests (negative matrix and
#              hostile peers included) on mbedtls-3.6 and openssl
#   install    cmake --install to a temporary prefix, then build and run a
#              consumer with find_package(mqtls) and with pkg-config, and the
#              CC3200 example with pkg-config mqtls-compat (built, --help only)
#   package    Debian packages (cpack -G DEB: mqtls, libmqtls-dev), lintian
#              without errors, dpkg -i, consumers built against /usr
#   format     clang-format on the lines the last change touched
#              (git clang-format --diff against MQTLS_FORMAT_BASE, HEAD~1)
#   docs       Doxygen of the documented headers with every warning an
#              error, @param/@return of every function, each public header
#              documented or listed as pending; scripts/check-layers.sh;
#              scripts/spec-trace.sh --check (clause ids the tests cite)
#
#   scripts/test.sh                  everything (this is what CI runs)
#   scripts/test.sh --quick          skip fuzz and coverage
#   scripts/test.sh --only asan,fuzz only the named sections
#
# Environment: MQTLS_JOBS (default 2: the machines have 2 shared cores),
# MQTLS_FUZZ_RUNS (1000000 per target; the decoder does ~200k/s),
# MQTLS_FUZZ_MAX_TIME (s per target, 60), MQTLS_FUZZ_SEED (1: CI is
# reproducible; 0 for a random seed), MQTLS_COV_FAIL_UNDER_LINE /
# MQTLS_COV_FAIL_UNDER_BRANCH (percent; unset: report only).
#
# Every section stops the script at its first failure (set -e) and the EXIT
# trap names the section, so a CI log says what broke without scrolling.
# Build trees live in build/<section>, all ignored by git.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

JOBS=${MQTLS_JOBS:-2}
FUZZ_RUNS=${MQTLS_FUZZ_RUNS:-1000000}
FUZZ_MAX_TIME=${MQTLS_FUZZ_MAX_TIME:-60}
FUZZ_SEED=${MQTLS_FUZZ_SEED:-1}

ALL_SECTIONS=(format docs gcc clang asan core-size m4-unit mbedtls36 fuzz coverage install package)
SECTIONS=("${ALL_SECTIONS[@]}")

usage() {
  # The header comment of this file, from after the SPDX line to the code.
  awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "${BASH_SOURCE[0]}"
}

while (($#)); do
  case $1 in
    --quick) SECTIONS=(format docs gcc clang asan core-size m4-unit mbedtls36 install package) ;;
    --only)
      [[ $# -ge 2 ]] || { usage >&2; exit 1; }
      IFS=, read -r -a SECTIONS <<<"$2"
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "test.sh: unknown option '$1'" >&2; usage >&2; exit 1 ;;
  esac
  shift
done
for s in "${SECTIONS[@]}"; do
  [[ " ${ALL_SECTIONS[*]} " == *" $s "* ]] || { echo "test.sh: unknown section '$s'" >&2; exit 1; }
done

# ---- reporting ---------------------------------------------------------------
CURRENT=""
N_TESTS=""
PASSED=()
TIMES=()
T_START=$SECONDS

on_exit() {
  local rc=$?
  if ((rc != 0)); then
    echo
    echo "################################################################"
    echo "test.sh: FAILED in section '${CURRENT:-setup}' (exit $rc)"
    echo "################################################################"
    echo "sections: ${#PASSED[@]} passed, 1 failed"
  fi
}
trap on_exit EXIT

banner() {
  echo
  echo "================================================================"
  echo "== $*"
  echo "================================================================"
}

run_section() {
  local name=$1 t0=$SECONDS
  CURRENT=$name
  banner "[$name] $(section_title "$name")"
  "section_${name//-/_}"
  PASSED+=("$name")
  TIMES+=("$((SECONDS - t0))")
  echo "-- [$name] passed in $((SECONDS - t0)) s"
  CURRENT=""
}

section_title() {
  case $1 in
    gcc) echo "gcc release build, -Werror, unit tests" ;;
    clang) echo "clang build, -Werror; OpenSSL-only and client-only feature builds" ;;
    asan) echo "ASan+UBSan build, every unit and integration test" ;;
    core-size) echo "Cortex-M4 cross build, size, freestanding check" ;;
    m4-unit) echo "core unit tests on an emulated Cortex-M4 (qemu mps2-an386)" ;;
    mbedtls36) echo "mbedTLS 3.6: freestanding src/tls, TLS/cred/doctor/compat tests" ;;
    fuzz) echo "libFuzzer: ${FUZZ_RUNS} runs per target" ;;
    coverage) echo "coverage of src/core by the unit tests" ;;
    install) echo "install, then build a consumer with CMake and pkg-config" ;;
    package) echo "Debian packages: cpack, lintian, dpkg -i, consumers on /usr" ;;
    format) echo "clang-format of the lines the last change touched" ;;
    docs) echo "Doxygen warning-free, every parameter documented, layers as docs/architecture.md says" ;;
  esac
}

# ---- helpers -----------------------------------------------------------------
# configure DIR CMAKE-ARGS...: quiet unless something is wrong.
configure() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" --log-level=WARNING "$@"
}

build() {
  cmake --build "$1" -j "$JOBS" "${@:2}"
}

# Sanitizer behaviour for every test run: stop at the first report, with a
# stack, and fail the test (ctest sees the non-zero exit).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---- sections ----------------------------------------------------------------
section_gcc() {
  configure build/gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release -DMQTLS_WERROR=ON
  build build/gcc
  # The unit tests are fast; running them on -O2 code catches what only the
  # optimiser exposes (uninitialised reads, aliasing, UB folded away).
  ctest --test-dir build/gcc -L unit --output-on-failure --no-tests=error -j "$JOBS"
}

section_clang() {
  configure build/clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DMQTLS_WERROR=ON
  build build/clang
  # The features are untied from the engines: an OpenSSL-only build keeps
  # the credentials toolkit, the doctor and compat (on mbedTLS's X.509
  # libraries), and a build without them still makes a working client.
  configure build/clang-openssl-only -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
    -DMQTLS_WERROR=ON -DMQTLS_BUILD_TESTS=OFF -DMQTLS_WITH_MBEDTLS=OFF
  build build/clang-openssl-only
  build/clang-openssl-only/mqtls --version | grep -q 'TLS engines: openssl)' ||
    { echo "test.sh: the OpenSSL-only build names another engine" >&2; return 1; }
  build/clang-openssl-only/mqtls explain -456 >/dev/null
  configure build/clang-client-only -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DMQTLS_WERROR=ON \
    -DMQTLS_BUILD_TESTS=OFF -DMQTLS_WITH_CRED=OFF -DMQTLS_WITH_DIAG=OFF -DMQTLS_WITH_COMPAT=OFF
  build build/clang-client-only
  grep -q '#define MQTLS_WITH_CRED 0' build/clang-client-only/include/mqtls/build_config.h ||
    { echo "test.sh: build_config.h does not say MQTLS_WITH_CRED 0" >&2; return 1; }
  # A command left out of the build says which option brings it back, with
  # its own exit status for a failed operation.
  local cmd want opt rc msg
  for cmd in cert:1:MQTLS_WITH_CRED store:2:MQTLS_WITH_CRED doctor:1:MQTLS_WITH_DIAG explain:1:MQTLS_WITH_DIAG; do
    IFS=: read -r cmd want opt <<<"$cmd"
    rc=0
    msg=$(build/clang-client-only/mqtls "$cmd" 2>&1 >/dev/null) || rc=$?
    if [[ $rc -ne $want || $msg != "mqtls $cmd: this build has no "*"(configure with -D$opt=ON)" ]]; then
      echo "test.sh: 'mqtls $cmd' in a build without it: exit $rc (want $want), said: $msg" >&2
      return 1
    fi
  done
}

section_asan() {
  configure build/asan -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug -DMQTLS_SANITIZE=ON \
    -DMQTLS_WERROR=ON
  build build/asan
  # The issue requires integration tests; an empty glob must not pass quietly.
  local n_int
  n_int=$(ctest --test-dir build/asan -N -L integration | awk '/^Total Tests:/ { print $3 }')
  if [[ "${n_int:-0}" -eq 0 ]]; then
    echo "test.sh: no integration test registered (tests/integration/test_*.sh)" >&2
    return 1
  fi
  ctest --test-dir build/asan --output-on-failure --no-tests=error -j "$JOBS" |
    tee build/asan/ctest.log
  # Remembered for the closing line: how many tests ran, all of them passing.
  N_TESTS=$(awk '/tests passed, 0 tests failed out of/ { print $NF }' build/asan/ctest.log)
}

section_core_size() {
  "$ROOT/scripts/core-size.sh" "$ROOT/build/arm"
}

section_m4_unit() {
  "$ROOT/scripts/fw-build.sh" "$ROOT/build/mps2"
  # Each image's exit status (through semihosting) is cmocka's verdict.
  ctest --test-dir build/mps2 -L m4-unit --output-on-failure --no-tests=error -j "$JOBS"
}

section_mbedtls36() {
  local prefix
  prefix=$("$ROOT/scripts/mbedtls36-host.sh")
  "$ROOT/scripts/tls-freestanding.sh" "$ROOT/build/tls-freestanding"
  configure build/mbedtls36 -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug -DMQTLS_SANITIZE=ON \
    -DMQTLS_WERROR=ON -DMQTLS_MBEDTLS_ROOT="$prefix"
  # The build must have found 3.6, not the system's 2.28 headers or libraries.
  grep -q "^MBEDTLS_INCLUDE_DIR:PATH=$prefix/include\$" build/mbedtls36/CMakeCache.txt ||
    { echo "test.sh: build/mbedtls36 does not use $prefix" >&2; return 1; }
  build build/mbedtls36
  ctest --test-dir build/mbedtls36 -R 'tls|cred|doctor|compat|diag|unit_error' --output-on-failure \
    --no-tests=error -j "$JOBS"
}

section_fuzz() {
  configure build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMQTLS_FUZZ=ON -DMQTLS_BUILD_TESTS=OFF -DMQTLS_WERROR=ON
  build build/fuzz

  local -a targets
  mapfile -t targets < <(find build/fuzz/tests/fuzz -maxdepth 1 -type f -executable | LC_ALL=C sort)
  if ((${#targets[@]} == 0)); then
    echo "test.sh: no fuzz target was built in build/fuzz/tests/fuzz" >&2
    return 1
  fi

  local exe name seed cand work log
  mkdir -p build/fuzz/artifacts
  for exe in "${targets[@]}"; do
    name=$(basename "$exe")
    # The corpus directory may carry the target's name with or without fuzz_.
    seed=""
    for cand in "tests/fuzz/corpus/$name" "tests/fuzz/corpus/${name#fuzz_}"; do
      if [[ -d "$cand" ]]; then seed=$cand; break; fi
    done
    # libFuzzer writes new inputs into its first corpus directory: give it a
    # copy so the committed seed corpus never changes under a test run.
    work=build/fuzz/corpus-run/$name
    rm -rf "$work"
    mkdir -p "$work"
    if [[ -n "$seed" ]]; then
      cp -R "$seed/." "$work/"
    else
      echo "test.sh: warning: $name has no seed corpus (tests/fuzz/corpus/$name/)" >&2
    fi
    log=build/fuzz/$name.log
    echo "-- $name: $(find "$work" -type f | wc -l) seeds, -runs=$FUZZ_RUNS (at most ${FUZZ_MAX_TIME} s), log $log"
    if ! "$exe" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_MAX_TIME" -seed="$FUZZ_SEED" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/$name-" "$work" >"$log" 2>&1; then
      tail -n 60 "$log"
      echo "test.sh: fuzz target $name failed; the input is in build/fuzz/artifacts/" >&2
      return 1
    fi
    # One line per target: how far it got and what it covered.
    grep -E '^Done [0-9]+ runs' "$log" || true
    grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added):' "$log" | tr '\n' ' ' || true
    echo
  done
}

section_coverage() {
  configure build/cov -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug -DMQTLS_COVERAGE=ON \
    -DMQTLS_WERROR=ON
  build build/cov
  # Counters from an earlier run would add up with this one.
  find build/cov -name '*.gcda' -delete
  ctest --test-dir build/cov -L unit --output-on-failure --no-tests=error -j "$JOBS"

  local -a gate=()
  [[ -n "${MQTLS_COV_FAIL_UNDER_LINE:-}" ]] && gate+=(--fail-under-line "$MQTLS_COV_FAIL_UNDER_LINE")
  [[ -n "${MQTLS_COV_FAIL_UNDER_BRANCH:-}" ]] && gate+=(--fail-under-branch "$MQTLS_COV_FAIL_UNDER_BRANCH")
  # gcov runs once into JSON; the reports are read back from it. Unreachable
  # branches are the ones gcc adds for code that cannot run (after a return,
  # __builtin_unreachable); counting them would measure the compiler.
  # The coverage is the full core's: the 3.1.1-only copy (mqtls_core_v311,
  # MQTLS_CONFIG_MQTT5=0) has its own stubs of the same functions on other
  # lines, which gcovr cannot merge into the same file.
  gcovr --root "$ROOT" --filter 'src/core/' --exclude-unreachable-branches \
    --exclude-directories '.*/mqtls_core_v311\.dir' \
    --json build/cov/coverage.json build/cov
  echo "-- line coverage of src/core"
  gcovr --add-tracefile build/cov/coverage.json --txt
  echo "-- branch coverage of src/core"
  gcovr --add-tracefile build/cov/coverage.json --txt --branches
  mkdir -p build/cov/html
  gcovr --add-tracefile build/cov/coverage.json --html-details build/cov/html/index.html
  echo "-- summary (HTML: build/cov/html/index.html; coreMQTT holds itself to 93 % of branches)"
  # --print-summary comes with the text report on stdout: keep only its lines.
  local summary rc=0
  summary=$(gcovr --add-tracefile build/cov/coverage.json --print-summary "${gate[@]}" 2>&1) || rc=$?
  grep -E '^(lines|branches):' <<<"$summary" || true
  if ((rc != 0)); then
    grep -v -E '^(lines|branches):' <<<"$summary" | tail -n 5 >&2
    echo "test.sh: coverage below the gate (${gate[*]})" >&2
    return 1
  fi
}

section_install() {
  # The install test uses the release tree; build it if this run skipped gcc.
  if [[ ! -f build/gcc/CMakeCache.txt ]]; then
    configure build/gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release -DMQTLS_WERROR=ON
  fi
  build build/gcc

  local prefix=$ROOT/build/install-test
  rm -rf "$prefix"
  cmake --install build/gcc --prefix "$prefix" >build/install-test.log
  local libdir
  libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' build/gcc/CMakeCache.txt)
  libdir=${libdir:-lib}

  local f missing=0
  for f in bin/mqtls include/mqtls/mqtls.h "$libdir/libmqtls.a" "$libdir/libmqtls_core.a" "$libdir/libmqtls_flashlog.a" \
    "$libdir/cmake/mqtls/mqtlsConfig.cmake" "$libdir/cmake/mqtls/mqtlsConfigVersion.cmake" \
    "$libdir/cmake/mqtls/mqtlsTargets.cmake" "$libdir/pkgconfig/mqtls.pc"; do
    if [[ -e "$prefix/$f" ]]; then
      echo "   ok  $f"
    else
      echo "   MISSING  $f" >&2
      missing=1
    fi
  done
  [[ -x "$prefix/bin/mqtls" ]] || { echo "   bin/mqtls is not executable" >&2; missing=1; }
  # Every public header in the tree must be installed.
  for f in include/mqtls/*.h; do
    [[ -e "$prefix/$f" ]] || { echo "   MISSING  $f" >&2; missing=1; }
  done
  ((missing == 0)) || return 1

  # Each installed header must compile on its own: no header may lean on
  # another being included first, or on a file that was not installed.
  local h tu=build/install-test-header.c
  for h in "$prefix"/include/mqtls/*.h; do
    printf '#include <mqtls/%s>\nint mqtls_header_check(void);\nint mqtls_header_check(void) { return 0; }\n' \
      "$(basename "$h")" >"$tu"
    cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$prefix/include" -c "$tu" -o /dev/null || {
      echo "test.sh: installed header $(basename "$h") does not compile on its own" >&2
      return 1
    }
  done
  echo "   ok  every installed header compiles on its own"

  echo "-- consumer through find_package(mqtls)"
  rm -rf build/consumer-cmake
  cmake -S examples/consumer -B build/consumer-cmake --log-level=WARNING \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_PREFIX_PATH="$prefix"
  cmake --build build/consumer-cmake -j "$JOBS"
  build/consumer-cmake/consumer

  echo "-- consumer through pkg-config"
  local pc_cflags pc_libs
  export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
  pc_cflags=$(pkg-config --cflags mqtls)
  pc_libs=$(pkg-config --libs mqtls)
  echo "   pkg-config --cflags --libs mqtls: $pc_cflags $pc_libs"
  mkdir -p build/consumer-pkgconfig
  # shellcheck disable=SC2086 # pkg-config output is a list of words
  cc -std=c11 -Wall -Wextra -Werror $pc_cflags examples/consumer/consumer.c $pc_libs \
    -o build/consumer-pkgconfig/consumer
  build/consumer-pkgconfig/consumer

  echo "-- the CC3200 example through pkg-config mqtls-compat"
  local missing_compat=0
  for f in "$libdir/libmqtls_compat.a" "$libdir/pkgconfig/mqtls-compat.pc" include/mqtls/compat/simplelink.h \
    include/mqtls/compat/socket.h include/mqtls/compat/MQTTClient.h include/mqtls/compat/MQTTCC3200.h; do
    [[ -e "$prefix/$f" ]] || { echo "   MISSING  $f" >&2; missing_compat=1; }
  done
  grep -q 'mqtls::compat' "$prefix/$libdir/cmake/mqtls/mqtlsTargets.cmake" ||
    { echo "   the CMake package does not export mqtls::compat" >&2; missing_compat=1; }
  ((missing_compat == 0)) || return 1
  pc_cflags=$(pkg-config --cflags mqtls-compat)
  pc_libs=$(pkg-config --libs mqtls-compat)
  echo "   pkg-config --cflags --libs mqtls-compat: $pc_cflags $pc_libs"
  # Firmware includes the compat headers by their SDK names, each on its own.
  for h in "$prefix"/include/mqtls/compat/*.h; do
    printf '#include "%s"\nint mqtls_header_check(void);\nint mqtls_header_check(void) { return 0; }\n' \
      "$(basename "$h")" >"$tu"
    # shellcheck disable=SC2086 # pkg-config output is a list of words
    cc -std=c11 -Wall -Wextra -Werror -pedantic $pc_cflags -c "$tu" -o /dev/null || {
      echo "test.sh: installed compat header $(basename "$h") does not compile on its own" >&2
      return 1
    }
  done
  # shellcheck disable=SC2086 # pkg-config output is a list of words
  cc -std=c11 -Wall -Wextra -Werror $pc_cflags examples/cc3200_aws_iot/main.c $pc_libs \
    -o build/consumer-pkgconfig/cc3200_aws_iot
  build/consumer-pkgconfig/cc3200_aws_iot --help
  unset PKG_CONFIG_PATH
}

section_package() {
  local dir=build/deb
  configure "$dir" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DMQTLS_BUILD_TESTS=OFF -DMQTLS_WERROR=ON
  build "$dir"
  rm -f "$dir"/*.deb
  (cd "$dir" && cpack -G DEB >cpack.log) || { cat "$dir/cpack.log"; return 1; }
  local -a debs
  mapfile -t debs < <(find "$dir" -maxdepth 1 -name '*.deb' | LC_ALL=C sort)
  printf '   %s\n' "${debs[@]}"
  [[ ${#debs[@]} -eq 2 ]] || { echo "test.sh: expected 2 packages (mqtls, libmqtls-dev)" >&2; return 1; }
  # Errors fail the section; warnings (no manual page yet) are printed.
  local lint rc=0
  lint=$(lintian --fail-on error "${debs[@]}" 2>&1) || rc=$?
  grep -v 'root privileges' <<<"$lint" || true
  ((rc == 0)) || { echo "test.sh: lintian reports errors" >&2; return 1; }
  echo "   lintian: no errors"
  if ((EUID != 0)); then
    echo "   (not root: dpkg -i and the system-path consumers are skipped)"
    return 0
  fi
  dpkg -i "${debs[@]}" >/dev/null
  /usr/bin/mqtls --version
  echo "-- consumer through find_package(mqtls) from /usr"
  rm -rf build/consumer-deb
  cmake -S examples/consumer -B build/consumer-deb --log-level=WARNING -DCMAKE_C_COMPILER=gcc
  cmake --build build/consumer-deb -j "$JOBS"
  build/consumer-deb/consumer
  echo "-- consumer and the CC3200 example through pkg-config from /usr"
  # shellcheck disable=SC2046 # pkg-config output is a list of words
  cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags mqtls) examples/consumer/consumer.c \
    $(pkg-config --libs mqtls) -o build/consumer-deb/consumer-pc
  build/consumer-deb/consumer-pc
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags mqtls-compat) examples/cc3200_aws_iot/main.c \
    $(pkg-config --libs mqtls-compat) -o build/consumer-deb/cc3200_aws_iot
  build/consumer-deb/cc3200_aws_iot --help >/dev/null
  # Leave the machine as it was.
  dpkg -r libmqtls-dev mqtls >/dev/null
}

section_format() {
  local base=${MQTLS_FORMAT_BASE:-HEAD~1}
  if ! git -C "$ROOT" rev-parse --verify -q "$base^{commit}" >/dev/null; then
    echo "   no commit $base to compare with (shallow clone?): nothing to check"
    return 0
  fi
  local out
  out=$(git -C "$ROOT" clang-format --quiet --style=file --diff "$base" -- '*.c' '*.h' || true)
  if [[ -n "$out" && "$out" != *"no modified files to format"* && "$out" != *"clang-format did not modify any files"* ]]; then
    printf '%s\n' "$out" | head -n 80
    echo "test.sh: lines changed since $base are not clang-format clean (git clang-format $base fixes them)" >&2
    return 1
  fi
  echo "   lines changed since $(git -C "$ROOT" rev-parse --short "$base") are clang-format clean"
}

section_docs() {
  # Every public header of include/mqtls/ must be in docs/Doxyfile's INPUT.
  # DOC_PENDING names a header that may stay out for now (a new header while
  # its Doxygen is written); it is empty: every header is documented.
  local -a DOC_PENDING=()
  local input h missing=0
  input=$(awk '/^INPUT[[:space:]]*=/ { on = 1 } on { print; if ($0 !~ /\\$/) on = 0 }' docs/Doxyfile)
  for h in include/mqtls/*.h; do
    if ! grep -qw -- "$h" <<<"$input" && [[ " ${DOC_PENDING[*]} " != *" $(basename "$h") "* ]]; then
      echo "   $h is neither in docs/Doxyfile's INPUT nor in DOC_PENDING (scripts/test.sh)" >&2
      missing=1
    fi
  done
  for h in "${DOC_PENDING[@]}"; do
    if grep -qw -- "include/mqtls/$h" <<<"$input"; then
      echo "   $h is documented (in INPUT): remove it from DOC_PENDING" >&2
      missing=1
    fi
  done
  ((missing == 0)) || return 1
  # Doxygen itself (WARN_AS_ERROR in the Doxyfile), with XML beside the HTML
  # for the parameter check: doxygen does not ask a one-sentence comment for
  # its @param lines.
  local out=build/doxygen log=build/doxygen/warnings.log
  rm -rf "$out"
  mkdir -p "$out"
  if ! { cat docs/Doxyfile; echo "GENERATE_XML = YES"; echo "WARN_LOGFILE = $log"; } | doxygen - >/dev/null ||
    [[ -s "$log" ]]; then
    cat "$log" >&2
    echo "test.sh: doxygen reports warnings (each is an error)" >&2
    return 1
  fi
  python3 scripts/check-apidoc.py "$out/xml"
  echo "   doxygen: no warnings, HTML in $out/html; ${#DOC_PENDING[@]} headers pending"
  scripts/check-layers.sh
  scripts/spec-trace.sh --check | tail -n 3
}

# ---- main ----------------------------------------------------------------------
banner "mqtls test.sh: ${SECTIONS[*]} (jobs: $JOBS)"
CURRENT=deps
"$ROOT/scripts/deps.sh"
CURRENT=""

for s in "${SECTIONS[@]}"; do
  run_section "$s"
done

banner "summary"
for i in "${!PASSED[@]}"; do
  printf '   %-10s passed  %4d s\n' "${PASSED[$i]}" "${TIMES[$i]}"
done
printf '   %-10s         %4d s\n' total "$((SECONDS - T_START))"
echo "sections: ${#PASSED[@]} passed, 0 failed"
if [[ -n "$N_TESTS" ]]; then
  echo "tests: $N_TESTS passed, 0 failed"
fi
