"""Whom to contact: campaign table, response and look-alike models, depth of mailing."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_lab.acquisition._common import (
    CATEGORICAL,
    DEMOGRAPHICS,
    NUMERIC,
    _bool_column,
    _check_predictors,
    _design,
    _z,
)
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
)

__all__ = [
    "campaign_table", "split_sample", "ResponseModel", "response_truth",
    "true_response_probability", "response_lift", "LookalikeModel", "break_even_rate",
    "MailingPlan", "mailing_depth",
]

# ----------------------------------------------------------------------------- 3. targeting


def campaign_table(contacts: pd.DataFrame, prospects: pd.DataFrame | None = None, *,
                   prospect_id: str = "prospect_id", channel: str = "channel",
                   cost: str = "cost", responded: str = "responded",
                   features: Sequence[str] = DEMOGRAPHICS,
                   group: str | None = None) -> pd.DataFrame:
    """One checked row per campaign contact, with the prospect's features.

    Parameters
    ----------
    contacts : DataFrame
        One row per contact: ``prospect_id``, ``channel``, ``cost``, ``responded`` (the
        module docstring has the schema of a campaign CSV).
    prospects : DataFrame, optional
        One row per prospect with ``prospect_id`` and the ``features`` (the simulated
        company's ``prospects``); without it the features must be columns of ``contacts``.
    prospect_id, channel, cost, responded : str
        Your column names.
    features : sequence of str
        Predictor columns carried along (checked present, no NaN).
    group : str, optional
        Column with the arm of a randomised test, renamed to ``group``.

    Returns
    -------
    DataFrame
        Columns ``prospect_id``, ``channel``, ``cost``, ``responded`` (bool), the features and
        ``group`` if given, in the input's row order.

    Examples
    --------
    >>> c = pd.DataFrame({"pid": [1, 2], "medium": ["search", "social"], "cost": [1.5, 0.4],
    ...                   "converted": [1, 0], "age": [30, 50]})
    >>> campaign_table(c, prospect_id="pid", channel="medium", responded="converted",
    ...                features=["age"])["responded"].tolist()
    [True, False]
    """
    names = {prospect_id: "prospect_id", channel: "channel", cost: "cost",
             responded: "responded"}
    if group is not None:
        names[group] = "group"
    check_columns(contacts, list(names), "contacts")
    df = contacts.rename(columns=names)
    features = list(features)
    if prospects is not None:
        check_columns(prospects, [prospect_id, *features], "prospects")
        p = prospects.rename(columns={prospect_id: "prospect_id"})
        if p["prospect_id"].duplicated().any():
            raise DataError("prospects['prospect_id']: duplicated ids.\nHow to fix: keep one "
                            "row per prospect.")
        df = df[[c for c in df.columns if c not in features]].merge(
            p[["prospect_id", *features]], on="prospect_id", how="left", validate="m:1")
    check_columns(df, features, "contacts", hint="Or pass prospects= with those columns.")
    for col in ["prospect_id", "channel", *features]:
        n = int(df[col].isna().sum())
        if n:
            raise DataError(f"contacts[{col!r}]: {n:,} missing values.\nHow to fix: fill or "
                            f"drop them explicitly, e.g. df.dropna(subset=[{col!r}]).")
    c = pd.to_numeric(df["cost"], errors="coerce")
    if c.isna().any() or (c < 0).any():
        raise DataError(f"contacts[{cost!r}]: costs must be numbers >= 0 ("
                        f"{int(c.isna().sum())} missing or text, {int((c < 0).sum())} "
                        "negative).\nHow to fix: clean the cost column.")
    out = pd.DataFrame({"prospect_id": df["prospect_id"].to_numpy(),
                        "channel": df["channel"].astype(str).to_numpy(),
                        "cost": c.to_numpy(float),
                        "responded": _bool_column(df, "responded", "contacts")})
    for f in features:
        out[f] = df[f].to_numpy()
    if group is not None:
        out["group"] = df["group"].astype(str).to_numpy()
    return out


def split_sample(frame: pd.DataFrame, test_share: float = 0.3, *,
                 seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A random (seeded) split into a training and a test part.

    Examples
    --------
    >>> a, b = split_sample(pd.DataFrame({"x": range(10)}), 0.3, seed=0)
    >>> len(a), len(b)
    (7, 3)
    """
    check_param("test_share", test_share, kind=float, low=0.05, high=0.95)
    check_param("seed", seed, kind=int, low=0)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(frame), bool)
    test[rng.permutation(len(frame))[:int(round(test_share * len(frame)))]] = True
    return frame[~test], frame[test]


