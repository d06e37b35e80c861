"""The global part of a simulation: structural model, product catalogue, planted rules."""

from __future__ import annotations

import numpy as np

from crm_lab.simulate import behaviour, response
from crm_lab.simulate._common import (
    _ACSI_PATHS,
    _CAMPAIGNS,
    _CATEGORY_MEDIAN_PRICE,
    _ITEM_SCALE,
    _LOADINGS,
    _MIN_RESPONDENTS,
    _PATHS,
    _PRODUCTS_PER_CATEGORY,
    _RECOMMEND,
    _RULE_SPECS,
    _SEGMENT_PARAMS,
    _ZIPF,
    CATEGORIES,
    LATENTS,
    SEGMENTS,
)

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

    def __init__(self, n_customers, start, end, survey_share, subscription_share, rng_global,
                 competition=0.8, recovery_paradox=False):
        self.n = n_customers
        self.end = end
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
        # segment signatures: promotions, seasonality, category focus
        self.calendar = behaviour.promotion_calendar(self.start, self.n_days)
        self.promo_rate, self.season, self.cum_intensity = behaviour.daily_factors(
            self.start, self.n_days, self.calendar)
        cdfs = behaviour.category_cdfs(self.product_cat, self.popularity)
        self.cat_products = np.concatenate([idx for idx, _ in cdfs])
        self.cat_cum_shifted = np.concatenate([c + np.r_[np.minimum(cdf[:-1], 1.0), 1.0]
                                               for c, (_, cdf) in enumerate(cdfs)])
        # nonlinear loyalty response: a He3 term that leaves every linear moment unchanged
        self.competition = float(competition)
        self.kappa = response.kappa_of(competition)
        self.rho = float(self.structural["latent_correlation"]["loyalty"]["satisfaction"])
        self.b3 = self.kappa * self.rho * np.sqrt(6) / 3
        j = LATENTS.index("loyalty")
        self.psi = self.psi.copy()
        self.psi[j] -= self.b3**2
        if self.psi[j] <= 0.01:  # pragma: no cover - guards edits of the constants
            raise RuntimeError("loyalty response leaves no disturbance variance")
        self.recovery_paradox = bool(recovery_paradox)
        self.recovery = response.effects(self.recovery_paradox)


