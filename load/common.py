"""Process management and fixtures shared by the benchmarks.

Every process a benchmark starts goes through ``Processes`` so one ``finally`` (also
reached on Ctrl-C and SIGTERM) stops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def raise_nofile_limit(wanted: int) -> int:
    """Raise the soft open-files limit (inherited by every child) towards ``wanted``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def sigterm_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so the ``finally`` that stops the children runs. SIGINT
    is set explicitly too: a shell starts background jobs with it ignored."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def rss_kb(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def source_state() -> dict[str, Any]:
    """Which code was measured: HEAD plus a digest of the uncommitted changes."""

    def git(*argv: str) -> str:
        out = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False)
        return out.stdout if out.returncode == 0 else ""

    packages = ["app", "graph", "resolvers", "registry", "storage", "subscriptions"]
    dirty = git("status", "--porcelain", "--", *packages).splitlines()
    digest = hashlib.sha256(git("diff", "HEAD", "--", *packages).encode())
    for line in sorted(dirty):
        if line.startswith("??"):
            path = ROOT / line[3:]
            files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            for file in files:
                digest.update(file.read_bytes())
    return {
        "head": git("rev-parse", "HEAD").strip(),
        "dirty_files": len(dirty),
        "diff_sha256": digest.hexdigest()[:16],
    }


@dataclass
class Managed:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None
    url: str = ""
    readyz_status: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


@dataclass
class Processes:
    """Children started in their own session (so a terminal's Ctrl-C reaches only us and
    we stop them in order), each with its log file in ``workdir``."""

    workdir: Path
    started: list[Managed] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> Managed:
        log_path = self.workdir / f"{name}.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                list(argv),
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        managed = Managed(name, process, log_path)
        self.started.append(managed)
        return managed

    def start_registry(
        self, name: str, env: dict[str, str], timeout: float = 60.0, port: int | None = None
    ) -> Managed:
        """``python -m app.cli serve`` on ``port`` (a free loopback port by default);
        returns once /readyz is 200."""
        port = port or free_port()
        server_env = {**env, "REGISTRY_HOST": LOOPBACK, "REGISTRY_PORT": str(port)}
        managed = self.start(name, [sys.executable, "-m", "app.cli", "serve"], server_env)
        managed.url = f"http://{LOOPBACK}:{port}"
        # uvicorn answers only once the lifespan (database, broadcast, hub) has started, so
        # /healthz suffices; /readyz is checked too and its failures reported, not fatal.
        wait_ready(managed, "/healthz", timeout)
        readyz = httpx.get(managed.url + "/readyz", timeout=10)
        managed.readyz_status = readyz.status_code
        if readyz.status_code != 200:
            print(
                f"warning: {name} /healthz is 200 but /readyz answered {readyz.status_code}: "
                f"{readyz.text[:200]!r}",
                file=sys.stderr,
            )
        return managed

    def stop(self, managed: Managed, timeout: float = 15.0) -> None:
        if managed.process.poll() is None:
            managed.process.send_signal(signal.SIGTERM)
            try:
                managed.process.wait(timeout)
            except subprocess.TimeoutExpired:
                managed.process.kill()
                managed.process.wait()
        if managed in self.started:
            self.started.remove(managed)

    def stop_all(self) -> None:
        for managed in reversed(list(self.started)):
            self.stop(managed)


def run_managed(workdir: Path, body: Callable[[Processes], None], what: str) -> int:
    """Run ``body`` with a table of the processes it starts, and stop them all whatever
    happens. The exit status: 0; 130 when interrupted; 1 on a RuntimeError, after the
    tails of the started processes' logs."""
    procs = Processes(workdir)
    try:
        body(procs)
    except KeyboardInterrupt:
        print(f"interrupted; stopping {what}", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for managed in procs.started:
            print(f"--- {managed.name} log tail ---\n{managed.log_tail()}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
    return 0


def wait_ready(managed: Managed, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if managed.process.poll() is not None:
            raise RuntimeError(
                f"{managed.name} exited with {managed.process.returncode}:\n{managed.log_tail()}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(managed.url + path, timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{managed.name} not ready after {timeout}s:\n{managed.log_tail()}")


def registry_env(
    database_url: str,
    *,
    broadcast_url: str = "memory://",
    channel: str | None = None,
    log_level: str = "warning",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_BROADCAST_URL": broadcast_url,
        "REGISTRY_LOG_LEVEL": log_level,
        "REGISTRY_GRAPHIQL": "false",
    }
    if channel is not None:
        env["REGISTRY_BROADCAST_CHANNEL"] = channel
    env.update(extra or {})
    return env


def graphql(client: httpx.Client, url: str, query: str, **variables: Any) -> dict[str, Any]:
    """POST one operation; raises on transport or GraphQL errors, returns ``data``."""
    response = client.post(url + "/graphql", json={"query": query, "variables": variables})
    response.raise_for_status()
    payload = response.json()
    if payload.get("errors"):
        raise RuntimeError(f"GraphQL errors: {payload['errors']}")
    data: dict[str, Any] = payload["data"]
    return data


REGISTER = """
mutation($subject: String!, $schema: String!) {
  registerSchema(subject: $subject, schema: $schema) { id version isNewVersion }
}
"""
SET_COMPATIBILITY = """
mutation($subject: String!) {
  setCompatibility(subject: $subject, level: NONE) { compatibility }
}
"""


def tool_schema(revision: int = 0) -> str:
    """A realistic LLM tool (function-calling) parameters schema, about 1 KB; each
    ``revision`` gives different content, hence a new version."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "search_flights",
        "description": f"Find flights between two airports (revision {revision}).",
        "type": "object",
        "properties": {
            "origin": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "IATA code"},
            "destination": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "departure_date": {"type": "string", "format": "date"},
            "return_date": {"type": "string", "format": "date"},
            "passengers": {
                "type": "object",
                "properties": {
                    "adults": {"type": "integer", "minimum": 1, "maximum": 9},
                    "children": {"type": "integer", "minimum": 0, "maximum": 8},
                },
                "required": ["adults"],
                "additionalProperties": False,
            },
            "cabin": {"type": "string", "enum": ["economy", "premium", "business", "first"]},
            "max_stops": {"type": "integer", "minimum": 0, "maximum": 3},
            "max_price": {"type": "number", "exclusiveMinimum": 0},
            "currency": {"type": "string", "enum": ["USD", "EUR", "GBP", "JPY"]},
            "airlines": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[A-Z0-9]{2}$"},
                "uniqueItems": True,
                "maxItems": 10,
            },
        },
        "required": ["origin", "destination", "departure_date", "passengers"],
        "additionalProperties": False,
    }
    return json.dumps(schema, separators=(",", ":"))


@contextlib.contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new database on the server of ``server_url`` (SQLAlchemy form, +asyncpg), dropped
    on exit; yields its URL."""
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin_dsn = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def execute(sql: str) -> None:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    base, _, _ = server_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def machine_info() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


def write_results(prefix: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (need not be sorted)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]
