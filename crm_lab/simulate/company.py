"""The :class:`Company` (tables) and :class:`Truth` (what generated them) containers."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
from crm_lab.validate import ParameterError

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
        >>> from crm_lab.simulate import simulate_company
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
        >>> from crm_lab.simulate import simulate_company
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


