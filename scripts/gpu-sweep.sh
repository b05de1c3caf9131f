#!/usr/bin/env bash
# Runs on a bare GPU machine, from the project root, with .gpu/ (scripts/gpu-prepare.sh) and
# dist/lossbench.cjs (npm run build:gpu) carried beside it. Sweeps within a time budget (cheapest
# scenarios first), measures the matMul ceiling, packs the results folder into $OUT (or ./out), and
# prints the summary table last.
#   scripts/gpu-sweep.sh [minutes] [bench flags...]     default: 6 minutes, --preset paper
set -uo pipefail
budget=${1:-6}; shift || true
out=${OUT:-out}; mkdir -p "$out"
source "${GPU_SETUP:-.gpu/setup.sh}" >&2
backend=${LOSSBENCH_BACKEND:-webgpu}
export LOSSBENCH_DEBUG=${LOSSBENCH_DEBUG:-}
lb() { node dist/lossbench.cjs "$@"; }
lb backends 2>&1 | grep -v XDG_RUNTIME_DIR
lb verify --backend "$backend" 2>&1 | grep -v XDG_RUNTIME_DIR | tee "$out/verify.txt"
args=("$@"); [ ${#args[@]} -eq 0 ] && args=(--preset paper)
lb bench --backend "$backend" --timeout 90 --out results --time-budget "$budget" --no-report "${args[@]}" > "$out/bench.txt" 2> >(grep -v -e XDG_RUNTIME_DIR -e 'validation' -e 'While ' >&2)
dir=$(ls -td results/*/ | head -1); dir=${dir%/}
maxn=$(node -e 'const r=require(require("path").resolve(process.argv[1]));console.log(Math.max(...r.config.scenarios.map(s=>s.n)))' "$dir/run.json")
dim=$(node -e 'const r=require(require("path").resolve(process.argv[1]));console.log(r.config.scenarios[0].dim)' "$dir/run.json")
# Pack once now, so a ceiling run that overruns the device's time limit loses nothing measured.
tar czf "$out/results.tgz" -C "$(dirname "$dir")" "$(basename "$dir")"
lb ceiling --backend "$backend" --batch "$maxn" --dim "$dim" --out "$dir" 2>&1 | grep -v XDG_RUNTIME_DIR | tee "$out/ceiling.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$dir/nvidia-smi.csv" 2>/dev/null
tar czf "$out/results.tgz" -C "$(dirname "$dir")" "$(basename "$dir")"
# The summary table last (bench printed it to bench.txt; charts and report are made where node_modules is).
sed -n '/^loss  /,$p' "$out/bench.txt"
