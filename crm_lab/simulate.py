"""Simulate one coherent CRM world and keep the truth it was generated from.

Every chapter of the book works on the same simulated company, made by
:func:`simulate_company`. Because we generate the data ourselves we know the
right answer each method should find, and every chapter ends with a
"Did we recover the truth?" cell that compares an estimate with
``company.truth``.

The world
---------
A retailer (online shop, stores and an app, with an optional paid membership)
observes its customers for about three years (``start`` to ``end``, both
inclusive, day resolution). There are seven tables, one row per ...

``customers``
    ... customer: ``customer_id`` (1..n), ``signup_date``, demographics
    (``region``, ``city_tier``, ``age``, ``gender``, ``education``,
    ``income_band``), ``acquisition_channel`` and ``segment``. The segment is
    *latent*: real companies do not observe it. We keep it in the table so
    that you can check a segmentation, but a fair analysis does not use it as
    an input. Sign-ups are spread over the window, more of them early.
``transactions``
    ... purchase: ``transaction_id``, ``customer_id``, ``date``, ``amount``
    (2 decimals, > 0) and ``channel`` (online / store / app). Ids increase with
    the date. Every customer's first purchase is on the sign-up date.
``line_items``
    ... product in a purchase: ``transaction_id``, ``line_no``,
    ``product_id``, ``category``, ``price``. A basket holds 1 to 5 different
    products; the line prices add up to the transaction amount to the cent.
``survey``
    ... respondent of a satisfaction survey (a random sample of customers):
    three 1-10 items per construct (``image_1..3``, ``expect_1..3``,
    ``quality_1..3``, ``value_1..3``, ``satisfaction_1..3``,
    ``complaint_1..2``, ``loyalty_1..3``) and ``recommend`` (0-10, for the
    Net Promoter Score). Complaint items run in the complaining direction:
    a *high* score means *more* problems and complaints.
``complaints``
    ... complaint: ``complaint_id``, ``customer_id``, ``date``, ``category``,
    ``channel``, ``resolution_days`` and ``resolved``. Like a survival time,
    ``resolution_days`` is the time to resolution when ``resolved`` is true
    and otherwise the number of days the complaint has been open at ``end``.
``subscriptions``
    ... membership (contractual relationship): ``subscription_id``,
    ``customer_id``, ``plan``, ``contract``, ``monthly_price``,
    ``start_date``, ``end_date`` (NaT while active), ``churned`` and the
    observed ``tenure_months`` (right-censored at ``end``).
``contacts``
    ... customer in a marketing campaign: ``contact_id``, ``customer_id``,
    ``campaign``, ``date``, ``channel``, ``treated`` (a randomised 50/50
    split: the control group gets no message) and ``responded`` (within 30
    days).

How it is generated (the truth)
-------------------------------
1. **Segments.** Four latent segments of different size and value
   (``champions``, ``regulars``, ``occasional``, ``bargain_hunters``) are drawn
   from a multinomial logit whose intercepts and "demographic tilts" are in
   ``truth.segments``. Demographics shift the odds moderately, so a
   demographic segmentation explains some, but not most, of customer value.
2. **Satisfaction model.** Seven standardized latent variables per customer
   (``eta_image``, ``eta_expect``, ``eta_quality``, ``eta_value``,
   ``eta_satisfaction``, ``eta_complaint``, ``eta_loyalty``) follow a recursive
   structural model (image -> expectations -> quality -> value ->
   satisfaction -> complaints -> loyalty, the superset of the ACSI and ECSI
   models). Each endogenous latent is ``sum(beta * parents) + disturbance``
   with the disturbance variance ``1 - R^2`` so every latent has variance 1 and
   the ``beta`` are standardized path coefficients (``truth.structural``).
   Items are ``loading * latent + noise`` (loadings 0.75-0.9), mapped to the
   answer scale by ``round(centre + spread * x)`` and clipped. The rounding
   and clipping attenuate correlations a little, so estimated paths and
   loadings come out slightly below the truth. ``truth.structural`` also has
   the population paths an estimator of a *smaller* model (for example the
   ACSI's nine paths, which omit image) converges to.
3. **Purchases (BG/NBD).** Customer ``i`` of segment ``s`` buys at rate
   ``lam_i = lam0_i * exp(0.25 * eta_satisfaction)`` per week with
   ``lam0_i ~ Gamma(shape=r_s, rate=alpha_s)``. After every *repeat* purchase
   the customer drops out for good with probability ``p_i``, where
   ``logit p_i = logit p0_i - 0.4 * eta_satisfaction`` and
   ``p0_i ~ Beta(a_s, b_s)`` (as in Fader, Hardie & Lee 2005, nobody drops
   out at the trial purchase). ``dropout_date`` is the date of the last
   purchase of a customer who dropped out.
4. **Spend (Gamma-Gamma).** ``amount ~ Gamma(shape=p_s, rate=nu_i)`` with
   ``nu_i = nu0_i * exp(-0.12 * eta_satisfaction)`` and
   ``nu0_i ~ Gamma(shape=q_s, rate=gamma_s)``, so the expected spend per
   purchase is ``p_s / nu_i``. Amounts are rounded to the cent (at least 1.00).
   ``truth.satisfaction_effects`` records all these coefficients.
5. **Baskets.** 200 products in 8 categories with popularity weights
   (``truth.products``). Four association rules are planted with a known
   confidence (``truth.rules``); the two-item antecedent is itself planted as
   a frequent pair. The amount is split over the lines in proportion to list
   prices, in cents.
6. **Complaints** arrive as a Poisson process while the customer is active
   (until ``end``, or 30 days after the last purchase of a customer who
   dropped out) at ``base * exp(b_sat * eta_satisfaction + b_cmp *
   eta_complaint)`` per year.
7. **Membership churn** follows a Weibull proportional-hazards model in
   tenure (months), ``h(t | x) = (k / s) (t / s)^(k - 1) exp(x'beta)`` with
   shape ``k < 1`` (the hazard falls with tenure) and ``x`` = standardized
   satisfaction, plan and contract dummies and the monthly price. The
   coefficients are log hazard ratios, what a Cox model estimates;
   ``truth.hazard`` also gives the equivalent accelerated-failure-time
   parameters (``log T = log s + x'(-beta / k) + W / k``, as in lifelines'
   ``WeibullAFTFitter``).
8. **Campaign response** is logistic in satisfaction, recency and segment,
   and being contacted adds a segment-specific effect on the log-odds: large
   for bargain hunters, negative for champions ("sleeping dogs"). The true
   uplift of every contact is in ``truth.uplift``.

Reproducibility: the same arguments and the same numpy/pandas versions give
identical tables. Customers are simulated in chunks of 50,000, each with its
own random stream spawned from ``numpy.random.SeedSequence(seed)``, so
millions of customers fit in memory.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
customers" the easy way: an alternative to the Pareto/NBD model. *Marketing
Science*, 24(2), 275-284.

Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996).
The American Customer Satisfaction Index. *Journal of Marketing*, 60(4), 7-18.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["Company", "Truth", "simulate_company", "SEGMENTS", "LATENTS"]

#: Days per month used for tenures (365.25 / 12).
DAYS_PER_MONTH = 365.25 / 12
#: Customers simulated together with one random stream.
CHUNK_SIZE = 50_000

# ----------------------------------------------------------------------------- world constants

SEGMENTS = ("champions", "regulars", "occasional", "bargain_hunters")

#: Per segment: intended share, BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma) parameters.
_SEGMENT_PARAMS: dict[str, dict[str, float]] = {
    "champions": dict(base_share=0.12, r=4.0, alpha=10.0, a=1.0, b=40.0, p=6.0, q=5.0, gamma=52.0),
    "regulars": dict(base_share=0.33, r=4.0, alpha=19.0, a=1.5, b=25.0, p=5.0, q=4.0, gamma=36.0),
    "occasional": dict(base_share=0.35, r=2.0, alpha=26.0, a=2.0, b=14.0, p=4.0, q=4.0,
                       gamma=30.0),
    "bargain_hunters": dict(base_share=0.20, r=3.0, alpha=12.0, a=1.2, b=14.0, p=6.0, q=6.0,
                            gamma=25.0),
}

#: Additions to a segment's log-odds for customers with a feature ("age_per_year" is per year
#: of age above 42).
_SEGMENT_TILT: dict[str, dict[str, float]] = {
    "champions": {"income_band=high": 1.2, "acquisition_channel=referral": 0.8, "city_tier=1": 0.4,
                  "age_per_year": 0.02},
    "regulars": {"acquisition_channel=store": 0.6, "income_band=middle": 0.5},
    "occasional": {"acquisition_channel=social": 0.8, "age<30": 0.6},
    "bargain_hunters": {"income_band=low": 1.2, "acquisition_channel=partner": 0.9,
                        "city_tier=3": 0.5},
}

REGIONS = ("East", "North", "South", "Central", "West")
_REGION_P = (0.30, 0.20, 0.22, 0.15, 0.13)
_TIER_P = (0.30, 0.40, 0.30)
GENDERS = ("female", "male")
EDUCATIONS = ("secondary", "bachelor", "postgraduate")
INCOME_BANDS = ("low", "middle", "high")
ACQ_CHANNELS = ("search", "social", "referral", "store", "partner")
_ACQ_P = (0.30, 0.25, 0.15, 0.20, 0.10)
TX_CHANNELS = ("online", "store", "app")

LATENTS = ("image", "expect", "quality", "value", "satisfaction", "complaint", "loyalty")
#: Standardized structural paths (source, target) -> beta.
_PATHS: dict[tuple[str, str], float] = {
    ("image", "expect"): 0.50,
    ("expect", "quality"): 0.55,
    ("expect", "value"): 0.15,
    ("quality", "value"): 0.55,
    ("image", "satisfaction"): 0.20,
    ("expect", "satisfaction"): 0.05,
    ("quality", "satisfaction"): 0.30,
    ("value", "satisfaction"): 0.35,
    ("satisfaction", "complaint"): -0.45,
    ("image", "loyalty"): 0.20,
    ("satisfaction", "loyalty"): 0.50,
    ("complaint", "loyalty"): -0.15,
}
#: The nine paths of the ACSI model (Fornell et al. 1996).
_ACSI_PATHS = (
    ("expect", "quality"), ("expect", "value"), ("quality", "value"),
    ("expect", "satisfaction"), ("quality", "satisfaction"), ("value", "satisfaction"),
    ("satisfaction", "complaint"), ("satisfaction", "loyalty"), ("complaint", "loyalty"),
)
_LOADINGS: dict[str, tuple[float, ...]] = {
    "image": (0.82, 0.78, 0.86),
    "expect": (0.76, 0.80, 0.78),
    "quality": (0.88, 0.84, 0.80),
    "value": (0.85, 0.87, 0.79),
    "satisfaction": (0.90, 0.86, 0.84),
    "complaint": (0.81, 0.77),
    "loyalty": (0.85, 0.80, 0.77),
}
#: Answer = clip(round(centre + spread * x), low, high) for a standardized indicator x.
_ITEM_SCALE: dict[str, tuple[float, float]] = {
    "image": (6.5, 1.6), "expect": (7.4, 1.4), "quality": (6.5, 1.6), "value": (6.5, 1.6),
    "satisfaction": (6.5, 1.6), "complaint": (3.5, 1.8), "loyalty": (6.5, 1.6),
}
_RECOMMEND = {"loading": 0.85, "centre": 7.4, "spread": 2.0}
_MIN_RESPONDENTS = 200

#: How the latent satisfaction moves behaviour (log or logit scale per standard deviation).
_SAT_LAM = 0.25
_SAT_DROPOUT = -0.40
_SAT_SPEND = 0.12

CATEGORIES = ("electronics", "books", "home", "beauty", "grocery", "apparel", "sports", "toys")
_CATEGORY_MEDIAN_PRICE = (180.0, 18.0, 45.0, 28.0, 9.0, 40.0, 55.0, 30.0)
_PRODUCTS_PER_CATEGORY = 25
_ZIPF = 0.9
_BASKET_P = (0.34, 0.28, 0.19, 0.12, 0.07)
_MAX_ITEMS = 5
#: Planted rules: ((category, popularity rank within category), ...) -> consequent, confidence.
_RULE_SPECS = (
    ((("electronics", 1),), ("electronics", 4), 0.60),
    ((("books", 1),), ("books", 3), 0.55),
    ((("grocery", 1),), ("home", 2), 0.65),
    ((("beauty", 1), ("apparel", 1)), ("beauty", 4), 0.70),
)
_PAIR_RATE = 0.01

COMPLAINT_CATEGORIES = ("billing", "product quality", "delivery", "service attitude", "other")
_COMPLAINT_P = (0.22, 0.30, 0.22, 0.14, 0.12)
_RESOLUTION_MEAN_DAYS = (3.0, 8.0, 5.0, 2.0, 6.0)
_RESOLUTION_SHAPE = 1.5
_NEVER_RESOLVED = 0.05
COMPLAINT_CHANNELS = ("phone", "online", "store")
_COMPLAINT_CH_P = (0.40, 0.45, 0.15)
_COMPLAINT_BASE_PER_YEAR = 0.30
_COMPLAINT_SAT = -0.50
_COMPLAINT_CMP = 0.30
_COMPLAINT_AFTER_DROPOUT_DAYS = 30

PLANS = ("basic", "standard", "premium")
_PLAN_PRICE = (9.99, 19.99, 34.99)
CONTRACTS = ("month-to-month", "one-year", "two-year")
_CONTRACT_MULT = (1.0, 0.9, 0.8)
_PRICE_GROWTH_PER_YEAR = 0.05
_PROMO_SHARE, _PROMO_DISCOUNT = 0.20, 0.15
_SUB_PROPENSITY = {"champions": 1.4, "regulars": 1.15, "occasional": 0.75,
                   "bargain_hunters": 0.85}
_PLAN_P = {"champions": (0.20, 0.40, 0.40), "regulars": (0.35, 0.45, 0.20),
           "occasional": (0.60, 0.30, 0.10), "bargain_hunters": (0.65, 0.30, 0.05)}
_CONTRACT_P = {"champions": (0.35, 0.35, 0.30), "regulars": (0.45, 0.35, 0.20),
               "occasional": (0.65, 0.25, 0.10), "bargain_hunters": (0.60, 0.30, 0.10)}
_SUB_DELAY_MEAN_DAYS = 15.0
_HAZARD_SHAPE = 0.7
_HAZARD_SCALE_MONTHS = 110.0
_HAZARD_COEF = {"satisfaction": -0.50, "plan[standard]": -0.20, "plan[premium]": -0.40,
                "contract[one-year]": -0.60, "contract[two-year]": -1.10, "monthly_price": 0.03}

#: Campaigns: name, position in the window (fraction), channel, baseline log-odds of response.
_CAMPAIGNS = (
    ("spring_sale", 0.20, "email", -2.4),
    ("app_launch", 0.45, "sms", -2.6),
    ("loyalty_bonus", 0.70, "email", -2.2),
    ("winback_call", 0.90, "call", -2.8),
)
_CONTACT_SHARE = 0.60
_TREATED_SHARE = 0.50
_RESPONSE_WINDOW_DAYS = 30
_RESP_SAT = 0.35
_RESP_RECENCY = -0.60
_RECENCY_CENTRE, _RECENCY_SCALE = 3.5, 1.3
_RESP_SEGMENT = {"champions": 0.6, "regulars": 0.2, "occasional": -0.3, "bargain_hunters": 0.0}
_RESP_TREAT = {"champions": -0.4, "regulars": 0.3, "occasional": 0.6, "bargain_hunters": 1.0}

# ----------------------------------------------------------------------------- table schemas

_ITEM_COLUMNS = tuple(f"{lat}_{k + 1}" for lat in LATENTS for k in range(len(_LOADINGS[lat])))

#: Column -> kind ("int", "float", "bool", "date", "str") for every table and truth frame.
_SCHEMA: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "int", "signup_date": "date", "region": "str", "city_tier": "int",
        "age": "int", "gender": "str", "education": "str", "income_band": "str",
        "acquisition_channel": "str", "segment": "str",
    },
    "transactions": {
        "transaction_id": "int", "customer_id": "int", "date": "date", "amount": "float",
        "channel": "str",
    },
    "line_items": {
        "transaction_id": "int", "line_no": "int", "product_id": "int", "category": "str",
        "price": "float",
    },
    "survey": {
        "customer_id": "int", "survey_date": "date", **{c: "int" for c in _ITEM_COLUMNS},
        "recommend": "int",
    },
    "complaints": {
        "complaint_id": "int", "customer_id": "int", "date": "date", "category": "str",
        "channel": "str", "resolution_days": "float", "resolved": "bool",
    },
    "subscriptions": {
        "subscription_id": "int", "customer_id": "int", "plan": "str", "contract": "str",
        "monthly_price": "float", "start_date": "date", "end_date": "date", "churned": "bool",
        "tenure_months": "float",
    },
    "contacts": {
        "contact_id": "int", "customer_id": "int", "campaign": "str", "date": "date",
        "channel": "str", "treated": "bool", "responded": "bool",
    },
    "truth_customers": {
        "customer_id": "int", "segment": "str", **{f"eta_{lat}": "float" for lat in LATENTS},
        "lam_base_per_week": "float", "lam_per_week": "float", "p_dropout_base": "float",
        "p_dropout": "float", "nu_base": "float", "nu": "float", "mean_spend": "float",
        "complaint_rate_per_year": "float", "dropout_date": "date", "alive_at_end": "bool",
    },
    "truth_contacts": {
        "contact_id": "int", "customer_id": "int", "p_control": "float", "p_treated": "float",
        "uplift": "float",
    },
}
_DTYPE = {"int": "int64", "float": "float64", "bool": "bool", "str": "str"}
#: pandas >= 3.1 reads floats exactly by default and deprecates ``float_precision``.
_EXACT_FLOATS = ({} if tuple(int(v) for v in pd.__version__.split(".")[:2]) >= (3, 1)
                 else {"float_precision": "round_trip"})


def _cast(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Give ``df`` exactly the dtypes of ``_SCHEMA[table]`` (dates become datetime64[ns])."""
    out = {}
    for col, kind in _SCHEMA[table].items():
        s = df[col]
        if kind == "date":
            if not pd.api.types.is_datetime64_any_dtype(s):
                s = pd.to_datetime(s, format="%Y-%m-%d")
            out[col] = s.astype("datetime64[ns]")
        else:
            out[col] = s.astype(_DTYPE[kind])
    return pd.DataFrame(out, index=df.index)


