"""Shared pytest set-up for the package doctests, the tests and the notebooks.

``crm_lab.plots.setup()`` sets pandas display options for the whole process (the book's float
format, precision, width). Tests that call it must not change how a later doctest prints, and
under pytest-xdist the order of tests on a worker is not the order of the files, so every test
starts from pandas' default display options.
"""

import pandas as pd
import pytest

_DISPLAY = ("display.float_format", "display.precision", "display.max_columns", "display.width")


@pytest.fixture(autouse=True)
def _pandas_display_defaults():
    for option in _DISPLAY:
        pd.reset_option(option)
    yield
