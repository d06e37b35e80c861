"""Win-back: sort lost customers by former value and reason, and decide whom to court.

The textbook's rule: not every lost customer is worth winning back. A high-value customer
lost through the company's own failure (internal churn) is the best prospect; a low-value
customer whose needs changed (natural churn) rarely pays back the offer; a malicious one
never does. :func:`winback_offers` turns that into numbers: expected value of an offer =
P(win back | reason) x value if won back - offer cost, and makes the offer when positive.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lab.validate import DataError, check_param, check_values

__all__ = ["DEFAULT_WIN_RATES", "value_tiers", "winback_offers", "winback_summary"]

#: Assumed chances that a win-back offer succeeds, by kind of churn (state your own).
DEFAULT_WIN_RATES = {"internal": 0.25, "competitive": 0.15, "natural": 0.05, "malicious": 0.0}


def value_tiers(value, n_tiers: int = 3) -> pd.Series:
    """Former value in equal-size tiers: ``low``, ``medium``, ``high`` (for three tiers).

    Examples
    --------
    >>> value_tiers([1, 5, 9, 2, 8, 4]).tolist()
    ['low', 'medium', 'high', 'low', 'high', 'medium']
    """
    v = check_values(value, name="value")
    check_param("n_tiers", n_tiers, kind=int, low=2, high=10)
    names = ["low", "medium", "high"] if n_tiers == 3 else [f"tier_{k + 1}" for k in
                                                            range(n_tiers)]
    ranks = v.rank(method="first").to_numpy()
    codes = np.minimum(((ranks - 1) * n_tiers / len(v)).astype(int), n_tiers - 1)
    index = value.index if isinstance(value, pd.Series) else None
    return pd.Series(pd.Categorical.from_codes(codes, names, ordered=True), index=index,
                     name="value_tier")


def winback_offers(value, kind, *, offer_cost: float,
                   win_rates: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Expected value of a win-back offer to each lost customer, and the decision.

    Parameters
    ----------
    value : Series or array-like
        What the customer is worth if won back (e.g. a year of margin).
    kind : Series or array-like of str
        Kind of churn per customer (``internal``, ``competitive``, ``natural``,
        ``malicious``; see :func:`crm_lab.churn.churn_kinds`).
    offer_cost : float
        Cost of one offer (discount plus contact).
    win_rates : mapping, optional
        P(win back) by kind; default :data:`DEFAULT_WIN_RATES` (assumptions: replace them
        with the rates of your own past win-back campaigns).

    Returns
    -------
    DataFrame
        ``value``, ``kind``, ``value_tier``, ``p_win``, ``expected_value`` (= p_win x value -
        offer_cost) and ``offer`` (expected value > 0).

    Examples
    --------
    >>> w = winback_offers([300, 300, 40], ["internal", "natural", "internal"], offer_cost=20)
    >>> w[["expected_value", "offer"]].values.tolist()
    [[55.0, True], [-5.0, False], [-10.0, False]]
    """
    check_param("offer_cost", offer_cost, kind=(int, float), low=0)
    rates = dict(DEFAULT_WIN_RATES if win_rates is None else win_rates)
    for k, r in rates.items():
        check_param(f"win_rates[{k!r}]", r, kind=(int, float), low=0, high=1)
    v = check_values(value, name="value")
    kinds = pd.Series(np.asarray(kind, dtype=object), index=v.index)
    if len(kinds) != len(v):
        raise DataError("kind: one kind of churn per lost customer is needed.")
    unknown = sorted(set(kinds) - set(rates))
    if unknown:
        raise DataError(f"kind: no win rate for {unknown}.\nHow to fix: add them to win_rates, "
                        f"e.g. win_rates={{**DEFAULT_WIN_RATES, {unknown[0]!r}: 0.1}}.")
    p = kinds.map(rates).astype(float)
    out = pd.DataFrame({"value": v, "kind": kinds, "value_tier": value_tiers(v).to_numpy(),
                        "p_win": p, "expected_value": p * v - offer_cost})
    out["offer"] = out["expected_value"] > 0
    if isinstance(value, pd.Series):
        out.index = value.index
    return out


def winback_summary(offers: pd.DataFrame) -> pd.DataFrame:
    """Lost customers by value tier and kind: count, mean value, share offered, total value.

    Examples
    --------
    >>> w = winback_offers([300, 300, 40], ["internal", "natural", "internal"], offer_cost=20)
    >>> int(winback_summary(w)["n_customers"].sum())
    3
    """
    g = offers.groupby(["value_tier", "kind"], observed=True)
    out = g.agg(n_customers=("value", "size"), mean_value=("value", "mean"),
                share_offered=("offer", "mean"),
                expected_value=("expected_value", lambda s: s.clip(lower=0).sum()))
    return out
