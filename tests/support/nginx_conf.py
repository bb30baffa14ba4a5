"""deploy/nginx.conf through crossplane, NGINX's configuration parser.

crossplane knows each directive's contexts and argument counts. Its ``strict`` mode (no
unknown directives) would also report the entries of a ``map`` block, which are data, so
unknown names are checked here outside such blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import crossplane
from crossplane.analyzer import DIRECTIVES

from tests.support.docker_build import ROOT

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
# Blocks whose lines are keys and values, not directives.
DATA_BLOCKS = {"map", "types", "geo", "split_clients", "charset_map"}

Block = list[dict[str, Any]]


def parse(path: Path = NGINX_CONF) -> dict[str, Any]:
    payload: dict[str, Any] = crossplane.parse(
        str(path), check_ctx=True, check_args=True, single=True
    )
    return payload


def _unknown_directives(block: Block) -> Iterator[str]:
    for each in block:
        if each["directive"] not in DIRECTIVES:
            yield f'unknown directive "{each["directive"]}" at line {each["line"]}'
        if each["directive"] not in DATA_BLOCKS:
            yield from _unknown_directives(each.get("block", []))


def errors(path: Path = NGINX_CONF) -> list[str]:
    """What crossplane finds wrong: syntax, contexts, argument counts, unknown names."""
    payload = parse(path)
    found = [str(each["error"]) for each in payload["errors"]]
    for config in payload["config"]:
        found.extend(_unknown_directives(config["parsed"]))
    return found


def http_block(path: Path = NGINX_CONF) -> Block:
    (config,) = parse(path)["config"]
    (http,) = directives(config["parsed"], "http")
    block: Block = http["block"]
    return block


def directives(block: Block, name: str) -> Block:
    return [each for each in block if each["directive"] == name]


def walk(block: Block) -> Iterator[dict[str, Any]]:
    for each in block:
        yield each
        yield from walk(each.get("block", []))


def upstreams(http: Block) -> dict[str, Block]:
    return {each["args"][0]: each["block"] for each in directives(http, "upstream")}
