"""What a benchmark receives: its sizes, the round count, the stand-in's endpoint, a logger."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Default sizes are the where the 10-minute budget allows (docs/performance.md, "Sizes"):
# moto handles our full-size items (15 attributes, a nested crew list) at about 300 conditional
# puts/s and 600 scanned items/s here (moto scans are slower still with parallel segments on a
# bigger table), so store and sweep are cut to what four runs can afford.
FULL_SIZES: dict[str, float] = {
    "store": 2_500,  # events, one crew link each: 5,000 conditional PutItems per run
    "backfill": 10_000,  # events, one crew link each: 20,000 items per run
    "sweep": 50_000,  # items, on dynalite (linear Scan); moto's quadratic Scan capped it at 10,000
    "sweep_leaked_fraction": 0.01,
    "publish": 1_000,
    "portal_seconds": 8,
    "portal_events": 20,
    "api_seconds": 8,
    "flow": 50,
    "intake_feeds": 50,
    "intake_events": 200,
    "intake_messages": 1_000,
    "throughput": 300,  # charters confirmed in one bulk action
    "throughput_workers": 3,
    "tables": 100_000,  # charters in the big database (the small one has tables_small)
    "tables_small": 1_000,
    "tables_portal_events": 300,  # the crew portal member's events (moto answers 300 in ~1 s)
    "drift": 10_000,  # live charters (the listing's ETags spare a HEAD per page)
    # the 5,000 re-publish at ~37 pages/s here is 135 s a run, 4 runs ~7 of the 20 minutes;
    # past 200 pages the invalidation is the same two wildcards at any size (the paths check)
    "cdn_pages": 2_000,
    # ~20-40 requests/s through one sync worker here: 10,000 alone would take 4-8 min of the
    # 20; the entry projects the measured slope to the 10,000 (a check, bench/memory.py)
    "memory_requests": 5_000,
    "memory_tasks": 2_000,
}
QUICK_SIZES: dict[str, float] = {
    "store": 250,
    "backfill": 2_000,
    "sweep": 5_000,
    "sweep_leaked_fraction": 0.01,
    "publish": 100,
    "portal_seconds": 3,
    "portal_events": 20,
    "api_seconds": 3,
    "flow": 6,
    "intake_feeds": 5,
    "intake_events": 40,
    "intake_messages": 100,
    "throughput": 15,
    "throughput_workers": 3,
    "tables": 5_000,
    "tables_small": 1_000,
    "tables_portal_events": 20,
    "drift": 1_000,
    "cdn_pages": 500,
    "memory_requests": 600,
    "memory_tasks": 200,
}


@dataclass
class Context:
    endpoint: str
    rounds: int
    quick: bool
    workdir: Path
    sizes: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def size(self, name: str) -> int:
        return int(self.sizes[name])

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True)
