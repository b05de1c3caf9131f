#!/usr/bin/env bash
# One prepared GPU run (issue 17), at most 9 minutes, everything packed under $OUT as it goes:
#   0. every implementation that runs here on verify's hard cases (verify --impl);
#   1. the torch-CUDA sweep: both losses; naive, chunked, checkpoint and every third-party impl that runs here
#      (an impl without one of the losses gives that loss's rows as unsupported); one device,
#      N = 256 … 65536, D = 512, c = 4096; fp32 then bf16 (cheapest first, within a time budget each);
#   2. the strategies on gloo at W = 2 and 4 on the one GPU (functional), rings overlapped and not;
#   3. the harness's own time per step against a bare loop (lossbench_torch overhead); the planner against
#      what it measured (plan --calibrate on the fp32 sweep);
#   4. the fused WebGPU check (dist/check-fused-gpu.cjs) and, only if it passes, a webgpu sweep of chunked
#      and fused (--impl fused: unverified until then);
#   5. one summary table.
# On the GPU machine: carry dist .gpu .whl (scripts/gpu-check-prepare.sh makes them) and run
#   scripts/gpu-check.sh
# Dry run on a CPU (CI, .ci/run): the same steps at tiny sizes, on torch's CPU and the repo's node:
#   scripts/gpu-check.sh --dry-run
set -uo pipefail
cd "$(dirname "$0")/.."
dry=0; [ "${1:-}" = --dry-run ] && dry=1
out=${OUT:-$(mktemp -d)}; mkdir -p "$out"
log() { echo "gpu-check: $*" | tee -a "$out/summary.txt" >&2; }
pack() { tar czf "$out/results.tgz" results-gpu-check 2>/dev/null; } # after every step: nothing measured is lost
rm -rf results-gpu-check && mkdir -p results-gpu-check
if [ $dry = 1 ]; then
  lb() { node --import tsx src/cli.ts "$@"; }
  device=cpu; sizes=64; dim=16; chunk=32; local=32; timeout=120; losses=siglip; strategies=ring; worlds=2
  b_fp32=0.1; b_bf16=0.1; b_gloo=0.1 # minutes: one scenario each (the first always starts)
  fused() { echo "fused WebGPU check: skipped in the dry run (no GPU)"; }
  fused_backend=wasm; fused_sizes=64; b_fused=0.1 # the sweep's wiring only: fused rows come back unsupported
  py=${LOSSBENCH_PYTHON:-.venv/bin/python}; overhead_sizes=64,128; overhead_steps=5
else
  source .gpu/setup.sh >&2 || { log "no .gpu/ (run scripts/gpu-check-prepare.sh here and carry dist .gpu .whl)"; exit 2; }
  if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
      && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
  fi
  export LOSSBENCH_PYTHON=${LOSSBENCH_PYTHON:-python3}
  lb() { node dist/lossbench.cjs "$@"; }
  device=cuda; sizes=256..65536; dim=512; chunk=4096; local=4096; timeout=60; losses=clip,siglip; worlds=2,4
  strategies=allgather-global,allgather-local,ring,allgather,ring-bidir
  b_fp32=2; b_bf16=1; b_gloo=0.75 # minutes, cheapest scenarios first: the whole run within 9 minutes
  fused() { node dist/check-fused-gpu.cjs 32768; }
  fused_backend=webgpu; fused_sizes=4096..32768; b_fused=0.5 # with the budgets above: 5 minutes (verify, overhead: 1.5 more)
  py=$LOSSBENCH_PYTHON; overhead_sizes=4096,32768; overhead_steps=10
fi
start=$SECONDS
lb backends --engine torch > "$out/backends.txt" 2>&1; cat "$out/backends.txt" >&2
# every impl that runs here on one device: those whose probe in `backends` ran a step (naive, chunked,
# checkpoint and each third-party one installed); infcl-ring is ring-only (the gloo sweeps are lossbench's)
runs=$(awk '/^Implementations/ { on = 1; next } on && /^[a-z]/ { name = $1 } on && /^  runs / { print name }' \
  "$out/backends.txt" | awk '!seen[$0]++')
impls=$(echo "$runs" | grep -vx infcl-ring | paste -sd, -)
impls=${impls:-naive,chunked,checkpoint}
log "impls: $impls; device $device; N $sizes, D $dim, c $chunk"
# every impl that runs here on verify's hard cases (t = 100, correlated pairs, duplicate rows, ragged tiles;
# W = 2 on the one device): a FAIL there is a finding about that implementation, kept in verify-impls.txt
timeout 90 bash -c "$(declare -f lb); lb verify --engine torch --device $device --impl $(echo "$runs" | paste -sd, -)" \
  > "$out/verify-impls.txt" 2>&1
log "verify --impl (every impl that runs here, hard inputs): exit $? ($(tail -1 "$out/verify-impls.txt"))"

