"""PNG charts for the report (matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bench.results import Results  # noqa: E402
from bench.serving import Serving  # noqa: E402
from bench.stats import Confusion  # noqa: E402

OURS, STOCK = "#1f77b4", "#aaaaaa"


def _save(figure: plt.Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def threshold_sweep(results: Results, path: Path) -> Path:
    oos = results.understanding.out_of_scope
    x = [p.threshold for p in oos.sweep]
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot(x, [p.rejection for p in oos.sweep], marker="o", label="off-topic rejected")
    axes.plot(x, [p.acceptance for p in oos.sweep], marker="s", label="in-scope accepted")
    axes.plot(x, [p.macro_f1 for p in oos.sweep], marker="^", label="held-out intent macro-F1")
    axes.axvline(oos.threshold, color="black", linestyle="--", linewidth=1, label=f"configured {oos.threshold}")
    axes.axhline(0.90, color="tab:blue", linestyle=":", linewidth=1, label="rejection target 0.90")
    axes.axhline(0.97, color="tab:orange", linestyle=":", linewidth=1, label="acceptance target 0.97")
    axes.set(xlabel="FallbackClassifier threshold", ylabel="share", ylim=(0, 1.02))
    axes.set_title(f"Fallback threshold sweep (ambiguity_threshold {oos.ambiguity_threshold})")
    axes.legend(fontsize=8, loc="lower left")
    return _save(figure, path)


def _by_concurrency(serving: Serving, field: str) -> tuple[list[int], list[float]]:
    return [lv.concurrency for lv in serving.levels], [getattr(lv, field) for lv in serving.levels]


def latency(results: Results, path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.2))
    for serving, colour in ((results.ours, OURS), (results.stock, STOCK)):
        if serving is None:
            continue
        for field, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
            x, y = _by_concurrency(serving, field)
            axes.plot(x, y, style, marker="o", color=colour, label=f"{serving.assistant} {field[:3]}")
    axes.axhline(150, color="red", linewidth=1, label="p95 target at 10: 150 ms")
    axes.set(xscale="log", yscale="log", xlabel="concurrent conversations", ylabel="latency (ms)")
    axes.set_title("REST latency by concurrency")
    axes.legend(fontsize=8)
    return _save(figure, path)


def throughput(results: Results, path: Path) -> Path:
    servings = [s for s in (results.ours, results.stock) if s is not None]
    levels = [lv.concurrency for lv in results.ours.levels]
    width = 0.8 / len(servings)
    figure, axes = plt.subplots(figsize=(7, 4.2))
    for n, (serving, colour) in enumerate(zip(servings, (OURS, STOCK), strict=False)):
        rates = {lv.concurrency: lv.msgs_per_s for lv in serving.levels}
        xs = [i + n * width for i in range(len(levels))]
        axes.bar(xs, [rates.get(c, 0.0) for c in levels], width, color=colour, label=serving.assistant)
    axes.set_xticks([i + width * (len(servings) - 1) / 2 for i in range(len(levels))], [str(c) for c in levels])
    axes.set(xlabel="concurrent conversations", ylabel="messages per second")
    axes.set_title("Throughput by concurrency")
    axes.legend()
    return _save(figure, path)


def confusions(results: Results, path: Path) -> Path:
    cv = results.understanding.cross_validation
    panels: list[tuple[str, list[Confusion]]] = [("held-out", results.understanding.heldout.confused)]
    if cv is not None:
        panels.append(("cross-validation", cv.confused))
    figure, axes_list = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.2), squeeze=False)
    for axes, (title, pairs) in zip(axes_list[0], panels, strict=True):
        labels = [f"{c.expected} → {c.predicted}" for c in reversed(pairs)]
        axes.barh(labels, [c.count for c in reversed(pairs)], color=OURS)
        axes.set(xlabel="messages")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(f"Most confused intents ({title})")
        axes.tick_params(axis="y", labelsize=8)
    return _save(figure, path)


def draw(results: Results, out: Path) -> dict[str, Path]:
    return {
        "threshold sweep": threshold_sweep(results, out / "threshold_sweep.png"),
        "latency by concurrency": latency(results, out / "latency.png"),
        "messages per second by concurrency": throughput(results, out / "throughput.png"),
        "confused intent pairs": confusions(results, out / "confusions.png"),
    }
