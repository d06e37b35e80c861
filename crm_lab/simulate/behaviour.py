"""Segment signatures: promotion calendar, seasonality, promotion use, category focus, channels.

Each segment's purchase intensity is multiplied by a daily factor ``m_s(day)``: a seasonal
curve times a promotion uplift on promotion days, scaled so that its mean over the window is
1. The BG/NBD rate ``lam_i`` is therefore the *average* weekly rate; purchases follow a
Poisson process in "operational time" ``Lambda_s(t) = integral of m_s``, which is how they
are simulated (exponential gaps in operational time, mapped back through ``Lambda_s``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.simulate._common import CATEGORIES, SEGMENTS

#: The yearly promotion calendar: name, first and last (month, day), discount rate.
PROMOTIONS = (
    ("spring sale", (3, 8), (3, 14), 0.15),
    ("mid-year 618", (6, 1), (6, 18), 0.20),
    ("singles day", (11, 1), (11, 11), 0.25),
    ("year-end sale", (12, 20), (12, 31), 0.15),
)
#: Everyday coupons outside promotions: discount rate.
COUPON_RATE = 0.10

#: Per segment: purchase-intensity multiplier on promotion days, probability that a purchase
#: on a promotion day (and outside) is on promotion / coupon, share of basket items from the
#: customer's two favourite categories (``focus``), weights for drawing the favourites,
#: seasonal multiplier in November-December (``season_peak``) and June-August
#: (``summer``), and channel log-odds (online is the reference; store, app).
SIGNATURES: dict[str, dict] = {
    "champions": dict(promo_intensity=1.0, p_promo_in_window=0.15, p_coupon=0.03,
                      focus=0.10, season_peak=1.0, summer=1.0, store=-0.3, app=2.8,
                      favourites=(3, 1, 1, 2, 1, 1, 2, 1)),
    "regulars": dict(promo_intensity=1.2, p_promo_in_window=0.30, p_coupon=0.05, focus=0.90,
                     season_peak=1.0, summer=0.8, store=3.0, app=-0.4,
                     favourites=(0.5, 3, 3, 1, 4, 1, 1, 0.5)),
    "occasional": dict(promo_intensity=1.5, p_promo_in_window=0.40, p_coupon=0.05, focus=0.85,
                       season_peak=10.0, summer=0.9, store=0.3, app=-1.2,
                       favourites=(3, 1, 0.5, 1, 0.3, 2, 1, 4)),
    "bargain_hunters": dict(promo_intensity=5.0, p_promo_in_window=0.95, p_coupon=0.70,
                            focus=0.85, season_peak=1.0, summer=1.0, store=-0.8, app=-0.8,
                            favourites=(0.3, 0.5, 3, 3, 4, 2, 0.5, 0.5)),
}


def promotion_calendar(start: np.datetime64, n_days: int) -> pd.DataFrame:
    """Every promotion inside the window, with ``start_day`` and ``end_day`` offsets."""
    t0 = pd.Timestamp(start)
    t1 = t0 + pd.Timedelta(days=n_days - 1)
    rows = []
    for year in range(t0.year, t1.year + 1):
        for name, (m0, d0), (m1, d1), rate in PROMOTIONS:
            a, b = pd.Timestamp(year, m0, d0), pd.Timestamp(year, m1, d1)
            if b < t0 or a > t1:
                continue
            a, b = max(a, t0), min(b, t1)
            rows.append({"name": f"{name} {year}", "start_date": a, "end_date": b,
                         "discount_rate": rate, "start_day": (a - t0).days,
                         "end_day": (b - t0).days})
    out = pd.DataFrame(rows, columns=["name", "start_date", "end_date", "discount_rate",
                                      "start_day", "end_day"])
    out.insert(0, "promotion_id", np.arange(1, len(out) + 1, dtype=np.int64))
    return out


def daily_factors(start: np.datetime64, n_days: int, calendar: pd.DataFrame):
    """``(promo_rate per day (0 outside promotions), m (4, n_days), cumulative (4, n_days+1))``.

    ``m[s, d]`` is segment ``s``'s intensity multiplier on day ``d`` (mean 1 over the window);
    ``cumulative[s, d]`` is its integral from day 0 to the start of day ``d``.
    """
    days = pd.date_range(pd.Timestamp(start), periods=n_days)
    month = days.month.to_numpy()
    promo_rate = np.zeros(n_days)
    for a, b, r in calendar[["start_day", "end_day", "discount_rate"]].itertuples(index=False):
        promo_rate[a:b + 1] = r
    in_promo = promo_rate > 0
    m = np.empty((len(SEGMENTS), n_days))
    for j, s in enumerate(SEGMENTS):
        sig = SIGNATURES[s]
        f = np.where(np.isin(month, (11, 12)), sig["season_peak"], 1.0)
        f = f * np.where(np.isin(month, (6, 7, 8)), sig["summer"], 1.0)
        f = f * np.where(in_promo, sig["promo_intensity"], 1.0)
        m[j] = f / f.mean()
    cum = np.zeros((len(SEGMENTS), n_days + 1))
    cum[:, 1:] = np.cumsum(m, axis=1)
    return promo_rate, m, cum


def category_cdfs(product_cat: np.ndarray, popularity: np.ndarray) -> list[np.ndarray]:
    """Per category: product indices and the cumulative within-category popularity."""
    out = []
    for c in range(len(CATEGORIES)):
        idx = np.flatnonzero(product_cat == c)
        p = popularity[idx] / popularity[idx].sum()
        out.append((idx, np.cumsum(p)))
    return out


def behaviour_truth(calendar: pd.DataFrame) -> dict:
    return {
        "promotions": [{"name": r.name, "start_date": str(r.start_date.date()),
                        "end_date": str(r.end_date.date()), "discount_rate": r.discount_rate}
                       for r in calendar.itertuples(index=False)],
        "coupon_rate": COUPON_RATE,
        "segments": {s: {k: (list(v) if isinstance(v, tuple) else v) for k, v in sig.items()}
                     for s, sig in SIGNATURES.items()},
        "intensity": "lam_i(day) = lam_i * m_s(day); m_s = season (Nov-Dec: season_peak, "
                     "Jun-Aug: summer) * promo_intensity on promotion days, scaled to mean 1 "
                     "over the window",
        "discount": "a purchase on a promotion day is on promotion with p_promo_in_window, "
                    "outside with p_coupon (coupon_rate); discount = amount * rate / (1 - rate) "
                    "(amount is what was paid)",
        "categories": "each customer draws two favourite categories (weights `favourites`); "
                      "each basket item comes from a favourite with probability `focus`, "
                      "else from the catalogue by popularity",
        "channels": "channel log-odds vs online: store / app tilts per segment added to the "
                    "demographic ones",
    }
