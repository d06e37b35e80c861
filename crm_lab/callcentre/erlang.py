"""Erlang B, Erlang C and Erlang A: what a number of agents achieves, and how many are needed.

Units throughout: calls *per interval* (``interval_minutes`` long, 30 by default), handle
times, thresholds and patience in *seconds*. The offered load is
``load = calls * aht / (60 * interval_minutes)`` Erlangs (agents kept busy on average).

Erlang B and C are computed through the Erlang-B recursion
``B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1))`` and ``C = n B / (n - A (1 - B))``: no
factorial or power is ever formed, so the numbers stay exact at thousands of agents.

Erlang A (the M/M/n+M queue: callers abandon after an exponential patience) is computed from
its stationary distribution written relative to the all-agents-busy state (Garnett,
Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007). With ``x = n mu / theta`` and
``y = lambda / theta`` (``mu = 1 / aht``, ``theta = 1 / patience``) the probability that a
caller finds ``j`` others waiting is ``pi_n t_j`` with ``t_j = prod_{i<=j} y / (x + i)`` and
``pi_n = B / (1 + (sum_j t_j - 1) B)``. A caller who finds ``j`` waiting is answered with
probability ``x / (x + j + 1)``; if answered, the wait is the ``(j+1)``-th smallest of
``x + j + 1`` exponential clocks, so ``P(wait <= t) = I_{1 - exp(-theta t)}(j + 1, x + 1)``
(a regularized incomplete beta). Everything follows in closed form.

References
----------
Erlang, A. K. (1917). Solution of some problems in the theory of probabilities of
significance in automatic telephone exchanges. *Elektroteknikeren* 13.

Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient
customers. *Manufacturing & Service Operations Management* 4(3), 208-227.

Mandelbaum, A. & Zeltyn, S. (2007). Service engineering in action: the Palm/Erlang-A queue,
with applications to call centers. In *Advances in Services Innovations*, Springer, 17-45.

Koole, G. (2013). *Call Center Optimization*. MG books (Erlang C, Erlang A and shift
scheduling for call centres).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import special

from crm_lab.validate import ParameterError, check_param

__all__ = [
    "erlang_b",
    "erlang_c",
    "offered_load",
    "QueueMetrics",
    "erlang_c_metrics",
    "erlang_a_metrics",
    "required_agents",
    "service_level_table",
]

_NUM = (int, float)


def offered_load(calls: float, aht: float, interval_minutes: float = 30) -> float:
    """Offered load in Erlangs: ``calls * aht / (60 * interval_minutes)``.

    Examples
    --------
    >>> offered_load(100, 180)
    10.0
    """
    check_param("calls", calls, kind=_NUM, low=0)
    check_param("aht", aht, kind=_NUM, low=0, hint="Average handle time in seconds, > 0.")
    check_param("interval_minutes", interval_minutes, kind=_NUM, low=0)
    if aht <= 0 or interval_minutes <= 0:
        raise ParameterError("parameters 'aht' and 'interval_minutes' must be > 0, got "
                             f"aht={aht!r}, interval_minutes={interval_minutes!r}.")
    return float(calls) * float(aht) / (60.0 * float(interval_minutes))


def _check_agents(agents) -> int:
    check_param("agents", agents, kind=int, low=0,
                hint="The number of agents answering calls, a whole number >= 0.")
    return int(agents)


def _erlang_b(n: int, load: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def _erlang_c_from_b(n: int, load: float, b: float) -> float:
    if n <= load:
        return 1.0
    return n * b / (n - load * (1.0 - b))


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of Erlang's loss system M/M/n/n (callers finding all agents busy
    are lost).

    Parameters
    ----------
    agents : int
        Number of agents (servers), >= 0.
    load : float
        Offered load in Erlangs (>= 0).

    Returns
    -------
    float

    Examples
    --------
    >>> round(erlang_b(14, 10.0), 4)
    0.0568
    """
    n = _check_agents(agents)
    check_param("load", load, kind=_NUM, low=0)
    return _erlang_b(n, float(load))


