"""Customer lifecycle, Markov-chain value, referral value and word of mouth.

客户生命周期管理、客户推荐管理与口碑管理. One module per concept:

* :mod:`~crm_lab.lifecycle.stages`: lifecycle stages (考察期、形成期、稳定期、退化期, lost)
  and recency states per customer and period, stage profiles and strategies;
* :mod:`~crm_lab.lifecycle.markov`: transition matrices with intervals and the
  Markov-chain customer value of Pfeifer & Carraway (2000), compared with BG/NBD;
* :mod:`~crm_lab.lifecycle.referral`: customer referral value and the CLV x CRV
  matrix of Kumar, Petersen & Leone (2007, 2010);
* :mod:`~crm_lab.lifecycle.wom`: does the recommendation score (NPS) predict
  referrals and growth?

Everything is importable from ``crm_lab.lifecycle``.
"""

from crm_lab.lifecycle.markov import (
    MarkovChainCLV,
    Transitions,
    ValueComparison,
    compare_with_bgnbd,
    first_passage_time,
    markov_value,
    state_rewards,
    steady_state,
    transition_matrix,
)
from crm_lab.lifecycle.referral import (
    VALUE_SEGMENTS,
    ReferralPropensity,
    check_referrals,
    customer_referral_value,
    referral_counts,
    referrals_from_customers,
    referred_value,
    value_matrix,
    value_matrix_summary,
)
from crm_lab.lifecycle.stages import (
    STAGE_STRATEGIES,
    STAGES,
    current_stage,
    lifecycle_stages,
    recency_states,
    stage_profiles,
)
from crm_lab.lifecycle.wom import (
    GroupGrowth,
    WomEffects,
    nps_growth,
    recommend_effects,
)

__all__ = [
    "STAGES", "STAGE_STRATEGIES", "lifecycle_stages", "recency_states", "current_stage",
    "stage_profiles",
    "Transitions", "transition_matrix", "state_rewards", "markov_value", "steady_state",
    "first_passage_time", "MarkovChainCLV", "ValueComparison", "compare_with_bgnbd",
    "VALUE_SEGMENTS", "check_referrals", "referrals_from_customers", "ReferralPropensity",
    "referral_counts", "referred_value",
    "customer_referral_value", "value_matrix", "value_matrix_summary",
    "WomEffects", "recommend_effects", "GroupGrowth", "nps_growth",
]