def _labels(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> Any:
    """Map integer codes to a pandas ``str`` array (the same with or without pyarrow)."""
    codes = np.asarray(codes, dtype=np.int64)
    return pd.array(np.asarray(names, dtype=object)[codes], dtype="str")


def _dates(start: np.datetime64, days: np.ndarray) -> np.ndarray:
    """Day offsets (``-1`` = missing) to datetime64[ns] values."""
    days = np.asarray(days, dtype=np.int64)
    out = start + days.astype("timedelta64[D]")
    return np.where(days < 0, np.datetime64("NaT", "ns"), out).astype("datetime64[ns]")


def _jsonable(obj: Any) -> Any:
    """Recursively turn numpy scalars and tuples into plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


# ----------------------------------------------------------------------------- truth and company


@dataclass(repr=False, eq=False)
class Truth:
    """Everything the simulated world was generated from.

    Attributes
    ----------
    customers : DataFrame
        Indexed by ``customer_id``: ``segment``, the seven standardized latent
        scores ``eta_image`` ... ``eta_loyalty``, the baseline and effective
        purchase rate (``lam_base_per_week``, ``lam_per_week``), dropout
        probability (``p_dropout_base``, ``p_dropout``), spend rate (``nu_base``,
        ``nu``), ``mean_spend`` (expected amount per purchase, ``p_s / nu``),
        ``complaint_rate_per_year``, ``dropout_date`` (date of the last purchase
        if the customer dropped out, else NaT) and ``alive_at_end``.
    segments : dict
        Per segment: realised ``share``, ``base_share`` and logit ``intercept``,
        ``tilt`` (demographic effects on the log-odds), BG/NBD ``r``, ``alpha``,
        ``a``, ``b``, Gamma-Gamma ``p``, ``q``, ``gamma`` and the implied means.
    structural : dict
        ``paths`` ("source->target" -> standardized beta), ``r_squared``,
        ``disturbance_variance``, ``loadings`` (item -> loading),
        ``latent_correlation``, ``population_paths`` (per model: the paths an
        estimator of that model converges to with error-free latents),
        ``item_scale`` and ``recommend``.
    satisfaction_effects : dict
        How ``eta_satisfaction`` moves purchase rate, dropout, spend,
        complaints, churn and campaign response.
    hazard : dict
        Weibull proportional-hazards churn model: ``shape``, ``scale_months``,
        ``coefficients`` (log hazard ratios), reference levels and AFT form.
    rules : list of dict
        Planted association rules (``antecedent`` ids, ``consequent`` id,
        ``confidence``).
    products : DataFrame
        Catalogue: ``product_id``, ``category``, ``list_price``, ``popularity``.
    response : dict
        Campaigns and the logistic response and treatment-effect coefficients.
    uplift : DataFrame
        Indexed by ``contact_id``: ``customer_id``, ``p_control``,
        ``p_treated`` and ``uplift = p_treated - p_control``.
    """

    customers: pd.DataFrame
    segments: dict
    structural: dict
    satisfaction_effects: dict
    hazard: dict
    rules: list
    products: pd.DataFrame
    response: dict
    uplift: pd.DataFrame

    def to_dict(self) -> dict:
        """All parameters as plain JSON types (the frames ``customers`` and ``uplift`` excluded).

        Examples
        --------
        >>> t = simulate_company(n_customers=300, seed=1).truth
        >>> sorted(t.to_dict())[:3]
        ['hazard', 'products', 'response']
        """
        return _jsonable({
            "segments": self.segments,
            "structural": self.structural,
            "satisfaction_effects": self.satisfaction_effects,
            "hazard": self.hazard,
            "rules": self.rules,
            "products": {c: self.products[c].tolist() for c in self.products.columns},
            "response": self.response,
        })

    def summary(self) -> pd.DataFrame:
        """One row per segment: share and the implied mean rate, dropout and spend.

        Examples
        --------
        >>> simulate_company(n_customers=300, seed=1).truth.summary().index.tolist()
        ['champions', 'regulars', 'occasional', 'bargain_hunters']
        """
        rows = {
            s: {k: v[k] for k in ("share", "r", "alpha", "mean_lam_per_week", "a", "b",
                                  "mean_p_dropout", "p", "q", "gamma", "mean_spend")}
            for s, v in self.segments.items()
        }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "segment"
        return out

    def __repr__(self) -> str:
        return (f"Truth({len(self.customers):,} customers, {len(self.segments)} segments, "
                f"{len(self.structural['paths'])} structural paths, {len(self.rules)} rules, "
                f"{len(self.uplift):,} contacts)")


@dataclass(repr=False, eq=False)
class Company:
    """A simulated company: seven tables, the truth behind them and the arguments used.

    Make one with :func:`simulate_company`; save and load it with
    :meth:`to_folder` and :meth:`from_folder`.

    Attributes
    ----------
    customers, transactions, line_items, survey, complaints, subscriptions, contacts : DataFrame
        The tables (columns described in :mod:`crm_lab.simulate`).
    truth : Truth
        The parameters and latent quantities the tables were generated from.
    params : dict
        The arguments of :func:`simulate_company`.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    line_items: pd.DataFrame
    survey: pd.DataFrame
    complaints: pd.DataFrame
    subscriptions: pd.DataFrame
    contacts: pd.DataFrame
    truth: Truth
    params: dict

    TABLES: ClassVar[tuple[str, ...]] = ("customers", "transactions", "line_items", "survey",
                                         "complaints", "subscriptions", "contacts")

    def summary(self) -> pd.DataFrame:
        """Rows and columns per table.

        Examples
        --------
        >>> int(simulate_company(n_customers=300, seed=1).summary().loc["customers", "rows"])
        300
        """
        out = pd.DataFrame({"rows": [len(getattr(self, t)) for t in self.TABLES],
                            "columns": [getattr(self, t).shape[1] for t in self.TABLES]},
                           index=pd.Index(self.TABLES, name="table"))
        return out

    def __repr__(self) -> str:
        sizes = ", ".join(f"{t}={len(getattr(self, t)):,}" for t in self.TABLES)
        return f"Company(seed={self.params.get('seed')}, {sizes})"

    def to_folder(self, path: str | Path) -> Path:
        """Write every table as ``<name>.csv.gz`` plus ``truth.json`` and the truth frames.

        Files: the seven tables, ``truth.json`` (arguments, all truth parameters
        and the library versions), ``truth_customers.csv.gz`` and
        ``truth_contacts.csv.gz`` (per-contact uplift). Gzip headers carry no
        time stamp, so writing the same company twice gives identical bytes.

        Parameters
        ----------
        path : str or Path
            Folder; created if missing, existing files are overwritten.

        Returns
        -------
        Path
            The folder.

        Examples
        --------
        >>> import tempfile
        >>> c = simulate_company(n_customers=300, seed=1)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     back = Company.from_folder(c.to_folder(d))
        >>> back.transactions.equals(c.transactions)
        True
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        gz = {"method": "gzip", "mtime": 0}
        for name in self.TABLES:
            getattr(self, name).to_csv(folder / f"{name}.csv.gz", index=False, compression=gz)
        self.truth.customers.reset_index().to_csv(folder / "truth_customers.csv.gz", index=False,
                                                  compression=gz)
        self.truth.uplift.reset_index().to_csv(folder / "truth_contacts.csv.gz", index=False,
                                               compression=gz)
        from crm_lab import __version__

        meta = {"params": _jsonable(self.params), "truth": self.truth.to_dict(),
                "versions": {"crm_lab": __version__, "numpy": np.__version__,
                             "pandas": pd.__version__}}
        with open(folder / "truth.json", "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=1, allow_nan=False)
            fh.write("\n")
        return folder

    @classmethod
    def from_folder(cls, path: str | Path) -> Company:
        """Read a company written by :meth:`to_folder`, with the original dtypes.

        Parameters
        ----------
        path : str or Path
            Folder holding the files.

        Returns
        -------
        Company

        Examples
        --------
        See :meth:`to_folder`.
        """
        folder = Path(path)
        if not (folder / "truth.json").exists():
            raise ParameterError(f"parameter 'path': {str(folder)!r} holds no truth.json; "
                                 "pass a folder written by Company.to_folder.")
        tables = {name: _read_table(folder / f"{name}.csv.gz", name) for name in cls.TABLES}
        with open(folder / "truth.json", encoding="utf-8") as fh:
            meta = json.load(fh)
        t = meta["truth"]
        products = pd.DataFrame(t["products"]).astype(
            {"product_id": "int64", "category": "str", "list_price": "float64",
             "popularity": "float64"})
        truth = Truth(
            customers=_read_table(folder / "truth_customers.csv.gz", "truth_customers")
            .set_index("customer_id"),
            segments=t["segments"], structural=t["structural"],
            satisfaction_effects=t["satisfaction_effects"], hazard=t["hazard"], rules=t["rules"],
            products=products, response=t["response"],
            uplift=_read_table(folder / "truth_contacts.csv.gz", "truth_contacts")
            .set_index("contact_id"),
        )
        return cls(**tables, truth=truth, params=meta["params"])


def _read_table(path: Path, table: str) -> pd.DataFrame:
    schema = _SCHEMA[table]
    dtype = {c: ("str" if k == "date" else _DTYPE[k]) for c, k in schema.items()}
    df = pd.read_csv(path, dtype=dtype, **_EXACT_FLOATS)
    return _cast(df, table)


# ----------------------------------------------------------------------------- structural model


def _structural_truth() -> dict:
    """Implied latent correlations, R^2 and population paths of the structural model."""
    k = len(LATENTS)
    pos = {name: i for i, name in enumerate(LATENTS)}
    corr = np.eye(k)
    r2 = {}
    for j, target in enumerate(LATENTS):
        parents = [pos[s] for (s, t) in _PATHS if t == target]
        if not parents:
            continue
        beta = np.array([_PATHS[(LATENTS[p], target)] for p in parents])
        for m in range(j):
            corr[j, m] = corr[m, j] = float(beta @ corr[parents, m])
        r2[target] = float(beta @ corr[np.ix_(parents, parents)] @ beta)
    if max(r2.values()) >= 1:  # pragma: no cover - guards edits of _PATHS
        raise RuntimeError("structural paths imply R^2 >= 1")

    def population(paths) -> dict[str, float]:
        out = {}
        for target in LATENTS:
            srcs = [s for (s, t) in paths if t == target]
            if not srcs:
                continue
            p = [pos[s] for s in srcs]
            b = np.linalg.solve(corr[np.ix_(p, p)], corr[p, pos[target]])
            out.update({f"{s}->{target}": round(float(v), 12) for s, v in zip(srcs, b,
                                                                               strict=True)})
        return out

    loadings = {f"{lat}_{i + 1}": lam for lat in LATENTS for i, lam in enumerate(_LOADINGS[lat])}
    return {
        "latents": list(LATENTS),
        "paths": {f"{s}->{t}": b for (s, t), b in _PATHS.items()},
        "r_squared": {t: round(v, 12) for t, v in r2.items()},
        "disturbance_variance": {t: round(1 - v, 12) for t, v in r2.items()},
        "loadings": loadings,
        "latent_correlation": {a: {b: round(float(corr[i, j]), 12) for j, b in enumerate(LATENTS)}
                               for i, a in enumerate(LATENTS)},
        "population_paths": {"full": population(_PATHS), "acsi": population(_ACSI_PATHS)},
        "item_scale": {lat: {"centre": c, "spread": s, "low": 1, "high": 10}
                       for lat, (c, s) in _ITEM_SCALE.items()},
        "recommend": {**_RECOMMEND, "latent": "loyalty", "low": 0, "high": 10},
        "indicator": "x = loading * eta + sqrt(1 - loading^2) * e, e ~ N(0, 1); "
                     "answer = clip(round(centre + spread * x), low, high)",
        "complaint_direction": "higher eta_complaint and complaint_* items = more complaints",
        "note": "rounding and clipping to the answer scale attenuate estimated paths slightly",
    }


# ----------------------------------------------------------------------------- helpers


def _draw_rows(rng: np.random.Generator, prob: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    cdf = np.cumsum(prob, axis=1)
    u = rng.random(prob.shape[0])
    return np.minimum((u[:, None] > cdf).sum(axis=1), prob.shape[1] - 1)


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _ensure_present(rng, items, rows, prod, protected, hold) -> None:
    """Put product ``prod`` into basket rows ``rows`` (each row keeps at most 5 products).

    It goes into an empty slot if there is one, else over a product that is in no planted rule,
    else over another rule's product; products in ``hold`` (the rule's antecedent) stay.
    """
    sub = items[rows]
    keep = ~(sub == prod).any(axis=1)
    rows, sub = rows[keep], sub[keep]
    if rows.size == 0:
        return
    filled = np.maximum(sub, 0)
    score = np.where(sub < 0, 3, np.where(~protected[filled], 2, 1))
    score[np.isin(sub, hold)] = 0
    slot = np.argmax(score * 4 + rng.random(sub.shape), axis=1)
    ok = score.max(axis=1) > 0
    items[rows[ok], slot[ok]] = prod


def _ensure_absent(items, rows, prod) -> None:
    sub = items[rows]
    sub[sub == prod] = -1
    items[rows] = sub


class _World:
    """Arguments and global (not per-chunk) parts of one simulation."""

    def __init__(self, n_customers, start, end, survey_share, subscription_share, rng_global):
        self.n = n_customers
        self.start = np.datetime64(start.date(), "D").astype("datetime64[ns]")
        self.n_days = int((end - start).days) + 1
        self.last_day = self.n_days - 1
        self.subscription_share = subscription_share
        # segment arrays
        self.seg_par = {k: np.array([_SEGMENT_PARAMS[s][k] for s in SEGMENTS])
                        for k in _SEGMENT_PARAMS["champions"]}
        self.seg_intercept = np.log(self.seg_par["base_share"])
        # structural model
        pos = {name: i for i, name in enumerate(LATENTS)}
        self.structural = _structural_truth()
        self.parents = [[(pos[s], b) for (s, t), b in _PATHS.items() if t == lat]
                        for lat in LATENTS]
        self.psi = np.array([self.structural["disturbance_variance"].get(lat, 1.0)
                             for lat in LATENTS])
        # product catalogue
        n_cat = len(CATEGORIES)
        n_prod = n_cat * _PRODUCTS_PER_CATEGORY
        cat = np.repeat(np.arange(n_cat), _PRODUCTS_PER_CATEGORY)
        median = np.asarray(_CATEGORY_MEDIAN_PRICE)[cat]
        price = np.floor(median * rng_global.lognormal(0.0, 0.5, n_prod)) + 0.99
        rank = rng_global.permutation(n_prod)
        weight = (rank + 1.0) ** -_ZIPF
        self.popularity = weight / weight.sum()
        self.product_cat = cat
        self.list_price = np.round(price, 2)
        self.product_ids = np.arange(1001, 1001 + n_prod)
        # rules: products picked by popularity rank within category
        order_in_cat = {c: np.flatnonzero(cat == i)[np.argsort(-self.popularity[cat == i],
                                                               kind="stable")]
                        for i, c in enumerate(CATEGORIES)}
        self.rules = []
        for ante, (ccat, crank), conf in _RULE_SPECS:
            a = [int(order_in_cat[c][r]) for c, r in ante]
            self.rules.append((a, int(order_in_cat[ccat][crank]), conf))
        self.protected = np.zeros(n_prod, dtype=bool)
        for a, c, _ in self.rules:
            self.protected[a + [c]] = True
        self.pair = next(a for a, _, _ in self.rules if len(a) == 2)
        # survey respondents: an exact random sample
        n_resp = max(int(round(survey_share * n_customers)), min(_MIN_RESPONDENTS, n_customers))
        self.respondent = np.zeros(n_customers, dtype=bool)
        self.respondent[rng_global.choice(n_customers, n_resp, replace=False)] = True
        # campaigns
        self.campaign_day = [int(round(frac * self.last_day)) for _, frac, _, _ in _CAMPAIGNS]


# ----------------------------------------------------------------------------- one chunk


def _simulate_chunk(rng: np.random.Generator, w: _World, first_id: int, m: int) -> dict:
    """Simulate customers ``first_id .. first_id + m - 1`` with their own stream ``rng``."""
    out: dict[str, Any] = {}
    ids = np.arange(first_id, first_id + m, dtype=np.int64)

    # --- demographics
    region = rng.choice(len(REGIONS), size=m, p=_REGION_P)
    tier = rng.choice(3, size=m, p=_TIER_P) + 1
    age = 18 + np.rint(62 * rng.beta(2.2, 3.5, size=m)).astype(np.int64)
    gender = (rng.random(m) < 0.48).astype(np.int64)
    agec = age - 42.0
    u = rng.random(m)
    p_pg = np.array([0.25, 0.14, 0.07])[tier - 1]
    p_ba = np.array([0.50, 0.45, 0.35])[tier - 1]
    edu = np.where(u < p_pg, 2, np.where(u < p_pg + p_ba, 1, 0))
    score = (0.9 * (edu == 1) + 1.7 * (edu == 2) + 0.6 * (tier == 1) - 0.5 * (tier == 3)
             + 0.03 * agec - 0.0008 * agec**2 + rng.logistic(size=m))
    income = np.digitize(score, [0.0, 2.3])
    acq_logit = np.tile(np.log(_ACQ_P), (m, 1))
    acq_logit[:, 1] -= 0.04 * agec
    acq_logit[:, 3] += 0.02 * agec + 0.4 * (tier == 3)
    acq = _draw_rows(rng, _softmax(acq_logit))

    # --- latent segment
    feats = {"age_per_year": agec, "age<30": age < 30}
    feats.update({f"income_band={b}": income == i for i, b in enumerate(INCOME_BANDS)})
    feats.update({f"acquisition_channel={c}": acq == i for i, c in enumerate(ACQ_CHANNELS)})
    feats.update({f"city_tier={t}": tier == t for t in (1, 2, 3)})
    seg_logit = np.tile(w.seg_intercept, (m, 1))
    for j, s in enumerate(SEGMENTS):
        for f, coef in _SEGMENT_TILT[s].items():
            seg_logit[:, j] += coef * feats[f]
    seg = _draw_rows(rng, _softmax(seg_logit))

    # --- latent satisfaction system
    z = rng.standard_normal((m, len(LATENTS)))
    eta = np.empty((m, len(LATENTS)))
    for j in range(len(LATENTS)):
        eta[:, j] = np.sqrt(w.psi[j]) * z[:, j]
        for p, b in w.parents[j]:
            eta[:, j] += b * eta[:, p]
    sat, cmp_ = eta[:, LATENTS.index("satisfaction")], eta[:, LATENTS.index("complaint")]

    # --- BG/NBD and Gamma-Gamma parameters
    sp = {k: v[seg] for k, v in w.seg_par.items()}
    lam0 = rng.gamma(sp["r"], 1.0 / sp["alpha"])
    p0 = np.clip(rng.beta(sp["a"], sp["b"]), 1e-12, 1 - 1e-12)
    nu0 = rng.gamma(sp["q"], 1.0 / sp["gamma"])
    lam = lam0 * np.exp(_SAT_LAM * sat)
    pdrop = _expit(np.log(p0 / (1 - p0)) + _SAT_DROPOUT * sat)
    nu = nu0 * np.exp(-_SAT_SPEND * sat)
    signup = np.minimum(np.floor(rng.beta(1.0, 1.5, size=m) * w.n_days), w.last_day)
    signup = signup.astype(np.int64)

    # --- purchases in vectorised rounds over active customers
    tx_c, tx_t = [np.arange(m)], [signup.astype(float)]
    dropout = np.full(m, -1, dtype=np.int64)
    active, t_act = np.arange(m), signup.astype(float)
    while active.size:
        t_new = t_act + rng.exponential(7.0 / lam[active])
        inside = t_new < w.n_days
        active, t_new = active[inside], t_new[inside]
        tx_c.append(active)
        tx_t.append(t_new)
        die = rng.random(active.size) < pdrop[active]
        dropout[active[die]] = np.floor(t_new[die]).astype(np.int64)
        active, t_act = active[~die], t_new[~die]
    tx_c, tx_t = np.concatenate(tx_c), np.concatenate(tx_t)
    order = np.argsort(tx_c, kind="stable")  # by customer, then time (rounds are in time order)
    tx_c, tx_day = tx_c[order], np.floor(tx_t[order]).astype(np.int64)
    n_tx = tx_c.size
    cents = np.rint(rng.gamma(sp["p"][tx_c], 1.0 / nu[tx_c]) * 100).astype(np.int64)
    cents = np.maximum(cents, 100)
    ch_logit = np.zeros((m, 3))
    ch_logit[:, 1] = -0.3 + 1.2 * (acq == 3) + 0.02 * agec + 0.3 * (tier == 3)
    ch_logit[:, 2] = -0.6 - 0.04 * agec + 0.3 * (tier == 1)
    cdf = np.cumsum(_softmax(ch_logit), axis=1)[tx_c]
    tx_ch = np.minimum((rng.random(n_tx)[:, None] > cdf).sum(axis=1), 2)

    # --- baskets: popularity-weighted products, de-duplicated, rules planted
    n_prod = w.popularity.size
    k = rng.choice(_MAX_ITEMS, size=n_tx, p=_BASKET_P) + 1
    items = rng.choice(n_prod, size=(n_tx, _MAX_ITEMS), p=w.popularity)
    items[np.arange(_MAX_ITEMS)[None, :] >= k[:, None]] = -1
    items.sort(axis=1)
    dup = np.zeros(items.shape, dtype=bool)
    dup[:, 1:] = (items[:, 1:] == items[:, :-1]) & (items[:, 1:] >= 0)
    items[dup] = -1
    pair_rows = np.flatnonzero(rng.random(n_tx) < _PAIR_RATE)
    for prod in w.pair:
        _ensure_present(rng, items, pair_rows, prod, w.protected, w.pair)
    for ante, cons, conf in w.rules:
        has = np.ones(n_tx, dtype=bool)
        for a in ante:
            has &= (items == a).any(axis=1)
        rows = np.flatnonzero(has)
        fire = rng.random(rows.size) < conf
        _ensure_present(rng, items, rows[fire], cons, w.protected, ante)
        _ensure_absent(items, rows[~fire], cons)
    keys = rng.random(items.shape)
    keys[items < 0] = 2.0
    items = np.take_along_axis(items, np.argsort(keys, axis=1), axis=1)
    filled = items >= 0
    # split the amount over the lines in proportion to list prices, in cents (>= 1 cent each)
    wgt = np.where(filled, w.list_price[np.maximum(items, 0)], 0.0)
    n_items = filled.sum(axis=1)
    spare = cents - n_items
    share = spare[:, None] * wgt / wgt.sum(axis=1, keepdims=True)
    base = np.floor(share).astype(np.int64)
    rem = spare - base.sum(axis=1)
    frac = np.where(filled, share - base, -1.0)
    rank = np.argsort(np.argsort(-frac, axis=1, kind="stable"), axis=1)
    line_cents = base + filled + (rank < rem[:, None])
    # compact dtypes: a million customers make ~30 million lines
    out["line"] = {"line_no": np.cumsum(filled, axis=1, dtype=np.int8)[filled],
                   "product": items[filled].astype(np.int16),
                   "cents": line_cents[filled].astype(np.int32)}
    out["tx"] = {"customer_id": ids[tx_c], "day": tx_day.astype(np.int32), "cents": cents,
                 "channel": tx_ch.astype(np.int8), "n_lines": n_items.astype(np.int8)}

    # --- survey
    resp = np.flatnonzero(w.respondent[first_id - 1:first_id - 1 + m])
    sv: dict[str, Any] = {"customer_id": ids[resp]}
    span = w.n_days - signup[resp]
    sv["day"] = signup[resp] + np.floor(rng.random(resp.size) * span).astype(np.int64)
    noise = rng.standard_normal((resp.size, len(_ITEM_COLUMNS) + 1))
    col = 0
    for j, lat in enumerate(LATENTS):
        centre, spread = _ITEM_SCALE[lat]
        for i, load in enumerate(_LOADINGS[lat]):
            x = load * eta[resp, j] + np.sqrt(1 - load**2) * noise[:, col]
            sv[f"{lat}_{i + 1}"] = np.clip(np.rint(centre + spread * x), 1, 10).astype(np.int64)
            col += 1
    load = _RECOMMEND["loading"]
    x = load * eta[resp, LATENTS.index("loyalty")] + np.sqrt(1 - load**2) * noise[:, col]
    sv["recommend"] = np.clip(np.rint(_RECOMMEND["centre"] + _RECOMMEND["spread"] * x),
                              0, 10).astype(np.int64)
    out["survey"] = sv

    # --- complaints: Poisson while active
    act_end = np.where(dropout >= 0,
                       np.minimum(dropout + _COMPLAINT_AFTER_DROPOUT_DAYS, w.last_day), w.last_day)
    span = act_end - signup + 1
    c_rate = _COMPLAINT_BASE_PER_YEAR * np.exp(_COMPLAINT_SAT * sat + _COMPLAINT_CMP * cmp_)
    n_c = rng.poisson(c_rate * span / 365.25)
    cc = np.repeat(np.arange(m), n_c)
    c_day = signup[cc] + np.floor(rng.random(cc.size) * span[cc]).astype(np.int64)
    c_cat = rng.choice(len(COMPLAINT_CATEGORIES), size=cc.size, p=_COMPLAINT_P)
    c_ch = rng.choice(len(COMPLAINT_CHANNELS), size=cc.size, p=_COMPLAINT_CH_P)
    mean_days = np.asarray(_RESOLUTION_MEAN_DAYS)[c_cat]
    res = np.round(rng.gamma(_RESOLUTION_SHAPE, mean_days / _RESOLUTION_SHAPE), 1)
    never = rng.random(cc.size) < _NEVER_RESOLVED
    resolved = ~never & (c_day + res <= w.last_day)
    out["complaints"] = {"customer_id": ids[cc], "day": c_day, "category": c_cat, "channel": c_ch,
                         "resolution_days": np.where(resolved, res,
                                                     (w.last_day - c_day).astype(float)),
                         "resolved": resolved}

    # --- subscriptions: Weibull proportional hazards in tenure months
    prop = np.array([_SUB_PROPENSITY[s] for s in SEGMENTS])[seg]
    has = rng.random(m) < np.minimum(w.subscription_share * prop, 0.98)
    s_day = signup + np.floor(rng.exponential(_SUB_DELAY_MEAN_DAYS, size=m)).astype(np.int64)
    sub = np.flatnonzero(has & (s_day < w.last_day))
    s_day = s_day[sub]
    plan = _draw_rows(rng, np.array([_PLAN_P[s] for s in SEGMENTS])[seg[sub]])
    contract = _draw_rows(rng, np.array([_CONTRACT_P[s] for s in SEGMENTS])[seg[sub]])
    promo = rng.random(sub.size) < _PROMO_SHARE
    years = np.floor(s_day / 365.25)
    price = np.round(np.asarray(_PLAN_PRICE)[plan] * np.asarray(_CONTRACT_MULT)[contract]
                     * (1 + _PRICE_GROWTH_PER_YEAR) ** years
                     * np.where(promo, 1 - _PROMO_DISCOUNT, 1.0), 2)
    hc = _HAZARD_COEF
    xb = (hc["satisfaction"] * sat[sub]
          + np.array([0.0, hc["plan[standard]"], hc["plan[premium]"]])[plan]
          + np.array([0.0, hc["contract[one-year]"], hc["contract[two-year]"]])[contract]
          + hc["monthly_price"] * price)
    t_months = _HAZARD_SCALE_MONTHS * (rng.exponential(size=sub.size) * np.exp(-xb)) ** (
        1 / _HAZARD_SHAPE)
    t_days = np.minimum(t_months * DAYS_PER_MONTH, 10.0 * w.n_days)
    e_day = s_day + np.maximum(1, np.ceil(t_days)).astype(np.int64)
    churned = e_day <= w.last_day
    out["subs"] = {"customer_id": ids[sub], "plan": plan, "contract": contract, "price": price,
                   "start_day": s_day, "end_day": np.where(churned, e_day, -1),
                   "churned": churned,
                   "tenure_months": (np.where(churned, e_day, w.last_day) - s_day)
                   / DAYS_PER_MONTH}

    # --- campaign contacts with a randomised control group
    key = tx_c * (w.n_days + 1) + tx_day
    parts = []
    for ci, ((_, _, _, intercept), day) in enumerate(zip(_CAMPAIGNS, w.campaign_day, strict=True)):
        sel = np.flatnonzero((signup < day) & (rng.random(m) < _CONTACT_SHARE))
        treated = rng.random(sel.size) < _TREATED_SHARE
        last = np.searchsorted(key, sel * (w.n_days + 1) + day - 1, side="right") - 1
        recency = day - tx_day[last]
        zrec = (np.log1p(recency) - _RECENCY_CENTRE) / _RECENCY_SCALE
        lin = (intercept + _RESP_SAT * sat[sel] + _RESP_RECENCY * zrec
               + np.array([_RESP_SEGMENT[s] for s in SEGMENTS])[seg[sel]])
        p_c = _expit(lin)
        p_t = _expit(lin + np.array([_RESP_TREAT[s] for s in SEGMENTS])[seg[sel]])
        responded = rng.random(sel.size) < np.where(treated, p_t, p_c)
        parts.append({"campaign": np.full(sel.size, ci), "customer_id": ids[sel],
                      "treated": treated, "responded": responded, "p_control": p_c,
                      "p_treated": p_t})
    out["contacts"] = {k2: np.concatenate([p[k2] for p in parts]) for k2 in parts[0]}

    # --- customers and their truth
    out["customers"] = {"customer_id": ids, "signup_day": signup, "region": region,
                        "city_tier": tier.astype(np.int64), "age": age, "gender": gender,
                        "education": edu, "income_band": income, "acquisition_channel": acq,
                        "segment": seg}
    out["truth"] = {"eta": eta, "lam0": lam0, "lam": lam, "p0": p0, "p": pdrop, "nu0": nu0,
                    "nu": nu, "mean_spend": sp["p"] / nu, "complaint_rate": c_rate,
                    "dropout_day": dropout}
    return out


# ----------------------------------------------------------------------------- public entry point


def _check_date(name: str, value) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter {name!r} must be a date such as '2023-01-01', "
                             f"got {value!r}.") from exc
    if ts is pd.NaT:
        raise ParameterError(f"parameter {name!r} must be a date such as '2023-01-01', got NaT.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def simulate_company(
    n_customers: int = 5000,
    seed: int = 0,
    start: str | pd.Timestamp = "2023-01-01",
    end: str | pd.Timestamp = "2025-12-31",
    *,
    survey_share: float = 0.25,
    subscription_share: float = 0.6,
    _chunk_size: int = CHUNK_SIZE,
) -> Company:
    """Simulate the CRM Lab company: seven tables and the truth behind them.

    See the module docstring of :mod:`crm_lab.simulate` for the tables and the
    generating model. All truth is in ``company.truth``.

    Parameters
    ----------
    n_customers : int, default 5000
        Number of customers (ids 1..n). 5,000 take well under a second; one
        million take about 45 s and 5 GB of memory.
    seed : int, default 0
        Non-negative seed for :class:`numpy.random.SeedSequence`.
    start, end : str or Timestamp, default "2023-01-01", "2025-12-31"
        First and last day of the observation window (inclusive, at least
        30 days apart).
    survey_share : float in (0, 1], default 0.25
        Share of customers in the survey sample (at least 200 respondents
        when there are that many customers).
    subscription_share : float in [0, 1], default 0.6
        Average probability that a customer takes a membership (it varies by
        segment; memberships that would start after ``end`` are dropped).
    _chunk_size : int, default 50000
        Customers simulated per random stream. Output depends on it, so leave
        it alone unless testing.

    Returns
    -------
    Company
        The tables, ``truth`` and ``params`` (the arguments).

    Raises
    ------
    ParameterError
        A parameter is out of range; the message names it.

    Notes
    -----
    Discretising latent scores to a 1-10 answer scale attenuates the
    correlations between items, so structural paths estimated from the survey
    come out slightly below ``truth.structural["paths"]``. Satisfaction
    matters everywhere: it raises the purchase rate and spend, lowers dropout,
    complaints and membership churn, and raises campaign response.

    Examples
    --------
    >>> company = simulate_company(n_customers=300, seed=1)
    >>> company.TABLES[:3]
    ('customers', 'transactions', 'line_items')
    >>> int(company.customers["customer_id"].max())
    300
    >>> bool((company.transactions["amount"] > 0).all())
    True
    >>> round(company.truth.structural["paths"]["satisfaction->loyalty"], 2)
    0.5
    """
    check_param("n_customers", n_customers, kind=(int, np.integer), low=1,
                hint="Use e.g. 5000 (the book's default).")
    check_param("seed", seed, kind=(int, np.integer), low=0)
    t0, t1 = _check_date("start", start), _check_date("end", end)
    if (t1 - t0).days < 30:
        raise ParameterError(f"parameter 'end' must be at least 30 days after start "
                             f"({t0.date()}), got {t1.date()}.")
    check_param("survey_share", survey_share, kind=(int, float, np.floating), low=0, high=1)
    if survey_share <= 0:
        raise ParameterError(f"parameter 'survey_share' must be in (0, 1], got {survey_share!r}.")
    check_param("subscription_share", subscription_share, kind=(int, float, np.floating),
                low=0, high=1)
    check_param("_chunk_size", _chunk_size, kind=(int, np.integer), low=1)
    n, chunk = int(n_customers), int(_chunk_size)
    params = {"n_customers": n, "seed": int(seed), "start": str(t0.date()), "end": str(t1.date()),
              "survey_share": float(survey_share),
              "subscription_share": float(subscription_share), "_chunk_size": chunk}

    root = np.random.SeedSequence(int(seed))
    ss_global, ss_chunks = root.spawn(2)
    w = _World(n, t0, t1, float(survey_share), float(subscription_share),
               np.random.default_rng(ss_global))
    n_chunks = -(-n // chunk)
    chunks = [_simulate_chunk(np.random.default_rng(ss), w, 1 + i * chunk,
                              min(chunk, n - i * chunk))
              for i, ss in enumerate(ss_chunks.spawn(n_chunks))]
    return _assemble(w, chunks, params)


def _cat(chunks: list[dict], part: str, key: str) -> np.ndarray:
    """Concatenate one array over the chunks, releasing the chunks' copies."""
    return np.concatenate([c[part].pop(key) for c in chunks])


