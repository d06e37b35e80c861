"""What every chapter notebook does first: check its parameters and load its data.

A chapter's ``parameters`` cell sets at least ``seed`` and ``data``. ``data`` is

* ``"simulated"`` (default): the simulated company of :mod:`crm_lab.simulate`. With the
  default ``seed=0`` and ``n_customers=5000`` the bundled copy in ``datasets/company`` is
  read (checksums verified); any other seed or size is simulated on the spot.
* ``"cdnow"``: the CDNOW master transaction log (real data, transactions only).
* a path to the reader's own CSV of transactions in the documented schema
  (``customer_id``, ``date``, ``amount``), read through :func:`crm_lab.datasets.load_transactions`.

:func:`load` returns a :class:`BookData` with one attribute per table; tables the source
does not have are ``None`` and ``truth`` is ``None`` for real data, so a chapter can say
which sections it skips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["BookData", "check_parameters", "load", "truth_paths", "truth_effects", "BUILTIN_DATA",
           "TABLES"]

#: Named data sources a chapter accepts besides a CSV path.
BUILTIN_DATA = ("simulated", "cdnow")
#: The tables of the simulated company, in the order the book presents them.
TABLES = ("customers", "transactions", "line_items", "survey", "complaints", "subscriptions",
          "contacts", "promotions", "calls", "prospects", "acquisition_contacts")
DEFAULT_SEED = 0
DEFAULT_N_CUSTOMERS = 5000


@dataclass
class BookData:
    """The tables a chapter works on. Absent tables are ``None``.

    Attributes
    ----------
    name : str
        ``"simulated"``, ``"cdnow"`` or the CSV's file name.
    transactions : DataFrame or None
        The transaction log in the documented schema.
    customers, line_items, survey, complaints, subscriptions, contacts : DataFrame or None
    truth : crm_lab.simulate.Truth or None
        What the simulator used; ``None`` for real data.
    params : dict
        How the data were made or read.
    """

    name: str
    transactions: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    line_items: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    complaints: pd.DataFrame | None = None
    subscriptions: pd.DataFrame | None = None
    contacts: pd.DataFrame | None = None
    promotions: pd.DataFrame | None = None
    calls: pd.DataFrame | None = None
    prospects: pd.DataFrame | None = None
    acquisition_contacts: pd.DataFrame | None = None
    truth: object | None = None
    params: dict = field(default_factory=dict)

    @property
    def is_simulated(self) -> bool:
        """True when the simulator's truth is available."""
        return self.truth is not None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {t: getattr(self, t) for t in TABLES if getattr(self, t) is not None}

    def summary(self) -> pd.DataFrame:
        """One row per table present: rows, columns and the dates it spans."""
        rows = {}
        for name, df in self.tables().items():
            dates = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
            first = min((df[c].min() for c in dates), default=pd.NaT)
            last = max((df[c].max() for c in dates), default=pd.NaT)
            rows[name] = {"rows": len(df), "columns": df.shape[1],
                          "first_date": first, "last_date": last}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "table"
        return out

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v):,}" for k, v in self.tables().items())
        return f"BookData({self.name!r}: {sizes})"


