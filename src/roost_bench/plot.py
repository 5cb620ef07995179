"""The PNG: latency percentiles against throughput, and fan-out delays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PERCENTILES = ("p50", "p90", "p99")


def plot_results(document: dict[str, Any], path: Path) -> Path | None:
    """Draw what the results hold; None when there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = document["results"]
    curves = [r for r in results if r.get("workload") in ("home", "mix") and r.get("open_loop")]
    delays = [r for r in results if r.get("workload") in ("fanout", "celebrities")]
    if not curves and not delays:
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for r in curves:
        points = sorted(r["open_loop"], key=lambda p: p["achieved_rate"])
        rates = [p["achieved_rate"] for p in points]
        for pct, style in zip(PERCENTILES, ("-", "--", ":"), strict=True):
            values = [p["latency_ms"].get(pct, float("nan")) for p in points]
            label = f"{r['workload']} {r['deployment']} x{r['workers']} {pct}"
            left.plot(rates, values, style, marker="o", label=label)
        max_rps = r["throughput"]["rps"]["median"]
        left.axvline(max_rps, color="grey", linewidth=0.5)
    for workers, ceiling in document.get("ceilings", {}).items():
        left.axvline(
            ceiling["rps"]["median"],
            color="black",
            linestyle="-.",
            linewidth=1,
            label=f"ceiling x{workers}",
        )
    left.set_xlabel("requests/s (open-loop, achieved)")
    left.set_ylabel("latency ms (from due time)")
    left.set_yscale("log")
    # The ceiling is often far right of Roost's points: a log axis shows both.
    left.set_xscale("log")
    left.set_title("Latency against throughput")
    if curves:
        left.legend(fontsize=7)
    for r in delays:
        if r["workload"] == "fanout":
            runs = [("", run) for run in r["delay"]]
        else:
            runs = [("hot ", r["hot_posts"])]
            if r.get("top_posts"):
                runs.append(("top ", r["top_posts"]))
        for name, run in runs:
            samples = sorted(run.get("delay_samples_ms", []))
            if not samples:
                continue
            share = [(i + 1) / len(samples) for i in range(len(samples))]
            jobs = f" jobs {r['jobs']}" if r.get("job_workers") else ""
            label = (
                f"{r['workload']} {name}{r['deployment']} x{r['workers']}{jobs} "
                f"{run.get('rate', 0):.0f}/s"
            )
            right.step(samples, share, where="post", label=label)
    right.set_xlabel("post acknowledged -> visible in follower's home timeline (ms)")
    right.set_ylabel("share of deliveries")
    right.set_title("Fan-out delay (CDF)")
    if right.lines:
        right.legend(fontsize=7)
    machine = document.get("machine", {})
    fig.suptitle(f"roost bench on {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
