"""Customer selection and acquisition (客户选择与客户开发).

Four questions, in the order of chapter 7:

1. **Who is worth acquiring?** :func:`early_value_table` turns the transaction log and the
   customer table into one row per customer with what is known right after the first
   purchase (acquisition channel, first basket, demographics) and the value realised in the
   ``horizon_days`` that followed (``value_after``, ``retained``). :class:`EarlyValueModel`
   predicts the later value from the early facts; :func:`value_by_channel` compares value
   and retention across acquisition channels.
2. **What does a customer cost, and where should the budget go?**
   :func:`channel_economics` gives the cost per acquired customer (CAC), the customer value
   (CLV over the horizon, at the gross ``margin``), CLV : CAC and the payback period by
   channel. :func:`allocate_budget` splits a budget across channels whose customers come
   with diminishing returns (``customers = current * (spend / current spend) ** elasticity``)
   and :func:`allocation_sensitivity` shows how the split moves with the budget and the
   elasticity.
3. **Whom to contact?** :func:`campaign_table` checks a prospect campaign (one row per
   contact). :class:`ResponseModel` is a logistic response model with one intercept per
   channel; :func:`response_truth` compares it with the simulator's model. :func:`response_lift`
   gives gains and lift (via :func:`crm_lab.churn.lift_table`), :class:`LookalikeModel`
   scores prospects by their resemblance to the best current customers, and
   :func:`mailing_depth` finds the profit-maximising depth of a mailing beside the
   :func:`break_even_rate` (cost per contact / margin per response).
4. **Does the new offer work?** :func:`sample_size` (statsmodels' ``NormalIndPower`` with
   Cohen's effect size *h*), :func:`simulate_power` (the same design simulated),
   :func:`analyse_test` (a randomised test with its interval) and :func:`peeking_simulation`
   (the false-positive rate when a test is looked at repeatedly and stopped at the first
   "significant" look).

Your own campaign file
----------------------
A prospect / campaign CSV has one row per contact with the columns

============  ==============================================================================
column        meaning
============  ==============================================================================
prospect_id   who was contacted (any id; unique per row)
channel       the campaign channel (text), e.g. ``search``, ``social``, ``partner``
cost          cost of the contact, in money (>= 0)
responded     1 / 0 (or True / False): did the prospect become a customer
age           age in years (numeric; used by the default response model)
income_band   ``low`` / ``middle`` / ``high`` (reference ``low``)
city_tier     1 / 2 / 3 (reference 2)
gender        ``female`` / ``male`` (reference ``female``)
group         optional: ``control`` / ``offer`` when the file is a randomised offer test
============  ==============================================================================

Other names are mapped with keyword arguments (``campaign_table(df, channel="medium",
responded="converted")``), other predictors with ``ResponseModel(numeric=..., categorical=...)``.
In the chapter notebook set ``data = "my_campaign.csv"``; ``crm_lab.book.load`` then reads it
as the ``acquisition_contacts`` table and the sections that need transactions are skipped.

References
----------
Blattberg, R. C., Kim, B.-D. & Neslin, S. A. (2008). *Database Marketing: Analyzing and
Managing Customers*. Springer (chapters 9-11: response models, break-even, depth of mailing).

Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.
Erlbaum (chapter 6: the effect size *h* for proportions and table 6.4.1 of sample sizes).

Gupta, S., Lehmann, D. R. & Stuart, J. A. (2004). Valuing customers. *Journal of Marketing
Research* 41(1), 7-18.

Johari, R., Koomen, P., Pekelis, L. & Walsh, D. (2017). Peeking at A/B tests. *KDD '17*,
1517-1525.
"""

from crm_lab.acquisition._common import CATEGORICAL, DEMOGRAPHICS, NUMERIC
from crm_lab.acquisition.economics import (
    Allocation,
    allocate_budget,
    allocation_sensitivity,
    channel_economics,
    true_cac,
)
from crm_lab.acquisition.targeting import (
    LookalikeModel,
    MailingPlan,
    ResponseModel,
    break_even_rate,
    campaign_table,
    mailing_depth,
    response_lift,
    response_truth,
    split_sample,
    true_response_probability,
)
from crm_lab.acquisition.testing import (
    TestResult,
    analyse_test,
    peeking_simulation,
    power,
    power_curve,
    sample_size,
    simulate_offer_test,
    simulate_power,
)
from crm_lab.acquisition.value import (
    EarlyValueModel,
    early_value_table,
    value_by_channel,
)

__all__ = [
    "DEMOGRAPHICS", "NUMERIC", "CATEGORICAL", "early_value_table", "EarlyValueModel",
    "value_by_channel", "channel_economics", "true_cac", "allocate_budget", "Allocation",
    "allocation_sensitivity", "campaign_table", "split_sample", "ResponseModel",
    "response_truth", "true_response_probability", "response_lift", "LookalikeModel",
    "break_even_rate", "mailing_depth", "MailingPlan", "sample_size", "power", "power_curve",
    "simulate_power", "simulate_offer_test", "analyse_test", "TestResult",
    "peeking_simulation",
]