class ResponseModel:
    """Logistic response model with one intercept per channel (group).

    ``logit P(respond) = intercept[channel] + sum of coefficients * predictors``, fitted by
    maximum likelihood (statsmodels ``Logit``). The default predictors code the prospect as
    the simulated company does (age per 10 years from 42; income, city-tier and gender
    dummies with references low, 2, female), so the estimates compare with
    ``truth.acquisition["coefficients"]`` directly.

    Parameters
    ----------
    numeric : dict, optional
        ``name: (column, centre, scale)``; default :data:`NUMERIC`.
    categorical : dict, optional
        ``column: reference level``; default :data:`CATEGORICAL`.
    group : str or None, default "channel"
        Column with one intercept per level; ``None`` for a single ``intercept``.

    Attributes
    ----------
    params_, bse_ : Series
        Coefficients and standard errors.
    cov_ : DataFrame
        Covariance matrix of the coefficients.
    groups_, levels_ : list, dict
    converged_ : bool
    n_obs_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n = 20_000
    >>> df = pd.DataFrame({"x": rng.normal(size=n), "channel": rng.choice(["a", "b"], n)})
    >>> lin = np.where(df["channel"] == "a", -1.0, 0.0) + 0.8 * df["x"]
    >>> df["responded"] = rng.random(n) < 1 / (1 + np.exp(-lin))
    >>> m = ResponseModel(numeric={"x": ("x", 0.0, 1.0)}, categorical={}).fit(df)
    >>> (m.params_.round(1) + 0.0).tolist()
    [-1.0, 0.0, 0.8]
    """

    def __init__(self, numeric: Mapping | None = None, categorical: Mapping | None = None,
                 group: str | None = "channel"):
        self.numeric = dict(NUMERIC) if numeric is None else dict(numeric)
        self.categorical = dict(CATEGORICAL) if categorical is None else dict(categorical)
        self.group = group

    def _x(self, df: pd.DataFrame) -> pd.DataFrame:
        return _design(df, self.numeric, self.categorical, self.levels_, self.group,
                       self.groups_)

    def fit(self, frame: pd.DataFrame, y=None) -> ResponseModel:
        """Fit on ``frame`` (with ``responded``, or the labels ``y``)."""
        import statsmodels.api as sm

        extra = [] if self.group is None else [self.group]
        _check_predictors(frame, self.numeric, self.categorical, "frame",
                          extra + ([] if y is not None else ["responded"]))
        yy = np.asarray(y, bool) if y is not None else _bool_column(frame, "responded", "frame")
        if yy.sum() < 5 or (~yy).sum() < 5:
            raise DataError(f"responded: {int(yy.sum())} responders and {int((~yy).sum())} "
                            "non-responders; the model needs at least 5 of each.\nHow to fix: "
                            "use a larger campaign.")
        self.groups_ = [] if self.group is None else sorted(frame[self.group].astype(str)
                                                            .unique())
        self.levels_ = {}
        for col, ref in self.categorical.items():
            levs = sorted(frame[col].astype(str).unique())
            if str(ref) not in levs:
                raise ParameterError(f"parameter 'categorical': reference {ref!r} of {col!r} "
                                     f"does not occur; the levels are {levs}.")
            self.levels_[col] = [lv for lv in levs if lv != str(ref)]
        x = self._x(frame)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.Logit(yy.astype(float), x).fit(disp=0, maxiter=200)
        self.converged_ = bool(res.mle_retvals.get("converged", True))
        if not self.converged_:
            warnings.warn("ResponseModel: the fit did not converge; the estimates are not "
                          "reliable (too few responders or a perfectly separating predictor?).",
                          RuntimeWarning, stacklevel=2)
        self.params_, self.bse_, self.cov_ = res.params, res.bse, res.cov_params()
        self.n_obs_ = len(frame)
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of response of each row of ``frame``."""
        extra = [] if self.group is None else [self.group]
        _check_predictors(frame, self.numeric, self.categorical, "frame", extra)
        lin = self._x(frame).to_numpy() @ self.params_.to_numpy()
        return 1 / (1 + np.exp(-lin))

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals ``ci_low``, ``ci_high`` of the coefficients."""
        z = _z(alpha)
        return pd.DataFrame({"ci_low": self.params_ - z * self.bse_,
                             "ci_high": self.params_ + z * self.bse_})

    def summary(self) -> pd.DataFrame:
        """Coefficient, standard error, interval and odds ratio per term."""
        out = pd.DataFrame({"coef": self.params_, "se": self.bse_}).join(self.conf_int())
        out["odds_ratio"] = np.exp(out["coef"])
        out.index.name = "term"
        return out