def check_parameters(*, seed=DEFAULT_SEED, data="simulated", n_customers=DEFAULT_N_CUSTOMERS,
                     **other) -> None:
    """Fail early, with a clear message, on a parameter a chapter cannot use.

    Parameters
    ----------
    seed : int >= 0
    data : str
        ``"simulated"``, ``"cdnow"`` or a path to an existing ``.csv`` file.
    n_customers : int >= 100
        Size of the simulated company (ignored for real data).
    **other
        Chapter knobs given as ``name=(value, spec)`` are not checked here; chapters check
        their own knobs with :func:`crm_lab.validate.check_param`.

    Raises
    ------
    ParameterError

    Examples
    --------
    >>> check_parameters(seed=1, data="cdnow")
    """
    check_param("seed", seed, kind=int, low=0, hint="Use a whole number such as 0, 1, 42.")
    check_param("n_customers", n_customers, kind=int, low=100,
                hint="Use at least 100 customers; the default is 5000.")
    if not isinstance(data, str | Path):
        raise ParameterError(f"parameter 'data' must be one of {list(BUILTIN_DATA)} or a path to "
                             f"a CSV file, got {data!r} ({type(data).__name__}).")
    if str(data) in BUILTIN_DATA:
        return
    path = Path(data)
    if path.suffix.lower() not in (".csv", ".gz") or not path.is_file():
        problem = "is not a .csv file" if path.suffix.lower() not in (".csv", ".gz") else \
            "does not exist"
        raise ParameterError(
            f"parameter 'data': {str(data)!r} {problem}. Use one of {list(BUILTIN_DATA)} or the "
            f"path (relative to the notebook) of a CSV with columns customer_id, date, amount.")


def load(data="simulated", *, seed: int = DEFAULT_SEED, n_customers: int = DEFAULT_N_CUSTOMERS,
         table: str = "transactions", **read_kwargs) -> BookData:
    """Load a chapter's data after checking the parameters.

    Parameters
    ----------
    data : str or path
        ``"simulated"``, ``"cdnow"`` or a CSV path (see module docstring).
    seed, n_customers : int
        For the simulated company.
    table : str
        Which table a CSV path holds: ``"transactions"`` (default; read and checked by
        :func:`crm_lab.datasets.load_transactions`) or another table name such as
        ``"survey"`` (read as is; the chapter's functions check the columns they use).
    **read_kwargs
        Column names for a transaction CSV in another naming (``customer_id=``, ``date=``,
        ``amount=``).

    Returns
    -------
    BookData

    Examples
    --------
    >>> load("cdnow").transactions.shape
    (69659, 4)
    """
    check_parameters(seed=seed, data=data, n_customers=n_customers)
    check_param("table", table, allowed=TABLES)
    from crm_lab import datasets

    name = str(data)
    if name == "simulated":
        if seed == DEFAULT_SEED and n_customers == DEFAULT_N_CUSTOMERS:
            company = datasets.load_company()
        else:
            from crm_lab.simulate import simulate_company

            company = simulate_company(n_customers=n_customers, seed=seed)
        tables = {t: getattr(company, t) for t in TABLES}
        return BookData(name="simulated", truth=company.truth,
                        params={"seed": seed, "n_customers": n_customers}, **tables)
    if name == "cdnow":
        return BookData(name="cdnow", transactions=datasets.load_cdnow(),
                        params={"source": "CDNOW master log (Fader & Hardie)"})
    if table != "transactions":
        frame = pd.read_csv(data)
        if len(frame) == 0:
            raise ParameterError(f"parameter 'data': {str(data)!r} has no rows.")
        return BookData(name=Path(data).name, params={"path": str(data)}, **{table: frame})
    tx = datasets.load_transactions(data, **read_kwargs)
    return BookData(name=Path(data).name, transactions=tx, params={"path": str(data)})


def truth_paths(truth) -> pd.DataFrame:
    """The simulated survey's structural model as a table: one row per path.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth

    Returns
    -------
    DataFrame with ``source``, ``target``, ``beta`` (standardized coefficient) and the
    target's ``r_squared``.
    """
    s = truth.structural
    rows = [(*k.split("->"), b) for k, b in s["paths"].items()]
    out = pd.DataFrame(rows, columns=["source", "target", "beta"])
    out["r_squared"] = out["target"].map(s["r_squared"]).round(3)
    return out


def truth_effects(truth) -> pd.DataFrame:
    """How one standard deviation of latent satisfaction moves each outcome, in the truth.

    Returns
    -------
    DataFrame indexed by outcome with ``coef`` and the ``form`` of the effect.
    """
    eff = truth.satisfaction_effects
    rows = {k: {"coef": v["coef"], "form": v["form"]} for k, v in eff.items()
            if isinstance(v, dict) and "coef" in v}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "outcome"
    return out
