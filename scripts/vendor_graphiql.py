#!/usr/bin/env python3
"""Fetch the GraphiQL page's JavaScript and CSS from the npm registry into the package.

    scripts/vendor_graphiql.py                     fetch the versions app/static/graphiql.json names
    scripts/vendor_graphiql.py graphiql@3.8.4 ...  change those versions there, then fetch all

app/static/graphiql.json is the one place the versions live. For each package it lists
the files the page loads (paths inside the npm tarball); this script runs
``npm pack <name>@<version>`` (npm checks the tarball against the registry's
integrity), copies those files and the package's LICENSE to
app/static/graphiql/<name>@<version>/, and records each file's sha384 as the
``integrity`` the page carries. A package whose tarball ships no LICENSE names the
package whose LICENSE covers it (``license_from``); a package with no files is there
only for its LICENSE, because another package's build bundles it.

Needs ``npm`` on PATH. Run from anywhere; writes only under app/static/.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "app" / "static" / "graphiql.json"
ASSETS = ROOT / "app" / "static" / "graphiql"


def integrity(path: Path) -> str:
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


def unpack(name: str, version: str, workdir: Path) -> Path:
    """The package's files (the tarball's ``package/`` folder) under ``workdir``."""
    result = subprocess.run(
        ["npm", "pack", "--silent", "--pack-destination", str(workdir), f"{name}@{version}"],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    target = workdir / tarball.name.removesuffix(".tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def set_versions(packages: dict[str, Any], specs: list[str]) -> None:
    for spec in specs:
        name, separator, version = spec.rpartition("@")
        if not separator or not name or not version:
            sys.exit(f"expected NAME@VERSION, got {spec!r}")
        if name not in packages:
            sys.exit(f"{name} is not in {MANIFEST.relative_to(ROOT)}; add it there first")
        packages[name]["version"] = version


def vendor(packages: dict[str, Any], workdir: Path) -> None:
    unpacked = {name: unpack(name, entry["version"], workdir) for name, entry in packages.items()}
    if ASSETS.exists():
        shutil.rmtree(ASSETS)
    for name, entry in packages.items():
        source = unpacked[name]
        target = ASSETS / f"{name}@{entry['version']}"
        target.mkdir(parents=True)
        for relative in entry["files"]:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, destination)
            entry["files"][relative] = integrity(destination)
        license_source = unpacked[entry.get("license_from", name)] / "LICENSE"
        if not license_source.is_file():
            sys.exit(f"{name}@{entry['version']} ships no LICENSE; set license_from")
        shutil.copyfile(license_source, target / "LICENSE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="*", metavar="NAME@VERSION")
    arguments = parser.parse_args()
    manifest = json.loads(MANIFEST.read_text())
    packages: dict[str, Any] = manifest["packages"]
    set_versions(packages, arguments.versions)
    with tempfile.TemporaryDirectory() as workdir:
        vendor(packages, Path(workdir))
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(path.stat().st_size for path in ASSETS.rglob("*") if path.is_file())
    for name, entry in packages.items():
        sys.stdout.write(f"{name}@{entry['version']}\n")
    sys.stdout.write(f"{total / 1024:.0f} KiB in {ASSETS.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