sweep() { # sweep <label> <minutes> <bench flags...>
  local label=$1 budget=$2; shift 2
  lb bench --engine torch --device $device --out results-gpu-check/$label --timeout $timeout --time-budget $budget \
    --no-report --no-link-probe "$@" > "$out/$label.txt" 2>&1
  log "$label: exit $? after $((SECONDS - start)) s"
  pack
}
sweep fp32 $b_fp32 --dtype fp32 --loss $losses --impl $impls --batch $sizes --dim $dim --chunk $chunk
sweep bf16 $b_bf16 --dtype bf16 --loss $losses --impl $impls --batch $sizes --dim $dim --chunk $chunk
for ov in on off; do
  sweep gloo-overlap-$ov $b_gloo --overlap $ov --loss $losses --impl chunked --strategy $strategies \
    --world $worlds --local-batch $local --dim $dim --chunk $chunk
done

# the harness's own time per step against a bare loop of the same step (target: under 3 %), lossbench's
# chunked CLIP and naive SigLIP; one JSON line per N in overhead.jsonl, a line each in overhead.txt
for li in clip:chunked siglip:naive; do
  PYTHONPATH=engines/torch${PYTHONPATH:+:$PYTHONPATH} timeout 60 "$py" -m lossbench_torch overhead --device $device \
    --loss ${li%:*} --impl ${li#*:} --n $overhead_sizes --dim $dim --chunk $chunk --steps $overhead_steps --rounds 3 \
    >> "$out/overhead.jsonl" 2>> "$out/overhead.txt"
done
log "harness overhead per step: $(grep ' N=' "$out/overhead.txt" | paste -sd';' -)"
pack

# the planner against what it measured: plan's prediction (predicted_peak_bytes, the committed constants)
# beside the peak, then the refit that could be committed (plan --calibrate prints it)
fp32=$(ls -d results-gpu-check/fp32/*/ 2>/dev/null | head -1)
if [ -n "$fp32" ]; then
  node -e '
    const fs = require("fs");
    const rows = fs.readFileSync(process.argv[1] + "/results.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l));
    console.log("id | measured MiB | plan MiB | plan/measured");
    for (const r of rows.filter((r) => r.status === "ok" && r.peak_tensor_bytes))
      console.log(`${r.id} | ${(r.peak_tensor_bytes / 2 ** 20).toFixed(1)} | ${(r.predicted_peak_bytes / 2 ** 20).toFixed(1)} | ${(r.predicted_peak_bytes / r.peak_tensor_bytes).toFixed(3)}`);
  ' "$fp32" > "$out/plan-vs-measured.txt" 2>&1
  lb plan --calibrate "$fp32" --dtype fp32 --batch 65536 --world 8 --dim $dim --chunk $chunk > "$out/plan-calibrate.txt" 2>&1
  log "plan against the fp32 sweep: $out/plan-vs-measured.txt, refit in $out/plan-calibrate.txt"
fi
pack
fused > "$out/fused-webgpu.txt" 2>&1; fused_rc=$?
log "fused WebGPU check: exit $fused_rc ($(tail -1 "$out/fused-webgpu.txt"))"
if [ $fused_rc = 0 ]; then # the fused impl joins a sweep only once its check has passed
  lb bench --engine tfjs --backend $fused_backend --out results-gpu-check/webgpu-fused --timeout $timeout \
    --time-budget $b_fused --no-report --loss $losses --impl chunked,fused --batch $fused_sizes --dim $dim \
    --chunk $chunk > "$out/webgpu-fused.txt" 2>&1
  log "webgpu-fused ($fused_backend): exit $? after $((SECONDS - start)) s"
fi
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
pack

# one summary table: every row of every sweep
node -e '
  const fs = require("fs"), path = require("path");
  const mib = (b) => (b == null ? "-" : (b / 2 ** 20).toFixed(1));
  console.log("sweep | id | dtype | status | step ms | peak MiB | plan MiB | comm ms | exposed ms");
  for (const label of fs.readdirSync(process.argv[1]).sort())
    for (const run of fs.readdirSync(path.join(process.argv[1], label))) {
      const f = path.join(process.argv[1], label, run, "results.jsonl");
      if (!fs.existsSync(f)) continue;
      for (const l of fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean)) {
        const r = JSON.parse(l);
        const ms = (v) => (v == null ? "-" : v.toFixed(2));
        console.log([label, r.id, r.dtype, r.status, ms(r.step_ms_median), mib(r.peak_tensor_bytes), mib(r.predicted_peak_bytes), ms(r.comm_ms_measured), ms(r.comm_exposed_ms)].join(" | "));
      }
    }
' results-gpu-check | tee "$out/table.txt"
log "done in $((SECONDS - start)) s; results in $out (results.tgz, table.txt, summary.txt)"
ok=$(grep -c ' | ok | ' "$out/table.txt"); total=$(($(wc -l < "$out/table.txt") - 1))
bad=$(grep -cE ' \| (error|timeout|oom) \| ' "$out/table.txt")
log "$ok of $total scenarios ok, $bad failed (error, timeout, oom); the others unsupported or skipped, each row says why"
[ "$ok" -gt 0 ] && [ "$bad" -eq 0 ]
