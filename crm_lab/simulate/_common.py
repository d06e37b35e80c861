"""World constants, table schemas and small array helpers of the simulated company."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
        "acquisition_channel": "str", "segment": "str", "referred_by": "Int64",
        "referral_date": "date",
    },
    "transactions": {
        "transaction_id": "int", "customer_id": "int", "date": "date", "amount": "float",
        "channel": "str", "discount": "float",
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
        "favourite_categories": "str", "recovery_dropout_effect": "float",
    },
    "promotions": {
        "promotion_id": "int", "name": "str", "start_date": "date", "end_date": "date",
        "discount_rate": "float",
    },
    "calls": {
        "call_id": "int", "customer_id": "Int64", "arrival": "datetime", "wait_s": "float",
        "handle_s": "float", "abandoned": "bool", "reason": "str",
    },
    "prospects": {
        "prospect_id": "int", "region": "str", "city_tier": "int", "age": "int", "gender": "str",
        "education": "str", "income_band": "str", "customer_id": "Int64",
    },
    "acquisition_contacts": {
        "contact_id": "int", "prospect_id": "int", "campaign": "str", "channel": "str",
        "date": "date", "cost": "float", "responded": "bool",
    },
    "truth_call_intervals": {
        "interval": "datetime", "rate_calls": "float", "agents": "int", "aht_s": "float",
    },
    "truth_contacts": {
        "contact_id": "int", "customer_id": "int", "p_control": "float", "p_treated": "float",
        "uplift": "float",
    },
}
_DTYPE = {"int": "int64", "Int64": "Int64", "float": "float64", "bool": "bool", "str": "str"}
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
        elif kind == "datetime":
            if not pd.api.types.is_datetime64_any_dtype(s):
                s = pd.to_datetime(s, format="ISO8601")
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


