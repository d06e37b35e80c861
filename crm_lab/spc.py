"""Statistical process control: is a change in a rate a signal or noise?

Shewhart attribute charts for the rates CRM managers watch period by period (complaints per
1,000 customers, churn rate, share of calls answered in time). Each chart returns one row per
period with the rate, the centre line, three-sigma limits for that period's exposure, and
whether the period is outside the limits or part of a run on one side of the centre.

* :func:`p_chart`: a proportion ``events / trials`` (churned customers out of customers at
  risk; calls answered within 20 s out of calls offered). Binomial limits
  ``p̄ ± 3 sqrt(p̄ (1 - p̄) / n_i)``, clipped to [0, 1].
* :func:`u_chart`: a count per unit of exposure (complaints per 1,000 customers). Poisson
  limits ``ū ± 3 sqrt(ū / n_i)``, clipped at 0.

The centre line is estimated from all periods unless ``baseline`` names the periods that
define normal behaviour (Phase I), as Montgomery (2013), *Introduction to Statistical Quality
Control*, 7th ed., sections 7.2 and 7.3, recommends when later periods are being judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.validate import DataError, check_param

__all__ = ["p_chart", "u_chart"]


def _inputs(events, exposure, names: tuple[str, str], integer_exposure: bool):
    ev = pd.Series(events) if not isinstance(events, pd.Series) else events
    ex = exposure if isinstance(exposure, pd.Series) else pd.Series(np.asarray(exposure))
    if not isinstance(exposure, pd.Series) and len(ex) == len(ev):
        ex.index = ev.index
    if len(ev) == 0:
        raise DataError(f"{names[0]}: no periods (empty). How to fix: pass one value per period.")
    if len(ex) != len(ev) or not ex.index.equals(ev.index):
        raise DataError(f"{names[0]} and {names[1]} must have the same periods (index); got "
                        f"{len(ev)} and {len(ex)}. How to fix: pass two Series with one index.")
    out = []
    for name, s in zip(names, (ev, ex), strict=True):
        values = pd.to_numeric(s, errors="coerce").astype(float)
        bad = values.isna() | ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise DataError(f"{name}: {int(bad.sum())} period(s) missing, non-numeric or "
                            f"negative, first at {list(s.index[bad.to_numpy()][:3])}. How to "
                            f"fix: give a count >= 0 for every period.")
        out.append(values)
    if (out[1] == 0).any():
        raise DataError(f"{names[1]}: {int((out[1] == 0).sum())} period(s) with zero exposure, "
                        f"where no rate exists. How to fix: drop those periods or merge them "
                        f"with a neighbour.")
    if integer_exposure and (out[0] > out[1]).any():
        raise DataError(f"{names[0]}: more events than {names[1]} in "
                        f"{int((out[0] > out[1]).sum())} period(s). How to fix: events are a "
                        f"subset of the trials (e.g. churned out of customers at risk).")
    return out


def _chart(rate, center, sigma, low, high, run_length, index) -> pd.DataFrame:
    lcl = np.clip(center - 3 * sigma, low, high)
    ucl = np.clip(center + 3 * sigma, low, high)
    out = pd.DataFrame({"rate": rate, "center": center, "lcl": lcl, "ucl": ucl}, index=index)
    out["out_of_control"] = (out["rate"] > out["ucl"]) | (out["rate"] < out["lcl"])
    side = np.sign(out["rate"] - center).to_numpy()
    run = np.zeros(len(side), dtype=int)
    for i, s in enumerate(side):
        run[i] = (run[i - 1] + 1 if i and s != 0 and s == side[i - 1] else int(s != 0))
    # a period belongs to a run when a stretch of >= run_length same-side points covers it
    in_run = np.zeros(len(side), dtype=bool)
    for i in np.flatnonzero(run >= run_length):
        in_run[i - run[i] + 1:i + 1] = True
    out["run"] = in_run
    out["signal"] = out["out_of_control"] | out["run"]
    return out


def p_chart(events, trials, *, baseline=None, run_length: int = 8) -> pd.DataFrame:
    """A p-chart: the share of trials with an event, per period, with three-sigma limits.

    Parameters
    ----------
    events, trials : Series or array-like
        Per period, the number of events (e.g. customers who churned) and of trials (customers
        at risk). ``0 <= events <= trials``, ``trials > 0``.
    baseline : array-like of bool or index labels, optional
        The periods that define the centre line (default: all).
    run_length : int
        Flag a run of this many consecutive periods on one side of the centre (8, one of the
        Western Electric rules).

    Returns
    -------
    DataFrame indexed like ``events`` with ``rate``, ``center``, ``lcl``, ``ucl``,
    ``out_of_control``, ``run`` and ``signal`` (either).

    Examples
    --------
    >>> chart = p_chart([12, 15, 11, 40], [1000, 1000, 1000, 1000])
    >>> float(round(chart["center"].iloc[0], 4)), chart["out_of_control"].tolist()
    (0.0195, [False, False, False, True])
    """
    x, n = _inputs(events, trials, ("events", "trials"), integer_exposure=True)
    check_param("run_length", run_length, kind=int, low=2)
    base = _baseline(baseline, x.index)
    p_bar = x[base].sum() / n[base].sum()
    sigma = np.sqrt(p_bar * (1 - p_bar) / n.to_numpy())
    return _chart((x / n).to_numpy(), p_bar, sigma, 0.0, 1.0, run_length, x.index)


def u_chart(counts, exposure, *, per: float = 1.0, baseline=None,
            run_length: int = 8) -> pd.DataFrame:
    """A u-chart: events per unit of exposure, per period, with three-sigma Poisson limits.

    Parameters
    ----------
    counts, exposure : Series or array-like
        Per period, the number of events (complaints) and the exposure (customers served).
    per : float
        Report rates per this many units (``per=1000``: complaints per 1,000 customers).
    baseline, run_length
        As in :func:`p_chart`.

    Returns
    -------
    DataFrame as :func:`p_chart`, rates per ``per`` units.

    Examples
    --------
    >>> chart = u_chart([30, 25, 28, 70], [5000, 5000, 5200, 5100], per=1000)
    >>> float(round(chart["center"].iloc[0], 3)), chart["out_of_control"].tolist()
    (7.537, [False, False, False, True])
    """
    c, n = _inputs(counts, exposure, ("counts", "exposure"), integer_exposure=False)
    check_param("per", per, kind=(int, float), low=1e-12)
    check_param("run_length", run_length, kind=int, low=2)
    base = _baseline(baseline, c.index)
    u_bar = c[base].sum() / n[base].sum()
    sigma = np.sqrt(u_bar / n.to_numpy())
    return _chart((c / n).to_numpy() * per, u_bar * per, sigma * per, 0.0, np.inf, run_length,
                  c.index)


def _baseline(baseline, index: pd.Index) -> np.ndarray:
    if baseline is None:
        return np.ones(len(index), dtype=bool)
    b = np.asarray(baseline)
    if b.dtype == bool:
        if len(b) != len(index):
            raise DataError(f"baseline: {len(b)} flags for {len(index)} periods. How to fix: "
                            f"one True/False per period, or a list of period labels.")
        mask = b
    else:
        mask = index.isin(list(baseline))
    if not mask.any():
        raise DataError("baseline: selects no period. How to fix: name at least one period.")
    return mask
