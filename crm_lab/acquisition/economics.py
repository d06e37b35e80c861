"""Acquisition economics: CAC, CLV : CAC, payback, budget split with diminishing returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.acquisition._common import (
    _bool_column,
)
from crm_lab.validate import (
    DataError,
    check_columns,
    check_param,
    check_sequence,
)

__all__ = [
    "channel_economics", "true_cac", "Allocation", "allocate_budget", "allocation_sensitivity",
]

# ----------------------------------------------------------------------------- 2. economics


def channel_economics(contacts: pd.DataFrame, clv=None, *, horizon_months: float = 12.0,
                      channel: str = "channel", cost: str = "cost",
                      responded: str = "responded") -> pd.DataFrame:
    """Cost per acquired customer (CAC), CLV : CAC and payback period by channel.

    Parameters
    ----------
    contacts : DataFrame
        One row per campaign contact with ``channel``, ``cost`` and ``responded``.
    clv : Series, float or None
        Customer value (margin over ``horizon_months``) per channel (a Series indexed by
        channel, e.g. ``value_by_channel(...)["clv"]``) or one value for all. ``None``: only
        the cost side.
    horizon_months : float
        The period ``clv`` covers; payback assumes the margin arrives evenly over it.
    channel, cost, responded : str
        Column names.

    Returns
    -------
    DataFrame
        Indexed by channel: ``contacts``, ``spend``, ``cost_per_contact``, ``customers``,
        ``response_rate``, ``cac``, and with ``clv``: ``clv``, ``clv_to_cac``,
        ``profit_per_customer`` and ``payback_months`` (NaN beyond the horizon).

    Examples
    --------
    >>> c = pd.DataFrame({"channel": ["a"] * 10 + ["b"] * 10, "cost": [1.0] * 10 + [3.0] * 10,
    ...                   "responded": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] * 2})
    >>> channel_economics(c, clv=60.0)[["cac", "clv_to_cac", "payback_months"]]
    ... # doctest: +NORMALIZE_WHITESPACE
              cac  clv_to_cac  payback_months
    channel
    a        10.0         6.0             2.0
    b        30.0         2.0             6.0
    """
    check_columns(contacts, [channel, cost, responded], "contacts")
    check_param("horizon_months", horizon_months, kind=float, low=1e-9)
    spend = pd.to_numeric(contacts[cost], errors="coerce")
    if spend.isna().any() or (spend < 0).any():
        raise DataError(f"contacts[{cost!r}]: costs must be numbers >= 0 "
                        f"({int(spend.isna().sum())} missing or not numbers, "
                        f"{int((spend < 0).sum())} negative).\nHow to fix: clean the cost column.")
    df = pd.DataFrame({"channel": contacts[channel].astype(str).to_numpy(),
                       "spend": spend.to_numpy(float),
                       "resp": _bool_column(contacts, responded, "contacts")})
    out = df.groupby("channel").agg(contacts=("resp", "size"), spend=("spend", "sum"),
                                    customers=("resp", "sum"))
    out["cost_per_contact"] = out["spend"] / out["contacts"]
    out["response_rate"] = out["customers"] / out["contacts"]
    out["cac"] = out["spend"] / out["customers"].where(out["customers"] > 0)
    out = out[["contacts", "spend", "cost_per_contact", "customers", "response_rate", "cac"]]
    if clv is None:
        return out
    if isinstance(clv, pd.Series):
        value = clv.reindex(out.index).astype(float)
        if value.isna().any():
            raise DataError(f"clv: no value for channel(s) {list(value.index[value.isna()])}."
                            "\nHow to fix: give a value for every channel, or one number.")
    else:
        check_param("clv", clv, kind=float, low=0.0)
        value = pd.Series(float(clv), index=out.index)
    out["clv"] = value
    out["clv_to_cac"] = out["clv"] / out["cac"]
    out["profit_per_customer"] = out["clv"] - out["cac"]
    pay = out["cac"] / (out["clv"] / horizon_months)
    out["payback_months"] = pay.where(pay <= horizon_months)
    return out.sort_values("clv_to_cac", ascending=False)


def true_cac(truth) -> pd.Series:
    """The simulator's expected cost per acquired customer by channel (``truth.acquisition``)."""
    ch = truth.acquisition["channels"]
    return pd.Series({c: v["cost_per_acquired_customer"] for c, v in ch.items()}, name="cac")


@dataclass
class Allocation:
    """A budget split across channels with diminishing returns (see :func:`allocate_budget`)."""

    table: pd.DataFrame
    budget: float
    elasticity: float
    alternatives: pd.DataFrame = field(repr=False)
    best_budget: float = float("nan")

    def summary(self) -> pd.DataFrame:
        """Customers, value and profit of the optimal split against simpler rules."""
        return self.alternatives


def _response(spend, base_spend, base_customers, elasticity):
    return base_customers * (np.asarray(spend, float) / base_spend) ** elasticity


