"""PNG plots of the benchmark results (matplotlib, no display needed).

names = draw(results, Path("docs/bench"))   # ["latency", "fanout", ...] that were drawn
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.bench.report import Results, median


def _pyplot() -> object:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def latency(raw: Results, path: Path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    loads = raw["loads"]
    offered = [x["offered"] for x in loads]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for q, style in (("p50", "o-"), ("p99", "s-"), ("p999", "^-")):
        ax.plot(offered, [x["room"][q] for x in loads], style, label=q)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(offered, [f"{x:,.0f}" for x in offered])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("offered load, messages/s (100 clients, 5 rooms)")
    ax.set_ylabel("send-to-deliver latency, ms (log)")
    ax.set_title("Parley end-to-end latency vs offered load")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(
    groups: dict[str, dict[str, float]], ylabel: str, title: str, path: Path, log: bool = False
) -> None:
    import matplotlib.pyplot as plt

    names = sorted({n for g in groups.values() for n in g}, key=lambda n: (n != "parley", n))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        xs = [j + i * width for j in range(len(groups))]
        bars = ax.bar(xs, [g.get(name, 0.0) for g in groups.values()], width, label=name)
        ax.bar_label(bars, fmt="{:,.0f}", fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(groups))])
    ax.set_xticklabels(list(groups))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def runtime(raw: Results, path: Path) -> None:
    rates = {k: median(v) for k, v in raw["rates"].items()}
    _bars({"one worker": rates}, "events/s (log)", "Runtime throughput per worker", path, log=True)


def scaling(raw: Results, path: Path) -> None:
    import matplotlib.pyplot as plt

    rates = sorted((int(k), median(v)) for k, v in raw["rates"].items())
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot([n for n, _ in rates], [r for _, r in rates], "o-", label="measured")
    one = dict(rates).get(1)
    if one:
        ax.plot([n for n, _ in rates], [one * n for n, _ in rates], "--", label="linear")
    ax.set_xticks([n for n, _ in rates])
    ax.set_xlabel("worker replicas (one consumer group)")
    ax.set_ylabel("events/s (1 ms CPU per event)")
    ax.set_title(f"Scaling a CPU-bound function ({raw['params'].get('cores', '?')} cores)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fanout(raw: Results, path: Path) -> None:
    groups = {
        f"{int(size):,} sockets": {k: median(v) for k, v in one["rates"].items()}
        for size, one in sorted(raw["sizes"].items(), key=lambda kv: int(kv[0]))
    }
    _bars(groups, "deliveries/s", "Fan-out to one room", path)


PLOTS: dict[str, Callable[[Results, Path], None]] = {
    "runtime": runtime,
    "scaling": scaling,
    "fanout": fanout,
    "latency": latency,
}


def draw(results: Results, folder: Path) -> list[str]:
    """Draw a PNG per case present (and not failed); return the names drawn."""
    _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    drawn = []
    for name, plot in PLOTS.items():
        raw = results.get("cases", {}).get(name)
        if raw is None or "error" in raw:
            continue
        plot(raw, folder / f"{name}.png")
        drawn.append(name)
    return drawn