def erlang_c(agents: int, load: float) -> float:
    """Probability that a caller has to wait (Erlang C, M/M/n with patient callers).

    Equal to 1 when ``agents <= load`` (the queue then grows without bound).

    Parameters
    ----------
    agents : int
        Number of agents, >= 0.
    load : float
        Offered load in Erlangs (>= 0).

    Returns
    -------
    float

    Examples
    --------
    >>> round(erlang_c(14, 10.0), 4)
    0.1741
    """
    n = _check_agents(agents)
    check_param("load", load, kind=_NUM, low=0)
    return _erlang_c_from_b(n, float(load), _erlang_b(n, float(load)))


@dataclass(frozen=True)
class QueueMetrics:
    """What a number of agents achieves in one interval.

    Attributes
    ----------
    model : str
        ``"erlang_c"`` (patient callers) or ``"erlang_a"`` (exponential patience).
    calls : float
        Calls offered in the interval.
    aht : float
        Average handle time (seconds).
    agents : int
        Agents answering calls.
    load : float
        Offered load in Erlangs.
    p_wait : float
        Probability that a caller waits at all.
    service_level : float
        Share of offered calls answered within ``threshold`` seconds (abandoned calls count as
        not answered in time).
    threshold : float
        Service-level threshold in seconds.
    asa : float
        Average speed of answer: mean wait of answered calls (seconds).
    mean_wait : float
        Mean time in queue of all callers, abandoning ones included (seconds).
    p_abandon : float
        Share of callers who hang up before being answered (0 for Erlang C).
    occupancy : float
        Share of agent time spent handling calls (carried load / agents).
    patience : float
        Mean patience in seconds (``inf`` for Erlang C).
    """

    model: str
    calls: float
    aht: float
    agents: int
    load: float
    p_wait: float
    service_level: float
    threshold: float
    asa: float
    mean_wait: float
    p_abandon: float
    occupancy: float
    patience: float

    def to_series(self) -> pd.Series:
        """All fields as a Series.

        Examples
        --------
        >>> erlang_c_metrics(100, 180, 14).to_series()["agents"]
        14
        """
        return pd.Series(asdict(self), name=self.model)

    def __repr__(self) -> str:
        ab = f", abandon={self.p_abandon:.1%}" if self.model == "erlang_a" else ""
        return (f"QueueMetrics({self.model}, agents={self.agents}, load={self.load:.2f}, "
                f"P(wait)={self.p_wait:.4f}, SL({self.threshold:g}s)={self.service_level:.1%}, "
                f"ASA={self.asa:.1f}s{ab}, occupancy={self.occupancy:.1%})")


def _c_metrics(calls: float, aht: float, n: int, load: float, b: float,
               threshold: float) -> QueueMetrics:
    c = _erlang_c_from_b(n, load, b)
    if n > load:
        sl = 1.0 - c * math.exp(-(n - load) * threshold / aht)
        asa = c * aht / (n - load)
        occ = load / n
    else:  # unstable: the queue grows for as long as the load lasts
        sl, asa, occ = 0.0, math.inf, 1.0 if n > 0 else math.nan
    return QueueMetrics("erlang_c", float(calls), float(aht), n, load, c, sl, float(threshold),
                        asa, asa, 0.0, occ, math.inf)


def erlang_c_metrics(calls: float, aht: float, agents: int, *, threshold: float = 20,
                     interval_minutes: float = 30) -> QueueMetrics:
    """Probability of waiting, service level, ASA and occupancy with patient callers (Erlang C).

    ``SL(t) = 1 - C exp(-(n - A) t / aht)``, ``ASA = C aht / (n - A)``, occupancy ``A / n``.
    With ``agents <= load`` the queue is unstable: SL 0, ASA infinite, occupancy 100 %.

    Parameters
    ----------
    calls : float
        Calls offered in the interval.
    aht : float
        Average handle time in seconds.
    agents : int
        Agents answering calls.
    threshold : float, default 20
        Service-level threshold in seconds (the "20" of "80 % in 20 seconds").
    interval_minutes : float, default 30
        Length of the interval the calls arrive in.

    Returns
    -------
    QueueMetrics

    Examples
    --------
    The textbook example: 100 calls per half hour, 3-minute calls, 14 agents.

    >>> m = erlang_c_metrics(100, 180, 14)
    >>> round(m.p_wait, 4), round(m.service_level, 3), round(m.asa, 1), round(m.occupancy, 3)
    (0.1741, 0.888, 7.8, 0.714)
    """
    load = offered_load(calls, aht, interval_minutes)
    n = _check_agents(agents)
    check_param("threshold", threshold, kind=_NUM, low=0)
    return _c_metrics(calls, aht, n, load, _erlang_b(n, load), threshold)


