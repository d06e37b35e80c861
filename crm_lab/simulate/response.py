"""The nonlinear satisfaction-loyalty response and service recovery after complaints.

Loyalty response
----------------
Stated loyalty: ``eta_loyalty = linear SEM part + b3 * He3(eta_satisfaction) / sqrt(6) + e``
with ``He3(s) = s^3 - 3 s``. ``He3`` of a standard normal is uncorrelated with every linear
function of the (jointly normal) latents, so every covariance, correlation and linear path
of the structural model is unchanged; only the disturbance variance shrinks by ``b3^2``.
The conditional mean is ``E[eta_loyalty | s] = rho * g(s)`` with ``rho`` = corr(loyalty,
satisfaction) and ``g(s) = (1 - kappa) s + kappa s^3 / 3``: flat in the middle when
``kappa`` is near 1 (high competition: the merely satisfied are not loyal), linear at 0,
steeper in the middle with flatter ends below 0 (low competition). Behavioural loyalty uses
the same ``g`` (capped at |s| <= 3) in the dropout log-odds.
``kappa = 1.25 * competition - 0.25`` for ``competition`` in [0, 1].

Service recovery
----------------
Every complaint is handled ``fast`` (resolved within :data:`FAST_DAYS` days), ``slow``
(resolved later) or ``unresolved``. From the day the customer knows the outcome
(resolution, or 30 days for unresolved) each complaint adds its effect to the dropout
log-odds at every later purchase, to stated loyalty (in sd of ``eta_loyalty``) of a later
survey answer and to the log hazard of membership churn (first complaint during the
membership). With the service-recovery paradox a fast, resolved complaint leaves the
customer *more* loyal than the same customer without a complaint.
"""

from __future__ import annotations

import numpy as np

FAST_DAYS = 3.0
UNRESOLVED_KNOWN_DAYS = 30
HANDLING = ("fast", "slow", "unresolved")
#: Effects per complaint by handling: dropout log-odds, stated loyalty (sd), log hazard ratio.
RECOVERY = {
    "dropout": {"fast": 0.15, "slow": 0.50, "unresolved": 1.00},
    "stated_loyalty": {"fast": -0.10, "slow": -0.35, "unresolved": -0.70},
    "churn_log_hr": {"fast": 0.10, "slow": 0.40, "unresolved": 0.80},
}
#: The fast-handling effects when the paradox holds.
PARADOX = {"dropout": -0.40, "stated_loyalty": 0.35, "churn_log_hr": -0.30}


def kappa_of(competition: float) -> float:
    return 1.25 * float(competition) - 0.25


def g(s: np.ndarray, kappa: float, cap: float | None = None) -> np.ndarray:
    """The response shape ``(1 - kappa) s + kappa s^3 / 3``."""
    if cap is not None:
        s = np.clip(s, -cap, cap)
    return (1 - kappa) * s + kappa * s**3 / 3


def effects(paradox: bool) -> dict[str, np.ndarray]:
    """Per outcome, the effect of a fast / slow / unresolved complaint (index 0, 1, 2)."""
    out = {}
    for k, v in RECOVERY.items():
        arr = np.array([v[h] for h in HANDLING])
        if paradox:
            arr[0] = PARADOX[k]
        out[k] = arr
    return out


def loyalty_truth(competition: float, rho: float, b3: float) -> dict:
    kappa = kappa_of(competition)
    return {
        "competition": float(competition), "kappa": kappa, "rho": rho, "b3": b3,
        "stated": "eta_loyalty = SEM linear part + b3 * (s^3 - 3 s) / sqrt(6) + e, "
                  "s = eta_satisfaction; E[eta_loyalty | s] = rho * ((1 - kappa) s + kappa "
                  "s^3 / 3); linear paths and latent correlations unchanged",
        "behavioural": "logit p_dropout = logit p0 + coef * ((1 - kappa) c + kappa c^3 / 3), "
                       "c = clip(eta_satisfaction, -3, 3)",
        "kappa_of_competition": "kappa = 1.25 * competition - 0.25",
        "middle_slope": (1 - kappa) * rho,
    }


def recovery_truth(paradox: bool) -> dict:
    eff = effects(paradox)
    return {
        "paradox": bool(paradox), "fast_days": FAST_DAYS,
        "unresolved_known_days": UNRESOLVED_KNOWN_DAYS,
        "effects": {k: dict(zip(HANDLING, map(float, v), strict=True)) for k, v in eff.items()},
        "form": "from resolution day (or complaint day + 30 if unresolved) each complaint adds "
                "effects[outcome][handling]: dropout log-odds at later purchases, stated "
                "loyalty in sd of eta_loyalty at a later survey, log hazard ratio of "
                "membership churn after the first complaint during the membership",
        "handling": "fast: resolved within fast_days; slow: resolved later; unresolved: never "
                    "resolved (5 %) or still open at the end",
        "comparison": "against the same customer without the complaint (complainers are less "
                      "satisfied, so a raw comparison with non-complainers is confounded)",
    }
