"""Customer care, interaction and complaints (客户关怀、客户互动与客户投诉).

Three parts, in the order of chapter 8:

1. **Did the care or contact programme work?** :func:`contact_outcomes` turns a campaign's
   contact list and the transaction log into one row per contact: what the customer did in
   the year before the contact (recency, purchases, spend) and in the ``window_days`` after
   it (``retained`` = bought again, ``post_spend``). :func:`randomised_effect` compares the
   randomly treated with the randomly held-out control group (a difference in means with a
   normal interval): with randomisation this *is* the causal effect. :func:`naive_effect`
   makes the same comparison on a *self-selected* split (for example responders against
   non-responders), and :func:`adjusted_effect` corrects it by inverse probability weighting
   (IPW, a logistic propensity score on the pre-contact behaviour) or by regression
   adjustment. :func:`compare_estimates` puts the three beside the randomised answer.
2. **Complaints**: what (:func:`complaint_pareto` by category or channel), how many
   (:func:`complaint_rates`: complaints per 1,000 customers per period with u-chart limits
   from :func:`crm_lab.spc.u_chart`), how fast (:func:`kaplan_meier` and
   :func:`resolution_summary`: time to resolution as a survival outcome, still-open
   complaints censored, beside the naive mean of the resolved ones; service-level compliance
   as the share resolved within a target number of days) and what they go with
   (:func:`complainer_outcomes`, with :func:`lapsed`: complaints arrive only while a customer
   is active, so complainers look *more* loyal than the silent, although in the simulated
   company a complaint itself only ever raises the dropout).
3. **Service recovery**: :func:`handling_groups` labels each customer *never complained*,
   *well handled* (every complaint resolved within the target) or *poorly handled*;
   :func:`service_recovery` compares a later outcome (loyalty, churn) across the groups with
   intervals and :func:`recovery_effects` adjusts the comparisons for who complains: the
   *service-recovery paradox* question (does a well-handled complainer end up more loyal than
   a customer who never complained?) and the worth of good handling.
   :func:`simulate_service_recovery`
   makes a small world with a known handling effect and a known paradox, to check the
   method.

What the simulated company records: contacts are randomised 50/50 (``treated``) and the
response (``responded``) depends on treatment, satisfaction, recency and segment; the
purchase process does **not** depend on being contacted, so the true effect of a contact on
later retention and spend is exactly zero, while its true effect on response is the mean of
``truth.uplift["uplift"]``. Complaints and churn are both driven by satisfaction, and complaint
handling changes what follows (``truth.service_recovery``): from the day the customer learns the
outcome, each complaint moves stated loyalty at a later survey, the membership churn hazard and
the purchase dropout, by how it was handled (fast, slow, unresolved).
:func:`complaint_handling` labels each complaint so, :func:`loyalty_after_complaints` (OLS on
the survey, using the timing of complaints against the survey day) and
:func:`churn_after_complaints` (a Cox model with the complaint as a time-varying covariate)
estimate the effects, and :func:`recovery_check` puts them beside :func:`true_recovery`.

The module is split by part: :mod:`crm_lab.care.programmes`, :mod:`crm_lab.care.complaints`
and :mod:`crm_lab.care.recovery`; everything is importable from ``crm_lab.care``.

References
----------
Austin, P. C. & Stuart, E. A. (2015). Moving towards best practice when using inverse
probability of treatment weighting (IPTW) using the propensity score. *Statistics in Medicine*
34(28), 3661-3679.

Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
*Journal of the American Statistical Association* 53(282), 457-481.

Smith, A. K. & Bolton, R. N. (1998). An experimental investigation of customer reactions to
service failure and recovery encounters: paradox or peril? *Journal of Service Research*
1(1), 65-81.

de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service recovery paradox: a
meta-analysis. *Journal of Service Research* 10(1), 60-77.
"""

from crm_lab.care.complaints import (
    complainer_outcomes,
    complaint_pareto,
    complaint_rates,
    kaplan_meier,
    lapsed,
    resolution_summary,
    true_resolution,
)
from crm_lab.care.programmes import (
    COVARIATES,
    adjusted_effect,
    compare_estimates,
    contact_frequency,
    contact_outcomes,
    difference_in_means,
    naive_effect,
    randomised_effect,
    true_uplift,
)
from crm_lab.care.recovery import (
    HANDLING,
    HANDLING_GROUPS,
    churn_after_complaints,
    complaint_handling,
    handling_groups,
    loyalty_after_complaints,
    recovery_check,
    recovery_effects,
    service_recovery,
    simulate_service_recovery,
    true_recovery,
)

__all__ = [
    "COVARIATES", "contact_outcomes", "difference_in_means", "randomised_effect",
    "naive_effect", "adjusted_effect", "compare_estimates", "true_uplift",
    "contact_frequency",
    "complaint_pareto", "complaint_rates", "kaplan_meier", "resolution_summary",
    "true_resolution", "lapsed", "complainer_outcomes", "HANDLING_GROUPS", "handling_groups",
    "service_recovery", "recovery_effects", "simulate_service_recovery",
    "HANDLING", "complaint_handling", "loyalty_after_complaints", "churn_after_complaints",
    "true_recovery", "recovery_check",
]
