"""The reader of ``load.chaos``, in a process of its own so that the other clients' work
(and their start) delays none of its reads.

Every 20 ms, from either replica in turn (the other when one does not answer): the latest
version of a subject over REST, which needs the database, and a schema by id over
GraphQL, which the response cache serves; and, as a control, precomputed bytes from a bare
Starlette app (``load/baseline_app.py``) that no fault touches: how long it takes to
answer is the machine's own delay at that moment. One line per read on stdout, for
``Tally.read``: when it was sent and answered (the machine's monotonic clock), what, from
which port, the status (0: neither replica answered), whether it carried Retry-After, the
error code (``-``: none).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

from load.hostile_inputs import error_code

READ_BY_ID = "query($id:Int!){schema(id:$id){id schema}}"
INTERVAL = 0.02


async def read_forever(urls: list[str], schema_id: int, control: str) -> None:
    reads = {
        "rest-latest": ("GET", "/subjects/chaos.1/versions/latest", None),
        "graphql-schema-by-id": (
            "POST",
            "/graphql",
            {"query": READ_BY_ID, "variables": {"id": schema_id}},
        ),
    }
    async with httpx.AsyncClient(timeout=5.0) as http:
        # Unmeasured: this process's own first requests (imports on first use, a
        # connection to each replica) are no replica's delay.
        for url in urls:
            for method, path, body in reads.values():
                with contextlib.suppress(httpx.HTTPError):
                    await http.request(method, url + path, json=body)
        with contextlib.suppress(httpx.HTTPError):
            await http.get(control + "/schema")
        print("ready", flush=True)
        for n in range(sys.maxsize):
            sent = time.monotonic()
            try:
                status = (await http.get(control + "/schema")).status_code
            except httpx.HTTPError:
                status = 0
            port = control.rsplit(":", 1)[1]
            print(f"{sent:.6f} {time.monotonic():.6f} control {port} {status} 0 -", flush=True)
            for kind, (method, path, body) in reads.items():
                sent = time.monotonic()
                line = f"{kind} - 0 0 -"
                for url in (urls[n % 2], urls[(n + 1) % 2]):
                    try:
                        response = await http.request(method, url + path, json=body)
                    except httpx.HTTPError:
                        continue
                    code = "-"
                    with contextlib.suppress(ValueError):
                        code = error_code(response.json()) or "-"
                    retry = int("retry-after" in response.headers)
                    port = url.rsplit(":", 1)[1]
                    line = f"{kind} {port} {response.status_code} {retry} {code}"
                    break
                print(f"{sent:.6f} {time.monotonic():.6f} {line}", flush=True)
            await asyncio.sleep(INTERVAL)


@dataclass
class Reader:
    """Runs ``read_forever`` in a child process and keeps its lines."""

    urls: list[str]
    schema_id: int
    control: str
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    _process: subprocess.Popen[str] | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        argv = [
            *(sys.executable, "-m", "load.chaos_reader"),
            *(",".join(self.urls), str(self.schema_id), self.control),
        ]
        self._process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        self._thread = threading.Thread(target=self._collect, name="reader", daemon=True)
        self._thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the reader did not start")

    def _collect(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith("ready"):
                self.ready.set()
            else:
                self.lines.append(line)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
        if self._thread is not None:
            self._thread.join(10)


def main() -> None:
    urls, schema_id, control = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        asyncio.run(read_forever(urls, schema_id, control))


if __name__ == "__main__":
    main()
