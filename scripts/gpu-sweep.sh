#!/usr/bin/env bash
# Runs on a bare GPU machine, from the project root, with .gpu/ (../shared/gpu/prepare.sh) and
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
lb bench --backend "$backend" --timeout 180 --out results --time-budget "$budget" --no-report --json "${args[@]}" > "$out/bench.json" 2> >(grep -v XDG_RUNTIME_DIR >&2)
dir=$(ls -td results/*/ | head -1); dir=${dir%/}
maxn=$(node -e 'const r=require(require("path").resolve(process.argv[1]));console.log(Math.max(...r.config.scenarios.map(s=>s.n)))' "$dir/run.json")
dim=$(node -e 'const r=require(require("path").resolve(process.argv[1]));console.log(r.config.scenarios[0].dim)' "$dir/run.json")
lb ceiling --backend "$backend" --batch "$maxn" --dim "$dim" --out "$dir" 2>&1 | grep -v XDG_RUNTIME_DIR | tee "$out/ceiling.txt"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$dir/nvidia-smi.csv" 2>/dev/null
tar czf "$out/results.tgz" -C "$(dirname "$dir")" "$(basename "$dir")"
node -e 'const {rows}=require(require("path").resolve(process.argv[1]));for(const r of rows)console.log([r.id,r.status,r.step_ms_median?.toFixed(2),r.peak_tensor_bytes,r.device_mem_bytes,r.achieved_flops_per_s?(r.achieved_flops_per_s/1e12).toFixed(2)+"TF/s":"",r.reason].join(" | "))' "$out/bench.json"
