"""One place that checks the tables every public function receives.

Every public function of :mod:`crm_lab` that takes a table calls one of
:func:`check_transactions`, :func:`check_customers` or :func:`check_survey`
once, at the top. Each returns a *new* frame with the documented column names
(the caller may use other names through keyword arguments) and raises a
:class:`DataError` (a :class:`ValueError`) whose message names the table and
column, shows a few offending rows and says how to fix the problem.

The documented transaction schema is ``customer_id``, ``date``, ``amount``
(optional ``transaction_id``, ``channel``; line items live in their own table).

Nothing is dropped here unless asked. Things that are legal but worth knowing, such as
zero amounts (CDNOW has 68 customers whose purchases total $0), rows that repeat another
row exactly (CDNOW: 255) or dates after today, are counted in the
:class:`ValidationReport` returned by :func:`validate_transactions`.

Dates are never guessed: ``05/01/2024`` could be 5 January or May 1, so numeric dates
need ``dayfirst=True`` / ``dayfirst=False`` or an exact ``date_format=``; the error says
which order the file's own values point to.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "ParameterError",
    "DataWarning",
    "ValidationReport",
    "check_transactions",
    "validate_transactions",
    "check_customers",
    "check_survey",
    "check_columns",
    "check_param",
    "check_sequence",
    "check_values",
]

#: Number of offending rows shown in an error message.
N_SHOWN = 5


class DataError(ValueError):
    """A table does not meet the documented schema. The message says how to fix it."""


class ParameterError(ValueError):
    """A parameter has a value the function cannot use. The message says which values work."""


class DataWarning(UserWarning):
    """Something in a table is legal but worth knowing (counted, and kept unless asked)."""


@dataclass
class ValidationReport:
    """What :func:`validate_transactions` found that is legal but worth knowing.

    Attributes
    ----------
    table : str
        Name of the table checked.
    n_rows : int
        Number of rows (none are removed by validation).
    n_customers : int
        Number of distinct customers.
    n_zero_amount_rows : int
        Rows whose amount is exactly zero (kept).
    n_zero_total_customers : int
        Customers whose amounts sum to zero (kept).
    first_date, last_date : pandas.Timestamp
        Date range of the log.
    total_amount : float
        Sum of ``amount`` (NaN for logs without amounts).
    notes : list of str
        One readable sentence per finding.
    n_duplicate_rows : int
        Rows that repeat an earlier row exactly (kept unless ``drop_duplicates=True``;
        CDNOW's master log has 255).
    n_future_rows : int
        Rows dated after today (kept).
    """

    table: str
    n_rows: int
    n_customers: int
    n_zero_amount_rows: int
    n_zero_total_customers: int
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    total_amount: float = float("nan")
    notes: list[str] = field(default_factory=list)
    n_duplicate_rows: int = 0
    n_future_rows: int = 0

    def __str__(self) -> str:
        total = "" if np.isnan(self.total_amount) else f", total amount {self.total_amount:,.2f}"
        head = (
            f"{self.table}: {self.n_rows:,} rows, {self.n_customers:,} customers, "
            f"{self.first_date.date()} to {self.last_date.date()}{total}"
        )
        return "\n".join([head, *("  - " + n for n in self.notes)])


# ----------------------------------------------------------------------------- helpers


def _show(df: pd.DataFrame, mask: np.ndarray | pd.Series, cols: Sequence[str] | None = None) -> str:
    rows = df.loc[np.asarray(mask, dtype=bool)]
    if cols is not None:
        rows = rows[[c for c in cols if c in rows.columns]]
    return rows.head(N_SHOWN).to_string()


def _fail(table: str, column: str | None, problem: str, fix: str, example: str | None = None):
    where = f"{table}[{column!r}]" if column is not None else table
    msg = f"{where}: {problem}"
    if example:
        msg += f"\nFirst offending rows:\n{example}"
    msg += f"\nHow to fix: {fix}"
    raise DataError(msg)


def check_param(
    name: str,
    value,
    allowed: Iterable | None = None,
    *,
    kind: type | tuple | None = None,
    low: float | None = None,
    high: float | None = None,
    hint: str = "",
):
    """Check one parameter and raise :class:`ParameterError` naming it.

    Parameters
    ----------
    name : str
        Parameter name as the user typed it.
    value : object
        Its value.
    allowed : iterable, optional
        The accepted values.
    kind : type or tuple of types, optional
        Accepted types (``bool`` is never accepted where ``int`` is asked for).
    low, high : float, optional
        Inclusive bounds for numbers.
    hint : str
        Extra advice appended to the message.

    Returns
    -------
    object
        ``value``, unchanged.

    Examples
    --------
    >>> check_param("bins", 5, kind=int, low=2)
    5
    """
    tail = f" {hint}" if hint else ""
    if kind is not None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # numpy scalars count as their Python kind (np.int64(3) is an int here)
        kinds = kinds + tuple(k for py, k in ((int, numbers.Integral), (float, numbers.Real))
                              if py in kinds)
        bad_bool = isinstance(value, bool) and bool not in kinds
        if bad_bool or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise ParameterError(
                f"parameter {name!r} must be {names}, got {value!r} ({type(value).__name__}).{tail}"
            )
    if allowed is not None:
        allowed = list(allowed)
        if value not in allowed:
            raise ParameterError(
                f"parameter {name!r} must be one of {allowed}, got {value!r}.{tail}"
            )
    if low is not None and value < low:
        raise ParameterError(f"parameter {name!r} must be >= {low}, got {value!r}.{tail}")
    if high is not None and value > high:
        raise ParameterError(f"parameter {name!r} must be <= {high}, got {value!r}.{tail}")
    return value


def check_sequence(
    name: str,
    value,
    *,
    length: int | None = None,
    kind: type | tuple = (int, float),
    low: float | None = None,
    high: float | None = None,
    increasing: bool = False,
    hint: str = "",
) -> list:
    """Check a list parameter (e.g. ``abc_cuts = [0.80, 0.95]``) and raise naming it.

    Parameters
    ----------
    name : str
        Parameter name as the user typed it.
    value : list or tuple
        Its value.
    length : int, optional
        Required number of elements.
    kind, low, high
        As in :func:`check_param`, for every element.
    increasing : bool
        Require strictly increasing elements.
    hint : str
        Extra advice appended to the message.

    Returns
    -------
    list
        ``value`` as a list.

    Examples
    --------
    >>> check_sequence("abc_cuts", (0.8, 0.95), length=2, low=0, high=1, increasing=True)
    [0.8, 0.95]
    """
    tail = f" {hint}" if hint else ""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise ParameterError(f"parameter {name!r} must be a list, got {value!r} "
                             f"({type(value).__name__}).{tail}")
    items = list(value)
    if length is not None and len(items) != length:
        raise ParameterError(f"parameter {name!r} must have {length} elements, got {len(items)} "
                             f"({items!r}).{tail}")
    if not items:
        raise ParameterError(f"parameter {name!r} must not be empty.{tail}")
    for i, v in enumerate(items):
        try:
            check_param(f"{name}[{i}]", v, kind=kind, low=low, high=high)
        except ParameterError as err:
            raise ParameterError(f"{err} (in {name} = {items!r}){tail}") from None
    if increasing and any(b <= a for a, b in zip(items, items[1:], strict=False)):
        raise ParameterError(f"parameter {name!r} must be strictly increasing, got "
                             f"{items!r}.{tail}")
    return items


def check_columns(df, required: Sequence[str], table: str, hint: str = "") -> None:
    """Raise :class:`DataError` if ``df`` is not a non-empty DataFrame with ``required`` columns."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"{table}: expected a pandas DataFrame, got {type(df).__name__}. "
            "How to fix: load the table with pandas.read_csv or crm_lab.datasets."
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns[:12])) + (" ..." if df.shape[1] > 12 else "")
        extra = f" {hint}" if hint else ""
        raise DataError(
            f"{table}: missing required column(s) {missing}; the table has [{have}].\n"
            f"How to fix: rename your columns (df.rename(columns={{'yours': '{missing[0]}'}})) "
            f"or pass your column names as keyword arguments.{extra}"
        )
    if len(df) == 0:
        _fail(
            table,
            None,
            "the table is empty (0 rows).",
            "pass a table with at least one row; check any filter applied before this call.",
        )