def _assemble(w: _World, chunks: list[dict], params: dict) -> Company:
    """Concatenate chunks, assign public ids in date order and build frames and truth."""
    n = w.n
    # customers
    cu = {k: _cat(chunks, "customers", k) for k in list(chunks[0]["customers"])}
    seg = cu["segment"]
    customers = pd.DataFrame({
        "customer_id": cu["customer_id"], "signup_date": _dates(w.start, cu["signup_day"]),
        "region": _labels(cu["region"], REGIONS), "city_tier": cu["city_tier"], "age": cu["age"],
        "gender": _labels(cu["gender"], GENDERS), "education": _labels(cu["education"], EDUCATIONS),
        "income_band": _labels(cu["income_band"], INCOME_BANDS),
        "acquisition_channel": _labels(cu["acquisition_channel"], ACQ_CHANNELS),
        "segment": _labels(seg, SEGMENTS)})

    # transactions: ids in (date, customer) order; line items follow their transaction
    cust = _cat(chunks, "tx", "customer_id")
    day = _cat(chunks, "tx", "day").astype(np.int64)
    order = np.argsort(day * (n + 1) + cust, kind="stable")
    n_tx = order.size
    transactions = pd.DataFrame({
        "transaction_id": np.arange(1, n_tx + 1, dtype=np.int64), "customer_id": cust[order],
        "date": _dates(w.start, day[order]), "amount": _cat(chunks, "tx", "cents")[order] / 100,
        "channel": _labels(_cat(chunks, "tx", "channel")[order], TX_CHANNELS)})
    del cust, day
    n_lines = _cat(chunks, "tx", "n_lines").astype(np.int64)
    block_start = np.cumsum(n_lines) - n_lines
    lens = n_lines[order]
    new_start = np.cumsum(lens) - lens
    idx = np.repeat(block_start[order] - new_start, lens) + np.arange(lens.sum())
    prod = _cat(chunks, "line", "product")[idx].astype(np.int64)
    line_items = pd.DataFrame({
        "transaction_id": np.repeat(np.arange(1, n_tx + 1, dtype=np.int64), lens),
        "line_no": _cat(chunks, "line", "line_no")[idx].astype(np.int64),
        "product_id": w.product_ids[prod],
        "category": _labels(w.product_cat[prod], CATEGORIES),
        "price": _cat(chunks, "line", "cents")[idx] / 100})
    del idx, prod, lens, n_lines, block_start, new_start
    del order

    # survey
    sv = {k: _cat(chunks, "survey", k) for k in list(chunks[0]["survey"])}
    survey = pd.DataFrame({"customer_id": sv["customer_id"],
                           "survey_date": _dates(w.start, sv["day"]),
                           **{c: sv[c] for c in (*_ITEM_COLUMNS, "recommend")}})

    # complaints
    co = {k: _cat(chunks, "complaints", k) for k in list(chunks[0]["complaints"])}
    o = np.argsort(co["day"] * (n + 1) + co["customer_id"], kind="stable")
    complaints = pd.DataFrame({
        "complaint_id": np.arange(1, o.size + 1, dtype=np.int64),
        "customer_id": co["customer_id"][o], "date": _dates(w.start, co["day"][o]),
        "category": _labels(co["category"][o], COMPLAINT_CATEGORIES),
        "channel": _labels(co["channel"][o], COMPLAINT_CHANNELS),
        "resolution_days": co["resolution_days"][o].astype(float), "resolved": co["resolved"][o]})

    # subscriptions
    su = {k: _cat(chunks, "subs", k) for k in list(chunks[0]["subs"])}
    o = np.argsort(su["start_day"] * (n + 1) + su["customer_id"], kind="stable")
    subscriptions = pd.DataFrame({
        "subscription_id": np.arange(1, o.size + 1, dtype=np.int64),
        "customer_id": su["customer_id"][o], "plan": _labels(su["plan"][o], PLANS),
        "contract": _labels(su["contract"][o], CONTRACTS), "monthly_price": su["price"][o],
        "start_date": _dates(w.start, su["start_day"][o]),
        "end_date": _dates(w.start, su["end_day"][o]), "churned": su["churned"][o],
        "tenure_months": su["tenure_months"][o]})

    # contacts
    ct = {k: _cat(chunks, "contacts", k) for k in list(chunks[0]["contacts"])}
    o = np.argsort(ct["campaign"] * (n + 1) + ct["customer_id"], kind="stable")
    camp = ct["campaign"][o]
    contact_id = np.arange(1, o.size + 1, dtype=np.int64)
    contacts = pd.DataFrame({
        "contact_id": contact_id, "customer_id": ct["customer_id"][o],
        "campaign": _labels(camp, [c[0] for c in _CAMPAIGNS]),
        "date": _dates(w.start, np.asarray(w.campaign_day, dtype=np.int64)[camp]),
        "channel": _labels(camp, [c[2] for c in _CAMPAIGNS]),
        "treated": ct["treated"][o], "responded": ct["responded"][o]})
    uplift = pd.DataFrame({"customer_id": ct["customer_id"][o], "p_control": ct["p_control"][o],
                           "p_treated": ct["p_treated"][o]},
                          index=pd.Index(contact_id, name="contact_id"))
    uplift["uplift"] = uplift["p_treated"] - uplift["p_control"]

    # truth
    tr = {k: _cat(chunks, "truth", k) for k in list(chunks[0]["truth"])}
    tc = pd.DataFrame({"segment": _labels(seg, SEGMENTS),
                       **{f"eta_{lat}": tr["eta"][:, j] for j, lat in enumerate(LATENTS)},
                       "lam_base_per_week": tr["lam0"], "lam_per_week": tr["lam"],
                       "p_dropout_base": tr["p0"], "p_dropout": tr["p"], "nu_base": tr["nu0"],
                       "nu": tr["nu"], "mean_spend": tr["mean_spend"],
                       "complaint_rate_per_year": tr["complaint_rate"],
                       "dropout_date": _dates(w.start, tr["dropout_day"]),
                       "alive_at_end": tr["dropout_day"] < 0},
                      index=pd.Index(cu["customer_id"], name="customer_id"))
    truth = Truth(customers=tc, segments=_segment_truth(w, seg), structural=w.structural,
                  satisfaction_effects=_satisfaction_truth(), hazard=_hazard_truth(),
                  rules=_rules_truth(w), products=_products(w), response=_response_truth(w),
                  uplift=uplift)
    frames = {"customers": customers, "transactions": transactions, "line_items": line_items,
              "survey": survey, "complaints": complaints, "subscriptions": subscriptions,
              "contacts": contacts}
    return Company(**frames, truth=truth, params=params)


