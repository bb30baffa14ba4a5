"""Schema work in worker processes, so that the event loop keeps serving meanwhile.

A compatibility check of a large schema against a long history is tens of milliseconds
of pure CPU (more for adversarial schemas, up to the checker's step budget); on the event
loop it would stall every read and event delivery of the replica. Checks, and the parsing
of large schemas, run here in a process pool instead. Each worker keeps its own memo of
parsed schemas (``registry.formats.parse_schema``), so earlier versions are parsed once
per worker, not once per check.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from registry import checks
from registry.checks import CanonicalSchema, CheckRequest, SchemaSource
from registry.compatibility import Incompatibility
from registry.errors import RegistryError, ServerBusyError
from registry.formats import handler_for
from registry.model import ProviderFinding, SchemaFormat
from registry.providers.model import Provider

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Schemas up to this many characters, and no more than their format's
# ``inline_parse_chars``, are parsed in the calling task: about a millisecond at most,
# less than a round trip to a worker.
INLINE_PARSE_CHARS = 8 * 1024
# A provider lint reads the schema again and walks it once per provider (about 0.4 ms per
# KiB and provider): this many characters times providers stay in the calling task.
INLINE_LINT_CHARS = 8 * 1024


def _parses_inline(source: SchemaSource) -> bool:
    schemas = source.distinct()
    size = sum(len(s.text) for s in schemas)
    return all(
        size <= min(INLINE_PARSE_CHARS, handler_for(s.format).inline_parse_chars) for s in schemas
    )


def _init_worker() -> None:
    # Workers share the server's process group: Ctrl-C in a terminal reaches them too, and
    # the server, not they, decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = multiprocessing.parent_process()
    if server is not None:
        threading.Thread(
            target=_exit_with, args=(server,), name="exit-with-server", daemon=True
        ).start()


def _exit_with(server: multiprocessing.process.BaseProcess) -> None:
    """A worker waits for work on a pipe it holds both ends of: were the server killed
    (a stop shuts the pool down first), it would wait forever, and keep the fork server
    alive with it."""
    server.join()
    os._exit(0)


def _new_executor(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    # A fork server (not fork: this process has threads and a running loop) that imports
    # the domain once, so that each worker starts as a cheap fork of it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["registry.checks", __name__])
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker
    )


def _log_failure(warming: asyncio.Future[None]) -> None:
    if not warming.cancelled() and warming.exception() is not None:
        logger.error("the check workers did not start", exc_info=warming.exception())


class ProcessChecker:
    """A ``SchemaChecker`` over ``workers`` processes. At most ``workers + queue`` jobs are
    accepted at a time (running or waiting); one more is refused with ``ServerBusyError``.

    ``on_finished`` is called with each job's outcome: ``done`` (an answer, an invalid
    schema included), ``busy`` (refused) or ``failed`` (a worker died)."""

    def __init__(
        self,
        workers: int,
        queue: int,
        on_finished: Callable[[str], None] = lambda outcome: None,
    ) -> None:
        if workers < 1:
            raise ValueError("a process checker needs at least one worker")
        self.workers = workers
        self.capacity = workers + queue
        self.pending = 0
        self._on_finished = on_finished
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warming: asyncio.Future[None] | None = None

    @property
    def running(self) -> int:
        return min(self.pending, self.workers)

    @property
    def queued(self) -> int:
        return max(0, self.pending - self.workers)

    async def start(self) -> None:
        """Create the pool now (a missing /dev/shm fails here), and start every worker in
        the background: the first job waits for them. Forking one later, in ``submit``,
        would block the event loop."""
        self._loop = asyncio.get_running_loop()
        self._executor = _new_executor(self.workers)
        self._start_workers()

    async def wait_started(self, within: float) -> None:
        """Returns once every worker has started, or after ``within`` seconds: a replica
        that served meanwhile would share its CPU with their imports. A failed start is
        logged, not raised here; the first job reports it."""
        if self._warming is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._warming), within)

    def _start_workers(self) -> None:
        self._warming = asyncio.ensure_future(asyncio.to_thread(self._warm, self._executor))
        self._warming.add_done_callback(_log_failure)

    def _warm(self, executor: concurrent.futures.ProcessPoolExecutor | None) -> None:
        assert executor is not None
        # Submitted together, each job finds no idle worker, so each starts one.
        jobs = [
            executor.submit(checks.canonicalize, SchemaSource(SchemaFormat.JSON, "true"))
            for _ in range(self.workers)
        ]
        for job in jobs:
            job.result()

    async def stop(self) -> None:
        executor, self._executor = self._executor, None
        if self._warming is not None:
            with contextlib.suppress(Exception):
                await self._warming
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def canonicalize(self, source: SchemaSource) -> CanonicalSchema:
        if _parses_inline(source):
            return checks.canonicalize(source)
        return await self._run(checks.canonicalize, source)

    async def render(self, source: SchemaSource, form: str) -> str | None:
        if _parses_inline(source):
            return checks.render(source, form)
        return await self._run(checks.render, source, form)

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]:
        if request.is_trivial:
            return []
        return await self._run(checks.find_incompatibilities, request)

    async def lint(
        self, source: SchemaSource, providers: tuple[Provider, ...]
    ) -> list[ProviderFinding]:
        if source.format is not SchemaFormat.JSON or (
            _parses_inline(source) and source.size * len(providers) <= INLINE_LINT_CHARS
        ):
            return checks.lint_providers(source, providers)
        return await self._run(checks.lint_providers, source, providers)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        if self.pending >= self.capacity:
            self._on_finished("busy")
            raise ServerBusyError(
                f"The server is busy: {self.pending} schema checks are running or waiting. "
                "Retry shortly."
            )
        self.pending += 1
        executor, loop = self._executor, self._loop
        try:
            if self._warming is not None:
                # Shielded: a request abandoned meanwhile must not cancel the start itself.
                await asyncio.shield(self._warming)
                executor = self._executor
            if executor is None or loop is None:
                raise RuntimeError("the check workers are not running")
            job = executor.submit(function, *args)
        except BaseException as exc:
            self.pending -= 1
            if isinstance(exc, BrokenProcessPool):
                self._replace(executor)
            raise
        # Counted until the worker is done with it, even when the request is abandoned
        # (a cancelled await does not stop a job that a worker has started).
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(self._finish, job))
        try:
            return await asyncio.wrap_future(job)
        except BrokenProcessPool:
            self._replace(executor)
            raise

    def _finish(self, job: concurrent.futures.Future[Any]) -> None:
        self.pending -= 1
        error = None if job.cancelled() else job.exception()
        # A refused schema is an answer; anything else a worker raised is a failure.
        failed = error is not None and not isinstance(error, RegistryError)
        self._on_finished("failed" if failed else "done")

    def _replace(self, broken: concurrent.futures.ProcessPoolExecutor | None) -> None:
        """A worker died (killed, out of memory): the pool refuses all work from then on,
        so the next job gets a new one."""
        if broken is None or broken is not self._executor:
            return  # already replaced, or stopped
        logger.error("a schema check worker died; starting new workers")
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = _new_executor(self.workers)
        self._start_workers()
