"""The locks (`make lock`) match requirements*.txt: every pin at its version, every package with
hashes, and no development tool in production's lock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(path: Path) -> dict[str, str]:
    """name → version of a requirements file, following ``-r`` includes."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(_pins(path.parent / line[3:].strip()))
        elif match := PIN.match(line):
            pins[_name(match[1])] = match[2]
    return pins


def _locked(path: Path) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of a lock written by ``uv pip compile --generate-hashes``."""
    locked: dict[str, tuple[str, int]] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            name = _name(match[1])
            locked[name] = (match[2], 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = locked[name]
            locked[name] = (version, hashes + 1)
    return locked


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements-run.txt", "requirements-run.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
    ],
)
def test_the_lock_holds_every_pin_at_its_version_with_hashes(requirements, lock):
    pins, locked = _pins(ROOT / requirements), _locked(ROOT / lock)
    stale = {
        name: (version, locked.get(name, ("missing",))[0])
        for name, version in pins.items()
        if locked.get(name, ("",))[0] != version
    }
    assert not stale, f"{lock} is stale (pin, locked): {stale}; run `make lock`"
    assert all(hashes for _, hashes in locked.values()), [n for n, (_, h) in locked.items() if not h]
    assert len(locked) > len(pins)  # the transitive dependencies are locked too


def test_production_installs_no_development_tool():
    production = _locked(ROOT / "requirements.lock")
    development_only = set(_pins(ROOT / "requirements-dev.txt")) - set(_pins(ROOT / "requirements.txt"))
    assert {"honcho", "uv"} <= set(_pins(ROOT / "requirements-run.txt"))
    assert {"honcho", "ruff", "pytest", "uv"} <= development_only
    assert not development_only & set(production)
