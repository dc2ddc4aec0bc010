#!/usr/bin/env bash
# The whole test suite: set-up (packages, build), then unit and namespace integration tests via ctest; then a
# second tree, build-sanitize/ (clang, ASan + UBSan, libFuzzer), with the unit tests, every fuzz corpus and
# regression input replayed, and each fuzz harness run for FUZZ_SECONDS (default 60) seconds; then a third,
# build-tsan/ (ThreadSanitizer), with the forwarding workers' hand-off tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
echo "== running tests"
(cd build && ctest --output-on-failure --timeout 600) || status=1

echo "== building into build-sanitize/ (clang, ASan + UBSan, fuzz harnesses)"
CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVPCLAB_SANITIZE=ON -DVPCLAB_FUZZ=ON >/dev/null
cmake --build build-sanitize -- -j"$(nproc)"
echo "== running unit tests, fuzz replays and ${FUZZ_SECONDS:-60} s fuzz runs under ASan + UBSan"
(cd build-sanitize && ctest --output-on-failure --timeout 600 -j"$(nproc)") || status=1

echo "== building test_workers into build-tsan/ (clang, ThreadSanitizer) and running it: the forwarding workers' hand-offs"
CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVPCLAB_TSAN=ON >/dev/null
cmake --build build-tsan --target test_workers -- -j"$(nproc)"
TSAN_OPTIONS=halt_on_error=1 ./build-tsan/tests/test_workers || status=1
exit $status
