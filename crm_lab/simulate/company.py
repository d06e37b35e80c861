"""The :class:`Company` (tables) and :class:`Truth` (what generated them) containers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from crm_lab.simulate._common import (
    _DTYPE,
    _EXACT_FLOATS,
    _SCHEMA,
    _cast,
    _jsonable,
)
from crm_lab.validate import ParameterError, check_param

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
    behaviour : dict
        Segment signatures: promotion calendar and the uplift of purchase intensity in
        promotions, seasonality, probability of buying on promotion, category focus and
        channel tilts.
    loyalty_response : dict
        The nonlinear satisfaction-loyalty response: ``competition``, the cubic weight
        ``kappa`` and the forms for stated (survey) and behavioural (dropout) loyalty.
    service_recovery : dict
        How complaint handling (fast, slow, unresolved) moves dropout, stated loyalty and
        membership churn, and whether the service-recovery ``paradox`` holds.
    calls : dict
        Call-centre parameters: arrival profiles, handle-time and patience distributions,
        the staffing rule.
    call_intervals : DataFrame
        Indexed by ``interval`` (half-hour start): true ``rate_calls``, ``agents`` on duty
        and ``aht_s``.
    acquisition : dict
        Acquisition campaigns: response-model coefficients, cost per contact, expected
        response rate and cost per acquired customer by channel.
    referrals : dict
        Referral propensity coefficients.
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
    behaviour: dict = field(default_factory=dict)
    loyalty_response: dict = field(default_factory=dict)
    service_recovery: dict = field(default_factory=dict)
    calls: dict = field(default_factory=dict)
    call_intervals: pd.DataFrame | None = None
    acquisition: dict = field(default_factory=dict)
    referrals: dict = field(default_factory=dict)

    #: The parameter dicts written to ``truth.json``.
    PARTS: ClassVar[tuple[str, ...]] = ("segments", "structural", "satisfaction_effects",
                                        "hazard", "rules", "response", "behaviour",
                                        "loyalty_response", "service_recovery", "calls",
                                        "acquisition", "referrals")

    def to_dict(self) -> dict:
        """All parameters as plain JSON types (the frames ``customers`` and ``uplift`` excluded).

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> t = simulate_company(n_customers=300, seed=1).truth
        >>> sorted(t.to_dict())[:4]
        ['acquisition', 'behaviour', 'calls', 'hazard']
        """
        out = {k: getattr(self, k) for k in self.PARTS}
        out["products"] = {c: self.products[c].tolist() for c in self.products.columns}
        return _jsonable(out)

    def summary(self, kind: str = "segments") -> pd.DataFrame:
        """The truth at a glance: per segment, or one row per mechanism.

        Parameters
        ----------
        kind : {"segments", "mechanisms"}
            ``"segments"``: one row per segment with its share, the implied mean purchase
            rate, dropout and spend, and its behavioural signature (probability of buying
            on promotion, uplift in promotions, share of items from its two favourite
            categories, peak-season multiplier). ``"mechanisms"``: one row per mechanism of
            the world (table, what drives it, the key parameters in words).

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> t = simulate_company(n_customers=300, seed=1).truth
        >>> t.summary().index.tolist()
        ['champions', 'regulars', 'occasional', 'bargain_hunters']
        >>> "service recovery" in t.summary("mechanisms").index
        True
        """
        check_param("kind", kind, allowed=["segments", "mechanisms"])
        if kind == "mechanisms":
            return _mechanisms(self)
        rows = {
            s: {k: v[k] for k in ("share", "r", "alpha", "mean_lam_per_week", "a", "b",
                                  "mean_p_dropout", "p", "q", "gamma", "mean_spend")}
            for s, v in self.segments.items()
        }
        out = pd.DataFrame.from_dict(rows, orient="index")
        sig = self.behaviour.get("segments", {})
        for col in ("p_promo_in_window", "promo_intensity", "focus", "season_peak"):
            out[col] = [sig.get(s, {}).get(col, np.nan) for s in out.index]
        out.index.name = "segment"
        return out

    def __repr__(self) -> str:
        return (f"Truth({len(self.customers):,} customers, {len(self.segments)} segments, "
                f"{len(self.structural['paths'])} structural paths, {len(self.rules)} rules, "
                f"{len(self.uplift):,} contacts, {len(self.call_intervals):,} call intervals)")


@dataclass(repr=False, eq=False)
class Company:
    """A simulated company: eleven tables, the truth behind them and the arguments used.

    Make one with :func:`simulate_company`; save and load it with
    :meth:`to_folder` and :meth:`from_folder`.

    Attributes
    ----------
    customers, transactions, line_items, survey, complaints, subscriptions, contacts : DataFrame
        The tables (columns described in :mod:`crm_lab.simulate`).
    promotions, calls, prospects, acquisition_contacts : DataFrame
        The promotion calendar, the inbound call log, the prospects and the acquisition
        campaign contacts.
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
    promotions: pd.DataFrame
    calls: pd.DataFrame
    prospects: pd.DataFrame
    acquisition_contacts: pd.DataFrame
    truth: Truth
    params: dict

    TABLES: ClassVar[tuple[str, ...]] = ("customers", "transactions", "line_items", "survey",
                                         "complaints", "subscriptions", "contacts",
                                         "promotions", "calls", "prospects",
                                         "acquisition_contacts")

    def summary(self) -> pd.DataFrame:
        """Rows and columns per table.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
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
        >>> from crm_lab.simulate import Company, simulate_company
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
        self.truth.call_intervals.reset_index().to_csv(folder / "truth_call_intervals.csv.gz",
                                                       index=False, compression=gz)
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
            call_intervals=_read_table(folder / "truth_call_intervals.csv.gz",
                                       "truth_call_intervals").set_index("interval"),
            **{k: t[k] for k in Truth.PARTS[6:]},
        )
        return cls(**tables, truth=truth, params=meta["params"])


def _read_table(path: Path, table: str) -> pd.DataFrame:
    schema = _SCHEMA[table]
    dtype = {c: ("str" if k in ("date", "datetime") else _DTYPE[k]) for c, k in schema.items()}
    df = pd.read_csv(path, dtype=dtype, **_EXACT_FLOATS)
    return _cast(df, table)




def _mechanisms(t: Truth) -> pd.DataFrame:
    """One row per mechanism: the table it shows in, what drives it, key parameters."""
    lr, sr, ac = t.loyalty_response, t.service_recovery, t.acquisition
    beh, ca = t.behaviour, t.calls
    rows = [
        ("segments", "customers (latent segment)",
         "multinomial logit on demographics", f"{len(t.segments)} segments"),
        ("purchases", "transactions", "BG/NBD with seasonal and promotion intensity per segment",
         f"{len(beh.get('promotions', []))} promotions, seasonality by segment"),
        ("promotions", "transactions.discount, promotions",
         "segment's probability of buying on promotion",
         "discount = amount * rate / (1 - rate)"),
        ("baskets", "line_items", "favourite categories per customer, planted rules",
         f"{len(t.rules)} rules"),
        ("satisfaction", "survey", "recursive structural model (ECSI superset)",
         f"{len(t.structural['paths'])} paths"),
        ("loyalty response", "survey loyalty items, dropout",
         "cubic in satisfaction, middle flattens with competition",
         f"competition {lr.get('competition')}, kappa {lr.get('kappa')}"),
        ("complaints", "complaints", "Poisson in satisfaction and eta_complaint",
         "resolution Gamma by category"),
        ("service recovery", "transactions (dropout), survey, subscriptions",
         "handling of each complaint: fast / slow / unresolved",
         f"paradox {sr.get('paradox')}"),
        ("membership churn", "subscriptions", "Weibull proportional hazards",
         f"shape {t.hazard['shape']}"),
        ("campaign response", "contacts", "logistic with segment-specific uplift",
         f"{len(t.response['campaigns'])} campaigns"),
        ("service calls", "calls", "crm_lab.callcentre.simulate_calls on a staffing schedule",
         f"{ca.get('weeks')} weeks, AHT {ca.get('handle', {}).get('mean_s')} s, "
         f"patience {ca.get('patience', {}).get('mean_s')} s"),
        ("acquisition", "prospects, acquisition_contacts",
         "logistic response of prospects by channel",
         ", ".join(f"{c}: {v['cost_per_acquired_customer']:.0f} per customer"
                   for c, v in ac.get("channels", {}).items())),
        ("referrals", "customers.referred_by", "referrer drawn by satisfaction and loyalty",
         ", ".join(f"{k} {v}" for k, v in t.referrals.get("coefficients", {}).items())),
    ]
    out = pd.DataFrame(rows, columns=["mechanism", "table", "driven_by", "parameters"])
    return out.set_index("mechanism")