# ----------------------------------------------------------------------------- truth dictionaries


def _segment_truth(w: _World, seg: np.ndarray) -> dict:
    counts = np.bincount(seg, minlength=len(SEGMENTS))
    out = {}
    for j, s in enumerate(SEGMENTS):
        sp = _SEGMENT_PARAMS[s]
        out[s] = {
            "share": float(counts[j] / seg.size), "base_share": sp["base_share"],
            "intercept": float(w.seg_intercept[j]), "tilt": dict(_SEGMENT_TILT[s]),
            "r": sp["r"], "alpha": sp["alpha"], "mean_lam_per_week": sp["r"] / sp["alpha"],
            "a": sp["a"], "b": sp["b"], "mean_p_dropout": sp["a"] / (sp["a"] + sp["b"]),
            "p": sp["p"], "q": sp["q"], "gamma": sp["gamma"],
            "mean_spend": sp["p"] * sp["gamma"] / (sp["q"] - 1),
            "subscription_propensity": _SUB_PROPENSITY[s], "plan_p": list(_PLAN_P[s]),
            "contract_p": list(_CONTRACT_P[s]),
        }
    return out


def _satisfaction_truth() -> dict:
    return {
        "variable": "eta_satisfaction (standardized latent, mean 0, sd 1)",
        "purchase_rate": {"coef": _SAT_LAM, "form": "lam = lam0 * exp(coef * eta_satisfaction), "
                          "lam0 ~ Gamma(r, alpha) per week"},
        "dropout": {"coef": _SAT_DROPOUT, "form": "logit p = logit p0 + coef * eta_satisfaction, "
                    "p0 ~ Beta(a, b); no dropout at the trial purchase"},
        "spend": {"coef": _SAT_SPEND, "form": "nu = nu0 * exp(-coef * eta_satisfaction), "
                  "nu0 ~ Gamma(q, gamma); mean spend p / nu rises by exp(coef) per sd"},
        "complaints": {"base_per_year": _COMPLAINT_BASE_PER_YEAR, "coef": _COMPLAINT_SAT,
                       "coef_eta_complaint": _COMPLAINT_CMP,
                       "after_dropout_days": _COMPLAINT_AFTER_DROPOUT_DAYS,
                       "form": "rate per year = base * exp(coef * eta_satisfaction + "
                               "coef_eta_complaint * eta_complaint)"},
        "churn": {"coef": _HAZARD_COEF["satisfaction"], "form": "log hazard ratio per sd"},
        "response": {"coef": _RESP_SAT, "form": "log-odds of response per sd"},
        "complaint_categories": list(COMPLAINT_CATEGORIES),
        "resolution_mean_days": dict(zip(COMPLAINT_CATEGORIES, _RESOLUTION_MEAN_DAYS,
                                         strict=True)),
        "resolution_shape": _RESOLUTION_SHAPE, "never_resolved": _NEVER_RESOLVED,
    }