# ============================================================================ Erlang A


def _log_tail_terms(x: float, y: float) -> np.ndarray:
    """log t_j = sum_{i=1..j} log(y / (x + i)), j = 0..J, J large enough for the tail to vanish."""
    size = 256
    while True:
        i = np.arange(1, size, dtype=float)
        log_t = np.concatenate([[0.0], np.cumsum(np.log(y) - np.log(x + i))])
        if log_t[-1] < log_t.max() - 45 and log_t[-1] < log_t[-2]:
            return log_t
        if size > 2**25:
            raise ParameterError("Erlang A: the queue-length distribution did not converge; "
                                 "patience is too long for this load. Use erlang_c_metrics.")
        size *= 4


def _a_metrics(calls: float, aht: float, n: int, load: float, b: float, patience: float,
               threshold: float, interval_minutes: float) -> QueueMetrics:
    lam = calls / (60.0 * interval_minutes)  # per second
    mu, theta = 1.0 / aht, 1.0 / patience
    if n == 0:
        return QueueMetrics("erlang_a", float(calls), float(aht), 0, load, 1.0, 0.0,
                            float(threshold), math.nan, patience, 1.0, math.nan, patience)
    if lam == 0 or b == 0.0:  # no calls, or so many agents that nobody ever waits
        return QueueMetrics("erlang_a", float(calls), float(aht), n, load, 0.0, 1.0,
                            float(threshold), 0.0, 0.0, 0.0, load / n, patience)
    x, y = n * mu / theta, lam / theta
    log_t = _log_tail_terms(x, y)
    # log of the normaliser 1/B + sum_{j>=1} t_j, relative to the all-busy state
    log_norm = np.logaddexp(-math.log(b), special.logsumexp(log_t[1:]))
    p_j = np.exp(log_t - log_norm)  # P(arriving caller finds n busy and j waiting)
    p_free = math.exp(math.log1p(-b) - math.log(b) - log_norm) if b < 1 else 0.0
    j1 = np.arange(1, len(p_j) + 1, dtype=float)  # j + 1
    p_answer_j = x / (x + j1)
    p_wait = float(p_j.sum())
    p_abandon = float(np.sum(p_j * j1 / (x + j1)))
    mean_wait = float(np.sum(p_j * j1 / (x + j1))) / theta  # P(abandon) = theta E[W]
    # answered after waiting: sum of exponential phases with rates theta (x + i), i = 1..j+1
    harmonic = np.cumsum(1.0 / (theta * (x + j1)))
    answered_wait = float(np.sum(p_j * p_answer_j * harmonic))
    p_answered = 1.0 - p_abandon
    asa = answered_wait / p_answered if p_answered > 0 else math.nan
    within = special.betainc(j1, x + 1.0, -math.expm1(-theta * threshold)) if threshold > 0 \
        else np.zeros_like(j1)
    sl = p_free + float(np.sum(p_j * p_answer_j * within))
    occupancy = lam * p_answered * aht / n
    return QueueMetrics("erlang_a", float(calls), float(aht), n, load, p_wait, sl,
                        float(threshold), asa, mean_wait, p_abandon, occupancy, float(patience))


