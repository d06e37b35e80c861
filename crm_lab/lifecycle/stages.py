"""Lifecycle stage of every customer in every period, read off the purchase trajectory.

The customer-lifecycle view (客户生命周期) splits a relationship into an exploration
stage (考察期), a formation stage (形成期), a stability stage (稳定期) and a decline
stage (退化期); a customer who stops buying altogether is lost (流失). The stages are
not observed: :func:`lifecycle_stages` assigns them with an explicit rule whose
thresholds are parameters, so a reader can change them and see what moves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.summary import _check_freq, as_timestamp, exclude_after, period_numbers
from crm_lab.validate import ParameterError, check_columns, check_param, check_transactions

__all__ = [
    "STAGES",
    "STAGE_STRATEGIES",
    "lifecycle_stages",
    "recency_states",
    "current_stage",
    "stage_profiles",
]

#: Stage names in lifecycle order (the ``stage`` column is an ordered categorical).
STAGES = ("exploration", "formation", "stability", "decline", "lost")

#: What each stage calls for: a small table as data (English and 中文).
STAGE_STRATEGIES = pd.DataFrame(
    {
        "stage_zh": ["考察期", "形成期", "稳定期", "退化期", "流失"],
        "goal": ["win the second purchase", "grow share of wallet", "keep and deepen",
                 "diagnose and rescue", "win back selectively"],
        "strategy": [
            "welcome and onboarding, a reason to return soon, remove first-use friction",
            "cross-sell and up-sell, personal offers, first loyalty tier",
            "loyalty programme and recognition, service quality, ask for referrals",
            "find the cause (complaint, price, competitor), retention offer, service recovery",
            "win-back offer only where the predicted value covers its cost; learn why",
        ],
        "strategy_zh": [
            "欢迎与引导，给出尽快再次购买的理由，消除首次使用障碍",
            "交叉销售与向上销售，个性化优惠，初级会员等级",
            "忠诚计划与身份认可，服务质量，邀请客户推荐",
            "查明原因（投诉、价格、竞争者），挽留优惠，服务补救",
            "仅在预测价值高于成本时进行赢回，并了解流失原因",
        ],
    },
    index=pd.Index(list(STAGES), name="stage"),
)


def _panel(transactions: pd.DataFrame, freq: str, as_of, customer_id: str, date: str,
           amount: str) -> dict:
    """Dense customer x period arrays of purchase counts and spend (validated input)."""
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    _check_freq(freq)
    end = (pd.Timestamp(frame["date"].max()) if as_of is None
           else as_timestamp("as_of", as_of))
    frame = exclude_after(frame, end, "as_of", stacklevel=4)
    codes, ids = pd.factorize(frame["customer_id"], sort=True)
    per = period_numbers(frame["date"].to_numpy(), freq)
    p_end = int(period_numbers(np.array([end.to_datetime64()]), freq)[0])
    p0 = int(per.min())
    span = p_end - p0 + 1
    n = len(ids)
    key = codes.astype(np.int64) * span + (per - p0)
    counts = np.bincount(key, minlength=n * span).reshape(n, span)
    spend = np.bincount(key, weights=frame["amount"].to_numpy(dtype=float),
                        minlength=n * span).reshape(n, span)
    first = np.argmax(counts > 0, axis=1)
    idx = np.broadcast_to(np.arange(span), (n, span))
    last = np.maximum.accumulate(np.where(counts > 0, idx, -1), axis=1)
    labels = pd.PeriodIndex.from_ordinals(np.arange(p0, p_end + 1), freq=freq)
    return {"ids": ids, "counts": counts, "spend": spend, "first": first, "last": last,
            "idx": idx, "labels": labels, "freq": freq, "as_of": end}


def _long(arrays: dict, columns: dict) -> pd.DataFrame:
    """Long frame of the cells from each customer's first period on."""
    keep = arrays["idx"] >= arrays["first"][:, None]
    rows, cols = np.nonzero(keep)
    out = {"customer_id": arrays["ids"].to_numpy()[rows],
           "period": arrays["labels"][cols]}
    out.update({k: np.asarray(v)[keep] for k, v in columns.items()})
    return pd.DataFrame(out)


