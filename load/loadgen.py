"""One closed-loop HTTP load run with wrk (preferred) or ``load.http_load`` (fallback)."""

from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load.common import ROOT

_WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {\"requests\":%.0f,\"duration_us\":%.0f,\"p50_us\":%.0f,\"p90_us\":%.0f," ..
    "\"p99_us\":%.0f,\"max_us\":%.0f,\"connect\":%.0f,\"read\":%.0f,\"write\":%.0f," ..
    "\"status\":%.0f,\"timeout\":%.0f}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Target:
    """What to load: one URL, one method, one fixed body."""

    url: str
    method: str = "GET"
    body: bytes = b""


def find_wrk() -> str | None:
    return shutil.which("wrk")


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout + out.stderr).splitlines()[0]
    return first.split(" [", 1)[0].strip()


def _lua_script(target: Target) -> str:
    lines = [f'wrk.method = "{target.method}"']
    if target.method == "POST":
        body = target.body.decode()
        if "]==]" in body:
            raise ValueError("body cannot be quoted in Lua")
        lines += [f"wrk.body = [==[{body}]==]", 'wrk.headers["Content-Type"] = "application/json"']
    return "\n".join(lines) + "\n" + _WRK_DONE


def run_load(
    target: Target,
    *,
    seconds: int,
    connections: int,
    threads: int,
    workdir: Path,
    use_wrk: bool,
) -> dict[str, Any]:
    """Load ``target`` for ``seconds``; returns requests, rps, latency (ms), errors and the
    generator's own CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if use_wrk:
        result = _run_wrk(target, seconds, connections, threads, workdir)
    else:
        result = _run_python(target, seconds, connections, workdir)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["generator_cpu_s"] = (after.ru_utime - before.ru_utime) + (
        after.ru_stime - before.ru_stime
    )
    return result


def _run_wrk(
    target: Target, seconds: int, connections: int, threads: int, workdir: Path
) -> dict[str, Any]:
    script = workdir / f"wrk-{abs(hash(target))}.lua"
    script.write_text(_lua_script(target))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        target.url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=False)
    match = re.search(r"^WRK_JSON (\{.*\})$", out.stdout, re.MULTILINE)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    raw = json.loads(match.group(1))
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "requests": int(raw["requests"]),
        "seconds": seconds_run,
        "rps": raw["requests"] / seconds_run,
        "latency_ms": {k: raw[f"{k}_us"] / 1000 for k in ("p50", "p90", "p99", "max")},
        "errors": int(errors),
        "error_detail": {k: int(raw[k]) for k in ("connect", "read", "write", "status", "timeout")},
    }


def _run_python(target: Target, seconds: int, connections: int, workdir: Path) -> dict[str, Any]:
    body_file = workdir / f"body-{abs(hash(target))}.json"
    body_file.write_bytes(target.body)
    argv = [
        sys.executable,
        "-m",
        "load.http_load",
        "--url",
        target.url,
        "--method",
        target.method,
        "--body-file",
        str(body_file),
        "--connections",
        str(connections),
        "--duration",
        str(seconds),
    ]
    out = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"load.http_load failed ({out.returncode}):\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