def _hazard_truth() -> dict:
    k, s = _HAZARD_SHAPE, _HAZARD_SCALE_MONTHS
    return {
        "model": "weibull_proportional_hazards", "time_unit": "months",
        "shape": k, "scale_months": s, "coefficients": dict(_HAZARD_COEF),
        "reference": {"plan": "basic", "contract": "month-to-month"},
        "covariates": {"satisfaction": "truth.customers.eta_satisfaction",
                       "monthly_price": "per currency unit"},
        "parametrisation": "h(t|x) = (shape/scale) * (t/scale)**(shape-1) * exp(x'beta); "
                           "S(t|x) = exp(-(t/scale)**shape * exp(x'beta)); coefficients are "
                           "log hazard ratios (what a Cox model estimates)",
        "aft": {"intercept": float(np.log(s)), "rho": k,
                "coefficients": {c: -b / k for c, b in _HAZARD_COEF.items()},
                "form": "lifelines WeibullAFTFitter: lambda(x) = exp(intercept + x'coef)"},
        "plan_price": dict(zip(PLANS, _PLAN_PRICE, strict=True)),
        "contract_multiplier": dict(zip(CONTRACTS, _CONTRACT_MULT, strict=True)),
        "price_growth_per_year": _PRICE_GROWTH_PER_YEAR,
        "promo": {"share": _PROMO_SHARE, "discount": _PROMO_DISCOUNT},
    }


