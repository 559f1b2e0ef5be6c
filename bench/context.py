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
    # live charters; the 10,000 would be 40,000 S3 HEADs over four runs, ~160 s at moto's
    # ~250 HEAD/s here, past the 2.5 min this entry may take (docs/performance.md, "drift")
    "drift": 3_000,
    "cdn_pages": 5_000,
    "memory_requests": 10_000,
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
    "drift": 300,
    "cdn_pages": 500,
    "memory_requests": 1_000,
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
