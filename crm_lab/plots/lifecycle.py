"""Plots for customer lifecycle, Markov value and referral value (:mod:`crm_lab.lifecycle`).

Each function takes a result computed by :mod:`crm_lab.lifecycle` and returns the matplotlib Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["stage_profile_plot", "stage_transition_plot", "value_comparison_plot",
           "referral_matrix_plot"]


def stage_profile_plot(profiles: pd.DataFrame, ax=None,
                       title: str = "Customers and revenue by lifecycle stage"):
    """Side-by-side bars of each stage's share of customer-periods and of revenue.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`crm_lab.lifecycle.stage_profiles` (``share``, ``revenue_share``).
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    x = np.arange(len(profiles))
    ax.bar(x - 0.2, 100 * profiles["share"].to_numpy(dtype=float), 0.4, label="customers")
    ax.bar(x + 0.2, 100 * profiles["revenue_share"].to_numpy(dtype=float), 0.4, label="revenue")
    ax.set_xticks(x, [str(s) for s in profiles.index])
    ax.set_ylabel("share (%)")
    ax.set_title(title)
    ax.legend()
    return ax


def stage_transition_plot(transitions, ax=None, title: str = "P(next state | current state)"):
    """Heat map of a transition matrix with probabilities and Goodman/Wilson limits written in.

    Parameters
    ----------
    transitions : crm_lab.lifecycle.Transitions
        From :func:`crm_lab.lifecycle.transition_matrix`.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    p = transitions.probabilities
    m = p.to_numpy(dtype=float)
    lo, hi = transitions.lower.to_numpy(dtype=float), transitions.upper.to_numpy(dtype=float)
    ax.imshow(np.nan_to_num(m), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(m.shape[1]), [str(c) for c in p.columns], rotation=45, ha="right")
    ax.set_yticks(range(m.shape[0]), [str(i) for i in p.index])
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if np.isfinite(m[i, j]):
                ax.text(j, i, f"{m[i, j]:.2f}\n[{lo[i, j]:.2f}, {hi[i, j]:.2f}]", ha="center",
                        va="center", fontsize=6.5, color="white" if m[i, j] > 0.6 else "black")
    ax.set_xlabel("next period")
    ax.set_ylabel("this period")
    ax.set_title(title)
    ax.grid(False)
    return ax


def value_comparison_plot(comparison, ax=None,
                          title: str = "Markov (recency) value vs BG/NBD value"):
    """Box plot of the BG/NBD value within each recency state, with the Markov value marked.

    Parameters
    ----------
    comparison : crm_lab.lifecycle.ValueComparison
        From :func:`crm_lab.lifecycle.compare_with_bgnbd`.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    t = comparison.table
    states = sorted(t["recency_state"].unique())
    data = [t.loc[t["recency_state"] == s, "bgnbd_value"].to_numpy(dtype=float) for s in states]
    ax.boxplot(data, positions=range(len(states)), showfliers=False)
    mv = t.groupby("recency_state")["markov_value"].first().reindex(states)
    ax.plot(range(len(states)), mv.to_numpy(dtype=float), "D", color="C3", label="Markov value")
    ax.set_xticks(range(len(states)), [str(s) for s in states])
    ax.set_xlabel("recency state (1 = bought this month)")
    ax.set_ylabel("value")
    ax.set_title(f"{title}\nSpearman {comparison.spearman:.2f}")
    ax.legend()
    return ax


def referral_matrix_plot(matrix: pd.DataFrame, ax=None,
                         title: str = "CLV x CRV: champions, affluents, advocates, misers"):
    """Scatter of CLV against CRV, coloured by cell, with the thresholds drawn.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`crm_lab.lifecycle.value_matrix`.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    for k, (seg, part) in enumerate(matrix.groupby("segment", observed=True)):
        ax.scatter(part["clv"], part["crv"], s=8, alpha=0.6, color=f"C{k}", label=str(seg))
    ax.axvline(matrix.attrs.get("clv_threshold", matrix["clv"].median()), color="grey", lw=1)
    ax.axhline(matrix.attrs.get("crv_threshold", matrix["crv"].median()), color="grey", lw=1)
    ax.set_xlabel("customer lifetime value (CLV)")
    ax.set_ylabel("customer referral value (CRV)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
