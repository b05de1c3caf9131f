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
# Their needs that the GPU machine's image lacks, two levels down. gpu-check.sh puts every wheel here first on
# PYTHONPATH, so a package the image has (its torch above all) must never travel: a newer copy would shadow it.
# The image's packages that these impls need (per its pip list, 2026-11): torch 2.11.0, torchvision 0.26.0,
# triton 3.6.0, numpy, timm, huggingface-hub, safetensors, regex, tqdm, pyyaml, filelock, fsspec, packaging,
# typing-extensions, pillow.
has='^(torch|torchvision|torchaudio|triton|numpy|timm|huggingface-hub|safetensors|regex|tqdm|pyyaml|filelock|fsspec|packaging|typing-extensions|pillow|colorama|nvidia-.*|cuda-.*)$'
needs() { # needs <wheel...>: the names their metadata requires (no extras, no markers, no versions), normalised
  for whl in "$@"; do unzip -p "$whl" '*/METADATA' | sed -n 's/^Requires-Dist: //p' | grep -v 'extra ==' ; done |
    sed -E 's/[ ;(<>=!~[].*//' | tr 'A-Z_.' 'a-z--' | sort -u | grep -vE "$has" || true
}
carried() { ls .whl | tr 'A-Z_.' 'a-z--' | sed -E 's/-[0-9].*//'; } # the names of the wheels in .whl, normalised
for level in 1 2; do
  for dep in $(needs .whl/*.whl); do
    carried | grep -qx "$dep" && continue
    get "$dep" || echo "gpu-check-prepare: no wheel for $dep (skipped)" >&2
  done
done
# a wheel of a package the image has would shadow it (above): refuse rather than carry it
shadowing=$(carried | grep -E "$has" | tr '\n' ' ' || true)
[ -z "$shadowing" ] || { echo "gpu-check-prepare: .whl holds what the GPU image has: $shadowing" >&2; exit 1; }
du -sh dist .gpu .whl
echo "carry dist .gpu .whl; run: scripts/gpu-check.sh (within 9 minutes; results under \$OUT)"
