"""The driver's side of the subscriber processes (see load.fanout_client)."""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from load import fanout_client
from load.common import cpu_seconds


class ClientGroup:
    """One spawned process per chunk of websocket URLs, each with a command pipe."""

    def __init__(self, chunks: list[list[str]], *, concurrency: int, timeout: float) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for urls in chunks:
            parent, child = context.Pipe()
            process = context.Process(
                target=fanout_client.run,
                args=(child, urls, concurrency, timeout),
                name="fanout-client",
                daemon=True,
            )
            process.start()
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)

    def _recv(self, pipe: Connection, timeout: float) -> Any:
        if not pipe.poll(timeout):
            raise RuntimeError(f"a client process did not answer within {timeout:.0f}s")
        return pipe.recv()

    def wait_ready(self, timeout: float) -> tuple[int, list[str]]:
        deadline = time.monotonic() + timeout
        connected, errors = 0, []
        for pipe in self.pipes:
            tag, ok, errs = self._recv(pipe, max(0.1, deadline - time.monotonic()))
            assert tag == "ready"
            connected += ok
            errors += errs
        return connected, errors

    def count(self, version: int) -> int:
        for pipe in self.pipes:
            pipe.send(("count", version))
        return sum(int(self._recv(pipe, 60)) for pipe in self.pipes)

    def wait_all(self, version: int, n: int, timeout: float) -> bool:
        """True once all ``n`` subscribers have received ``version``."""
        deadline = time.monotonic() + timeout
        while self.count(version) < n:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def collect(self) -> tuple[list[list[dict[int, float]]], list[str]]:
        for pipe in self.pipes:
            pipe.send(("collect",))
        received, errors = [], []
        for pipe in self.pipes:
            reply = self._recv(pipe, 120)
            received.append(reply["received"])
            errors += reply["errors"]
        return received, errors

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes if p.pid is not None)

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("close",))
            except OSError:
                continue
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            try:
                if pipe.poll(30):
                    pipe.recv()
            except (OSError, EOFError):
                pass
            process.join(10)
            if process.is_alive():
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            pipe.close()