def _check_ids(df: pd.DataFrame, col: str, table: str, unique: bool) -> None:
    s = df[col]
    na = s.isna().to_numpy()
    if na.any():
        _fail(
            table,
            col,
            f"{int(na.sum()):,} rows have a missing id.",
            f"drop or repair those rows explicitly before the call (df.dropna(subset=['{col}'])).",
            _show(df, na),
        )
    if unique:
        dup = s.duplicated(keep=False).to_numpy()
        if dup.any():
            shown = df.loc[dup].sort_values(col).head(N_SHOWN).to_string()
            _fail(
                table,
                col,
                f"{int(s.duplicated().sum()):,} duplicate id(s); each id must appear once.",
                f"deduplicate first (df.drop_duplicates(subset=['{col}'])) or check the join that "
                "produced the table.",
                shown,
            )


#: Numeric dates whose day and month order is unknown: 05/01/2024, 5.1.24, 05-01-2024 14:30.
_DMY = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[\sT])(.*)$")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _full_year(y: np.ndarray) -> np.ndarray:
    """Two-digit years as ``%y`` reads them (69-99 -> 1900s, 00-68 -> 2000s)."""
    return np.where(y >= 100, y, np.where(y >= 69, 1900 + y, 2000 + y))


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _ambiguous_dates(text: pd.Series, first: pd.Series, second: pd.Series, df: pd.DataFrame,
                     table: str, col: str) -> None:
    """Refuse numeric dates whose day/month order was not given, with examples and the fix."""
    n_d, n_m = int((first > 12).sum()), int((second > 12).sum())
    both = text[(first <= 12) & (second <= 12) & (first != second)]
    ex = str(both.iloc[0] if len(both) else text.iloc[0]).strip()
    a, b, y = (int(v) for v in _DMY.match(ex).group(1, 3, 4))
    y = int(_full_year(np.array([y]))[0])
    d_first = f"{a} {_MONTHS[b - 1]} {y}" if b <= 12 else "impossible"
    m_first = f"{_MONTHS[a - 1]} {b}, {y}" if a <= 12 else "impossible"
    if n_d and n_m:
        seen = (f"{n_d:,} {_have(n_d)} a first number above 12 (only day-first fits) and "
                f"{n_m:,} a second number above 12 (only month-first fits): the column mixes "
                "both orders; repair the file first.")
    elif n_d:
        seen = (f"{n_d:,} {_have(n_d)} a first number above 12, so the file looks day-first "
                "(dayfirst=True); the validator does not guess.")
    elif n_m:
        seen = (f"{n_m:,} {_have(n_m)} a second number above 12, so the file looks month-first "
                "(dayfirst=False); the validator does not guess.")
    else:
        seen = "none has a number above 12, so the file itself cannot tell."
    sep = _DMY.match(ex).group(2)
    _fail(
        table,
        col,
        f"{len(text):,} dates such as {ex!r} could be day/month/year ({d_first}) or "
        f"month/day/year ({m_first}); of these dates {seen}",
        f"say which order your file uses: dayfirst=True if {ex!r} means {d_first}, "
        f"dayfirst=False if it means {m_first}, or an exact format such as "
        f"date_format='%d{sep}%m{sep}%Y' (in a chapter's parameters cell: dayfirst = True; on "
        "the command line: --dayfirst).",
        _show(df, np.isin(np.arange(len(df)), text.index[:N_SHOWN])),
    )


