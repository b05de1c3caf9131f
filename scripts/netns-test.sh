#!/usr/bin/env bash
# Two hosts on this one: network namespaces <tag>-a and <tag>-b, each with a veth whose other end is a port of
# a bridge in a third namespace <tag>-br (nothing is made in this host's own namespace, and no packet leaves the
# three). The links are shaped with tc tbf to each rate in turn, so that transfers, not the CPU, set the time;
# at each rate `lossbench bench --engine torch` runs on both "nodes" at once (2 nodes × 2 ranks, W = 4): the
# link probe, then the ring and all-gather strategies; then scripts/wire-check.ts holds node 0's rows to the
# contract's bytes and rounds, and prints the communication model fitted to the probe (`plan --link-from`)
# against the measured comm time (STRICT=1: a ring strategy more than 25 % off fails too; timing depends on
# the machine's load, so CI leaves it to the table). Everything made is removed on exit, whatever failed.
# Needs root (ip netns, tc).
#   scripts/netns-test.sh                          # 200mbit and 2gbit, results under a temp folder
#   RATES="100mbit" OUT=/tmp/wire STRICT=1 scripts/netns-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "netns-test: needs root (ip netns, veth, tc)" >&2
  exit 2
fi
rates=${RATES:-200mbit 2gbit}
out=${OUT:-$(mktemp -d)}
port=${PORT:-29517}
tag=lbn$$ # namespace names, unique to this run
a=$tag-a b=$tag-b br=$tag-br
made=()
cleanup() {
  local rc=$?
  for pid in $(jobs -p); do kill -- "$pid" 2>/dev/null || true; done
  for ns in "${made[@]}"; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
  for ns in "${made[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  exit $rc
}
trap cleanup EXIT INT TERM

for ns in "$a" "$b" "$br"; do
  ip netns add "$ns"
  made+=("$ns")
  ip -n "$ns" link set lo up
  # a link between servers: no return to slow start after the idle gap between two steps (this namespace only)
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_slow_start_after_idle=0
done
ip -n "$br" link add br0 type bridge
ip -n "$br" link set br0 up
i=1
for ns in "$a" "$b"; do
  ip link add eth0 netns "$ns" type veth peer name "port$i" netns "$br"
  ip -n "$br" link set "port$i" master br0 up
  ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  i=$((i + 1))
done

# 2 nodes × 2 ranks. A block is b·D·4 = 1 MiB, tens of ms on either link, while a round's compute (b²·D) stays
# small: transfers, not the two cores, set the time.
sweep=(--engine torch --device cpu --impl chunked --strategy allgather-global,allgather-local,ring,allgather,ring-bidir
  --world 4 --local-batch 64 --dim 4096 --chunk 64 --warmup 1 --samples 3 --sample-time-ms 1 --timeout 180 --no-report
  --nnodes 2 --master-addr 10.77.0.1 --master-port "$port")
export OMP_NUM_THREADS=1
status=0
for rate in $rates; do
  # tbf at the rate on each node's egress: each direction between the nodes is shaped once. A small bucket
  # (16 KiB, a few packets) so that no block passes at the veth's own speed.
  for ns in "$a" "$b"; do
    ip netns exec "$ns" tc qdisc replace dev eth0 root tbf rate "$rate" burst 16kb latency 200ms
  done
  mkdir -p "$out/$rate"
  echo "netns-test: $rate: bench on node 0 ($a, 10.77.0.1) and node 1 ($b, 10.77.0.2)"
  ip netns exec "$b" npx lossbench bench "${sweep[@]}" --node-rank 1 >"$out/$rate/node1.log" 2>&1 &
  node1=$!
  if ! ip netns exec "$a" npx lossbench bench "${sweep[@]}" --node-rank 0 --out "$out/$rate" >"$out/$rate/node0.log" 2>&1; then
    echo "netns-test: $rate: node 0 failed:" >&2
    tail -20 "$out/$rate/node0.log" >&2
    status=1
  fi
  wait "$node1" || { echo "netns-test: $rate: node 1 failed:" >&2; tail -20 "$out/$rate/node1.log" >&2; status=1; }
  dir=$(ls -d "$out/$rate"/*/ 2>/dev/null | head -1)
  if [ -z "$dir" ]; then
    echo "netns-test: $rate: no results folder" >&2
    status=1
    continue
  fi
  npx tsx scripts/wire-check.ts "$dir" --label "$rate" --shaped "$rate" ${STRICT:+--strict} || status=1
done
echo "netns-test: results in $out"
exit $status
