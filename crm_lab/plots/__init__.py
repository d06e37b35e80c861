"""Plots for the book: each function takes computed results and returns the matplotlib Axes.

Call :func:`setup` once at the top of a notebook for the book's display and plot style.
The functions live in one module per chapter topic and are all importable from here,
e.g. ``plots.pareto_plot`` or ``plots.path_diagram``.
"""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd

from crm_lab.plots.acquisition import (
    allocation_plot,
    cac_clv_plot,
    channel_value_plot,
    early_value_plot,
    mailing_depth_plot,
    peeking_plot,
    power_curve_plot,
)
from crm_lab.plots.callcentre import (
    arrival_profile_plot,
    forecast_plot,
    observed_predicted_plot,
    roster_plot,
    service_by_plot,
    service_level_plot,
)
from crm_lab.plots.care import (
    complaint_pareto_plot,
    complaint_rate_plot,
    effect_plot,
    resolution_plot,
)
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
from crm_lab.plots.lifecycle import (
    referral_matrix_plot,
    stage_profile_plot,
    stage_transition_plot,
    value_comparison_plot,
)
from crm_lab.plots.loyalty import (
    budget_split_plot,
    loyalty_matrix_plot,
    nps_plot,
    retention_value_plot,
    satisfaction_loyalty_plot,
)
from crm_lab.plots.mining import hit_rate_plot, pivot_plot, rules_plot, transition_plot
from crm_lab.plots.performance import (
    cashflow_plot,
    chain_plot,
    dashboard_figure,
    kpi_control_plot,
    npv_distribution_plot,
    scorecard_plot,
    tornado_plot,
)
from crm_lab.plots.satisfaction import DIAGRAM_POSITIONS, coefficient_plot, ipma_plot, path_diagram
from crm_lab.plots.segmentation import (
    k_selection_plot,
    lorenz_plot,
    rfm_heatmap,
    segment_profile_plot,
)

__all__ = [
    "setup", "book_float",
    "pareto_plot", "missing_plot",
    "lorenz_plot", "rfm_heatmap", "k_selection_plot", "segment_profile_plot",
    "path_diagram", "coefficient_plot", "ipma_plot", "DIAGRAM_POSITIONS",
    "satisfaction_loyalty_plot", "loyalty_matrix_plot", "nps_plot", "retention_value_plot",
    "budget_split_plot",
    "calibration_holdout_plot", "matrix_plot", "cohort_retention_plot",
    "pivot_plot", "rules_plot", "transition_plot", "hit_rate_plot",
    "service_level_plot", "forecast_plot", "roster_plot", "observed_predicted_plot",
    "arrival_profile_plot", "service_by_plot",
    "inactivity_plot", "roc_pr_plot", "calibration_plot", "gains_plot", "lift_plot",
    "profit_curve_plot", "qini_plot", "km_plot", "hazard_ratio_plot", "odds_ratio_plot",
    "importance_plot", "winback_plot",
    "stage_profile_plot", "stage_transition_plot", "value_comparison_plot",
    "referral_matrix_plot",
    "channel_value_plot", "cac_clv_plot", "allocation_plot", "early_value_plot",
    "mailing_depth_plot", "power_curve_plot", "peeking_plot",
    "effect_plot", "complaint_pareto_plot", "complaint_rate_plot", "resolution_plot",
    "kpi_control_plot", "scorecard_plot", "chain_plot", "npv_distribution_plot", "tornado_plot",
    "cashflow_plot", "dashboard_figure",
]


def setup() -> None:
    """Set the book's display and plot style (number format, seaborn theme, figure size).

    Floats in every displayed table go through :func:`book_float`, so a stored output never
    shows digits that floating-point noise from another CPU, BLAS or library release could
    change.

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
    pd.set_option("display.float_format", book_float)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 90,
                                "svg.hashsalt": "crm-lab"})
    warnings.formatwarning = _format_warning


def book_float(x: float) -> str:
    """Format one float at the precision a reader of the book uses.

    * ``|x| >= 1000``: whole units with thousands separators (``133,664``);
    * ``1 <= |x| < 1000``: four significant figures (``67.81``, ``2.430``);
    * ``0.001 <= |x| < 1``: three significant figures (``0.243``, ``0.800``, ``0.0512``);
    * ``1e-9 <= |x| < 0.001``: scientific with three figures (``1.23e-05``);
    * ``|x| < 1e-9``: ``0`` (below that a value is indistinguishable from arithmetic noise).

    A relative change of 1e-9, the size of the noise between machines, cannot change the
    result except at an exact rounding boundary.

    Examples
    --------
    >>> [book_float(v) for v in (133663.536, 67.8123, 2.43, 0.8, 0.0000123, -3e-17)]
    ['133,664', '67.81', '2.430', '0.800', '1.23e-05', '0']
    >>> book_float(float("nan")), book_float(999.96)
    ('NaN', '1000')
    """
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    a = abs(x)
    if a < 1e-9:
        return "0"
    if a < 1e-3:
        return f"{x:.2e}"
    if a >= 1000:
        return f"{x:,.0f}"
    text = f"{x:#.4g}" if a >= 1 else f"{x:#.3g}"
    return text.rstrip(".")


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return f"{category.__name__}: {message}\n"