def _read_day_month(text: pd.Series, dayfirst: bool | None, df: pd.DataFrame, table: str,
                    col: str) -> pd.Series:
    """Numeric day/month/year strings (``text``, each matching :data:`_DMY`) as datetimes."""
    parts = text.str.extract(_DMY)
    first, second = parts[0].astype(int), parts[2].astype(int)
    if dayfirst is None:
        _ambiguous_dates(text, first, second, df, table, col)
    day, month = (first, second) if dayfirst else (second, first)
    year = pd.Series(_full_year(parts[3].astype(int).to_numpy()), index=text.index)
    iso = (year.astype(str).str.zfill(4) + "-" + month.astype(str).str.zfill(2) + "-"
           + day.astype(str).str.zfill(2) + parts[4].fillna("").astype(str))
    out = pd.to_datetime(iso, format="ISO8601", errors="coerce")
    bad = out.isna()
    if bad.any():
        order = "day/month/year" if dayfirst else "month/day/year"
        _fail(
            table,
            col,
            f"{int(bad.sum()):,} values are not valid {order} dates (dayfirst={dayfirst}), e.g. "
            f"{text[bad].head(3).tolist()}.",
            f"check that every row uses one order: if the file mixes orders repair it, otherwise "
            f"pass dayfirst={not dayfirst} or date_format= with your exact format.",
            _show(df, np.isin(np.arange(len(df)), text.index[bad])),
        )
    return out


