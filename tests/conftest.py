"""Shared test fixtures and paths."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real survey data beside the repo (``../shared/reference-data``); tests skip when absent.
REFERENCE_DATA = ROOT.parent / "shared" / "reference-data"


@pytest.fixture
def reference_data() -> Path:
    if not REFERENCE_DATA.is_dir():
        pytest.skip("../shared/reference-data is not beside the repo")
    return REFERENCE_DATA
