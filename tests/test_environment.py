"""The locked environment: every dependency is pinned, and conda installs the same lock."""

from __future__ import annotations

import os
import re
import tomllib

import pytest

from crm_lab.cli import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split(";")[0].strip().split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_lock_pins_every_dependency_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in ("book", "test", "bench", "bigdata"):
        wanted += project["optional-dependencies"][extra]
    pins = _locked()
    missing = sorted({_name(r) for r in wanted} - set(pins))
    assert not missing, f"not in requirements.lock: {missing}; run `make lock`"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in pins.values())


def test_conda_environment_installs_the_lock():
    text = (ROOT / "environment.yml").read_text()
    assert "-r requirements.lock" in text and "-e ." in text


@pytest.mark.skipif(os.environ.get("CRM_LAB_UNLOCKED") == "1",
                    reason="`make test-latest` runs against the newest releases on purpose")
def test_installed_versions_are_the_locked_ones():
    from importlib.metadata import PackageNotFoundError, version

    pins = _locked()
    wrong = {}
    for name in ("numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "semopy",
                 "matplotlib", "nbval", "otter-grader"):
        try:
            got = version(name)
        except PackageNotFoundError:
            got = None
        if got != pins[name]:
            wrong[name] = (got, pins[name])
    assert not wrong, f"installed vs locked: {wrong}; run `make` (it installs the lock)"
