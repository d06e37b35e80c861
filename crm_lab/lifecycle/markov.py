"""Transition matrices between customer states and the Markov-chain value of a customer.

Pfeifer & Carraway (2000) model a customer relationship as a Markov chain: a
customer is in one of a few states (recency states, or lifecycle stages), moves
between them with probabilities ``P`` each period and brings a reward ``R`` (margin
minus marketing cost) in each state. The expected present value of a customer
starting in each state is

    V_T = sum_{t=0..T} (1 + d)^-t P^t R        (finite horizon T)
    V   = (I - P / (1 + d))^-1 R                (infinite horizon)

:func:`transition_matrix` estimates ``P`` from a panel of states with
simultaneous (Goodman 1965) or per-cell (Wilson) intervals;
:func:`markov_value`, :func:`steady_state` and :func:`first_passage_time` are the
chain's algebra; :class:`MarkovChainCLV` puts them together with a bootstrap over
customers; :func:`compare_with_bgnbd` sets the Markov value beside chapter 4's
BG/NBD + Gamma-Gamma value.

References
----------
Pfeifer, P. E. & Carraway, R. L. (2000). Modeling customer relationships as
Markov chains. *Journal of Interactive Marketing* 14(2), 43-55.

Goodman, L. A. (1965). On simultaneous confidence intervals for multinomial
proportions. *Technometrics* 7(2), 247-254.

Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
inference. *Journal of the American Statistical Association* 22(158), 209-212.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.lifecycle.stages import recency_states
from crm_lab.summary import ExclusionWarning
from crm_lab.validate import DataError, ParameterError, check_columns, check_param

__all__ = [
    "Transitions",
    "transition_matrix",
    "state_rewards",
    "markov_value",
    "steady_state",
    "first_passage_time",
    "MarkovChainCLV",
    "ValueComparison",
    "compare_with_bgnbd",
]


@dataclass
class Transitions:
    """Estimated transition matrix: ``counts``, row-normalised ``probabilities`` and intervals."""

    counts: pd.DataFrame
    probabilities: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    method: str
    alpha: float

    def summary(self) -> pd.DataFrame:
        """One row per (from, to) cell: count, probability, lower, upper."""
        parts = {k: getattr(self, k).stack() for k in ("counts", "probabilities", "lower",
                                                         "upper")}
        out = pd.DataFrame(parts).rename(columns={"counts": "count", "probabilities":
                                                  "probability"})
        out.index.names = ["from", "to"]
        return out


def _intervals(counts: np.ndarray, alpha: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Goodman (simultaneous over each row's cells) or Wilson (per cell) score intervals."""
    k = counts.shape[1]
    if method == "goodman":
        a = stats.chi2.ppf(1 - alpha / k, 1)
    else:
        a = stats.norm.ppf(1 - alpha / 2) ** 2
    n = counts.sum(axis=1, keepdims=True).astype(float)
    x = counts.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(a * (a + 4 * x * (n - x) / n))
        lo = (a + 2 * x - root) / (2 * (n + a))
        hi = (a + 2 * x + root) / (2 * (n + a))
    empty = (n == 0).ravel()
    lo[empty], hi[empty] = np.nan, np.nan
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def _pairs(panel: pd.DataFrame, state: str) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """(from, to) states of consecutive periods of the same customer, and the customer of each."""
    check_columns(panel, ["customer_id", "period", state], "panel",
                  hint="Build it with lifecycle_stages or recency_states.")
    p = panel.sort_values(["customer_id", "period"], kind="stable")
    cust = p["customer_id"].to_numpy()
    s = p[state].to_numpy()
    same = cust[1:] == cust[:-1]
    return s[:-1][same], s[1:][same], pd.Series(cust[:-1][same])


def _state_list(panel: pd.DataFrame, state: str, states) -> list:
    if states is not None:
        return list(states)
    col = panel[state]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(pd.unique(col))


