"""Perturb the arithmetic of every Python process started with this folder on PYTHONPATH.

Used by ``tests/test_reproducible.py``: nbval re-executes the chapter notebooks with every
money column read from disk multiplied by ``1 + CRM_LAB_PERTURB`` (default 1e-12), the size
of the differences another CPU, BLAS or library release makes. Stored outputs that are rounded
to the precision their reader uses do not change; an output that shows the last digits of a
float does, and nbval reports it.
"""

import os
import re

import pandas as pd

_FACTOR = 1.0 + float(os.environ.get("CRM_LAB_PERTURB", "1e-12"))
_MONEY = re.compile(r"amount|price|charges|revenue|spend", re.IGNORECASE)
_read_csv = pd.read_csv


def _perturbed_read_csv(*args, **kwargs):
    frame = _read_csv(*args, **kwargs)
    if isinstance(frame, pd.DataFrame):
        for col in frame.columns:
            if _MONEY.search(str(col)) and pd.api.types.is_float_dtype(frame[col]):
                frame[col] = frame[col] * _FACTOR
    return frame


pd.read_csv = _perturbed_read_csv
os.environ["CRM_LAB_PERTURBED"] = repr(_FACTOR)
