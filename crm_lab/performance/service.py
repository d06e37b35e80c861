"""The call centre's service level and abandonment against the simulator's truth.

:func:`crm_lab.performance.kpi_report` measures the service level (share of offered calls
answered within a threshold) and the abandonment rate from the call log. The simulated
company staffs each half-hour by Erlang C for 80 % of calls within 20 s (one agent short on
Monday mornings) and its callers hang up after an exponential patience
(:mod:`crm_lab.simulate.service`). :func:`true_service_level` turns that truth (the true
arrival rate and agents per interval, ``truth.call_intervals``, and the handle-time and
patience means, ``truth.calls``) into the service level and abandonment the centre should
show: Erlang A per interval (:func:`crm_lab.callcentre.erlang_a_metrics`), weighted by the
true arrival rate.

Erlang A assumes exponential handle times; the simulator's are lognormal with a coefficient of
variation of 0.8, so the "truth" is a model prediction from the true parameters, good to about
a percentage point (``tests/test_performance_service.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.validate import DataError, check_param

__all__ = ["true_service_level", "service_check"]


def true_service_level(truth, *, threshold: float = 20.0) -> pd.Series:
    """Expected service level and abandonment of the simulated call centre (Erlang A).

    Parameters
    ----------
    truth : crm_lab.simulate.Truth
        With ``call_intervals`` (``rate_calls``, ``agents``, ``aht_s`` per interval) and
        ``calls`` (``handle.mean_s``, ``patience.mean_s``, ``staffing``).
    threshold : float
        Seconds within which a call counts as answered in time.

    Returns
    -------
    Series
        ``service_level`` and ``abandonment_rate`` (shares of offered calls, weighted by the
        true arrival rate), ``calls_expected``, ``design_target`` (the staffing rule's
        service level) and ``design_threshold_s``.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> t = true_service_level(simulate_company(seed=0, n_customers=2000).truth)
    >>> bool(0.8 < t["service_level"] < 1.0), float(t["design_target"])
    (True, 0.8)
    """
    from crm_lab.callcentre import erlang_a_metrics

    check_param("threshold", threshold, kind=(int, float), low=0)
    iv = getattr(truth, "call_intervals", None)
    info = getattr(truth, "calls", None)
    if not isinstance(iv, pd.DataFrame) or iv.empty or not info:
        raise DataError("truth: no call-centre truth (truth.call_intervals and truth.calls). "
                        "How to fix: pass the truth of a simulated company with a call log.")
    open_ = iv[iv["rate_calls"] > 0]
    patience = float(info["patience"]["mean_s"])
    sl, ab = [], []
    for rate, agents, aht in zip(open_["rate_calls"], open_["agents"], open_["aht_s"],
                                 strict=True):
        m = erlang_a_metrics(float(rate), float(aht), int(agents), patience,
                             threshold=threshold, interval_minutes=info["interval_minutes"])
        sl.append(m.service_level)
        ab.append(m.p_abandon)
    w = open_["rate_calls"].to_numpy(dtype=float)
    return pd.Series({"service_level": float(np.average(sl, weights=w)),
                      "abandonment_rate": float(np.average(ab, weights=w)),
                      "calls_expected": float(w.sum()),
                      "design_target": float(info["staffing"]["target"]),
                      "design_threshold_s": float(info["staffing"]["threshold_s"])},
                     name="truth")


def service_check(calls: pd.DataFrame, truth, *, threshold: float = 20.0) -> pd.DataFrame:
    """Observed service level and abandonment over the whole call log beside
    :func:`true_service_level`, with 95 % normal intervals of the observed shares.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> co = simulate_company(seed=0, n_customers=2000)
    >>> service_check(co.calls, co.truth).columns.tolist()
    ['observed', 'ci_low', 'ci_high', 'truth', 'calls']
    """
    from crm_lab.callcentre import check_call_log

    log = check_call_log(calls, handle=None)
    if "wait_s" not in log.columns:
        raise DataError("calls: no 'wait_s' column, so the service level cannot be measured.")
    ab = (log["abandoned"] if "abandoned" in log.columns
          else pd.Series(False, index=log.index)).astype(bool)
    in_time = ~ab & (log["wait_s"] <= threshold)
    tr = true_service_level(truth, threshold=threshold)
    n = len(log)
    rows = {}
    for name, hit in (("service_level", in_time), ("abandonment_rate", ab)):
        p = float(hit.mean())
        half = 1.959964 * np.sqrt(p * (1 - p) / n)
        rows[name] = {"observed": p, "ci_low": p - half, "ci_high": p + half,
                      "truth": float(tr[name]), "calls": n}
    out = pd.DataFrame(rows).T.astype({"calls": int})
    out.index.name = "kpi"
    return out