def transition_matrix(
    panel: pd.DataFrame,
    state: str = "stage",
    states=None,
    *,
    alpha: float = 0.05,
    method: str = "goodman",
) -> Transitions:
    """Count and row-normalise the period-to-period transitions in a state panel.

    Every pair of consecutive periods of the same customer is one transition
    ``from -> to``. Probabilities are counts divided by their row total; the
    intervals are score intervals for a multinomial row: ``"goodman"``
    (Goodman 1965: simultaneous over the row's cells, chi-square quantile at
    ``1 - alpha / k``) or ``"wilson"`` (each cell on its own). A row with no
    transitions has NaN probabilities and a warning says which.

    Parameters
    ----------
    panel : DataFrame
        ``customer_id``, ``period`` and the state column, one row per customer and
        period without gaps (as :func:`lifecycle_stages` and
        :func:`recency_states` return).
    state : str, default "stage"
        The state column (``"state"`` for a recency panel).
    states : sequence, optional
        States in the order wanted (default: the categories, or sorted values).
    alpha : float, default 0.05
        1 - confidence level.
    method : {"goodman", "wilson"}

    Returns
    -------
    Transitions

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "period": [1, 2, 3, 1, 2],
    ...                   "state": [1, 2, 1, 1, 1]})
    >>> transition_matrix(p, state="state").counts.to_numpy().tolist()
    [[1, 1], [1, 0]]
    """
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    check_param("method", method, allowed=["goodman", "wilson"])
    src, dst, _ = _pairs(panel, state)
    names = _state_list(panel, state, states)
    pos = {s: i for i, s in enumerate(names)}
    unknown = sorted({str(s) for s in np.concatenate([src, dst]) if s not in pos})
    if unknown:
        raise DataError(f"panel[{state!r}]: values {unknown[:5]} are not in states={names}. "
                        "How to fix: pass every state, or drop those rows explicitly.")
    k = len(names)
    i = np.array([pos[s] for s in src], dtype=np.int64)
    j = np.array([pos[s] for s in dst], dtype=np.int64)
    counts = np.bincount(i * k + j, minlength=k * k).reshape(k, k)
    n = counts.sum(axis=1, keepdims=True)
    if (n == 0).any():
        empty = [names[r] for r in np.flatnonzero(n == 0)]
        warnings.warn(f"no transitions out of state(s) {empty}; their rows are NaN.",
                      UserWarning, stacklevel=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = counts / n
    lo, hi = _intervals(counts, alpha, method)
    idx = pd.Index(names, name="from")
    cols = pd.Index(names, name="to")
    mk = lambda a: pd.DataFrame(a, index=idx, columns=cols)  # noqa: E731
    return Transitions(mk(counts), mk(prob), mk(lo), mk(hi), method, alpha)


def state_rewards(panel: pd.DataFrame, state: str = "state", *, value: str = "spend",
                  margin: float = 1.0, cost=0.0, states=None) -> pd.Series:
    """Mean reward per period in each state: ``margin * mean(value) - cost``.

    Parameters
    ----------
    panel : DataFrame
        A state panel with a ``value`` column (spend in the period).
    state : str
        The state column.
    value : str, default "spend"
    margin : float, default 1.0
        Contribution margin on spend.
    cost : float or mapping state -> float
        Marketing cost per customer and period (a mapping may give 0 to "lost").
    states : sequence, optional
        Order of the states.

    Returns
    -------
    pandas.Series
        Indexed by state, named ``reward``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"customer_id": [1, 1], "period": [1, 2], "state": [1, 2],
    ...                   "spend": [40.0, 0.0]})
    >>> state_rewards(p, cost={1: 4, 2: 4}).tolist()
    [36.0, -4.0]
    """
    check_columns(panel, [state, value], "panel")
    check_param("margin", margin, kind=(int, float))
    names = _state_list(panel, state, states)
    mean = panel.groupby(state, observed=False)[value].mean().reindex(names).fillna(0.0)
    c = pd.Series(cost, index=names, dtype=float) if isinstance(cost, dict) else float(cost)
    if isinstance(c, pd.Series) and c.isna().any():
        raise ParameterError(f"parameter 'cost' has no value for state(s) "
                             f"{list(c.index[c.isna()])}; give every state a cost.")
    out = margin * mean - c
    out.index.name = state
    return out.rename("reward")


def _matrix(P) -> tuple[np.ndarray, pd.Index | None]:
    idx = P.index if isinstance(P, pd.DataFrame) else None
    a = np.asarray(P, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ParameterError(f"parameter 'P' must be a square matrix, got shape {a.shape}.")
    if not np.isfinite(a).all() or (a < -1e-12).any() or not np.allclose(a.sum(axis=1), 1,
                                                                           atol=1e-8):
        raise ParameterError("parameter 'P' must have finite, non-negative rows summing to 1; "
                             "re-estimate it or fill empty rows (e.g. P.fillna(0) plus 1 on the "
                             "diagonal).")
    return a, idx


def markov_value(P, R, discount_rate: float, horizon: int | None = None, *,
                 include_current: bool = True) -> pd.Series:
    """Expected present value of a customer starting in each state (Pfeifer & Carraway 2000).

    ``V_T = sum_{t=t0..T} (1+d)^-t P^t R``; with ``horizon=None`` the infinite sum
    ``(I - P/(1+d))^-1 R`` (minus ``R`` when ``include_current=False``).

    Parameters
    ----------
    P : array-like or DataFrame (k x k)
        Transition matrix (rows sum to 1).
    R : array-like or Series (k)
        Reward per period in each state.
    discount_rate : float
        Discount rate per period ``d`` (> 0 for the infinite horizon).
    horizon : int, optional
        Last period ``T``; ``None`` for the infinite horizon.
    include_current : bool, default True
        Count the reward of period 0 (the state the customer is in now), as
        Pfeifer & Carraway do; ``False`` values only future periods 1..T.

    Returns
    -------
    pandas.Series
        Value per starting state, named ``value``.

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[0.5, 0.5], [0.0, 1.0]])  # a retention chain, r = 0.5
    >>> round(float(markov_value(P, [10.0, 0.0], 0.1).iloc[0]), 4)  # 10 (1+d)/(1+d-r)
    18.3333
    """
    a, idx = _matrix(P)
    if isinstance(R, pd.Series) and idx is not None:
        if not set(idx) <= set(R.index):
            raise ParameterError(f"parameter 'R' has no reward for state(s) "
                                 f"{sorted(set(idx) - set(R.index), key=str)}; give one per "
                                 "state of P.")
        R = R.reindex(idx)       # align rewards with P's states by label
    r = np.asarray(R, dtype=float)
    if r.shape != (a.shape[0],) or not np.isfinite(r).all():
        raise ParameterError(f"parameter 'R' must be {a.shape[0]} finite rewards, one per state.")
    check_param("discount_rate", discount_rate, kind=(int, float), low=0)
    if horizon is None:
        if discount_rate <= 0:
            raise ParameterError("parameter 'discount_rate' must be > 0 for the infinite horizon "
                                 "(or pass horizon=T).")
        v = np.linalg.solve(np.eye(len(r)) - a / (1 + discount_rate), r)
        if not include_current:
            v = v - r
    else:
        check_param("horizon", horizon, kind=int, low=0)
        v = np.zeros_like(r)
        term = r.copy()
        for t in range(horizon + 1):
            if t > 0 or include_current:
                v += term / (1 + discount_rate) ** t
            term = a @ term
    if idx is None and isinstance(R, pd.Series):
        idx = R.index
    return pd.Series(v, index=idx, name="value")


def steady_state(P) -> pd.Series:
    """Long-run share of time in each state: ``pi P = pi``, ``sum(pi) = 1``.

    For a chain with an absorbing state the steady state puts all mass there.
    If the chain has several closed classes the solution is not unique and the
    least-squares one is returned.

    Examples
    --------
    >>> import numpy as np
    >>> steady_state(np.array([[0.9, 0.1], [0.5, 0.5]])).round(4).tolist()
    [0.8333, 0.1667]
    """
    a, idx = _matrix(P)
    k = a.shape[0]
    lhs = np.vstack([a.T - np.eye(k), np.ones((1, k))])
    rhs = np.concatenate([np.zeros(k), [1.0]])
    pi = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    return pd.Series(np.clip(pi, 0, None) / np.clip(pi, 0, None).sum(), index=idx,
                     name="steady_state")


def first_passage_time(P, target) -> pd.Series:
    """Expected periods until the chain first reaches ``target`` from each other state.

    With ``target`` absorbing ("lost", or Pfeifer & Carraway's former-customer
    state) this is the expected time to absorption ``N 1`` with the fundamental
    matrix ``N = (I - Q)^-1`` (``Q``: transitions among the other states). The
    target itself gets 0; states that cannot reach it get ``inf``.

    Parameters
    ----------
    P : DataFrame or array (k x k)
    target : label (DataFrame) or position (array), or a list of them

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[0.8, 0.2], [0.0, 1.0]])
    >>> first_passage_time(P, 1).round(6).tolist()  # geometric: 1 / 0.2
    [5.0, 0.0]
    """
    a, idx = _matrix(P)
    labels = list(idx) if idx is not None else list(range(a.shape[0]))
    targets = target if isinstance(target, (list, tuple)) else [target]
    missing = [t for t in targets if t not in labels]
    if missing:
        raise ParameterError(f"parameter 'target' {missing} is not a state; states are {labels}.")
    hit = np.isin(np.arange(len(labels)), [labels.index(t) for t in targets])
    q = a[np.ix_(~hit, ~hit)]
    out = np.zeros(len(labels))
    with np.errstate(all="ignore"):
        try:
            m = np.linalg.solve(np.eye(q.shape[0]) - q, np.ones(q.shape[0]))
        except np.linalg.LinAlgError:
            m = np.full(q.shape[0], np.inf)
    m[(m < 0) | ~np.isfinite(m)] = np.inf
    out[~hit] = m
    return pd.Series(out, index=idx, name="periods_to_" + "_".join(map(str, targets)))


class MarkovChainCLV:
    """Customer value from a panel of states: estimate ``P`` and ``R``, then ``V``.

    Parameters
    ----------
    discount_rate : float, default 0.01
        Discount rate per period of the panel (0.01 a month is about 12.7 % a year).
    horizon : int, optional
        Periods ahead; ``None`` for the infinite horizon.
    margin : float, default 1.0
        Contribution margin on spend.
    cost : float or mapping, default 0.0
        Marketing cost per customer and period in each state.
    include_current : bool, default False
        Value the current period's reward too (Pfeifer & Carraway's ``t = 0`` term).
    absorbing : label, optional
        A state to make absorbing in the estimated chain (e.g. the top recency
        state, as Pfeifer & Carraway's former customers); ``None`` keeps the data's
        returns from it.
    n_boot : int, default 0
        Bootstrap resamples of customers for intervals of ``values_``.
    alpha : float, default 0.05
    seed : int, default 0

    Attributes
    ----------
    transitions_ : Transitions
    P_ : DataFrame
        The transition matrix used (after ``absorbing``).
    rewards_ : Series
    values_ : Series
        Value per state.
    values_ci_ : DataFrame
        Percentile bootstrap interval (``lower``, ``upper``; NaN without ``n_boot``).
    steady_state_ : Series
    time_to_absorption_ : Series or None
        Expected periods to first reach ``absorbing`` (or the last state).

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> from crm_lab.lifecycle import recency_states
    >>> rs = recency_states(simulate_company(n_customers=300, seed=2).transactions)
    >>> m = MarkovChainCLV(discount_rate=0.01, horizon=12, margin=0.3).fit(rs)
    >>> bool(m.values_.iloc[0] > m.values_.iloc[-1])  # recent buyers are worth more
    True
    """

    def __init__(self, discount_rate: float = 0.01, horizon: int | None = None, *,
                 margin: float = 1.0, cost=0.0, include_current: bool = False,
                 absorbing=None, n_boot: int = 0, alpha: float = 0.05, seed: int = 0):
        self.discount_rate = discount_rate
        self.horizon = horizon
        self.margin = margin
        self.cost = cost
        self.include_current = include_current
        self.absorbing = absorbing
        self.n_boot = n_boot
        self.alpha = alpha
        self.seed = seed

    def _cost(self, names) -> np.ndarray:
        if isinstance(self.cost, dict):
            c = pd.Series(self.cost, dtype=float).reindex(names)
            if c.isna().any():
                raise ParameterError(f"parameter 'cost' has no value for state(s) "
                                     f"{list(c.index[c.isna()])}; give every state a cost.")
            return c.to_numpy()
        check_param("cost", self.cost, kind=(int, float))
        return np.full(len(names), float(self.cost))

    def _chain(self, trans: np.ndarray, spend: np.ndarray, visits: np.ndarray,
               names: list, cost: np.ndarray):
        """P, R and V from pooled transition counts, spend and visits per state."""
        k = len(names)
        counts = trans.reshape(k, k)
        n = counts.sum(axis=1)
        P = np.divide(counts, n[:, None], out=np.zeros((k, k)), where=n[:, None] > 0)
        empty = n == 0
        P[empty, :] = 0.0
        P[empty, np.flatnonzero(empty)] = 1.0      # no transitions out: stay put
        if self.absorbing is not None:
            a = names.index(self.absorbing)
            P[a, :] = 0.0
            P[a, a] = 1.0
        mean = np.divide(spend, visits, out=np.zeros(k), where=visits > 0)
        R = self.margin * mean - cost
        V = markov_value(P, R, self.discount_rate, self.horizon,
                         include_current=self.include_current).to_numpy()
        return P, R, V, [names[i] for i in np.flatnonzero(empty)]

    def fit(self, panel: pd.DataFrame, state: str = "state") -> MarkovChainCLV:
        """Estimate the chain and the value of each state from ``panel``.

        The bootstrap resamples customers with replacement: each customer's
        transition counts, spend and visits per state are her sufficient
        statistics, so a resample is a weighted sum of them.
        """
        check_param("discount_rate", self.discount_rate, kind=(int, float), low=0)
        check_param("margin", self.margin, kind=(int, float))
        check_param("n_boot", self.n_boot, kind=int, low=0)
        check_param("seed", self.seed, kind=int, low=0)
        check_columns(panel, ["customer_id", "period", state, "spend"], "panel",
                      hint="Build it with recency_states or lifecycle_stages.")
        names = _state_list(panel, state, None)
        if self.absorbing is not None and self.absorbing not in names:
            raise ParameterError(f"parameter 'absorbing' ({self.absorbing!r}) is not a state; "
                                 f"states are {names}.")
        cost = self._cost(names)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # empty rows: warned below
            self.transitions_ = transition_matrix(panel, state, names, alpha=self.alpha)
        # per-customer sufficient statistics
        k = len(names)
        pos = {v: i for i, v in enumerate(names)}
        p = panel.sort_values(["customer_id", "period"], kind="stable")
        cust, ids = pd.factorize(p["customer_id"])
        code = np.array([pos[v] for v in p[state].to_numpy()], dtype=np.int64)
        nc = len(ids)
        same = cust[1:] == cust[:-1]
        key = cust[:-1][same] * (k * k) + code[:-1][same] * k + code[1:][same]
        trans = np.bincount(key, minlength=nc * k * k).reshape(nc, k * k).astype(float)
        sk = cust * k + code
        spend = np.bincount(sk, weights=p["spend"].to_numpy(dtype=float),
                            minlength=nc * k).reshape(nc, k)
        visits = np.bincount(sk, minlength=nc * k).reshape(nc, k).astype(float)
        P, R, V, empty = self._chain(trans.sum(0), spend.sum(0), visits.sum(0), names, cost)
        if empty:
            warnings.warn(f"no transitions out of state(s) {empty} in the panel; they are "
                          "treated as absorbing (the customer stays there).", UserWarning,
                          stacklevel=2)
        idx = pd.Index(names, name=state)
        self.state_ = state
        self.P_ = pd.DataFrame(P, index=pd.Index(names, name="from"),
                               columns=pd.Index(names, name="to"))
        self.rewards_ = pd.Series(R, index=idx, name="reward")
        self.values_ = pd.Series(V, index=idx, name="value")
        boot = np.full((self.n_boot, k), np.nan)
        if self.n_boot:
            rng = np.random.default_rng(self.seed)
            for b in range(self.n_boot):
                w = np.bincount(rng.integers(0, nc, nc), minlength=nc).astype(float)
                boot[b] = self._chain(w @ trans, w @ spend, w @ visits, names, cost)[2]
        q = (np.quantile(boot, [self.alpha / 2, 1 - self.alpha / 2], axis=0)
             if self.n_boot else np.full((2, k), np.nan))
        self.values_ci_ = pd.DataFrame({"lower": q[0], "upper": q[1]}, index=idx)
        self.steady_state_ = steady_state(self.P_)
        target = self.absorbing if self.absorbing is not None else names[-1]
        self.time_to_absorption_ = first_passage_time(self.P_, target)
        self.n_customers_ = int(nc)
        return self

    def customer_values(self, panel: pd.DataFrame) -> pd.Series:
        """Each customer's value: the value of her state in the panel's last period."""
        if not hasattr(self, "values_"):
            raise ParameterError("this MarkovChainCLV is not fitted yet; call fit(panel) first.")
        from crm_lab.lifecycle.stages import current_stage
        now = current_stage(panel, self.state_)
        return pd.Series(self.values_.reindex(now.to_numpy()).to_numpy(), index=now.index,
                         name="markov_value")

    def summary(self) -> pd.DataFrame:
        """Per state: reward, value (with interval), steady-state share, time to absorption."""
        out = pd.DataFrame({"reward": self.rewards_.to_numpy(), "value": self.values_.to_numpy()},
                           index=self.values_.index)
        out = out.join(self.values_ci_)
        out["steady_state"] = self.steady_state_.to_numpy()
        out["time_to_absorption"] = self.time_to_absorption_.to_numpy()
        return out


@dataclass
class ValueComparison:
    """Markov and BG/NBD value per customer, with their rank and linear correlation."""

    table: pd.DataFrame
    spearman: float
    spearman_ci: tuple[float, float]
    pearson: float
    n: int


def _fisher_ci(r: float, n: int, alpha: float, spearman: bool) -> tuple[float, float]:
    se = (np.sqrt(1.06 / (n - 3)) if spearman else 1 / np.sqrt(n - 3))  # Fieller et al. 1957
    z = stats.norm.ppf(1 - alpha / 2)
    return float(np.tanh(np.arctanh(r) - z * se)), float(np.tanh(np.arctanh(r) + z * se))


def compare_with_bgnbd(
    transactions: pd.DataFrame,
    *,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    max_recency: int = 6,
    as_of=None,
    alpha: float = 0.05,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> ValueComparison:
    """The Markov (recency-state) value and the BG/NBD + Gamma-Gamma value of the same customers.

    Both value the next ``horizon_months`` months, discounted at
    ``discount_rate`` a month, at ``margin``. The Markov side uses monthly
    :func:`recency_states` (``max_recency`` states) and :class:`MarkovChainCLV`
    (future periods only); the BG/NBD side uses weekly
    :func:`crm_lab.clv.customer_summary`, :class:`crm_lab.clv.BetaGeo`,
    :class:`crm_lab.clv.GammaGamma` (fitted on repeat buyers) and
    :func:`crm_lab.clv.customer_lifetime_value`. The Markov value takes only
    ``max_recency`` distinct values (one per state), so the rank correlation is
    computed with ties; it measures how far recency alone orders customers as the
    richer model does.

    Returns
    -------
    ValueComparison
        ``table`` indexed by ``customer_id`` (``recency_state``, ``markov_value``,
        ``bgnbd_value``), ``spearman`` with a Fisher-z interval, ``pearson``, ``n``.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> cmp = compare_with_bgnbd(simulate_company(n_customers=400, seed=3).transactions)
    >>> bool(cmp.spearman > 0)
    True
    """
    from crm_lab import clv

    check_param("horizon_months", horizon_months, kind=int, low=1)
    check_param("discount_rate", discount_rate, kind=(int, float), low=0)
    check_param("margin", margin, kind=(int, float))
    rs = recency_states(transactions, "M", as_of, max_recency=max_recency,
                        customer_id=customer_id, date=date, amount=amount)
    mk = MarkovChainCLV(discount_rate, horizon_months, margin=margin).fit(rs)
    markov = mk.customer_values(rs)
    state = rs.sort_values("period").groupby("customer_id")["state"].last()
    end = rs.attrs["as_of"]
    summ = clv.customer_summary(transactions, "W", observation_end=end, customer_id=customer_id,
                                date=date, amount=amount)
    bad = (summ["frequency"] > 0) & (summ["monetary_value"] <= 0)
    if bad.any():
        warnings.warn(f"{int(bad.sum()):,} repeat customer(s) with a mean repeat spend <= 0 are "
                      "left out of the comparison (the Gamma-Gamma spend model needs positive "
                      "spend).", ExclusionWarning, stacklevel=2)
        summ = summ.loc[~bad]
    bg = clv.BetaGeo().fit(summ)
    gg = clv.GammaGamma().fit(summ)
    bgv = clv.customer_lifetime_value(bg, summ, horizon_months, discount_rate, "W",
                                      spend_model=gg, margin=margin)
    table = pd.DataFrame({"recency_state": state, "markov_value": markov,
                          "bgnbd_value": bgv}).dropna()
    n = len(table)
    rho = float(stats.spearmanr(table["markov_value"], table["bgnbd_value"]).statistic)
    r = float(np.corrcoef(table["markov_value"], table["bgnbd_value"])[0, 1])
    return ValueComparison(table, rho, _fisher_ci(rho, n, alpha, True), r, n)