def _to_datetime(df: pd.DataFrame, col: str, table: str, dayfirst: bool | None = None,
                 date_format: str | None = None) -> pd.Series:
    s = df[col].reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
    elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        _fail(
            table,
            col,
            f"dates must be datetimes or date strings, got dtype {s.dtype}.",
            f"convert first, e.g. pd.to_datetime(df['{col}'].astype(str), format='%Y%m%d') for "
            "values like 19970101, or pass date_format='%Y%m%d'.",
            _show(df, np.ones(len(df), bool)),
        )
    elif date_format is not None:
        out = pd.to_datetime(s, format=date_format, errors="coerce")
        bad = (out.isna() & s.notna()).to_numpy()
        if bad.any():
            _fail(
                table,
                col,
                f"{int(bad.sum()):,} values could not be read as dates with "
                f"date_format={date_format!r}.",
                "check the format against the rows shown (codes: %d day, %m month, %Y year, "
                "%y two-digit year, %H:%M time), or repair those rows.",
                _show(df, bad),
            )
    else:
        # unambiguous ISO dates (2024-01-05) first, then numeric d/m/y (order must be given),
        # then other written forms (5 Jan 2024)
        out = pd.to_datetime(s, format="ISO8601", errors="coerce")
        rest = out.isna() & s.notna()
        if rest.any():
            text = s[rest].astype(str)
            dmy = text.str.match(_DMY)
            if dmy.any():
                out[dmy.index[dmy]] = _read_day_month(text[dmy], dayfirst, df, table, col)
            other = text[~dmy]
            if len(other):
                out[other.index] = pd.to_datetime(other, errors="coerce", format="mixed",
                                                  dayfirst=bool(dayfirst))
        bad = (out.isna() & s.notna()).to_numpy()
        if bad.any():
            _fail(
                table,
                col,
                f"{int(bad.sum()):,} values could not be read as dates.",
                f"convert with pd.to_datetime(df['{col}'], format=...) using your format, or "
                "pass date_format= (e.g. date_format='%d %b %Y' for 05 Jan 2024).",
                _show(df, bad),
            )
    na = out.isna().to_numpy()
    if na.any():
        _fail(
            table,
            col,
            f"{int(na.sum()):,} rows have a missing date.",
            "drop or repair them explicitly before the call; a purchase needs a date.",
            _show(df, na),
        )
    far = ((out < pd.Timestamp.min) | (out > pd.Timestamp.max)).to_numpy()
    if far.any():
        _fail(
            table,
            col,
            f"{int(far.sum()):,} dates lie outside the years 1677-2262 that pandas can hold "
            "(a typo such as 2999?).",
            "repair those rows.",
            _show(df, far),
        )
    return out.astype("datetime64[ns]")


_DECIMAL_COMMA = r"[-+]?\d+,\d{1,2}|[-+]?\d{1,3}(\.\d{3})+,\d+"
_THOUSANDS = r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?"
_CURRENCY = r"[$€£¥]|\b(?:USD|EUR|GBP|CNY|RMB|JPY)\b"


