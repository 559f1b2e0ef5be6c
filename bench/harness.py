"""The measuring rules every benchmark shares: alternate, repeat, take medians, compare.

This machine is shared and noisy, so an absolute time means little; what holds is the ratio
between the product's path and a raw baseline measured *in the same run, against the same
endpoint*. Each round runs both, and the order flips every round (product first, then baseline
first) so that a slow minute or a warm cache does not always favour the same side. The figure
reported is the median of each side and the ratio of the medians.

Nothing here imports Django or boto3: the arithmetic is unit-tested on its own
(``bench/tests/test_harness.py``).
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PRODUCT = "product"
BASELINE = "baseline"


def median(values: Sequence[float]) -> float:
    """The median; refuses an empty list instead of inventing a number."""
    if not values:
        raise ValueError("median of no measurements")
    return float(statistics.median(values))


def rate(count: int, seconds: float) -> float:
    """Items (or requests) per second; a zero duration is a harness bug, not infinity."""
    if seconds <= 0:
        raise ValueError(f"non-positive duration {seconds!r}")
    return count / seconds


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.5 is p50): a value that really occurred."""
    if not values:
        raise ValueError("percentile of no measurements")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction {fraction!r} outside (0, 1]")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil without floats drifting
    return float(ordered[int(rank) - 1])


def round_order(round_index: int) -> tuple[str, str]:
    """Which side runs first in a round: product first on even rounds, baseline first on odd."""
    return (PRODUCT, BASELINE) if round_index % 2 == 0 else (BASELINE, PRODUCT)


def alternate(
    *,
    rounds: int,
    product: Callable[[], float],
    baseline: Callable[[], float],
    on_run: Callable[[int, str, float], None] | None = None,
) -> dict[str, list[float]]:
    """Run both sides ``rounds`` times, flipping the order each round; returns every value.

    Each callable prepares its own state (untimed) and returns one measured value. At least two
    rounds are required: one round cannot show the order effect it is meant to cancel.
    """
    if rounds < 2:
        raise ValueError("at least two rounds are needed to alternate")
    sides = {PRODUCT: product, BASELINE: baseline}
    values: dict[str, list[float]] = {PRODUCT: [], BASELINE: []}
    for index in range(rounds):
        for side in round_order(index):
            value = sides[side]()
            values[side].append(value)
            if on_run is not None:
                on_run(index, side, value)
    return values


@dataclass(frozen=True)
class Sample:
    """One slice of work: how many items it handled and how long it took."""

    count: int
    seconds: float


def total_rate(samples: Sequence[Sample]) -> float:
    """Items per second over several slices: total items over total time (not a mean of rates)."""
    return rate(sum(s.count for s in samples), sum(s.seconds for s in samples))


def alternate_slices(
    *,
    rounds: int,
    slices: int,
    product: Callable[[int], Sample],
    baseline: Callable[[int], Sample],
    before_round: Callable[[int], None] | None = None,
    combine: Callable[[Sequence[Sample]], float] = total_rate,
    on_run: Callable[[int, str, float], None] | None = None,
) -> dict[str, list[float]]:
    """Like ``alternate``, but each round interleaves the two sides slice by slice.

    A round is ``slices`` pairs — product slice 0, baseline slice 0, then baseline slice 1,
    product slice 1, and so on, the order flipping every pair — so a burst of load from another
    process hits both sides alike instead of landing on whichever ran at that minute. Each side's
    slices are combined into one value per round (by default total items over total time).
    ``before_round`` resets state (untimed) before a round's first slice.
    """
    if rounds < 2:
        raise ValueError("at least two rounds are needed to alternate")
    if slices < 1:
        raise ValueError("at least one slice per round")
    sides = {PRODUCT: product, BASELINE: baseline}
    values: dict[str, list[float]] = {PRODUCT: [], BASELINE: []}
    for index in range(rounds):
        if before_round is not None:
            before_round(index)
        samples: dict[str, list[Sample]] = {PRODUCT: [], BASELINE: []}
        for piece in range(slices):
            for side in round_order(index * slices + piece):
                samples[side].append(sides[side](piece))
        for side in round_order(index):
            value = combine(samples[side])
            values[side].append(value)
            if on_run is not None:
                on_run(index, side, value)
    return values


def slice_bounds(total: int, slices: int, piece: int) -> tuple[int, int]:
    """``[start, stop)`` of slice ``piece`` when ``total`` items are cut into ``slices`` near-equal parts."""
    if not 0 <= piece < slices:
        raise ValueError(f"slice {piece} outside 0..{slices - 1}")
    return total * piece // slices, total * (piece + 1) // slices


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: ...``; ``elapsed()`` is the wall time of the block."""
    start = time.perf_counter()
    end: list[float] = []
    try:
        yield lambda: (end[0] if end else time.perf_counter()) - start
    finally:
        end.append(time.perf_counter())


@dataclass
class Result:
    """One benchmark's outcome. ``higher_is_better`` says how to read the ratio against the target.

    Throughput figures (items/s, requests/s) are better when higher: the target is a floor on
    product/baseline. Latency figures (seconds) are better when lower: the target is a ceiling.
    """

    name: str
    what: str
    unit: str
    higher_is_better: bool
    target: float
    product: list[float]
    baseline: list[float]
    sizes: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def product_median(self) -> float:
        return median(self.product)

    @property
    def baseline_median(self) -> float:
        return median(self.baseline)

    @property
    def ratio(self) -> float:
        return self.product_median / self.baseline_median

    @property
    def met(self) -> bool:
        within = self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target
        return within and all(self.checks.values())

    def target_text(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:g}"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            product_median=self.product_median,
            baseline_median=self.baseline_median,
            ratio=self.ratio,
            target_text=self.target_text(),
            met=self.met,
        )
        return data


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def table(results: Sequence[Result]) -> str:
    """A plain-text table: one line per benchmark, medians, ratio, target and verdict."""
    header = ("benchmark", "product", "baseline", "unit", "ratio", "target", "rounds", "result")
    rows = [header]
    for r in results:
        verdict = "met" if r.met else "MISSED"
        failed = [name for name, ok in r.checks.items() if not ok]
        if failed:
            verdict += f" ({', '.join(failed)})"
        rows.append(
            (
                r.name,
                _fmt(r.product_median),
                _fmt(r.baseline_median),
                r.unit,
                f"{r.ratio:.2f}",
                r.target_text(),
                str(len(r.product)),
                verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(results: Sequence[Result], *, options: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The JSON document written next to the table (shape pinned by the harness tests)."""
    return {
        "schema": 1,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": _cpu_count(),
        },
        "options": options,
        "total_seconds": round(seconds, 1),
        "load_average": load_average(),
        "all_met": all(r.met for r in results),
        "benchmarks": [r.as_dict() for r in results],
    }


def write_report(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the platform has none): a run's context."""
    import os

    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cpu_count() -> int | None:
    import os

    return os.cpu_count()
