#!/usr/bin/env bash
# Set-up (packages, build), then the guided demo on the built-in default lab (the first seed lab).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bash netns-scripts/demo.sh
