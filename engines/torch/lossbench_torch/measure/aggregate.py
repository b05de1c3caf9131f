"""The report from the ranks' results: world step time (slowest rank per step), busiest rank's traffic
(most bytes sent, the first on ties, as the TS ledger), largest peak memory and RSS."""
from __future__ import annotations

import statistics
from typing import Any, Dict, List

from .timing import summarize


def aggregate(results: List[Dict[str, Any]], report: Dict[str, Any], world: int) -> None:
    first = results[0]
    report["device_name"] = first["device_name"]
    report["memory_probe"] = first["memory_probe"]
    report["host_rss_peak_bytes"] = max(r["rss_peak"] for r in results)
    loss = first["loss"] if first["scalars"] == "replicated" else sum(r["loss"] for r in results)
    report["loss_value"] = loss
    busiest = first
    for r in results:
        if r["comm"]["sent"] > busiest["comm"]["sent"]:
            busiest = r
    report["comm_bytes_sent"] = busiest["comm"]["sent"]
    report["comm_bytes_received"] = busiest["comm"]["received"]
    report["comm_rounds"] = busiest["comm"]["rounds"]
    failed = [r for r in results if r["status"] != "ok"]
    if failed:
        report["status"], report["reason"] = failed[0]["status"], failed[0]["reason"]
        return
    # every rank took the same steps (they agreed on the count): the world waits for the slowest
    per_step = [max(ms) for ms in zip(*(r["step_ms"] for r in results))]
    t = summarize(per_step)
    report.update(step_ms_median=t.median_ms, step_ms_p10=t.p10_ms, step_ms_p90=t.p90_ms, step_samples=t.samples)
    report["peak_tensor_bytes"] = max(r["peak_bytes"] for r in results)
    report["comm_ms_measured"] = statistics.median(busiest["comm_ms"]) if world > 1 and busiest["comm_ms"] else None
    exposed = busiest.get("comm_exposed_ms") or []
    report["comm_exposed_ms"] = statistics.median(exposed) if world > 1 and exposed else None
    report["status"], report["reason"] = "ok", ""
