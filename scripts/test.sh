#!/usr/bin/env bash
# The whole test suite: set-up (packages, build), then unit and namespace integration tests via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== running tests"
cd build
ctest --output-on-failure --timeout 600
