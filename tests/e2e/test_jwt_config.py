"""A JWT configuration mistake stops `serve` and `migrate` before anything is opened:
one line naming the setting, exit code 2, no traceback, no secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_startup import SECRET, assert_clear_failure, run_cli

ISSUER = "https://idp.example.com/"
PRIVATE_PEM_LINE = "-----BEGIN PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"REGISTRY_JWT_ISSUER": ISSUER, "REGISTRY_JWT_AUDIENCE": "registry"},
            ["REGISTRY_JWT_ISSUER=", "no key to verify tokens with"],
        ),
        (
            {
                "REGISTRY_JWT_ISSUER": ISSUER,
                "REGISTRY_JWT_AUDIENCE": "registry",
                "REGISTRY_JWT_PUBLIC_KEY_FILE": "/no/such/issuer.pem",
            },
            ["REGISTRY_JWT_PUBLIC_KEY_FILE='/no/such/issuer.pem'", "cannot read it"],
        ),
        (
            {
                "REGISTRY_JWT_ISSUER": ISSUER,
                "REGISTRY_JWT_AUDIENCE": "registry",
                "REGISTRY_JWT_ALGORITHMS": "HS256",
                "REGISTRY_JWT_HS256_SECRET": SECRET,
            },
            ["REGISTRY_JWT_HS256_SECRET", "at least 32"],
        ),
        (
            {"REGISTRY_JWT_ALGORITHMS": "RS256,none"},
            ["REGISTRY_JWT_ALGORITHMS='RS256,none'", "unsupported algorithm(s) none"],
        ),
    ],
    ids=["no-key", "unreadable-key-file", "short-secret", "alg-none"],
)
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_jwt_mistake_stops_startup_with_one_line(
    tmp_path: Path, command: str, env: dict[str, str], expected: list[str]
) -> None:
    run = run_cli(command, cwd=tmp_path, **env)

    assert_clear_failure(run, *expected, code=2)
    assert len(run.output.strip().splitlines()) == 1, run.output
    assert run.output.startswith("llm-schema-registry: error: invalid setting REGISTRY_JWT_")
    assert not (tmp_path / "registry.db").exists()


def test_a_malformed_key_file_is_named_without_its_content(tmp_path: Path) -> None:
    key_file = tmp_path / "issuer.pem"
    key_file.write_text(f"{PRIVATE_PEM_LINE}\n{SECRET}\n-----END PRIVATE KEY-----\n")

    run = run_cli(
        "serve",
        cwd=tmp_path,
        REGISTRY_JWT_ISSUER=ISSUER,
        REGISTRY_JWT_AUDIENCE="registry",
        REGISTRY_JWT_PUBLIC_KEY_FILE=str(key_file),
    )

    assert_clear_failure(run, f"REGISTRY_JWT_PUBLIC_KEY_FILE='{key_file}'", code=2)
    assert PRIVATE_PEM_LINE not in run.output