def erlang_a_metrics(calls: float, aht: float, agents: int, patience: float, *,
                     threshold: float = 20, interval_minutes: float = 30) -> QueueMetrics:
    """Waiting, abandonment, service level and ASA when callers hang up (Erlang A, M/M/n+M).

    Callers have exponentially distributed patience with mean ``patience`` seconds; a caller
    still waiting when her patience runs out hangs up. Unlike Erlang C the queue is stable at
    any load. As ``patience`` grows the results tend to Erlang C's (for ``agents > load``).

    Parameters
    ----------
    calls : float
        Calls offered in the interval.
    aht : float
        Average handle time in seconds.
    agents : int
        Agents answering calls.
    patience : float
        Mean patience in seconds (> 0).
    threshold : float, default 20
        Service-level threshold in seconds.
    interval_minutes : float, default 30
        Interval length.

    Returns
    -------
    QueueMetrics
        ``service_level`` is the share of *offered* calls answered within ``threshold``;
        ``asa`` the mean wait of answered calls; ``mean_wait`` the mean time in queue of
        everyone (``p_abandon = mean_wait / patience``).

    Examples
    --------
    >>> m = erlang_a_metrics(100, 180, 12, patience=120)
    >>> round(m.p_abandon, 3), round(m.service_level, 3)
    (0.062, 0.826)
    >>> c = erlang_c_metrics(100, 180, 12)
    >>> a = erlang_a_metrics(100, 180, 12, patience=1e9)
    >>> abs(a.service_level - c.service_level) < 1e-4
    True
    """
    load = offered_load(calls, aht, interval_minutes)
    n = _check_agents(agents)
    check_param("patience", patience, kind=_NUM, low=0,
                hint="Mean patience in seconds; use erlang_c_metrics for callers who never hang "
                     "up.")
    if not patience > 0:
        raise ParameterError(f"parameter 'patience' must be > 0 seconds, got {patience!r}.")
    check_param("threshold", threshold, kind=_NUM, low=0)
    if math.isinf(patience):
        return _c_metrics(calls, aht, n, load, _erlang_b(n, load), threshold)
    return _a_metrics(calls, aht, n, load, _erlang_b(n, load), float(patience), threshold,
                      interval_minutes)


# ============================================================================ staffing


def required_agents(calls: float, aht: float, *, target: float = 0.8, threshold: float = 20,
                    max_occupancy: float = 1.0, shrinkage: float = 0.0,
                    patience: float | None = None, max_abandon: float = 1.0,
                    interval_minutes: float = 30, max_agents: int = 100_000) -> pd.Series:
    """The fewest agents that reach a service-level target, and the staff to schedule for them.

    Agents are added one at a time from the offered load upward, updating Erlang B by its
    recursion, until (a) the service level within ``threshold`` seconds reaches ``target``,
    (b) occupancy is at most ``max_occupancy`` and (c), with Erlang A, the share of callers
    who abandon is at most ``max_abandon``. Shrinkage (breaks, training, absence) then
    turns agents on the phones into agents to schedule: ``ceil(agents / (1 - shrinkage))``.

    Parameters
    ----------
    calls : float
        Calls offered in the interval (0 gives 0 agents).
    aht : float
        Average handle time in seconds.
    target : float, default 0.8
        Service-level target (share, 0 to 1).
    threshold : float, default 20
        Seconds within which ``target`` of calls must be answered.
    max_occupancy : float, default 1.0
        Highest acceptable occupancy (share, e.g. 0.85); 1 means no limit.
    shrinkage : float, default 0
        Share of paid time agents are not available for calls (0 to < 1).
    patience : float, optional
        Mean caller patience in seconds: staff with Erlang A instead of Erlang C.
    max_abandon : float, default 1.0
        Highest acceptable share of abandoned calls (Erlang A only; 1 means no limit).
    interval_minutes : float, default 30
        Interval length.
    max_agents : int, default 100000
        Give up (``ParameterError``) beyond this many agents.

    Returns
    -------
    Series
        ``agents`` (on the phones), ``scheduled`` (with shrinkage), ``load``,
        ``service_level``, ``p_wait``, ``asa``, ``occupancy``, ``p_abandon``.

    Examples
    --------
    >>> r = required_agents(100, 180, target=0.8, threshold=20, shrinkage=0.3)
    >>> int(r["agents"]), int(r["scheduled"]), round(r["service_level"], 3)
    (14, 20, 0.888)
    """
    load = offered_load(calls, aht, interval_minutes)
    for name, v, hi in (("target", target, 1), ("max_occupancy", max_occupancy, 1),
                        ("shrinkage", shrinkage, 1), ("max_abandon", max_abandon, 1)):
        check_param(name, v, kind=_NUM, low=0, high=hi,
                    hint="Give shares between 0 and 1 (80 % is 0.8).")
    if shrinkage >= 1:
        raise ParameterError(f"parameter 'shrinkage' must be < 1, got {shrinkage!r}.")
    if max_occupancy <= 0:
        raise ParameterError(f"parameter 'max_occupancy' must be > 0, got {max_occupancy!r}.")
    check_param("threshold", threshold, kind=_NUM, low=0)
    if patience is not None:
        check_param("patience", patience, kind=_NUM, low=0)
    check_param("max_agents", max_agents, kind=int, low=1)
    if target >= 1 and threshold < math.inf:
        raise ParameterError("parameter 'target' must be < 1: no finite number of agents "
                             "answers every call within a finite threshold.")

    def metrics(n: int, b: float) -> QueueMetrics:
        if patience is None or math.isinf(patience):
            return _c_metrics(calls, aht, n, load, b, threshold)
        return _a_metrics(calls, aht, n, load, b, float(patience), threshold, interval_minutes)

    if calls == 0:
        return pd.Series({"agents": 0, "scheduled": 0, "load": 0.0, "service_level": 1.0,
                          "p_wait": 0.0, "asa": 0.0, "occupancy": 0.0, "p_abandon": 0.0},
                         name="required", dtype=object)
    else:
        # throughput is at most n / aht, so SL <= n / load: no fewer than target * load agents
        n = int(math.floor(load * (target if patience is not None else 1.0)))
        b = _erlang_b(n, load)
        while True:
            m = metrics(n, b) if n > 0 else None
            if (m is not None and m.service_level >= target
                    and m.occupancy <= max_occupancy + 1e-12 and m.p_abandon <= max_abandon):
                break
            n += 1
            if n > max_agents:
                raise ParameterError(f"required_agents: more than max_agents={max_agents} agents "
                                     "needed; check calls, aht and interval_minutes.")
            b = load * b / (n + load * b)
    scheduled = math.ceil(n / (1.0 - shrinkage) - 1e-9)
    return pd.Series({"agents": n, "scheduled": scheduled, "load": load,
                      "service_level": m.service_level, "p_wait": m.p_wait, "asa": m.asa,
                      "occupancy": m.occupancy if n > 0 else 0.0, "p_abandon": m.p_abandon},
                     name="required", dtype=object)


