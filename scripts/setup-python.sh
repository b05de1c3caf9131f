#!/usr/bin/env bash
# The Python side of lossbench: a virtual environment in .venv/ with the pinned torch (engines/torch/
# requirements.txt) and the third-party implementations it referees (requirements-impls.txt, held to the
# same torch). The torch engine finds .venv/bin/python without flags. pip's cache (~/.cache/pip) serves
# later runs; the first downloads PyPI's CUDA build of torch (several GB), which also runs on a CPU.
#   scripts/setup-python.sh            # create or update .venv
#   PYTHON=python3.12 scripts/setup-python.sh   # with another interpreter (3.10 .. 3.13)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
if ! command -v "$py" >/dev/null; then
  echo "setup-python: no $py on PATH (install Python 3.10 or newer, or set PYTHON=<interpreter>)" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
pins=engines/torch/requirements.txt
.venv/bin/python -m pip install --disable-pip-version-check -q -r "$pins"
# The implementations must not move torch: its pins are their constraints.
.venv/bin/python -m pip install --disable-pip-version-check -q -c "$pins" -r engines/torch/requirements-impls.txt
.venv/bin/python - <<'PY'
import torch, triton
print(f"setup-python: .venv has torch {torch.__version__}, triton {triton.__version__}")
PY