def _numeric_fix(values: pd.Series, col: str, what: str) -> str:
    """The fix that matches why ``values`` (the offending cells) are not numbers."""
    text = values.astype(str).str.strip()
    if text.str.fullmatch(_DECIMAL_COMMA).any():
        return ("the values use a decimal comma (e.g. '12,50'): read the file with "
                "decimal=',' (often with sep=';'), e.g. pd.read_csv(path, sep=';', "
                "decimal=','); chapters and load_transactions pass sep= and decimal= through.")
    if text.str.contains(_CURRENCY).any():
        return (f"strip the currency sign first, e.g. pd.to_numeric(df['{col}'].str.replace("
                "'$', '', regex=False)) for values like '$12.00'.")
    if text.str.fullmatch(_THOUSANDS).any():
        return ("the values use a thousands separator (e.g. '1,234.50'): read the file with "
                "thousands=',' (pd.read_csv(path, thousands=',')).")
    if what == "answers" and text.str.contains("[A-Za-z]").any():
        return (f"the answers are text labels (e.g. {text[text.str.contains('[A-Za-z]')].iloc[0]!r}"
                f"), not numbers: recode them to your numeric scale first, e.g. df['{col}'].map("
                "{'strongly disagree': 1, 'disagree': 2, 'neutral': 3, 'agree': 4, "
                "'strongly agree': 5}), and pass scale=(1, 5).")
    if text.str.contains("[A-Za-z]").any():
        return (f"the column holds text (e.g. {text[text.str.contains('[A-Za-z]')].iloc[0]!r}); "
                f"check it is the right column, or turn such entries into numbers or missing "
                f"values explicitly (pd.to_numeric(df['{col}'], errors='coerce') and look at "
                "what became NaN).")
    return (f"convert first with pd.to_numeric(df['{col}'], errors='coerce') and look at the "
            "values that become NaN.")


def _to_numeric(df: pd.DataFrame, col: str, table: str, what: str = "amounts") -> pd.Series:
    s = df[col]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        coerced = pd.to_numeric(s, errors="coerce")
        bad = (coerced.isna() & s.notna()).to_numpy()
        bad = bad if bad.any() else np.ones(len(df), bool)
        _fail(
            table,
            col,
            f"{what} must be numeric, got dtype {s.dtype}.",
            _numeric_fix(s[bad], col, what),
            _show(df, bad),
        )
    out = s.astype("float64")
    na = out.isna().to_numpy()
    if na.any():
        _fail(
            table,
            col,
            f"{int(na.sum()):,} rows have a missing (NaN) value.",
            "fill or drop them explicitly before the call (nothing is dropped silently).",
            _show(df, na),
        )
    inf = np.isinf(out.to_numpy())
    if inf.any():
        _fail(
            table,
            col,
            f"{int(inf.sum()):,} rows are infinite.",
            "repair those values.",
            _show(df, inf),
        )
    return out


# ----------------------------------------------------------------------------- transactions


def _check_transactions(
    transactions: pd.DataFrame,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    transaction_id: str | None = None,
    start=None,
    end=None,
    allow_negative: bool = False,
    keep: Sequence[str] = (),
    table: str = "transactions",
    dayfirst: bool | None = None,
    date_format: str | None = None,
    drop_duplicates: bool = False,
) -> pd.DataFrame:
    """The checks of :func:`validate_transactions`, without the report."""
    cols = (
        [customer_id, date]
        + ([amount] if amount else [])
        + ([transaction_id] if transaction_id else [])
    )
    check_columns(transactions, cols + list(keep), table)
    check_param("dayfirst", dayfirst, [None, True, False])
    if date_format is not None:
        check_param("date_format", date_format, kind=str, hint="Use a format such as '%d/%m/%Y'.")
    check_param("drop_duplicates", drop_duplicates, [True, False])
    df = transactions
    _check_missing(df, cols, table)
    _check_ids(df, customer_id, table, unique=False)
    out = pd.DataFrame({"customer_id": df[customer_id].to_numpy()}, index=pd.RangeIndex(len(df)))
    out["date"] = _to_datetime(df, date, table, dayfirst, date_format).to_numpy()
    if amount:
        amt = _to_numeric(df, amount, table)
        neg = (amt < 0).to_numpy()
        if neg.any() and not allow_negative:
            _fail(
                table,
                amount,
                f"{int(neg.sum()):,} rows have negative amounts (returns?).",
                "net out returns against their purchases first (e.g. group by customer and "
                "date and sum), drop them if they are data errors, or pass allow_negative=True "
                "if the method should treat them as negative spend.",
                _show(df, neg),
            )
        out["amount"] = amt.to_numpy()
    if transaction_id:
        _check_ids(df, transaction_id, table, unique=True)
        out["transaction_id"] = df[transaction_id].to_numpy()
    for lo_hi, bound in (("start", start), ("end", end)):
        if bound is None:
            continue
        b = pd.Timestamp(bound)
        outside = (out["date"] < b) if lo_hi == "start" else (out["date"] > b)
        if outside.any():
            side = "before" if lo_hi == "start" else "after"
            _fail(
                table,
                date,
                f"{int(outside.sum()):,} rows are dated {side} the window {lo_hi} {b.date()}.",
                f"filter the log to the window first, e.g. "
                f"tx[tx['{date}'] {'>=' if lo_hi == 'start' else '<='} '{b.date()}'], or move "
                f"{lo_hi}=.",
                _show(df, outside.to_numpy()),
            )
    for k in keep:
        out[k] = df[k].to_numpy()
    if drop_duplicates:
        dup = out.duplicated().to_numpy()
        if dup.any():
            warnings.warn(f"{table}: {int(dup.sum()):,} rows that repeat an earlier row exactly "
                          "were dropped (drop_duplicates=True).", DataWarning, stacklevel=3)
            out = out.loc[~dup].reset_index(drop=True)
    return out