def allocate_budget(economics: pd.DataFrame, budget: float, *,
                    elasticity: float = 0.6) -> Allocation:
    """Split an acquisition budget across channels to maximise the value of new customers.

    Each channel's customers grow with spend with diminishing returns, anchored at what the
    channel did at its current spend: ``customers(s) = customers_now * (s / spend_now) **
    elasticity``. The value ``clv * customers(s)`` summed over channels is maximised for
    ``sum(s) = budget`` where every channel's marginal value per unit spent is equal:
    ``s_c`` proportional to ``(clv_c * customers_c / spend_c ** elasticity) ** (1 / (1 -
    elasticity))``.

    Parameters
    ----------
    economics : DataFrame
        From :func:`channel_economics` with ``clv`` (channels with customers and value).
    budget : float
        Total spend to split.
    elasticity : float in (0, 1)
        Of customers with respect to spend; 1 would be constant returns (all to one channel).

    Returns
    -------
    Allocation
        ``table`` per channel: ``spend_now``, ``customers_now``, ``spend``, ``share``,
        ``customers``, ``average_cac``, ``marginal_cac``, ``value``; ``summary()`` compares the
        optimum with spending in proportion to today and with putting it all into the
        cheapest channel (lowest CAC). ``best_budget`` is the budget at which one more unit
        spent (optimally split) brings exactly one unit of value: the profit-maximising
        budget. With this response shape the *shares* do not depend on the budget, only on
        the elasticity; the budget moves the customers, the value and the profit.

    Examples
    --------
    >>> e = pd.DataFrame({"spend": [100.0, 100.0], "customers": [10.0, 10.0],
    ...                   "cac": [10.0, 10.0], "clv": [40.0, 20.0]}, index=["a", "b"])
    >>> a = allocate_budget(e, 300.0, elasticity=0.5)
    >>> a.table["share"].round(2).tolist()
    [0.8, 0.2]
    """
    check_columns(economics, ["spend", "customers", "cac", "clv"], "economics",
                  hint="Build it with channel_economics(contacts, clv=...).")
    check_param("budget", budget, kind=float, low=1e-9, hint="Total acquisition spend.")
    check_param("elasticity", elasticity, kind=float, low=0.05, high=0.95,
                hint="Between 0 (spend buys nothing more) and 1 (constant returns).")
    e = economics[(economics["customers"] > 0) & (economics["spend"] > 0)
                  & economics["clv"].notna()]
    if e.empty:
        raise DataError("economics: no channel with spend, customers and a value.\nHow to fix: "
                        "pass channel_economics(...) with clv= for the paid channels.")
    s0, n0, v = (e[c].to_numpy(float) for c in ("spend", "customers", "clv"))
    w = (v * n0 / s0 ** elasticity) ** (1 / (1 - elasticity))
    spend = budget * w / w.sum()

    def evaluate(sp):
        n = _response(sp, s0, n0, elasticity)
        return n, v * n

    n, val = evaluate(spend)
    table = pd.DataFrame({"spend_now": s0, "customers_now": n0, "spend": spend,
                          "share": spend / budget, "customers": n,
                          "average_cac": spend / n,
                          "marginal_cac": spend / (elasticity * n), "value": val},
                         index=e.index)
    rules = {"optimal": spend, "as today": budget * s0 / s0.sum(),
             "cheapest channel only": budget * (np.arange(len(e)) == np.argmin(e["cac"]))}
    rows = {}
    for name, sp in rules.items():
        nn, vv = evaluate(sp)
        rows[name] = {"customers": nn.sum(), "value": vv.sum(), "profit": vv.sum() - budget}
    alt = pd.DataFrame.from_dict(rows, orient="index")
    alt.index.name = "rule"
    # value(B) = C * B ** elasticity on the optimal path; d value / dB = 1 at the best budget
    c = val.sum() / budget ** elasticity
    best = (elasticity * c) ** (1 / (1 - elasticity))
    return Allocation(table=table, budget=float(budget), elasticity=float(elasticity),
                      alternatives=alt, best_budget=float(best))


def allocation_sensitivity(economics: pd.DataFrame, budgets: Sequence[float],
                           elasticities: Sequence[float] = (0.4, 0.6, 0.8)) -> pd.DataFrame:
    """Share of the budget per channel over a grid of budgets and elasticities.

    Returns
    -------
    DataFrame with ``budget``, ``elasticity``, ``channel``, ``share``, ``customers``,
    ``value``, ``profit`` (of the whole split).

    Examples
    --------
    >>> e = pd.DataFrame({"spend": [100.0, 100.0], "customers": [10.0, 10.0],
    ...                   "cac": [10.0, 10.0], "clv": [40.0, 20.0]}, index=["a", "b"])
    >>> allocation_sensitivity(e, [300.0], [0.5]).shape
    (2, 7)
    """
    budgets = check_sequence("budgets", budgets, low=1e-9)
    elasticities = check_sequence("elasticities", elasticities, low=0.05, high=0.95)
    rows = []
    for b in budgets:
        for el in elasticities:
            a = allocate_budget(economics, float(b), elasticity=float(el))
            for ch, r in a.table.iterrows():
                rows.append({"budget": float(b), "elasticity": float(el), "channel": ch,
                             "share": r["share"], "customers": r["customers"],
                             "value": r["value"], "profit": a.table["value"].sum() - b})
    return pd.DataFrame(rows)
