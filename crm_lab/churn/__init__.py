"""Chapter 5: customer churn, retention and win-back (客户流失、客户保持与流失客户赢回).

One module per step of the chapter, all importable from here:

* :mod:`~crm_lab.churn.data`: defining churn. The contractual churn table (one row per
  customer: id, ``tenure``, ``churned``, features; :func:`check_churn_table`), the
  company's memberships in that shape (:func:`membership_table`), the inactivity threshold
  of non-contractual churn (:func:`inactivity_churn_rates`) and the kinds of churn
  (:func:`churn_kinds`).
* :mod:`~crm_lab.churn.features`: features as of a cut-off date, the label after it.
* :mod:`~crm_lab.churn.models`: :class:`ChurnClassifier` (pipelines), cross-validation with
  and without the resampling leak, :class:`OddsRatioLogit`.
* :mod:`~crm_lab.churn.evaluation`: :func:`lift_table`, gains, calibration.
* :mod:`~crm_lab.churn.targeting`: expected profit of an offer, profit curves, uplift.
* :mod:`~crm_lab.churn.survival`: :class:`KaplanMeier`, :func:`logrank_test`,
  :class:`CoxModel`.
* :mod:`~crm_lab.churn.winback`: value and reason of lost customers, the win-back rule.

Examples
--------
>>> from crm_lab import churn
>>> from crm_lab.datasets import load_telco_churn
>>> table = churn.check_churn_table(load_telco_churn())  # doctest: +SKIP
"""

from crm_lab.churn.data import (
    CHURN_KINDS,
    ImputationWarning,
    check_churn_table,
    churn_kinds,
    inactivity_churn_rates,
    membership_table,
)
from crm_lab.churn.evaluation import (
    calibration_table,
    classification_summary,
    gains_curve,
    lift_table,
    top_decile_lift,
)
from crm_lab.churn.features import DEMOGRAPHICS, churn_features, churn_labels
from crm_lab.churn.models import (
    MODELS,
    ChurnClassifier,
    CVResult,
    OddsRatioLogit,
    compare_models,
    cross_validate_churn,
    split_xy,
)
from crm_lab.churn.survival import (
    CoxModel,
    KaplanMeier,
    LogRankResult,
    compare_hazard_truth,
    logrank_test,
)
from crm_lab.churn.targeting import (
    UPLIFT_METHODS,
    UpliftModel,
    campaign_features,
    compare_targeting,
    cross_predict_uplift,
    expected_offer_profit,
    profit_curve,
    qini_curve,
    true_uplift_curve,
)
from crm_lab.churn.winback import (
    DEFAULT_WIN_RATES,
    value_tiers,
    winback_offers,
    winback_summary,
)

__all__ = [
    "CHURN_KINDS", "ImputationWarning", "check_churn_table", "churn_kinds",
    "inactivity_churn_rates", "membership_table",
    "DEMOGRAPHICS", "churn_features", "churn_labels",
    "MODELS", "ChurnClassifier", "CVResult", "OddsRatioLogit", "compare_models",
    "cross_validate_churn", "split_xy",
    "calibration_table", "classification_summary", "gains_curve", "lift_table",
    "top_decile_lift",
    "UPLIFT_METHODS", "UpliftModel", "campaign_features", "compare_targeting",
    "cross_predict_uplift",
    "expected_offer_profit", "profit_curve", "qini_curve", "true_uplift_curve",
    "CoxModel", "KaplanMeier", "LogRankResult", "compare_hazard_truth", "logrank_test",
    "DEFAULT_WIN_RATES", "value_tiers", "winback_offers", "winback_summary",
]