def _check_missing(df: pd.DataFrame, cols: Sequence[str], table: str) -> None:
    """One error listing every required column with missing values, when there are several."""
    counts = {c: int(df[c].isna().sum()) for c in cols}
    counts = {c: n for c, n in counts.items() if n}
    if len(counts) > 1:
        listed = ", ".join(f"{c!r} {n:,} row{'s' if n > 1 else ''}" for c, n in counts.items())
        _fail(
            table,
            None,
            f"missing values in {len(counts)} columns: {listed}.",
            "fill or drop them explicitly before the call (nothing is dropped silently), e.g. "
            f"df.dropna(subset={list(counts)}).",
            _show(df, df[list(counts)].isna().any(axis=1).to_numpy(), list(cols)),
        )


def validate_transactions(
    transactions: pd.DataFrame,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    transaction_id: str | None = None,
    start=None,
    end=None,
    allow_negative: bool = False,
    keep: Sequence[str] = (),
    table: str = "transactions",
    dayfirst: bool | None = None,
    date_format: str | None = None,
    drop_duplicates: bool = False,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check a transaction log and return it in the documented schema with a report.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer_id, date, amount : str
        Names of those columns in ``transactions``. ``amount=None`` for logs
        without spend (only counts are then possible).
    transaction_id : str, optional
        Name of a transaction id column; ids must be unique.
    start, end : date-like, optional
        The observation window (inclusive). Rows outside it are an error.
    allow_negative : bool, default False
        Accept negative amounts (returns) instead of raising.
    keep : sequence of str
        Other columns to carry through unchanged (e.g. ``"channel"``).
    table : str
        Name used in messages.
    dayfirst : bool, optional
        How to read numeric dates such as ``05/01/2024``: ``True`` day/month/year,
        ``False`` month/day/year. Left at ``None``, such dates are refused (the order is
        never guessed); ISO dates (``2024-01-05``) and written months (``5 Jan 2024``)
        need no help.
    date_format : str, optional
        An exact format for every date, e.g. ``"%d.%m.%Y"`` (overrides ``dayfirst``).
    drop_duplicates : bool, default False
        Drop rows that repeat an earlier row exactly (with a :class:`DataWarning`). By
        default they are kept and counted in the report.

    Returns
    -------
    frame : DataFrame
        New frame with columns ``customer_id``, ``date`` (datetime64[ns]),
        ``amount`` (float64, if given), ``transaction_id`` (if given) and ``keep``.
    report : ValidationReport
        Counts of zero amounts, exact duplicate rows, dates after today and other legal
        findings.

    Raises
    ------
    DataError
        Missing columns, empty table, missing ids, unreadable, missing or ambiguous
        (day/month order unknown) dates, non-numeric / NaN / negative amounts, dates
        outside ``[start, end]``, duplicate transaction ids.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-02", "2024-02-01",
    ...                    "2024-01-05"], "amount": [10.0, 0.0, 5.5]})
    >>> frame, report = validate_transactions(tx)
    >>> report.n_zero_amount_rows
    1
    """
    out = _check_transactions(
        transactions, customer_id=customer_id, date=date, amount=amount,
        transaction_id=transaction_id, start=start, end=end, allow_negative=allow_negative,
        keep=keep, table=table, dayfirst=dayfirst, date_format=date_format)
    n_dup = int(out.duplicated().sum())
    if drop_duplicates and n_dup:
        out = out.loc[~out.duplicated()].reset_index(drop=True)
    return out, _transaction_report(out, table, bool(amount), allow_negative, n_dup,
                                    drop_duplicates)


def _transaction_report(out: pd.DataFrame, table: str, has_amount: bool,
                        allow_negative: bool, n_dup: int = 0,
                        dropped: bool = False) -> ValidationReport:
    notes = []
    if n_dup:
        what = "dropped: drop_duplicates=True" if dropped else \
            "kept; pass drop_duplicates=True to drop them"
        notes.append(f"{n_dup:,} rows repeat an earlier row exactly ({what})")
    today = pd.Timestamp.today().normalize()
    n_future = int((out["date"] >= today + pd.Timedelta(days=1)).sum())
    if n_future:
        notes.append(f"{n_future:,} rows are dated after today ({today.date()}; kept: check "
                     "the dates, or pass end= to refuse them)")
    n_zero_rows = n_zero_cust = 0
    if has_amount:
        zero = out["amount"].to_numpy() == 0
        n_zero_rows = int(zero.sum())
        if n_zero_rows:
            notes.append(f"{n_zero_rows:,} rows have amount 0 (kept)")
            totals = out.groupby("customer_id", sort=False)["amount"].sum()
            n_zero_cust = int((totals == 0).sum())
            if n_zero_cust:
                notes.append(f"{n_zero_cust:,} customers have a total spend of 0 (kept)")
        if allow_negative and (out["amount"] < 0).any():
            notes.append(
                f"{int((out['amount'] < 0).sum()):,} rows have negative amounts (kept: "
                "allow_negative=True)"
            )
    report = ValidationReport(
        table=table,
        n_rows=len(out),
        n_customers=int(out["customer_id"].nunique()),
        n_zero_amount_rows=n_zero_rows,
        n_zero_total_customers=n_zero_cust,
        n_duplicate_rows=n_dup,
        n_future_rows=n_future,
        first_date=out["date"].min(),
        last_date=out["date"].max(),
        total_amount=round(float(out["amount"].sum()), 2) if has_amount else float("nan"),
        notes=notes,
    )
    return report


def check_transactions(transactions: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Like :func:`validate_transactions` but return only the checked frame.

    This is the call every public function makes at its top.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"cust": [1], "day": ["2024-01-02"], "spend": [3.0]})
    >>> list(check_transactions(tx, customer_id="cust", date="day", amount="spend").columns)
    ['customer_id', 'date', 'amount']
    """
    return _check_transactions(transactions, **kwargs)


