"""Plots for chapter 11, business intelligence and CRM performance: a KPI with its control
limits, the balanced scorecard, the cause-and-effect chain against the truth, the NPV
distribution of a CRM project, its tornado chart, and all of them on one dashboard page.

Each function takes results computed by :mod:`crm_lab.performance` and returns the Axes
(:func:`dashboard_figure` returns the Figure, for
:func:`crm_lab.performance.export_dashboard`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["kpi_control_plot", "scorecard_plot", "chain_plot", "npv_distribution_plot",
           "tornado_plot", "cashflow_plot", "dashboard_figure"]

_STATUS_COLOURS = {"met": "#2da44e", "near": "#d4a72c", "missed": "#cf222e",
                   "no target": "#999999", "no data": "#999999"}


def kpi_control_plot(chart: pd.DataFrame, ax=None, title: str | None = None,
                     ylabel: str = "rate"):
    """A KPI per period with its centre line and three-sigma limits; signals in red.

    Parameters
    ----------
    chart : DataFrame
        From :meth:`crm_lab.performance.KPIReport.control_chart` (or :mod:`crm_lab.spc`).
    ax : matplotlib Axes, optional
    title, ylabel : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    x = np.arange(len(chart))
    ax.fill_between(x, chart["lcl"], chart["ucl"], step="mid", alpha=0.15, color="C0",
                    label="3-sigma limits")
    ax.plot(x, chart["center"], color="C0", lw=1, ls="--", label="centre")
    ax.plot(x, chart["rate"], "o-", color="black", ms=4, lw=1, label="KPI")
    sig = chart["signal"].to_numpy(dtype=bool)
    if sig.any():
        ax.plot(x[sig], chart["rate"].to_numpy()[sig], "o", color="#cf222e", ms=7,
                label="signal")
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(i) for i in chart.index[::step]], rotation=30, fontsize="small")
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Signal or noise?")
    ax.legend(fontsize="x-small", loc="best")
    return ax


def scorecard_plot(scorecard: pd.DataFrame, ax=None, title: str = "Balanced scorecard"):
    """Each KPI's gap to its target as a share of the target, coloured by status, grouped by
    perspective.

    Parameters
    ----------
    scorecard : DataFrame
        From :func:`crm_lab.performance.balanced_scorecard`.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(scorecard) + 1))
    sc = scorecard.iloc[::-1]
    denom = sc["target"].abs().where(sc["target"].abs() > 0)
    rel = (100 * sc["gap"] / denom).clip(-50, 50).fillna(0.0)
    colours = [_STATUS_COLOURS.get(s, "#999999") for s in sc["status"]]
    y = np.arange(len(sc))
    ax.barh(y, rel, color=colours)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{p[:4]}. | {n}" for p, n in zip(sc["perspective"], sc["name"],
                                                         strict=True)], fontsize="small")
    ax.set_xlabel("gap to target, % of target (right = better; clipped at +/-50)")
    ax.set_title(title)
    return ax


def chain_plot(chain: pd.DataFrame, ax=None, title: str = "Cause and effect: data vs truth"):
    """Estimated links (corrected for measurement error, with intervals) beside the truth.

    Parameters
    ----------
    chain : DataFrame
        From :func:`crm_lab.performance.cause_and_effect`; links on a per-sd scale only
        (skipped and currency links are left out).

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    ch = chain[(chain["model"] != "skipped") & (chain["source"] == "satisfaction")]
    y = np.arange(len(ch))
    err = np.vstack([ch["corrected"] - ch["corrected_low"], ch["corrected_high"] - ch["corrected"]])
    ax.errorbar(ch["corrected"], y, xerr=err, fmt="o", color="C0", capsize=3,
                label="estimate (corrected), 95% CI")
    if ch["truth"].notna().any():
        ax.plot(ch["truth"], y, "D", color="#cf222e", label="truth")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(ch.index, fontsize="small")
    ax.set_xlabel("effect per sd of satisfaction (log / log-odds scale)")
    ax.set_title(title)
    ax.legend(fontsize="x-small")
    return ax


def npv_distribution_plot(result, ax=None, bins: int = 60, title: str = "NPV under uncertainty"):
    """Histogram of the simulated NPVs with zero and the probability of a loss.

    Parameters
    ----------
    result : crm_lab.performance.MonteCarloResult

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    v = result.samples["npv"].to_numpy() / 1000
    ax.hist(v, bins=bins, color="C0", alpha=0.75)
    ax.hist(v[v < 0], bins=bins, range=(v.min(), v.max()), color="#cf222e", alpha=0.6)
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("NPV (thousands)")
    ax.set_ylabel("simulations")
    ax.set_title(f"{title}: P(loss) = {result.probability_of_loss:.0%}")
    return ax


def tornado_plot(table: pd.DataFrame, ax=None, title: str = "What moves the NPV"):
    """Tornado chart: the NPV with each input at its low and high value, widest bar on top.

    Parameters
    ----------
    table : DataFrame
        From :func:`crm_lab.performance.tornado`.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1))
    base = table.attrs.get("base_npv", 0.0) / 1000
    t = table.iloc[::-1]
    y = np.arange(len(t))
    lo, hi = t["npv_low"].to_numpy() / 1000, t["npv_high"].to_numpy() / 1000
    ax.barh(y, lo - base, left=base, color="#cf222e", alpha=0.7, label="input at low")
    ax.barh(y, hi - base, left=base, color="#2da44e", alpha=0.7, label="input at high")
    ax.axvline(base, color="black", lw=1)
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_yticks(y)
    ax.set_yticklabels(t["label"], fontsize="small")
    ax.set_xlabel("NPV (thousands); line = base case")
    ax.set_title(title)
    ax.legend(fontsize="x-small")
    return ax


def cashflow_plot(case, ax=None, title: str = "CRM project cash flows"):
    """Yearly net cash flow (bars) and cumulative discounted cash flow (line).

    Parameters
    ----------
    case : crm_lab.performance.BusinessCase

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    cf = case.cashflows
    ax.bar(cf.index, cf["net_cashflow"] / 1000, color=np.where(cf["net_cashflow"] < 0,
                                                               "#cf222e", "#2da44e"))
    ax.plot(cf.index, cf["cumulative_discounted"] / 1000, "o-", color="black",
            label="cumulative discounted")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("thousands")
    ax.set_title(title)
    ax.legend(fontsize="x-small")
    return ax


def dashboard_figure(report, scorecard: pd.DataFrame, *, kpis=("retention_rate",
                     "complaint_rate"), mc=None, tornado=None, chain=None, case=None):
    """One page: control charts of ``kpis``, the scorecard and, if given, the business case.

    Returns
    -------
    matplotlib Figure
    """
    kpis = [k for k in kpis if k in report.kpis]
    extra = [x for x in (case, mc, tornado, chain) if x is not None]
    n = len(kpis) + 1 + len(extra)
    cols = 2
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.6 * rows))
    axes = np.atleast_1d(axes).ravel()
    i = 0
    for k in kpis:
        kpi_control_plot(report.control_chart(k), ax=axes[i], title=k.replace("_", " "),
                         ylabel=k.replace("_", " "))
        i += 1
    scorecard_plot(scorecard, ax=axes[i])
    i += 1
    if case is not None:
        cashflow_plot(case, ax=axes[i])
        i += 1
    if mc is not None:
        npv_distribution_plot(mc, ax=axes[i])
        i += 1
    if tornado is not None:
        tornado_plot(tornado, ax=axes[i])
        i += 1
    if chain is not None:
        chain_plot(chain, ax=axes[i])
        i += 1
    for ax in axes[i:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
