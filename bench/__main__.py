"""`python -m bench [--quick] [--only store,api] [--rounds 2] [--json bench-results.json]`.

Starts the stack (bench/stack.py), runs each benchmark against it (product path and raw
baseline alternating, bench/harness.py), prints a table and writes the JSON report. A missed
target is reported, not fatal; a benchmark that crashes makes the exit status non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import harness
from bench.context import FULL_SIZES, QUICK_SIZES, Context

BENCHMARKS = (
    "store",
    "backfill",
    "sweep",
    "publish",
    "portal",
    "api",
    "flow",
    "throughput",
    "intake",
    "tables",
    "drift",
    "cdn",
    "memory",
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for iterating on the benchmarks")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per benchmark (at least 2)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", default="bench-results.json", help="where to write the JSON report")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile each benchmark with pyinstrument (product() and baseline() appear as separate "
        "subtrees; the ratios are then skewed, use it to find where the time goes)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2")
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    args.chosen = [name for name in BENCHMARKS if name in chosen]
    return args


def _run(module: Any, ctx: Context, *, name: str, profile: bool) -> harness.Result | list[harness.Result]:
    if not profile:
        return module.run(ctx)
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        return module.run(ctx)
    finally:
        profiler.stop()
        path = ctx.workdir / f"{name}.profile.txt"
        path.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
        ctx.log(f"{name}: profile in {path}")


def _run_all(args: argparse.Namespace, ctx: Context, *, endpoint: str) -> tuple[list[harness.Result], list[str]]:
    from bench import stack

    results: list[harness.Result] = []
    crashed: list[str] = []
    for name in args.chosen:
        stack.moto_reset(endpoint)
        stack.dynalite_reset()
        stack.database_empty()
        module = importlib.import_module(f"bench.{name}")
        ctx.log(f"{name}: start")
        began_one = time.monotonic()
        try:
            result = _run(module, ctx, name=name, profile=args.profile)
        except Exception:
            traceback.print_exc()
            crashed.append(name)
            ctx.log(f"{name}: CRASHED")
            continue
        seconds_one = round(time.monotonic() - began_one, 1)
        for one in result if isinstance(result, list) else [result]:  # a benchmark may report one row per page
            one.details["seconds"] = seconds_one
            one.details["load_average_after"] = harness.load_average()
            results.append(one)
            ctx.log(
                f"{one.name}: product {one.product_median:,.2f} baseline {one.baseline_median:,.2f} {one.unit}, "
                f"ratio {one.ratio:.2f} (target {one.target_text()})"
            )
    return results, crashed


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    from bench import stack

    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="jada-bench-"))
    moto, endpoint = stack.moto_start()
    dynalite = stack.DynaliteProcess(log=workdir / "dynalite.log")
    site_port = stack.free_port()
    try:
        dynamodb_endpoint = dynalite.start()
        stack.environment_prepare(
            endpoint=endpoint, dynamodb_endpoint=dynamodb_endpoint, site_url=f"http://127.0.0.1:{site_port}"
        )
        stack.database_recreate()
        stack.redis_flush()
        stack.django_start()
    except stack.StackError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        dynalite.stop()
        moto.stop()
        return 2
    ctx = Context(
        endpoint=endpoint,
        rounds=args.rounds,
        quick=args.quick,
        workdir=workdir,
        sizes=dict(QUICK_SIZES if args.quick else FULL_SIZES),
        started=began,
    )
    ctx.sizes["site_port"] = site_port
    ctx.log(f"moto on {endpoint}, dynalite on {dynamodb_endpoint}; logs in {workdir}; running {', '.join(args.chosen)}")
    try:
        results, crashed = _run_all(args, ctx, endpoint=endpoint)
    finally:
        dynalite.stop()
        moto.stop()
    seconds = time.monotonic() - began
    print(harness.table(results))
    if crashed:
        print(f"crashed: {', '.join(crashed)}")
    options = {"quick": args.quick, "rounds": args.rounds, "only": args.chosen, "sizes": ctx.sizes}
    document = harness.report(results, options=options, seconds=seconds)
    document["crashed"] = crashed
    harness.write_report(Path(args.json), document)
    load = document["load_average"]
    print(f"{len(results)} benchmark(s) in {seconds:.0f} s; load average {load}; JSON in {args.json}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