def lifecycle_stages(
    transactions: pd.DataFrame,
    freq: str = "M",
    as_of=None,
    *,
    explore_periods: int = 3,
    formation_periods: int = 12,
    window: int = 6,
    min_history: int = 6,
    decline_ratio: float = 0.5,
    growth_ratio: float = 1.5,
    lost_after: int = 6,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> pd.DataFrame:
    """Assign a lifecycle stage to every customer in every period since her first purchase.

    Time is cut into calendar ``freq`` periods. For customer *i* in period *t*
    (from her first purchase period *f* to ``as_of``) let ``tenure = t - f + 1``,
    ``periods_since_last`` the periods since her latest purchase up to *t*
    (0 if she bought in *t*), ``recent_rate`` her purchases per period in the last
    ``window`` periods and ``early_rate`` her purchases per period before that
    window. Both rates leave out the acquisition period *f*, which always holds a
    purchase and would make every early rate look high. The rule, checked in this
    order:

    1. **lost** (流失) if ``periods_since_last >= lost_after``;
    2. **exploration** (考察期) if ``tenure <= explore_periods``;
    3. **decline** (退化期) if the early window has at least ``min_history``
       periods and ``recent_rate < decline_ratio * early_rate``;
    4. **formation** (形成期) if ``tenure <= formation_periods``, or if the early
       window has at least ``min_history`` periods and
       ``recent_rate > growth_ratio * early_rate`` (purchases still growing);
    5. **stability** (稳定期) otherwise.

    A lost customer who buys again is no longer lost: the rule is applied afresh
    each period, so win-backs show as transitions out of ``lost``.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (``customer_id``, ``date``, ``amount``).
    freq : str, default "M"
        Period length (a pandas period alias: ``"W"``, ``"M"``, ``"Q"``).
    as_of : date-like, optional
        Last date used (inclusive); later rows are excluded with an
        :class:`~crm_lab.summary.ExclusionWarning`. Defaults to the last date.
    explore_periods, formation_periods : int
        Tenure (periods) up to which a customer is exploring / forming.
    window : int
        Length of the recent window for ``recent_rate``.
    min_history : int
        Periods the early window needs before a trend (decline or growth) is judged.
    decline_ratio, growth_ratio : float
        Recent/early rate ratios below which a customer declines and above which
        she is still forming.
    lost_after : int
        Periods without a purchase after which a customer counts as lost.
    customer_id, date, amount : str
        Column names in ``transactions``.

    Returns
    -------
    DataFrame
        One row per customer and period: ``customer_id``, ``period``
        (pandas Period), ``purchases``, ``spend``, ``tenure``,
        ``periods_since_last``, ``recent_rate``, ``early_rate`` (NaN while the
        early window is empty) and ``stage`` (ordered categorical, :data:`STAGES`).
        ``attrs`` records the parameters.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1] * 6,
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05",
    ...                                            "2024-04-05", "2024-05-05", "2024-06-05"]),
    ...                    "amount": 10.0})
    >>> st = lifecycle_stages(tx, as_of="2024-12-31", explore_periods=2, formation_periods=4,
    ...                       window=2, min_history=2, lost_after=4)
    >>> st["stage"].astype(str).tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['exploration', 'exploration', 'formation', 'formation', 'stability', 'stability',
     'stability', 'decline', 'decline', 'lost', 'lost', 'lost']
    """
    for name, value in (("explore_periods", explore_periods),
                        ("formation_periods", formation_periods), ("window", window),
                        ("min_history", min_history), ("lost_after", lost_after)):
        check_param(name, value, kind=int, low=1)
    check_param("decline_ratio", decline_ratio, kind=(int, float), low=0)
    check_param("growth_ratio", growth_ratio, kind=(int, float), low=0)
    if decline_ratio >= growth_ratio:
        raise ParameterError(f"parameter 'decline_ratio' ({decline_ratio}) must be below "
                             f"growth_ratio ({growth_ratio}); otherwise decline and growth "
                             "overlap.")
    a = _panel(transactions, freq, as_of, customer_id, date, amount)
    counts, first, idx, last = a["counts"], a["first"][:, None], a["idx"], a["last"]
    cum = np.concatenate([np.zeros((len(counts), 1)), np.cumsum(counts, axis=1)], axis=1)
    tenure = idx - first + 1
    repeat_len = np.maximum(idx - first, 0)                 # periods f+1..t
    recent_len = np.minimum(window, repeat_len)
    early_len = repeat_len - recent_len
    take = np.take_along_axis
    c_now = cum[:, 1:]
    c_split = take(cum, np.clip(idx + 1 - recent_len, 0, cum.shape[1] - 1), axis=1)
    c_first = take(cum, np.minimum(first + 1, cum.shape[1] - 1), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recent_rate = np.where(recent_len > 0, (c_now - c_split) / recent_len, np.nan)
        early_rate = np.where(early_len > 0, (c_split - c_first) / early_len, np.nan)
    gap = idx - last
    trend = early_len >= min_history
    with np.errstate(invalid="ignore"):
        declining = trend & (recent_rate < decline_ratio * early_rate)
        growing = trend & (recent_rate > growth_ratio * early_rate)
    code = np.select(
        [gap >= lost_after, tenure <= explore_periods, declining,
         (tenure <= formation_periods) | growing],
        [4, 0, 3, 1], default=2)
    out = _long(a, {"purchases": counts, "spend": a["spend"], "tenure": tenure,
                    "periods_since_last": gap, "recent_rate": recent_rate,
                    "early_rate": early_rate})
    keep = idx >= first
    out["stage"] = pd.Categorical.from_codes(code[keep], categories=list(STAGES), ordered=True)
    out.attrs = {"freq": freq, "as_of": a["as_of"], "explore_periods": explore_periods,
                 "formation_periods": formation_periods, "window": window,
                 "min_history": min_history, "decline_ratio": decline_ratio,
                 "growth_ratio": growth_ratio, "lost_after": lost_after}
    return out


def recency_states(
    transactions: pd.DataFrame,
    freq: str = "M",
    as_of=None,
    *,
    max_recency: int = 5,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> pd.DataFrame:
    """Recency state of every customer in every period: the states of Pfeifer & Carraway (2000).

    State ``r`` in period *t* means the customer's latest purchase was in period
    ``t - r + 1``: state 1 = bought in this period, 2 = bought in the previous
    one, ... and ``max_recency`` = no purchase for ``max_recency - 1`` periods or
    more (the "former customer" state; in data a customer may come back from it).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (``customer_id``, ``date``, ``amount``).
    freq : str, default "M"
        Period length.
    as_of : date-like, optional
        Last date used (inclusive).
    max_recency : int, default 5
        Number of states (at least 2).
    customer_id, date, amount : str
        Column names.

    Returns
    -------
    DataFrame
        ``customer_id``, ``period``, ``purchases``, ``spend``, ``state`` (int, 1..max_recency).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1], "amount": [5.0, 7.0],
    ...                    "date": pd.to_datetime(["2024-01-10", "2024-03-10"])})
    >>> recency_states(tx, as_of="2024-06-30", max_recency=3)["state"].tolist()
    [1, 2, 1, 2, 3, 3]
    """
    check_param("max_recency", max_recency, kind=int, low=2)
    a = _panel(transactions, freq, as_of, customer_id, date, amount)
    state = np.minimum(a["idx"] - a["last"] + 1, max_recency)
    out = _long(a, {"purchases": a["counts"], "spend": a["spend"], "state": state})
    out.attrs = {"freq": freq, "as_of": a["as_of"], "max_recency": max_recency}
    return out


def current_stage(panel: pd.DataFrame, state: str = "stage") -> pd.Series:
    """Each customer's state in the last period of a panel.

    Parameters
    ----------
    panel : DataFrame
        From :func:`lifecycle_stages` or :func:`recency_states`.
    state : str
        The state column.

    Returns
    -------
    pandas.Series
        Indexed by ``customer_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"customer_id": [1, 1, 2], "period": [1, 2, 2], "stage": list("abc")})
    >>> current_stage(p).tolist()
    ['b', 'c']
    """
    check_columns(panel, ["customer_id", "period", state], "panel")
    last = panel.sort_values(["customer_id", "period"]).groupby("customer_id").tail(1)
    return last.set_index("customer_id")[state]


def stage_profiles(panel: pd.DataFrame, period=None) -> pd.DataFrame:
    """Size, revenue, mean spend and tenure per lifecycle stage.

    Parameters
    ----------
    panel : DataFrame
        From :func:`lifecycle_stages`.
    period : None, "last" or a period label
        ``None`` pools every customer-period; otherwise one period's snapshot.

    Returns
    -------
    DataFrame
        Indexed by stage: ``customer_periods``, ``customers`` (distinct),
        ``share`` (of customer-periods), ``revenue``, ``revenue_share``,
        ``mean_spend`` and ``mean_purchases`` (per customer-period),
        ``mean_tenure`` (periods), then ``stage_zh`` and ``strategy`` from
        :data:`STAGE_STRATEGIES`.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> st = lifecycle_stages(simulate_company(n_customers=200, seed=1).transactions)
    >>> prof = stage_profiles(st, period="last")
    >>> int(prof["customers"].sum()) == st["customer_id"].nunique()
    True
    """
    check_columns(panel, ["customer_id", "period", "stage", "spend", "purchases", "tenure"],
                  "panel", hint="Build it with crm_lab.lifecycle.lifecycle_stages.")
    p = panel
    if period is not None:
        if isinstance(period, str) and period == "last":
            label = p["period"].max()
        elif isinstance(period, str):
            try:
                label = pd.Period(period, freq=p["period"].dt.freq)
            except (ValueError, TypeError):
                label = period
        else:
            label = period
        p = p.loc[p["period"] == label]
        if len(p) == 0:
            raise ParameterError(f"parameter 'period' ({period!r}) is not a period of the panel; "
                                 f"pick one between {panel['period'].min()} and "
                                 f"{panel['period'].max()} or 'last'.")
    g = p.groupby("stage", observed=False)
    out = pd.DataFrame({
        "customer_periods": g.size(),
        "customers": g["customer_id"].nunique(),
        "revenue": g["spend"].sum(),
        "mean_spend": g["spend"].mean(),
        "mean_purchases": g["purchases"].mean(),
        "mean_tenure": g["tenure"].mean(),
    })
    out.insert(2, "share", out["customer_periods"] / out["customer_periods"].sum())
    out.insert(4, "revenue_share", out["revenue"] / out["revenue"].sum())
    out.index = pd.Index([str(s) for s in out.index], name="stage")
    return out.join(STAGE_STRATEGIES[["stage_zh", "strategy"]])