def service_level_table(calls: float, aht: float, agents, *, threshold: float = 20,
                        patience: float | None = None,
                        interval_minutes: float = 30) -> pd.DataFrame:
    """Erlang C (and Erlang A, given ``patience``) for a range of agent numbers.

    Parameters
    ----------
    calls, aht, threshold, interval_minutes
        As in :func:`erlang_c_metrics`.
    agents : iterable of int
        The numbers of agents to tabulate.
    patience : float, optional
        Mean patience in seconds; adds Erlang A columns ``sl_erlang_a``, ``asa_erlang_a``,
        ``abandon_erlang_a``.

    Returns
    -------
    DataFrame
        Indexed by ``agents``: ``sl_erlang_c``, ``p_wait_erlang_c``, ``asa_erlang_c``,
        ``occupancy`` [, Erlang A columns].

    Examples
    --------
    >>> service_level_table(100, 180, range(12, 16))["sl_erlang_c"].round(3).tolist()
    [0.64, 0.796, 0.888, 0.941]
    """
    ns = [_check_agents(n) for n in agents]
    if not ns:
        raise ParameterError("parameter 'agents' is empty; give the numbers of agents to "
                             "tabulate, e.g. range(10, 20).")
    rows = []
    for n in ns:
        c = erlang_c_metrics(calls, aht, n, threshold=threshold,
                             interval_minutes=interval_minutes)
        row = {"sl_erlang_c": c.service_level, "p_wait_erlang_c": c.p_wait,
               "asa_erlang_c": c.asa, "occupancy": c.occupancy}
        if patience is not None:
            a = erlang_a_metrics(calls, aht, n, patience, threshold=threshold,
                                 interval_minutes=interval_minutes)
            row.update(sl_erlang_a=a.service_level, asa_erlang_a=a.asa,
                       abandon_erlang_a=a.p_abandon, occupancy_erlang_a=a.occupancy)
        rows.append(row)
    out = pd.DataFrame(rows, index=pd.Index(ns, name="agents"))
    out.attrs.update({"calls": calls, "aht": aht, "threshold": threshold, "patience": patience})
    return out
