"""Plots for chapter 2, segmentation: Lorenz curve, R x F heat map, choice of k, profiles."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_lab.plots.customer_data import _share_curves

__all__ = ["lorenz_plot", "rfm_heatmap", "k_selection_plot", "segment_profile_plot"]


def segment_profile_plot(profiles: pd.DataFrame, columns=("customer_share", "value_share"),
                         ax=None, title: str = "Share of customers and of value by segment"):
    """Grouped horizontal bars per segment, from :func:`crm_lab.segmentation.segment_profiles`.

    The default contrasts each segment's share of customers with its share of value: the
    gap between the two bars is the segment's value concentration.

    Parameters
    ----------
    profiles : DataFrame
        One row per segment (output of ``segment_profiles`` or ``abc_summary``).
    columns : sequence of str
        Columns to draw side by side; shares (0..1) are shown in percent.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"customer_share": [0.2, 0.8], "value_share": [0.7, 0.3]},
    ...                  index=pd.Index(["A", "B"], name="segment"))
    >>> ax = segment_profile_plot(p)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['customers (%)', 'value (%)']
    """
    columns = list(columns)
    missing = [c for c in columns if c not in profiles.columns]
    if missing:
        raise ValueError(f"profiles: missing column(s) {missing}; it has "
                         f"{list(profiles.columns)}. How to fix: pass the output of "
                         "segment_profiles (with a value) or name other columns.")
    ax = ax or plt.subplots()[1]
    data = profiles[columns]
    shares = [c.endswith("_share") for c in columns]
    labels = [c.removesuffix("_share") + "s (%)" if c == "customer_share" else
              c.removesuffix("_share") + " (%)" if s else c for c, s in zip(columns, shares,
                                                                          strict=True)]
    y = np.arange(len(data))
    height = 0.8 / len(columns)
    for j, (col, is_share, label) in enumerate(zip(columns, shares, labels, strict=True)):
        vals = data[col].to_numpy(dtype=float) * (100 if is_share else 1)
        ax.barh(y + (j - (len(columns) - 1) / 2) * height, vals, height=height, label=label)
    ax.set_yticks(y, [str(i) for i in data.index])
    ax.invert_yaxis()  # first segment on top
    ax.set(xlabel="%" if all(shares) else "", ylabel=profiles.index.name or "segment",
           title=title)
    ax.legend(loc="lower right")
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
    labels = {name: f"{name} (Gini {ginis[name]:.2f})" for name in curves} if ginis else None
    ax = _share_curves(curves, ax, labels)
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
