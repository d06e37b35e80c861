"""What every chapter notebook does first: check its parameters and load its data.

A chapter's ``parameters`` cell sets at least ``seed`` and ``data``. ``data`` is

* ``"simulated"`` (default): the simulated company of :mod:`crm_lab.simulate`. With the
  default ``seed=0`` and ``n_customers=5000`` the bundled copy in ``datasets/company`` is
  read (checksums verified); any other seed or size is simulated on the spot.
* ``"cdnow"``: the CDNOW master transaction log (real data, transactions only).
* ``"telco"``: the IBM Telco churn table (real data, ``churn`` only; chapter 5).
* a path to the reader's own CSV of transactions in the documented schema
  (``customer_id``, ``date``, ``amount``), read through :func:`crm_lab.datasets.load_transactions`.
  Other column names are mapped with ``columns={"customer_id": "cust", "date": "order_date",
  "amount": "revenue"}`` (the book's name, then yours) and numeric dates such as
  ``05/01/2024`` need ``dayfirst=True`` or ``False`` (the order is never guessed).

:func:`load` returns a :class:`BookData` with one attribute per table; tables the source
does not have are ``None`` and ``truth`` is ``None`` for real data, so a chapter can say
which sections it skips. A chapter that cannot run without a table says so with
``needs=``: ``load("cdnow", needs="survey")`` fails at once, naming the sources that have one.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["BookData", "check_parameters", "load", "column_map", "calibration_weeks",
           "truth_paths", "truth_effects", "BUILTIN_DATA", "TABLES", "SOURCE_TABLES",
           "TRANSACTION_COLUMNS"]

#: Named data sources a chapter accepts besides a CSV path.
BUILTIN_DATA = ("simulated", "cdnow", "telco")
#: The tables of the simulated company, in the order the book presents them.
TABLES = ("customers", "transactions", "line_items", "survey", "complaints", "subscriptions",
          "contacts", "promotions", "calls", "prospects", "acquisition_contacts")
#: The tables each named source provides (checked against a chapter's ``needs``).
SOURCE_TABLES = {"simulated": TABLES, "cdnow": ("transactions",), "telco": ("churn",)}
#: The transaction schema's columns, in the order ``columns="cust,day,spend"`` maps them.
TRANSACTION_COLUMNS = ("customer_id", "date", "amount")
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
    churn : DataFrame or None
        A contractual churn table (one row per customer: id, tenure, churned flag, features;
        see :func:`crm_lab.churn.check_churn_table`): the Telco data or a reader's CSV.
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
    churn: pd.DataFrame | None = None
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
        return {t: getattr(self, t) for t in (*TABLES, "churn") if getattr(self, t) is not None}

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
            f"does not exist (looked for {path.resolve()})"
        raise ParameterError(
            f"parameter 'data': {str(data)!r} {problem}. Use one of {list(BUILTIN_DATA)} or the "
            "path of a CSV with columns customer_id, date, amount (in a notebook relative to "
            "the notebook's folder; with `python -m crm_lab.cli run` relative to where you run "
            "it).")


def column_map(columns, table: str = "transactions") -> dict[str, str | None]:
    """Check a ``columns`` parameter and return it as ``{book's name: your name}``.

    Parameters
    ----------
    columns : dict, str, sequence or None
        ``{"customer_id": "cust", "date": "order_date", "amount": "revenue"}``; for
        transactions also ``"cust,order_date,revenue"`` or a list in the order
        customer_id, date, amount. ``None`` or empty: the book's names.
    table : str
        The table the names are for. For transactions the keys must be
        :data:`TRANSACTION_COLUMNS`; ``"amount": None`` reads a log without spend.

    Returns
    -------
    dict

    Raises
    ------
    ParameterError
        Unknown keys (with the inverted mapping suggested when the keys look like yours),
        values that are not column names, the wrong number of names in a list.

    Examples
    --------
    >>> column_map("cust,order_date,revenue")
    {'customer_id': 'cust', 'date': 'order_date', 'amount': 'revenue'}
    >>> column_map({"date": "day"})
    {'date': 'day'}
    """
    if columns is None or (isinstance(columns, str | Mapping | Sequence) and not columns):
        return {}
    example = ('{"customer_id": "cust", "date": "order_date", "amount": "revenue"} or '
               '"cust,order_date,revenue"')
    if isinstance(columns, str | Sequence) and not isinstance(columns, Mapping):
        names = [c.strip() for c in columns.split(",")] if isinstance(columns, str) \
            else list(columns)
        if table != "transactions" or len(names) != len(TRANSACTION_COLUMNS):
            raise ParameterError(
                f"parameter 'columns': a list of names maps onto {list(TRANSACTION_COLUMNS)} "
                f"and needs {len(TRANSACTION_COLUMNS)} of them, got {names!r}. Use a mapping "
                f"from the book's names to yours, e.g. {example}.")
        columns = dict(zip(TRANSACTION_COLUMNS, names, strict=True))
    if not isinstance(columns, Mapping):
        raise ParameterError(f"parameter 'columns' must be a mapping from the book's column names "
                             f"to yours, e.g. {example}; got {columns!r} "
                             f"({type(columns).__name__}).")
    out = dict(columns)
    if table == "transactions":
        unknown = [k for k in out if k not in TRANSACTION_COLUMNS]
        if unknown:
            inverted = {v: k for k, v in out.items() if v in TRANSACTION_COLUMNS}
            hint = (f" The mapping goes from the book's name to yours: did you mean "
                    f"{inverted}?" if inverted else "")
            raise ParameterError(
                f"parameter 'columns': unknown key(s) {unknown}; the keys are the book's names "
                f"{list(TRANSACTION_COLUMNS)} and the values your CSV's names, e.g. "
                f"{example}.{hint}")
    for k, v in out.items():
        if not (isinstance(v, str) and v) and not (v is None and k == "amount"):
            raise ParameterError(f"parameter 'columns': the name for {k!r} must be a column name "
                                 f"(text), got {v!r}.")
    return out


def load(data="simulated", *, seed: int = DEFAULT_SEED, n_customers: int = DEFAULT_N_CUSTOMERS,
         table: str = "transactions", columns=None, dayfirst: bool | None = None,
         date_format: str | None = None, needs: str | Sequence[str] = (),
         **read_kwargs) -> BookData:
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
        ``"survey"`` (read as is; the chapter's functions check the columns they use), or
        ``"churn"`` for a contractual churn table (chapter 5). Ignored for built-in data.
    columns : dict or str, optional
        Your CSV's column names, from the book's name to yours (see :func:`column_map`):
        ``{"customer_id": "cust", "date": "order_date", "amount": "revenue"}`` or
        ``"cust,order_date,revenue"``. For another ``table`` the mapping renames your
        columns to the book's names.
    dayfirst : bool, optional
        How your CSV writes numeric dates: ``True`` for ``31/01/2024``, ``False`` for
        ``01/31/2024``. Without it such dates are refused (never guessed).
    date_format : str, optional
        An exact date format for your CSV, e.g. ``"%d.%m.%Y"``.
    needs : str or sequence of str
        Tables the chapter cannot run without (e.g. ``"survey"``); a source without them
        is refused at once, naming the sources that have them.
    **read_kwargs
        Passed to :func:`pandas.read_csv` for a CSV (``sep=";"``, ``decimal=","``); the
        column names may also be given one by one (``customer_id=``, ``date=``, ``amount=``).

    Returns
    -------
    BookData

    Raises
    ------
    ParameterError
        A bad parameter, or a source that lacks a table in ``needs``.
    DataError
        A CSV that does not meet the schema (the message says how to fix it).

    Examples
    --------
    >>> load("cdnow").transactions.shape
    (69659, 4)
    >>> try:
    ...     load("cdnow", needs="survey")
    ... except ValueError as err:
    ...     print(err)
    this chapter needs a survey; data='cdnow' has none (it has transactions). Use
    data='simulated' or the path of your own survey CSV.
    """
    check_parameters(seed=seed, data=data, n_customers=n_customers)
    check_param("table", table, allowed=(*TABLES, "churn"))
    needs = [needs] if isinstance(needs, str) else list(needs)
    for t in needs:
        check_param("needs", t, allowed=(*TABLES, "churn"))
    mapping = column_map(columns, table)
    check_param("dayfirst", dayfirst, [None, True, False],
                hint="True for dates like 31/01/2024, False for 01/31/2024.")
    name = str(data)
    _check_needs(name, SOURCE_TABLES.get(name, (table,)), needs, table)
    if name in BUILTIN_DATA:
        given = [k for k, v in (("columns", mapping), ("dayfirst", dayfirst),
                                ("date_format", date_format), *read_kwargs.items()) if v]
        if given:
            warnings.warn(f"{', '.join(given)} apply to your own CSV; ignored for data={name!r}, "
                          "which has the book's column names.", UserWarning, stacklevel=2)
    from crm_lab import datasets

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
    if name == "telco":
        return BookData(name="telco", churn=datasets.load_telco_churn(),
                        params={"source": "IBM Telco customer churn (via modeldata wa_churn)"})
    params = {"path": str(data)} | ({"columns": mapping} if mapping else {})
    if table != "transactions":
        frame = datasets.read_csv_table(data, list(mapping), **read_kwargs)
        frame = frame.rename(columns={yours: ours for ours, yours in mapping.items()})
        return BookData(name=Path(data).name, params=params, **{table: frame})
    names = {k: read_kwargs.pop(k) for k in TRANSACTION_COLUMNS if k in read_kwargs}
    tx = datasets.load_transactions(data, **(names | mapping), dayfirst=dayfirst,
                                    date_format=date_format, **read_kwargs)
    return BookData(name=Path(data).name, transactions=tx, params=params)


def _check_needs(name: str, has: Sequence[str], needs: Sequence[str], table: str) -> None:
    missing = [t for t in needs if t not in has]
    if not missing:
        return
    t = missing[0]
    article = "an" if t[0] in "aeiou" else "a"
    what = t[:-1] if t.endswith("s") else t
    sources = [s for s, tables in SOURCE_TABLES.items() if all(m in tables for m in missing)]
    use = " or ".join(f"data={s!r}" for s in sources)
    mine = "" if len(missing) > 1 else f" or the path of your own {what} CSV"
    if name in BUILTIN_DATA:
        shown = f"data={name!r}"
    else:
        shown = f"data={Path(name).name!r} (read as a {table} table)"
        if len(missing) == 1:
            mine = f" or a {what} CSV with table={t!r}"
    raise ParameterError(
        f"this chapter needs {article} {what}" + (f" and {', '.join(missing[1:])}" if
                                                  len(missing) > 1 else "")
        + f"; {shown} has none (it has {', '.join(has)}). Use {use}{mine}.")


def calibration_weeks(d: BookData, weeks: int | None = None, *, share: float = 0.5,
                      simulated: int = 104, holdout: int = 4) -> int:
    """Weeks of the log to fit the CLV models on: checked, or a default that fits the data.

    Parameters
    ----------
    d : BookData
        The chapter's data (needs ``transactions``).
    weeks : int or None
        The reader's choice; ``None`` means automatic: ``simulated`` weeks (two of the
        company's three years) for the simulated company, otherwise ``share`` of the
        log's span, rounded (CDNOW's 78 weeks give 39, the published split).
    share : float
        Share of the span used by the automatic choice for other data.
    simulated : int
        Automatic choice for the simulated company.
    holdout : int
        Weeks that must stay for the holdout period (and the least calibration allowed).

    Returns
    -------
    int

    Raises
    ------
    ParameterError
        ``weeks`` is not a whole number, or leaves fewer than ``holdout`` weeks on either
        side (the message gives the log's span).

    Examples
    --------
    >>> calibration_weeks(load("cdnow"))
    39
    """
    check_param("share", share, kind=float, low=0.05, high=0.95)
    span_days = (d.transactions["date"].max() - d.transactions["date"].min()).days
    in_log = span_days // 7
    if weeks is None:
        weeks = simulated if d.is_simulated else int(round(span_days / 7 * share))
    return check_param("calibration_weeks", weeks, kind=int, low=holdout, high=in_log - holdout,
                       hint=f"The log spans {in_log} weeks; keep at least {holdout} on each side "
                            "for calibration and holdout, or set calibration_weeks = None for "
                            "the automatic choice.")


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