# ----------------------------------------------------------------------------- customers


def check_customers(
    customers: pd.DataFrame,
    *,
    customer_id: str = "customer_id",
    required: Sequence[str] = (),
    table: str = "customers",
) -> pd.DataFrame:
    """Check a customer table: required columns, no missing or duplicate ids.

    Returns a copy with the id column renamed to ``customer_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> check_customers(pd.DataFrame({"id": [1, 2]}), customer_id="id").columns.tolist()
    ['customer_id']
    """
    check_columns(customers, [customer_id, *required], table)
    _check_ids(customers, customer_id, table, unique=True)
    return customers.rename(columns={customer_id: "customer_id"}).reset_index(drop=True)


# ----------------------------------------------------------------------------- surveys


def check_survey(
    survey: pd.DataFrame,
    items: Sequence[str],
    *,
    scale: tuple[float, float] | None = (1, 10),
    integer: bool | None = None,
    table: str = "survey",
) -> pd.DataFrame:
    """Check survey items: present, numeric, no NaN, inside the answer scale.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent.
    items : sequence of str
        Item columns the method uses.
    scale : (low, high) or None
        Allowed answer range (inclusive); ``None`` skips the range check.
    integer : bool, optional
        Whether answers must be whole numbers. By default, yes when both ends of
        ``scale`` are whole numbers (a 1-10 scale); answers such as 7.5 are then reported
        with a :class:`DataWarning` (counted per item, kept). ``False`` turns the check off.

    Returns
    -------
    DataFrame
        A float64 copy of the item columns (index preserved).

    Raises
    ------
    DataError
        A missing item column, text answers (the message suggests a recoding), missing
        answers (every item with its count), answers outside ``scale``.

    Examples
    --------
    >>> import pandas as pd
    >>> check_survey(pd.DataFrame({"q1": [1, 10]}), ["q1"]).dtypes.iloc[0]
    dtype('float64')
    """
    items = list(items)
    check_columns(survey, items, table)
    if integer is None:
        integer = scale is not None and all(float(b).is_integer() for b in scale)
    na = {c: int(survey[c].isna().sum()) for c in items}
    na = {c: n for c, n in na.items() if n}
    if len(na) > 1:
        listed = ", ".join(f"{c!r} {n:,}" for c, n in na.items())
        _fail(
            table,
            None,
            f"{len(na)} item columns have missing (NaN) answers: {listed}.",
            "impute or drop those respondents explicitly before the call (nothing is dropped "
            f"silently), e.g. survey.dropna(subset={list(na)}).",
            _show(survey, survey[list(na)].isna().any(axis=1).to_numpy(), list(na)),
        )
    out = {}
    fractional = {}
    for c in items:
        s = _to_numeric(survey, c, table, what="answers")
        if scale is not None:
            lo, hi = scale
            bad = ((s < lo) | (s > hi)).to_numpy()
            if bad.any():
                _fail(
                    table,
                    c,
                    f"{int(bad.sum()):,} answers lie outside the scale {lo}-{hi}.",
                    "recode them (e.g. treat 99 = 'don't know' as missing and impute or drop "
                    "explicitly) or pass scale=(low, high) if your scale differs.",
                    _show(survey, bad, items),
                )
        if integer:
            n_frac = int((s != np.round(s)).sum())
            if n_frac:
                fractional[c] = n_frac
        out[c] = s
    if fractional:
        listed = ", ".join(f"{c!r} {n:,}" for c, n in fractional.items())
        warnings.warn(
            f"{table}: answers that are not whole numbers on the {scale[0]}-{scale[1]} scale "
            f"(kept): {listed}. Averaged or mis-typed answers? Round or recode them, or pass "
            "integer=False if your scale allows fractions.", DataWarning, stacklevel=2)
    return pd.DataFrame(out, index=survey.index)


# ----------------------------------------------------------------------------- value vectors


def check_values(values, *, name: str = "values", allow_negative: bool = False) -> pd.Series:
    """Check a per-customer value vector (e.g. total spend): numeric, finite, no NaN, not empty.

    Returns a float64 Series (index kept if ``values`` was a Series).

    Examples
    --------
    >>> check_values([3, 1, 0]).tolist()
    [3.0, 1.0, 0.0]
    """
    if isinstance(values, pd.DataFrame):
        raise DataError(
            f"{name}: expected one column of values, got a DataFrame with columns "
            f"{list(values.columns)[:6]}.\nHow to fix: pass one column, e.g. "
            "df['total_spend']."
        )
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    frame = s.rename(name).to_frame()
    if len(frame) == 0:
        _fail(name, None, "no values (empty).", "pass at least one customer's value.")
    out = _to_numeric(frame, name, name, what="values")
    neg = (out < 0).to_numpy()
    if neg.any() and not allow_negative:
        _fail(
            name,
            None,
            f"{int(neg.sum()):,} negative values.",
            "value concentration needs non-negative values: net out returns per customer "
            "first, or clip at 0 if negatives are data errors.",
            _show(frame, neg),
        )
    return out