def response_truth(model: ResponseModel, truth, alpha: float = 0.05) -> pd.DataFrame:
    """The fitted response model beside the simulator's (``truth.acquisition``).

    Returns
    -------
    DataFrame indexed by ``term``: ``true``, ``coef``, ``se``, ``ci_low``, ``ci_high``,
    ``z`` (estimate minus truth in standard errors) and ``covered``.
    """
    acq = truth.acquisition
    true = {f"intercept[{c}]": v["intercept"] for c, v in acq["channels"].items()}
    true.update(acq["coefficients"])
    s = model.summary() if alpha == 0.05 else model.summary().drop(
        columns=["ci_low", "ci_high"]).join(model.conf_int(alpha))
    s = s.loc[[t for t in s.index if t in true]]
    out = pd.DataFrame({"true": pd.Series(true)}).join(s[["coef", "se", "ci_low", "ci_high"]],
                                                        how="inner")
    out["z"] = (out["coef"] - out["true"]) / out["se"]
    out["covered"] = (out["ci_low"] <= out["true"]) & (out["true"] <= out["ci_high"])
    out.index.name = "term"
    return out


def true_response_probability(campaign: pd.DataFrame, truth) -> np.ndarray:
    """The simulator's response probability of each contact of :func:`campaign_table`."""
    acq = truth.acquisition
    icpt = {c: v["intercept"] for c, v in acq["channels"].items()}
    m = ResponseModel()
    m.groups_ = list(icpt)
    m.levels_ = {"income_band": ["middle", "high"], "city_tier": ["1", "3"],
                 "gender": ["male"]}
    m.params_ = pd.Series({**{f"intercept[{c}]": v for c, v in icpt.items()},
                           **acq["coefficients"]})
    m.params_ = m.params_[m._x(campaign.iloc[:1]).columns]
    return m.predict_proba(campaign)


def response_lift(responded, score, n_bins: int = 10) -> pd.DataFrame:
    """Responders per bin of contacts ranked by score, with lift and gains.

    :func:`crm_lab.churn.lift_table` with the columns named for responses
    (``n_responders``, ``response_rate``, ``lift``, ``gains`` ...).

    Examples
    --------
    >>> response_lift([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], n_bins=2)["lift"].tolist()
    [1.0, 1.0]
    """
    from crm_lab.churn import lift_table

    t = lift_table(np.asarray(responded, float), np.asarray(score, float), n_bins=n_bins)
    return t.rename(columns={"n_customers": "n_contacts", "n_churners": "n_responders",
                             "churn_rate": "response_rate", "cum_customers": "cum_contacts",
                             "cum_churners": "cum_responders"})


class LookalikeModel:
    """Score prospects by how much they resemble the best current customers.

    The best customers are the ``top_share`` with the highest ``value``; a logistic model of
    *best* against the other customers on the features prospects also have (demographics)
    gives every prospect a look-alike score ``P(best | features)``.

    Parameters
    ----------
    top_share : float
        Share of customers called *best*.
    numeric, categorical : dict, optional
        Predictors as in :class:`ResponseModel`.

    Attributes
    ----------
    model_ : ResponseModel
    threshold_ : float
        The value that makes a customer *best*.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cu = pd.DataFrame({"x": rng.normal(size=500)})
    >>> value = np.exp(cu["x"] + rng.normal(size=500))
    >>> m = LookalikeModel(numeric={"x": ("x", 0.0, 1.0)}, categorical={}).fit(cu, value)
    >>> bool(m.model_.params_["x"] > 0)
    True
    """

    def __init__(self, top_share: float = 0.2, numeric: Mapping | None = None,
                 categorical: Mapping | None = None):
        self.top_share = top_share
        self.numeric, self.categorical = numeric, categorical

    def fit(self, customers: pd.DataFrame, value) -> LookalikeModel:
        """Fit on the customers' features and their ``value`` (aligned by position)."""
        check_param("top_share", self.top_share, kind=float, low=0.01, high=0.5)
        v = np.asarray(value, float)
        if len(v) != len(customers) or np.isnan(v).any():
            raise DataError(f"value: {len(v)} values without NaN needed for {len(customers)} "
                            "customers.\nHow to fix: align value with customers first.")
        self.threshold_ = float(np.quantile(v, 1 - self.top_share))
        best = v >= self.threshold_
        self.model_ = ResponseModel(self.numeric, self.categorical, group=None).fit(customers,
                                                                                   best)
        return self

    def score(self, prospects: pd.DataFrame) -> np.ndarray:
        """Look-alike score of each prospect (higher = more like the best customers)."""
        return self.model_.predict_proba(prospects)


