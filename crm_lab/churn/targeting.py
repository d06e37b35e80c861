"""Value-based targeting: the profit of a retention offer, profit curves, and uplift.

A retention offer is worth making to a customer when

    P(churn) x P(offer works | would churn) x customer value  >  offer cost,

so the list to contact is ranked by expected profit, not by churn risk, and its length is
where the profit curve peaks, not where a 0.5 threshold says. Better still is to rank by
*uplift*, the change in behaviour the contact causes: a randomised campaign (treated vs
control) lets :class:`UpliftModel` estimate it, and Qini curves evaluate it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crm_lab.churn.features import DEMOGRAPHICS, churn_features
from crm_lab.churn.models import ChurnClassifier, _check_xy
from crm_lab.validate import DataError, check_columns, check_param, check_values

__all__ = ["expected_offer_profit", "profit_curve", "campaign_features", "UpliftModel",
           "qini_curve", "true_uplift_curve", "cross_predict_uplift", "compare_targeting",
           "UPLIFT_METHODS"]

UPLIFT_METHODS = ("two_model", "class_transformation")


def _offer_params(offer_cost, offer_success_rate) -> None:
    check_param("offer_cost", offer_cost, kind=(int, float), low=0,
                hint="The cost of one offer in currency units, e.g. 10.")
    check_param("offer_success_rate", offer_success_rate, kind=(int, float), low=0, high=1,
                hint="The share of would-be churners the offer keeps, e.g. 0.3.")


def expected_offer_profit(p_churn, value, *, offer_cost: float,
                          offer_success_rate: float) -> pd.Series:
    """Expected profit of a retention offer: P(churn) x P(offer works) x value - cost.

    Parameters
    ----------
    p_churn : array-like or Series
        Predicted probability of churn per customer.
    value : array-like or Series
        What keeping the customer is worth (e.g. a year of margin or the CLV).
    offer_cost : float
        Cost of making the offer to one customer.
    offer_success_rate : float in [0, 1]
        Share of would-be churners the offer keeps.

    Returns
    -------
    Series named ``expected_profit`` (index of ``p_churn`` if it is a Series).

    Examples
    --------
    >>> expected_offer_profit([0.5, 0.1], [200, 200], offer_cost=10,
    ...                       offer_success_rate=0.3).tolist()
    [20.0, -4.0]
    """
    _offer_params(offer_cost, offer_success_rate)
    p = check_values(p_churn, name="p_churn")
    v = check_values(value, name="value")
    if len(p) != len(v):
        raise DataError(f"value: {len(v):,} values for {len(p):,} churn probabilities.\n"
                        "How to fix: pass one value per customer, in the same order.")
    if (p > 1).any():
        raise DataError("p_churn: probabilities must lie in [0, 1].")
    out = p.to_numpy() * offer_success_rate * v.to_numpy() - offer_cost
    index = p_churn.index if isinstance(p_churn, pd.Series) else None
    return pd.Series(out, index=index, name="expected_profit")


def profit_curve(p_churn, value, *, offer_cost: float, offer_success_rate: float,
                 rank_by=None, churned=None) -> pd.DataFrame:
    """Cumulative profit of contacting the top ``n`` customers, for every ``n``.

    Parameters
    ----------
    p_churn, value, offer_cost, offer_success_rate
        As in :func:`expected_offer_profit`.
    rank_by : array-like, optional
        Order of contact (highest first); default the expected profit itself. Pass
        ``p_churn`` to see what ranking by risk alone earns.
    churned : array-like of bool, optional
        Observed churn: adds ``realised_profit`` (churners reached x success rate x value
        minus costs), the profit the campaign would have earned on these customers.

    Returns
    -------
    DataFrame
        Indexed by ``n_contacted`` (0..n): ``share_contacted``, ``expected_profit`` and
        ``realised_profit`` (if ``churned``). ``attrs["best_n"]`` is where expected profit
        peaks.

    Examples
    --------
    >>> c = profit_curve([0.5, 0.1, 0.3], [200, 200, 200], offer_cost=10,
    ...                  offer_success_rate=0.3)
    >>> c["expected_profit"].round(2).tolist(), c.attrs["best_n"]
    ([0.0, 20.0, 28.0, 24.0], 2)
    """
    gain = expected_offer_profit(p_churn, value, offer_cost=offer_cost,
                                 offer_success_rate=offer_success_rate).to_numpy()
    key = gain if rank_by is None else check_values(rank_by, name="rank_by",
                                                    allow_negative=True).to_numpy()
    if len(key) != len(gain):
        raise DataError("rank_by: one score per customer is needed.")
    order = np.argsort(-key, kind="stable")
    n = len(gain)
    out = pd.DataFrame({"share_contacted": np.arange(n + 1) / n,
                        "expected_profit": np.r_[0.0, np.cumsum(gain[order])]},
                       index=pd.RangeIndex(n + 1, name="n_contacted"))
    if churned is not None:
        y = np.asarray(churned, dtype=float)
        v = check_values(value, name="value").to_numpy()
        real = y * offer_success_rate * v - offer_cost
        out["realised_profit"] = np.r_[0.0, np.cumsum(real[order])]
    out.attrs["best_n"] = int(out["expected_profit"].to_numpy().argmax())
    return out


def campaign_features(contacts: pd.DataFrame, transactions: pd.DataFrame, *,
                      customers: pd.DataFrame | None = None,
                      complaints: pd.DataFrame | None = None,
                      campaigns=None) -> pd.DataFrame:
    """Features of each contacted customer as of the day before the campaign, plus outcome.

    Parameters
    ----------
    contacts : DataFrame
        Columns ``contact_id``, ``customer_id``, ``campaign``, ``date``, ``treated``,
        ``responded`` (the company's ``contacts`` table).
    transactions, customers, complaints : DataFrame
        As in :func:`crm_lab.churn.churn_features` (customers adds the demographics).
    campaigns : list of str, optional
        Which campaigns; default all.

    Returns
    -------
    DataFrame
        Indexed by ``contact_id``: ``customer_id``, ``campaign``, ``treated``,
        ``responded`` and the features. Contacts whose customer had no purchase before the
        campaign are left out with a warning.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(300, seed=1)
    >>> f = campaign_features(c.contacts, c.transactions, campaigns=["spring_sale"])
    >>> f["campaign"].unique().tolist()
    ['spring_sale']
    """
    need = ["contact_id", "customer_id", "campaign", "date", "treated", "responded"]
    check_columns(contacts, need, "contacts")
    names = list(pd.unique(contacts["campaign"])) if campaigns is None else list(campaigns)
    parts, lost = [], 0
    for name in names:
        rows = contacts.loc[contacts["campaign"] == name, need]
        if len(rows) == 0:
            check_param("campaigns", name, allowed=list(pd.unique(contacts["campaign"])))
        day = pd.Timestamp(pd.to_datetime(rows["date"]).min()) - pd.Timedelta(days=1)
        f = churn_features(transactions, day, complaints=complaints, customers=customers,
                           customer_features=DEMOGRAPHICS)
        joined = rows.drop(columns="date").join(f, on="customer_id", how="inner")
        lost += len(rows) - len(joined)
        parts.append(joined)
    if lost:
        warnings.warn(f"{lost:,} contact(s) left out: no purchase before their campaign.",
                      UserWarning, stacklevel=2)
    out = pd.concat(parts).set_index("contact_id").sort_index()
    out["treated"] = out["treated"].astype(bool)
    out["responded"] = out["responded"].astype(bool)
    return out


class UpliftModel:
    """Estimate the uplift of a contact, P(respond | treated) - P(respond | control).

    Parameters
    ----------
    method : {"two_model", "class_transformation"}
        ``two_model``: one response model per arm, uplift = the difference of their
        predictions. ``class_transformation`` (Jaskowski & Jaroszewicz 2012): one model of
        ``z = (treated == responded)``; with a 50/50 randomisation uplift = 2 P(z) - 1.
    model : str
        The :class:`ChurnClassifier` model used (``"boosting"``, ``"logistic"``, ...).
    n_estimators, max_depth, learning_rate : as in :class:`ChurnClassifier`
    seed : int

    Attributes
    ----------
    models_ : dict of fitted ChurnClassifier
    treated_share_ : float

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=2000)})
    >>> t = rng.random(2000) < 0.5
    >>> y = rng.random(2000) < 0.2 + 0.2 * t * (X["x"] > 0)
    >>> u = UpliftModel(model="logistic").fit(X, t, y).predict_uplift(X)
    >>> bool(u[X["x"] > 1].mean() > u[X["x"] < -1].mean())
    True
    """

    def __init__(self, method: str = "two_model", model: str = "boosting",
                 n_estimators: int = 100, max_depth: int = 3, learning_rate: float = 0.1,
                 seed: int = 0):
        self.method = method
        self.model = model
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.seed = seed

    def _clf(self) -> ChurnClassifier:
        return ChurnClassifier(self.model, n_estimators=self.n_estimators,
                               max_depth=self.max_depth, learning_rate=self.learning_rate,
                               seed=self.seed)

    def fit(self, X: pd.DataFrame, treated, responded) -> UpliftModel:
        """Fit on a randomised campaign: features, treatment flag and response."""
        check_param("method", self.method, allowed=UPLIFT_METHODS)
        X, y = _check_xy(X, responded)
        t = np.asarray(treated, dtype=bool)
        if len(t) != len(X) or t.all() or not t.any():
            raise DataError("treated: one flag per row is needed, with treated and control "
                            "customers.\nHow to fix: pass the campaign's randomised flag.")
        self.treated_share_ = float(t.mean())
        if self.method == "two_model":
            self.models_ = {"treated": self._clf().fit(X.loc[t], y[t]),
                            "control": self._clf().fit(X.loc[~t], y[~t])}
        else:
            if abs(self.treated_share_ - 0.5) > 0.05:
                warnings.warn(f"class transformation assumes a 50/50 split; the treated share "
                              f"is {self.treated_share_:.1%}.", RuntimeWarning, stacklevel=2)
            self.models_ = {"z": self._clf().fit(X, y == t)}
        return self

    def predict_uplift(self, X: pd.DataFrame) -> pd.Series:
        """Estimated uplift per row of ``X``."""
        if self.method == "two_model":
            u = (self.models_["treated"].predict_proba(X)[:, 1]
                 - self.models_["control"].predict_proba(X)[:, 1])
        else:
            u = 2 * self.models_["z"].predict_proba(X)[:, 1] - 1
        return pd.Series(u, index=X.index, name="uplift")


def _ranked(score, n_points: int):
    s = check_values(score, name="score", allow_negative=True).to_numpy()
    check_param("n_points", n_points, kind=int, low=2)
    order = np.argsort(-s, kind="stable")
    cuts = np.round(np.linspace(0, 1, n_points) * len(s)).astype(int)
    return order, cuts


def qini_curve(responded, treated, score, n_points: int = 101) -> pd.DataFrame:
    """Qini curve: incremental responders when targeting the top share by ``score``.

    ``incremental(k) = R_t(k) - R_c(k) * N_t(k) / N_c(k)`` over the top ``k`` customers
    (Radcliffe 2007); a random ranking gives the straight line to the overall difference.

    Returns
    -------
    DataFrame: ``share_targeted``, ``incremental``, ``random``.

    Examples
    --------
    >>> q = qini_curve([1, 0, 0, 0], [True, False, True, False], [0.9, 0.5, 0.4, 0.1], 3)
    >>> q["incremental"].tolist()
    [0.0, 1.0, 1.0]
    """
    y = np.asarray(responded, dtype=float)
    t = np.asarray(treated, dtype=bool)
    order, cuts = _ranked(score, n_points)
    rt = np.r_[0, np.cumsum((y * t)[order])]
    rc = np.r_[0, np.cumsum((y * ~t)[order])]
    nt = np.r_[0, np.cumsum(t[order])]
    nc = np.r_[0, np.cumsum(~t[order])]
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = rt - np.where(nc > 0, rc * nt / np.maximum(nc, 1), 0.0)
    share = cuts / len(y)
    return pd.DataFrame({"share_targeted": share, "incremental": inc[cuts],
                         "random": share * inc[-1]})


def true_uplift_curve(true_uplift, score, n_points: int = 101) -> pd.DataFrame:
    """Expected extra responders (sum of the *true* uplift) when treating the top share.

    Only a simulation knows the truth; this is how the chapter scores each ranking.

    Examples
    --------
    >>> true_uplift_curve([0.3, -0.1, 0.1], [3, 1, 2], n_points=4)["extra"].round(2).tolist()
    [0.0, 0.3, 0.4, 0.3]
    """
    u = check_values(true_uplift, name="true_uplift", allow_negative=True).to_numpy()
    order, cuts = _ranked(score, n_points)
    cum = np.r_[0.0, np.cumsum(u[order])]
    return pd.DataFrame({"share_targeted": cuts / len(u), "extra": cum[cuts]})


def compare_targeting(true_uplift, scores: dict, shares=(0.1, 0.2, 0.3, 0.5)) -> pd.DataFrame:
    """Expected extra responders from treating the top share under each ranking.

    Adds the ``oracle`` row (ranked by the true uplift itself) and each ranking's share of
    the oracle's gain.

    Parameters
    ----------
    true_uplift : array-like
        The simulator's uplift per contact.
    scores : dict of name -> array-like
        Rankings to compare (churn risk, response probability, estimated uplift, ...).
    shares : sequence of float

    Returns
    -------
    DataFrame: one row per ranking; columns ``top_<s>%`` (extra responders) and
    ``top_<s>%_of_oracle``.

    Examples
    --------
    >>> t = compare_targeting([0.3, -0.1, 0.1, 0.0], {"good": [4, 1, 3, 2]}, shares=(0.5,))
    >>> t.loc["good", "top_50%_of_oracle"].item()
    1.0
    """
    u = check_values(true_uplift, name="true_uplift", allow_negative=True).to_numpy()
    rows = {}
    for name, sc in {**scores, "oracle": u}.items():
        curve = true_uplift_curve(u, sc, n_points=len(u) + 1)
        rows[name] = {f"top_{s:.0%}": float(np.interp(s, curve["share_targeted"],
                                                     curve["extra"])) for s in shares}
    out = pd.DataFrame.from_dict(rows, orient="index")
    for c in list(out.columns):
        out[f"{c}_of_oracle"] = out[c] / out.loc["oracle", c]
    out.index.name = "ranking"
    return out


def cross_predict_uplift(model: UpliftModel, X: pd.DataFrame, treated, responded, *,
                         n_splits: int = 2, seed: int = 0) -> pd.Series:
    """Out-of-fold uplift: each row scored by a model fitted on the other folds.

    Scoring the customers a model was fitted on flatters it; use this to compare rankings.
    Folds are stratified by arm and response.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=1000)})
    >>> t = rng.random(1000) < 0.5
    >>> y = rng.random(1000) < 0.2 + 0.2 * t * (X["x"] > 0)
    >>> u = cross_predict_uplift(UpliftModel(model="logistic"), X, t, y)
    >>> u.shape
    (1000,)
    """
    from sklearn.model_selection import StratifiedKFold

    check_param("n_splits", n_splits, kind=int, low=2)
    X, y = _check_xy(X, responded)
    t = np.asarray(treated, dtype=bool)
    strata = 2 * t + y
    out = np.full(len(X), np.nan)
    for tr, te in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, strata):
        m = UpliftModel(**{k: getattr(model, k) for k in ("method", "model", "n_estimators",
                                                          "max_depth", "learning_rate", "seed")})
        m.fit(X.iloc[tr], t[tr], y[tr])
        out[te] = m.predict_uplift(X.iloc[te]).to_numpy()
    return pd.Series(out, index=X.index, name="uplift")
