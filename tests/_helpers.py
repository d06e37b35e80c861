"""Helpers shared by the test modules (imported as ``from _helpers import ...``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

#: Real survey data beside the repo (``../shared/reference-data``); tests skip when absent.
REFERENCE_DATA = Path(__file__).resolve().parents[2] / "shared" / "reference-data"


def reference_csv(name: str) -> pd.DataFrame:
    """Read a file of ``../shared/reference-data`` (first column = index), or skip the test."""
    path = REFERENCE_DATA / name
    if not path.exists():
        pytest.skip(f"reference data not found at {path}")
    return pd.read_csv(path, index_col=0)


def random_log(seed: int, *, n: int, n_customers: int, days: int, start: str,
               spend_scale: float) -> pd.DataFrame:
    """A random transaction log: ``n`` purchases at random seconds over ``days`` from ``start``
    by ``n_customers`` ids, gamma(2, ``spend_scale``) amounts rounded to cents."""
    rng = np.random.default_rng(seed)
    seconds = rng.integers(0, days * 86_400, n).astype("timedelta64[s]")
    return pd.DataFrame({"customer_id": rng.integers(0, n_customers, n),
                         "date": (np.datetime64(start) + seconds).astype("datetime64[ns]"),
                         "amount": rng.gamma(2.0, spend_scale, n).round(2)})
