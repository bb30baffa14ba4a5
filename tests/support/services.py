"""Private PostgreSQL and Redis servers that a test may stop, kill and restart.

The shared services (``make services``) serve every test run on the machine, so fault
tests never touch them: each starts its own redis-server or PostgreSQL cluster (Debian's
``/usr/lib/postgresql/<major>/bin``, run as the ``postgres`` user when we are root, as
``scripts/services.sh`` does) on a free loopback port, in a temporary directory that is
removed afterwards. ``load/chaos.py`` uses them too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _wait(what: str, is_ready: object, timeout: float) -> None:
    assert callable(is_ready)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {timeout:g} s")


class PrivateRedis:
    """A redis-server in the foreground (so it can be SIGKILLed), without persistence."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> PrivateRedis:
        if self.is_running:
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                LOOPBACK,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait(f"redis-server on port {self.port}", self.answers, timeout)
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to close client connections politely."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGKILL)
            self._process.wait()
            self._process = None

    def pause(self) -> None:
        """SIGSTOP: the server holds its connections but answers nothing, like a cut link."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGCONT)
                self._process.terminate()
                try:
                    self._process.wait(10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
            self._process.wait()
            self._process = None


def _postgres_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return found[-1].parent


def _postgres_os_user() -> str | None:
    """The user the server runs as: ourselves, or (as root, which the server refuses)
    the ``postgres`` user, as scripts/services.sh does."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "registry-pg"):
        with contextlib.suppress(KeyError):
            import pwd

            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root without a postgres user; run scripts/services.sh once")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (trust authentication, loopback only, no fsync)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bin = _postgres_bin()
        self.os_user = _postgres_os_user()
        # Under /tmp rather than pytest's tmp_path: the postgres user must be able to reach
        # it, and pytest's folders are private to the user running the tests.
        self.directory = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self._initialized = False

    def url(self, database: str = "registry") -> str:
        return f"postgresql+asyncpg://postgres@{LOOPBACK}:{self.port}/{database}"

    def _run(self, *argv: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if self.os_user is not None:
            command = ["runuser", "-u", self.os_user, "--", *command]
        return subprocess.run(
            command, cwd="/", capture_output=True, text=True, timeout=timeout, check=False
        )

    def _checked(self, *argv: str, timeout: float = 60.0) -> None:
        done = self._run(*argv, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stdout}{done.stderr}{log}")

    def _initialize(self) -> None:
        if self.os_user is not None:
            shutil.chown(self.directory, self.os_user)
        self.directory.chmod(0o755)
        self._checked(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        settings = "\n".join(
            [
                f"listen_addresses = '{LOOPBACK}'",
                f"port = {self.port}",
                "unix_socket_directories = ''",
                "max_connections = 100",
                # Commits stay synchronous: a crash (stop -m immediate) keeps what was acknowledged.
                "fsync = off",
                "full_page_writes = off",
                "log_min_messages = warning",
                "",
            ]
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(settings)
        self._initialized = True

    def start(self) -> PrivatePostgres:
        if not self._initialized:
            self._initialize()
        self._checked(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"
        )
        return self

    def stop(self, mode: str = "immediate") -> None:
        """``immediate`` ends every server process at once, as a crash or a failover does."""
        self._checked(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def _processes(self) -> list[int]:
        """The postmaster and every process it started (its backends and workers)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for status in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = status.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    children.append(int(status.parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """Stop every server process without ending it (SIGSTOP): connections stay open
        and nothing answers, as a hung server or a path that drops packets."""
        for pid in self._processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    @property
    def is_running(self) -> bool:
        if not self._initialized:
            return False
        status = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "status")
        return status.returncode == 0

    def create_database(self, name: str = "registry") -> str:
        self._checked(
            str(self.bin / "psql"),
            "-X",
            "-q",
            "-h",
            LOOPBACK,
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            f'CREATE DATABASE "{name}"',
        )
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            if self.is_running:
                self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().start()
    try:
        yield server
    finally:
        server.destroy()


@contextlib.contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(directory).start()
    try:
        yield server
    finally:
        server.stop()