def break_even_rate(cost_per_contact: float, margin_per_response: float) -> float:
    """The response rate at which a contact pays for itself: cost / margin per response.

    Examples
    --------
    >>> break_even_rate(1.0, 40.0)
    0.025
    """
    check_param("cost_per_contact", cost_per_contact, kind=float, low=0.0)
    check_param("margin_per_response", margin_per_response, kind=float, low=1e-9,
                hint="The margin a responder brings, in money (> 0).")
    return float(cost_per_contact) / float(margin_per_response)


@dataclass
class MailingPlan:
    """Profit by depth of mailing (see :func:`mailing_depth`)."""

    table: pd.DataFrame
    break_even_rate: float
    best_share: float
    best_profit: float
    rule_share: float

    def summary(self) -> pd.Series:
        """The best depth, its profit, the break-even rule's depth and the profit of all."""
        return pd.Series({"break_even_rate": self.break_even_rate,
                          "best_share": self.best_share, "best_profit": self.best_profit,
                          "break_even_rule_share": self.rule_share,
                          "profit_mail_all": float(self.table["profit"].iloc[-1])})


def mailing_depth(score, *, cost_per_contact: float, margin_per_response: float,
                  responded=None, n_points: int = 101,
                  probabilities: bool = True) -> MailingPlan:
    """Profit of mailing the top share of a scored list, at every depth.

    Parameters
    ----------
    score : array-like
        Predicted response probabilities (used for ranking, and for the expected responses
        when ``responded`` is not given).
    cost_per_contact, margin_per_response : float
        Money per contact and per response.
    responded : array-like of bool, optional
        Observed responses (a held-out test list): profit from what happened.
    n_points : int
        Depths from 0 to 100 % of the list.
    probabilities : bool
        Whether ``score`` is a response probability (then the break-even rule applies);
        ``False`` for a ranking score such as a look-alike score (``rule_share`` is NaN).

    Returns
    -------
    MailingPlan
        ``table`` with ``share_mailed``, ``contacts``, ``responses``, ``cost``, ``margin``,
        ``profit``; ``best_share`` / ``best_profit`` (the profit-maximising depth) and
        ``rule_share`` (the depth of mailing every prospect whose predicted rate is at least
        the break-even rate).

    Examples
    --------
    >>> plan = mailing_depth([0.5, 0.2, 0.01, 0.01], cost_per_contact=1.0,
    ...                      margin_per_response=10.0, n_points=5)
    >>> plan.best_share, plan.rule_share
    (0.5, 0.5)
    """
    be = break_even_rate(cost_per_contact, margin_per_response)
    check_param("n_points", n_points, kind=int, low=2)
    p = np.asarray(score, float)
    if p.ndim != 1 or len(p) == 0 or np.isnan(p).any():
        raise DataError("score: a non-empty list of numbers without NaN is needed.\nHow to fix: "
                        "pass model.predict_proba(campaign).")
    y = p if responded is None else np.asarray(responded, float)
    if len(y) != len(p):
        raise DataError(f"responded: {len(y)} values for {len(p)} scores.")
    order = np.argsort(-p, kind="stable")
    cum = np.r_[0.0, np.cumsum(y[order])]
    k = np.unique(np.round(np.linspace(0, 1, n_points) * len(p)).astype(int))
    t = pd.DataFrame({"share_mailed": k / len(p), "contacts": k, "responses": cum[k]})
    t["cost"] = t["contacts"] * cost_per_contact
    t["margin"] = t["responses"] * margin_per_response
    t["profit"] = t["margin"] - t["cost"]
    best = int(t["profit"].to_numpy().argmax())
    rule = float((p >= be).mean()) if probabilities else float("nan")
    return MailingPlan(table=t, break_even_rate=be, best_share=float(t["share_mailed"][best]),
                       best_profit=float(t["profit"][best]), rule_share=rule)
