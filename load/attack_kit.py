"""What every attack of ``load.attacks`` shares: the run's scale, the replica it targets,
what an attack reports, and the ``@attack`` registry.

The registry lives here rather than in ``load.attacks``: that module runs as ``__main__``,
so attacks that imported it would register into a second copy of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scale:
    """The replica's settings for the run, and how hard each attack pushes."""

    header_timeout: float
    body_timeout: float
    body_idle_timeout: float
    keep_alive_timeout: int
    max_connections: int
    slowloris: int
    trickled: int
    flood_beyond: int
    history: int
    register_seconds: float
    baseline_seconds: float
    # Requests that carry hostile input (patterns, fragment bombs): how long they are
    # sent, by how many clients at once, and how many times each oversized body is sent.
    input_seconds: float
    input_clients: int
    body_rounds: int

    def env(self) -> dict[str, str]:
        return {
            "REGISTRY_HEADER_TIMEOUT": str(self.header_timeout),
            "REGISTRY_BODY_TIMEOUT": str(self.body_timeout),
            "REGISTRY_BODY_IDLE_TIMEOUT": str(self.body_idle_timeout),
            "REGISTRY_KEEP_ALIVE_TIMEOUT": str(self.keep_alive_timeout),
            "REGISTRY_MAX_CONNECTIONS": str(self.max_connections),
        }


# The replica's defaults, except the connection limit: a flood beyond 10,000 needs more
# open files than a workstation allows.
FULL = Scale(10.0, 30.0, 10.0, 5, 1_500, 1_000, 20, 500, 30, 10.0, 5.0, 10.0, 4, 3)
QUICK = Scale(1.0, 1.5, 0.5, 1, 60, 40, 3, 20, 3, 1.0, 0.5, 1.0, 2, 1)


@dataclass(frozen=True)
class Target:
    url: str
    port: int
    scale: Scale
    slack: float
    # Seconds a request carrying hostile input may take to be answered or refused.
    answer_limit: float


@dataclass
class Outcome:
    """``held``: seconds the longest attacking connection, job or request lasted; None
    when the attack holds nothing the replica must cut. ``limit``: what ``held`` may
    reach. ``problems``: answers that were not the refusal (or the verdict) expected."""

    held: float | None
    limit: float | None
    detail: str
    problems: list[str] = field(default_factory=list)

    @property
    def outlived(self) -> bool:
        return self.held is not None and self.limit is not None and self.held > self.limit


Attack = Callable[[Target], Awaitable[Outcome]]
ATTACKS: dict[str, Attack] = {}


def attack(name: str) -> Callable[[Attack], Attack]:
    """Add an attack to the run (in definition order)."""

    def register(function: Attack) -> Attack:
        ATTACKS[name] = function
        return function

    return register


def summarize(outcomes: list[str]) -> str:
    """``["408", "408", "503"]`` as ``2 408, 1 503``."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
