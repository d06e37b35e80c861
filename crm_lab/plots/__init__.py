"""Plots for the book: each function takes computed results and returns the matplotlib Axes.

Call :func:`setup` once at the top of a notebook for the book's display and plot style.
The functions live in one module per chapter topic and are all importable from here,
e.g. ``plots.pareto_plot`` or ``plots.path_diagram``.
"""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd

from crm_lab.plots.churn import (
    calibration_plot,
    gains_plot,
    hazard_ratio_plot,
    importance_plot,
    inactivity_plot,
    km_plot,
    lift_plot,
    odds_ratio_plot,
    profit_curve_plot,
    qini_plot,
    roc_pr_plot,
    winback_plot,
)
from crm_lab.plots.clv import calibration_holdout_plot, cohort_retention_plot, matrix_plot
from crm_lab.plots.customer_data import missing_plot, pareto_plot
from crm_lab.plots.loyalty import (
    budget_split_plot,
    loyalty_matrix_plot,
    nps_plot,
    retention_value_plot,
    satisfaction_loyalty_plot,
)
from crm_lab.plots.satisfaction import DIAGRAM_POSITIONS, coefficient_plot, ipma_plot, path_diagram
from crm_lab.plots.segmentation import (
    k_selection_plot,
    lorenz_plot,
    rfm_heatmap,
    segment_profile_plot,
)

__all__ = [
    "setup",
    "pareto_plot", "missing_plot",
    "lorenz_plot", "rfm_heatmap", "k_selection_plot", "segment_profile_plot",
    "path_diagram", "coefficient_plot", "ipma_plot", "DIAGRAM_POSITIONS",
    "satisfaction_loyalty_plot", "loyalty_matrix_plot", "nps_plot", "retention_value_plot",
    "budget_split_plot",
    "calibration_holdout_plot", "matrix_plot", "cohort_retention_plot",
    "inactivity_plot", "roc_pr_plot", "calibration_plot", "gains_plot", "lift_plot",
    "profit_curve_plot", "qini_plot", "km_plot", "hazard_ratio_plot", "odds_ratio_plot",
    "importance_plot", "winback_plot",
]


def setup() -> None:
    """Set the book's display and plot style (pandas precision, seaborn theme, figure size).

    Warnings are shown as ``Category: message`` without the file and line they came from:
    the notebook's temporary file name would change the stored output on every run, and
    the message (e.g. an :class:`~crm_lab.summary.ExclusionWarning` saying how many rows were
    left out and why) is what the reader needs.

    Examples
    --------
    >>> setup()  # doctest: +SKIP
    """
    import seaborn as sns

    pd.set_option("display.precision", 3)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90,
                                "svg.hashsalt": "crm-lab"})
    warnings.formatwarning = _format_warning


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return f"{category.__name__}: {message}\n"