def _rules_truth(w: _World) -> list:
    out = []
    for ante, cons, conf in w.rules:
        out.append({"antecedent": [int(w.product_ids[a]) for a in ante],
                    "consequent": int(w.product_ids[cons]), "confidence": conf,
                    "antecedent_categories": [CATEGORIES[w.product_cat[a]] for a in ante],
                    "consequent_category": CATEGORIES[w.product_cat[cons]],
                    "planted_pair_rate": _PAIR_RATE if len(ante) == 2 else 0.0})
    return out


def _products(w: _World) -> pd.DataFrame:
    return pd.DataFrame({"product_id": w.product_ids.astype(np.int64),
                         "category": _labels(w.product_cat, CATEGORIES),
                         "list_price": w.list_price, "popularity": w.popularity})


def _response_truth(w: _World) -> dict:
    return {
        "campaigns": [{"campaign": name, "date": str((w.start + np.timedelta64(d, "D"))
                                                     .astype("datetime64[D]")),
                       "channel": ch, "intercept": b0}
                      for (name, _, ch, b0), d in zip(_CAMPAIGNS, w.campaign_day, strict=True)],
        "contact_share": _CONTACT_SHARE, "treated_share": _TREATED_SHARE,
        "window_days": _RESPONSE_WINDOW_DAYS,
        "satisfaction": _RESP_SAT, "recency": _RESP_RECENCY,
        "recency_transform": f"z = (log1p(recency_days) - {_RECENCY_CENTRE}) / {_RECENCY_SCALE}; "
                             "recency_days = campaign date - last purchase before it",
        "segment": dict(_RESP_SEGMENT), "treatment": dict(_RESP_TREAT),
        "form": "logit P(respond) = intercept[campaign] + satisfaction * eta_satisfaction + "
                "recency * z + segment[s] + treated * treatment[s]",
    }
