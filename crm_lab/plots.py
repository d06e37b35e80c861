"""Plots for the book. Each function takes computed results and returns the matplotlib Axes.

Call :func:`setup` once at the top of a notebook for the book's display and plot style.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["setup", "pareto_plot", "missing_plot", "lorenz_plot", "rfm_heatmap", "k_selection_plot"]


def setup() -> None:
    """Set the book's display and plot style (pandas precision, seaborn theme, figure size).

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


def pareto_plot(curves: dict[str, pd.DataFrame] | pd.DataFrame, ax=None, mark: float = 0.2):
    """Plot one or more Pareto curves from :func:`crm_lab.segmentation.pareto_curve`.

    Parameters
    ----------
    curves : DataFrame or dict of name -> DataFrame
        Curves with ``customer_share`` and ``value_share``.
    ax : matplotlib Axes, optional
    mark : float
        Customer share to mark with a dotted line (0.2 for the 80/20 rule).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(curves, pd.DataFrame):
        curves = {"customers": curves}
    ax = ax or plt.subplots()[1]
    for name, c in curves.items():
        ax.plot(c["customer_share"] * 100, c["value_share"] * 100, label=name)
    ax.plot([0, 100], [0, 100], color="grey", lw=0.8, ls="--", label="equal value")
    ax.axvline(mark * 100, color="black", lw=0.8, ls=":")
    ax.axhline(80, color="black", lw=0.8, ls=":")
    ax.set(xlabel="customers, ranked by value (cumulative %)", ylabel="value (cumulative %)",
           xlim=(0, 100), ylim=(0, 101), title="Pareto curve of customer value")
    ax.legend(loc="lower right")
    return ax


def missing_plot(report: pd.DataFrame, ax=None):
    """Bar chart of the share of missing values per table column, from a data quality report.

    Parameters
    ----------
    report : DataFrame
        Output of :func:`crm_lab.customers.data_quality_report`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots()[1]
    r = report[report["pct_missing"] > 0]
    labels = r["table"] + "." + r["column"]
    ax.barh(labels, r["pct_missing"])
    ax.set(xlabel="missing (%)", title="Missing values by column")
    return ax


def lorenz_plot(curves: dict[str, pd.DataFrame] | pd.DataFrame, ax=None, ginis=None):
    """Lorenz curves from :func:`crm_lab.segmentation.lorenz_curve`, with Gini in the legend.

    Parameters
    ----------
    curves : DataFrame or dict of name -> DataFrame
    ax : matplotlib Axes, optional
    ginis : dict of name -> float, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(curves, pd.DataFrame):
        curves = {"customers": curves}
    ax = ax or plt.subplots()[1]
    for name, c in curves.items():
        label = name if not ginis else f"{name} (Gini {ginis[name]:.2f})"
        ax.plot(c["customer_share"] * 100, c["value_share"] * 100, label=label)
    ax.plot([0, 100], [0, 100], color="grey", lw=0.8, ls="--", label="equal value")
    ax.set(xlabel="customers, least valuable first (cumulative %)", ylabel="value (cumulative %)",
           xlim=(0, 100), ylim=(0, 100), title="Lorenz curve of customer value")
    ax.legend(loc="upper left")
    return ax


def rfm_heatmap(matrix: pd.DataFrame, ax=None, title: str = "Customer-value matrix",
                fmt: str = ".0f"):
    """Heat map of an R x F matrix from :func:`crm_lab.segmentation.rfm_value_matrix`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    ax = ax or plt.subplots()[1]
    sns.heatmap(matrix, annot=True, fmt=fmt, cmap="YlGnBu", cbar=False, ax=ax)
    ax.set(xlabel="F score (frequency)", ylabel="R score (recency: 5 = most recent)",
           title=title)
    return ax


def k_selection_plot(table: pd.DataFrame):
    """Elbow, silhouette and BIC side by side, from :func:`crm_lab.segmentation.choose_k`.

    Returns
    -------
    numpy array of three Axes
    """
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for ax, col, title in zip(axes, ["inertia", "silhouette", "bic"],
                              ["elbow: inertia (lower)", "silhouette (higher)",
                               "GMM BIC (lower)"], strict=True):
        ax.plot(table.index, table[col], marker="o")
        ax.set(xlabel="number of segments k", title=title)
    fig.tight_layout()
    return axes
