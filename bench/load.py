"""HTTP load with ``wrk`` (Debian's package): run it, read its summary.

wrk is used rather than a Python load generator because a Python client on this 2-core machine
would compete with the server for the same interpreter time and measure itself.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_parse(output: str) -> dict[str, Any]:
    """Requests/s, request count, mean latency and error counts from wrk's plain summary."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", output)
    if not rps or not total:
        raise ValueError(f"wrk printed no summary:\n{output}")
    latency = re.search(r"Latency\s+([\d.]+\w+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_second": float(rps.group(1)),
        "requests": int(total.group(1)),
        "duration_seconds": _seconds(total.group(2)),
        "mean_latency_seconds": _seconds(latency.group(1)) if latency else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


def post_script(*, body: str, headers: dict[str, str]) -> str:
    """A wrk Lua script that sends the same POST on every request."""

    def lua(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ['wrk.method = "POST"', f"wrk.body = {lua(body)}"]
    lines += [f"wrk.headers[{lua(name)}] = {lua(value)}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def get_script(*, headers: dict[str, str]) -> str:
    def lua(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "".join(f"wrk.headers[{lua(name)}] = {lua(value)}\n" for name, value in headers.items())


def wrk_run(
    wrk: str, url: str, *, seconds: float, connections: int, threads: int = 1, script: str = ""
) -> dict[str, Any]:
    """Run wrk against ``url`` for ``seconds`` and return its parsed summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = Path(handle.name)
    try:
        args = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout=10s",
            "-s",
            str(script_path),
            url,
        ]
        done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    finally:
        script_path.unlink(missing_ok=True)
    return wrk_parse(done.stdout)
