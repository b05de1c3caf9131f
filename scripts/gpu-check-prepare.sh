#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a bare GPU machine (CUDA torch, no network, no node), into folders
# git ignores, to name in the device call's carry: dist/ (the lossbench bundle and the fused WebGPU check,
# npm run build:gpu), .gpu/ (node, Dawn, the Vulkan loader: scripts/gpu-prepare.sh) and .whl/ (wheels for
# Python 3.12, manylinux x86_64, of the implementations lossbench referees and the pure-Python packages
# they need beyond torch, numpy and triton, which the machine has). Run from the project root after npm ci.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
npm run -s build:gpu
npx esbuild scripts/check-fused-gpu.ts --bundle --platform=node --format=cjs --target=node20 \
  --external:webgpu --define:import.meta.url=undefined --outfile=dist/check-fused-gpu.cjs --log-level=warning
scripts/gpu-prepare.sh
rm -rf .whl && mkdir -p .whl
py=${PYTHON:-python3}
get() { # get <requirement>: one wheel, no dependencies, for the GPU machine's Python and platform
  "$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any -d .whl "$1"
}
while read -r req; do case $req in ''|'#'*) ;; *) get "$req" ;; esac; done < engines/torch/requirements-impls.txt
# their first-level needs, torch's own family left out (the machine has torch, numpy, triton)
for whl in .whl/*.whl; do
  unzip -p "$whl" '*/METADATA' | sed -n 's/^Requires-Dist: //p' | grep -v 'extra ==' | sed 's/[ ;(].*//'
done | sort -u | grep -viE '^(torch|numpy|triton|nvidia-.*)$' | while read -r dep; do get "$dep" || echo "gpu-check-prepare: no wheel for $dep (skipped)" >&2; done
du -sh dist .gpu .whl
echo "carry dist .gpu .whl; run: scripts/gpu-check.sh (within 9 minutes; results under \$OUT)"
