"""Customer information security (客户信息安全): releasing customer data safely.

Three steps a CRM analyst takes before a table leaves the company:

1. **Pseudonymise** identifiers with a keyed hash (:func:`pseudonymise`): HMAC-SHA256 of the
   identifier under a secret key the caller holds. The same key always gives the same
   pseudonym (tables can still be joined), another key gives unrelated pseudonyms, and
   without the key nobody can recompute them from a list of candidate ids (which a plain,
   unkeyed hash allows). The key is never stored on the result.
2. **Minimise** (:func:`minimise`): keep only the columns the recipient needs and drop
   direct identifiers (name, phone, e-mail, id numbers) even if asked to keep them.
3. **k-anonymity and l-diversity** (:func:`anonymity_report`, :func:`k_anonymise`): every
   combination of quasi-identifiers (age, region, sign-up date...) must be shared by at least
   ``k`` rows, and, for l-diversity, each such group must hold at least ``l`` distinct values
   of the sensitive column. :func:`k_anonymise` generalises the quasi-identifiers step by step
   (age to 5-, 10-, 20-year bands; region to a coarser area; dates to month, then year) and
   suppresses the rows still in too-small groups, always reporting how many.

Pseudonymised data are still personal data (GDPR Art. 4(5); China's PIPL Art. 73 likewise
distinguishes de-identification from anonymisation): the key holder can re-identify.
k-anonymity limits re-identification by linkage; it does not protect against every attack.

References
----------
Sweeney, L. (2002). k-anonymity: a model for protecting privacy. *International Journal of
Uncertainty, Fuzziness and Knowledge-Based Systems* 10(5), 557-570.

Machanavajjhala, A., Kifer, D., Gehrke, J. & Venkitasubramaniam, M. (2007). l-diversity:
privacy beyond k-anonymity. *ACM Transactions on Knowledge Discovery from Data* 1(1), 3.

Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: keyed-hashing for message
authentication. RFC 2104.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.validate import DataError, ParameterError, check_columns, check_param

__all__ = [
    "DIRECT_IDENTIFIERS", "REGION_AREAS", "SuppressionWarning", "pseudonym", "pseudonymise",
    "derive_key", "minimise", "find_values", "age_band", "coarsen_region", "coarsen_date",
    "anonymity_report", "KAnonymity", "k_anonymise",
]

#: Column names treated as direct identifiers by :func:`minimise` (case-insensitive).
DIRECT_IDENTIFIERS = ("customer_id", "name", "full_name", "first_name", "last_name", "email",
                      "phone", "mobile", "address", "street", "id_number", "national_id",
                      "passport", "card_number", "account_number", "ip_address", "device_id")

#: The company's five regions grouped into two areas (one generalisation step).
REGION_AREAS = {"East": "East-South", "South": "East-South", "North": "North-Centre-West",
                "Central": "North-Centre-West", "West": "North-Centre-West"}


class SuppressionWarning(UserWarning):
    """Rows were suppressed (removed) to reach the anonymity target."""


# ----------------------------------------------------------------------------- pseudonyms


def _key_bytes(key) -> bytes:
    if key is None:
        raise ParameterError("parameter 'key' is missing. Pass a secret key (str or bytes) that "
                             "you keep outside the data, e.g. from an environment variable.")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes | bytearray):
        raise ParameterError(f"parameter 'key' must be str or bytes, got {type(key).__name__}.")
    if len(key) == 0:
        raise ParameterError("parameter 'key' is empty. Use a long random secret (at least 16 "
                             "bytes, e.g. secrets.token_hex(16)).")
    return bytes(key)


def derive_key(seed: int, purpose: str = "crm-lab pseudonyms") -> bytes:
    """A reproducible 32-byte key from a seed, for teaching only (a real key is random).

    Examples
    --------
    >>> len(derive_key(0)), derive_key(0) == derive_key(0), derive_key(0) == derive_key(1)
    (32, True, False)
    """
    check_param("seed", seed, kind=int, low=0)
    return hashlib.sha256(f"{purpose}|{seed}".encode()).digest()


def pseudonym(value, key, *, length: int = 16) -> str:
    """HMAC-SHA256 pseudonym of one identifier (hex, first ``length`` characters).

    Examples
    --------
    >>> pseudonym(42, "k") == pseudonym("42", "k"), pseudonym(42, "k") == pseudonym(42, "k2")
    (True, False)
    """
    check_param("length", length, kind=int, low=8, high=64)
    mac = hmac.new(_key_bytes(key), str(value).encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:length]


def pseudonymise(frame: pd.DataFrame, columns: str | Sequence[str], key, *,
                 length: int = 16, prefix: str = "P") -> pd.DataFrame:
    """Replace identifier columns (or the index, by its name) with keyed pseudonyms.

    Parameters
    ----------
    frame : DataFrame
    columns : str or list of str
        Columns (or the index name) to pseudonymise. Values are hashed as text, so ``42`` and
        ``"42"`` map to the same pseudonym (ids keep joining across tables).
    key : str or bytes
        The secret. Required, non-empty; it is not stored anywhere on the result.
    length : int
        Hex characters kept (16 = 64 bits: collisions are negligible for customer bases).
    prefix : str
        Put in front of each pseudonym so it can never be read as a number.

    Returns
    -------
    DataFrame
        A new frame; the input is not changed. Missing values stay missing.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": [1, 2, 1], "spend": [5.0, 3.0, 2.0]})
    >>> out = pseudonymise(f, "customer_id", key="secret")
    >>> out["customer_id"].str.len().tolist(), out["customer_id"].nunique()
    ([17, 17, 17], 2)
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    if not cols:
        raise ParameterError("parameter 'columns' is empty. Name the identifier column(s).")
    k = _key_bytes(key)
    check_param("length", length, kind=int, low=8, high=64)
    check_param("prefix", prefix, kind=str)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"frame: expected a pandas DataFrame, got {type(frame).__name__}.")
    in_index = [c for c in cols if c not in frame.columns and c == frame.index.name]
    check_columns(frame, [c for c in cols if c not in in_index], "frame")
    out = frame.copy()

    def hash_all(values) -> list:
        return [None if pd.isna(v) else prefix + hmac.new(k, str(v).encode("utf-8"),
                                                          hashlib.sha256).hexdigest()[:length]
                for v in values]

    for c in cols:
        if c in in_index:
            out.index = pd.Index(hash_all(out.index), name=c)
        else:
            out[c] = pd.Series(hash_all(out[c]), index=out.index, dtype=object)
    return out


def minimise(frame: pd.DataFrame, keep: Sequence[str], *,
             direct_identifiers: Sequence[str] = DIRECT_IDENTIFIERS,
             allow: Sequence[str] = ()) -> pd.DataFrame:
    """Keep only the named columns; never keep a direct identifier unless ``allow``-ed.

    Parameters
    ----------
    frame : DataFrame
    keep : list of str
        Columns the recipient needs. An unknown name raises.
    direct_identifiers : list of str
        Names (case-insensitive) that are dropped even when in ``keep``, with a warning.
    allow : list of str
        Identifiers to keep anyway (for example a column already pseudonymised).

    Returns
    -------
    DataFrame
        The kept columns, with a fresh ``RangeIndex`` (the input's index, often the customer
        id, is dropped). ``attrs["dropped"]`` lists what was removed.

    Examples
    --------
    >>> f = pd.DataFrame({"email": ["a@x.cn"], "age": [30], "spend": [9.0]})
    >>> list(minimise(f, ["age", "spend"]).columns)
    ['age', 'spend']
    """
    keep = list(keep)
    if not keep:
        raise ParameterError("parameter 'keep' is empty. Name the columns the recipient needs.")
    check_columns(frame, keep, "frame")
    ids = {c.lower() for c in direct_identifiers} - {c.lower() for c in allow}
    refused = [c for c in keep if str(c).lower() in ids]
    if refused:
        warnings.warn(f"minimise: direct identifier column(s) {refused} dropped although asked "
                      f"to keep; pseudonymise them and pass allow=[...] if the recipient must "
                      f"link rows.", UserWarning, stacklevel=2)
    kept = [c for c in keep if c not in refused]
    out = frame[kept].reset_index(drop=True)
    out.attrs = {"dropped": [c for c in frame.columns if c not in kept]}
    return out


def find_values(frame: pd.DataFrame, values) -> pd.DataFrame:
    """Every cell (index label, column name) whose text holds one of the values.

    Use it to prove that no raw identifier survives in a released table: the result should
    be empty. A value is found where it appears as a whole token, not glued to other letters
    or digits (``"C1001"`` is found in ``"call C1001 today"`` but ``"123"`` is not found inside
    the pseudonym ``"P9a123f"``). Values shorter than 3 characters must equal the whole cell.
    An unnamed ``RangeIndex`` (row numbers) is not searched; any other index is.

    Returns
    -------
    DataFrame
        ``row``, ``column``, ``cell``, ``value`` for each hit.

    Examples
    --------
    >>> f = pd.DataFrame({"note": ["call ann@x.cn", "ok"]})
    >>> find_values(f, ["ann@x.cn"])[["row", "column"]].values.tolist()
    [[0, 'note']]
    """
    needles = {str(v) for v in values if not pd.isna(v)}
    long = sorted((v for v in needles if len(v) >= 3), key=len, reverse=True)
    pattern = (re.compile("(?<![0-9A-Za-z])(?:" + "|".join(map(re.escape, long))
                          + ")(?![0-9A-Za-z])") if long else None)
    hits = []
    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    cells = [] if plain else [("<index>", frame.index)]   # row numbers are not data
    cells += [(c, frame[c]) for c in frame.columns]
    for col, series in cells:
        text = pd.Series(np.asarray(series, dtype=object)).astype(str).tolist()
        for i, cell in enumerate(text):
            found = pattern.search(cell) if pattern is not None else None
            if found is not None:
                hits.append({"row": i, "column": col, "cell": cell, "value": found.group(0)})
            elif cell in needles:
                hits.append({"row": i, "column": col, "cell": cell, "value": cell})
    for c in frame.columns:
        found = pattern.search(str(c)) if pattern is not None else None
        if found is not None:
            hits.append({"row": -1, "column": c, "cell": str(c), "value": found.group(0)})
    return pd.DataFrame(hits, columns=["row", "column", "cell", "value"])


# ----------------------------------------------------------------------------- generalisation


def age_band(age, width: int) -> pd.Series:
    """Ages as ``width``-year bands (``"30-39"``); ``width=0`` keeps the age.

    Examples
    --------
    >>> age_band(pd.Series([23, 37, 40]), 10).tolist()
    ['20-29', '30-39', '40-49']
    """
    check_param("width", width, kind=int, low=0)
    a = pd.Series(age)
    if width == 0:
        return a.astype(str)
    num = pd.to_numeric(a, errors="coerce")
    if num.isna().any():
        raise DataError("age: missing or non-numeric values; fill them before generalising.")
    lo = (np.floor(num / width) * width).astype(int)
    return (lo.astype(str) + "-" + (lo + width - 1).astype(str)).rename(a.name)


def coarsen_region(region, level: int, areas: Mapping[str, str] = REGION_AREAS) -> pd.Series:
    """Region at ``level`` 0 (as is), 1 (``areas``) or 2 (``"all"``).

    Examples
    --------
    >>> coarsen_region(pd.Series(["East", "West"]), 1).tolist()
    ['East-South', 'North-Centre-West']
    """
    check_param("level", level, allowed=(0, 1, 2))
    r = pd.Series(region).astype(str)
    if level == 0:
        return r
    if level == 2:
        return pd.Series("all", index=r.index, name=r.name)
    unknown = sorted(set(r) - set(areas))
    if unknown:
        raise DataError(f"region: {unknown[:5]} not in the area map. How to fix: pass "
                        f"areas={{region: area, ...}} covering every region.")
    return r.map(areas)


def coarsen_date(dates, level: int) -> pd.Series:
    """Dates at ``level`` 0 (day), 1 (month ``2024-05``), 2 (year) or 3 (``"all"``).

    Examples
    --------
    >>> coarsen_date(pd.Series(pd.to_datetime(["2024-05-17"])), 1).tolist()
    ['2024-05']
    """
    check_param("level", level, allowed=(0, 1, 2, 3))
    d = pd.to_datetime(pd.Series(dates), errors="coerce")
    if d.isna().any():
        raise DataError("date: missing or unparseable dates; fill them before generalising.")
    if level == 3:
        return pd.Series("all", index=d.index, name=d.name)
    fmt = ("%Y-%m-%d", "%Y-%m", "%Y")[level]
    return d.dt.strftime(fmt)


# ----------------------------------------------------------------------------- k-anonymity


def _check_qi(frame: pd.DataFrame, quasi_identifiers) -> list[str]:
    qi = [quasi_identifiers] if isinstance(quasi_identifiers, str) else list(quasi_identifiers)
    if not qi:
        raise ParameterError("parameter 'quasi_identifiers' is empty. Name the columns an "
                             "attacker could link on (age, region, dates...).")
    check_columns(frame, qi, "frame", hint="Check the spelling of 'quasi_identifiers'.")
    return qi


def anonymity_report(frame: pd.DataFrame, quasi_identifiers: Sequence[str], *,
                     sensitive: str | None = None) -> pd.Series:
    """k (smallest group size) and l (fewest distinct sensitive values) of a table.

    Returns
    -------
    Series
        ``rows``, ``groups``, ``k`` (size of the smallest equivalence class), ``rows_below_5``
        (rows in classes of fewer than 5) and, with ``sensitive``, ``l``.

    Examples
    --------
    >>> f = pd.DataFrame({"age": ["20-29"] * 3 + ["30-39"] * 2, "d": ["a", "b", "a", "a", "a"]})
    >>> anonymity_report(f, ["age"], sensitive="d").to_dict()
    {'rows': 5, 'groups': 2, 'k': 2, 'rows_below_5': 5, 'l': 1}
    """
    qi = _check_qi(frame, quasi_identifiers)
    g = frame.groupby(qi, dropna=False, sort=False)
    sizes = g.size()
    out = {"rows": len(frame), "groups": int(len(sizes)), "k": int(sizes.min()),
           "rows_below_5": int(sizes[sizes < 5].sum())}
    if sensitive is not None:
        check_columns(frame, [sensitive], "frame")
        out["l"] = int(g[sensitive].nunique(dropna=False).min())
    return pd.Series(out, name="anonymity")


@dataclass
class KAnonymity:
    """What :func:`k_anonymise` released and how.

    Attributes
    ----------
    data : DataFrame
        The released table (generalised, small classes suppressed).
    k, l : int
        The targets.
    steps : DataFrame
        One row per generalisation step taken: the level of every quasi-identifier and the
        rows that were still in too-small classes (to be suppressed if the search stopped).
    suppressed : int
        Rows removed at the chosen step.
    levels : dict
        The chosen generalisation level per quasi-identifier.
    """

    data: pd.DataFrame
    k: int
    l: int | None  # noqa: E741
    steps: pd.DataFrame
    suppressed: int
    levels: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Rows in, rows released, rows suppressed, k and l achieved."""
        rep = anonymity_report(self.data, list(self.levels), sensitive=self.sensitive_) \
            if len(self.data) else pd.Series({"k": 0})
        rows = {"rows in": len(self.data) + self.suppressed, "rows released": len(self.data),
                "rows suppressed": self.suppressed, "k target": self.k,
                "k achieved": int(rep["k"])}
        if self.l is not None:
            rows.update({"l target": self.l, "l achieved": int(rep.get("l", 0))})
        return pd.DataFrame({"value": rows})

    sensitive_: str | None = None


#: Generalisers by kind: level -> function(series, level).
_KINDS: dict[str, tuple[int, Callable]] = {
    "age": (5, lambda s, lv: age_band(s, (0, 5, 10, 20)[lv]) if lv < 4
            else pd.Series("all", index=s.index)),
    "region": (3, coarsen_region),
    "date": (4, coarsen_date),
    "category": (2, lambda s, lv: s.astype(str) if lv == 0 else pd.Series("all", index=s.index)),
}


def _kind_of(series: pd.Series, name: str, kinds: Mapping[str, str]) -> str:
    if name in kinds:
        return kinds[name]
    if pd.api.types.is_datetime64_any_dtype(series) or "date" in name.lower():
        return "date"
    if name.lower() == "age":
        return "age"
    if name.lower() == "region":
        return "region"
    return "category"


def k_anonymise(frame: pd.DataFrame, quasi_identifiers: Sequence[str], k: int, *,
                sensitive: str | None = None, l: int | None = None,  # noqa: E741
                max_suppression: float = 0.05, kinds: Mapping[str, str] | None = None
                ) -> KAnonymity:
    """Generalise quasi-identifiers until every class has ``k`` rows (and ``l`` values).

    Greedy, one level at a time: at each step the quasi-identifier whose next level shrinks
    the rows in too-small classes most is generalised (ties: the one generalised least so far,
    relative to its coarsest level, then the one listed first). It stops
    as soon as the rows still in too-small classes are at most ``max_suppression`` of the
    table; those rows are then suppressed, with a :class:`SuppressionWarning` giving the
    count. If even full generalisation cannot reach the target it raises.

    Parameters
    ----------
    frame : DataFrame
        The (already minimised) table.
    quasi_identifiers : list of str
        Columns to generalise. Their kind is guessed from the name/dtype (``age``, ``region``,
        dates, else categorical: kept or replaced by ``"all"``); override with ``kinds``.
    k : int >= 2
    sensitive : str, optional
        The sensitive column for l-diversity.
    l : int >= 2, optional
        Distinct sensitive values each class must hold (needs ``sensitive``).
    max_suppression : float in [0, 0.5]
        Largest share of rows that may be suppressed instead of generalising further.
    kinds : dict, optional
        ``{column: "age" | "region" | "date" | "category"}``.

    Returns
    -------
    KAnonymity

    Examples
    --------
    >>> f = pd.DataFrame({"age": [21, 24, 27, 33, 35, 38], "region": ["East", "South"] * 3})
    >>> r = k_anonymise(f, ["age", "region"], k=3)
    >>> r.levels, r.suppressed
    ({'age': 2, 'region': 1}, 0)
    """
    check_param("k", k, kind=int, low=2, hint="k = 1 means no protection; use 2 or more.")
    check_param("max_suppression", max_suppression, kind=(int, float), low=0, high=0.5)
    qi = _check_qi(frame, quasi_identifiers)
    if l is not None:
        check_param("l", l, kind=int, low=2)
        if sensitive is None:
            raise ParameterError("parameter 'l' needs 'sensitive' (the column whose values must "
                                 "be diverse within each class).")
    if sensitive is not None:
        check_columns(frame, [sensitive], "frame")
        if sensitive in qi:
            raise ParameterError(f"parameter 'sensitive': {sensitive!r} is also a "
                                 f"quasi-identifier; it must be one or the other.")
    kinds = dict(kinds or {})
    bad = {c: v for c, v in kinds.items() if v not in _KINDS}
    if bad:
        raise ParameterError(f"parameter 'kinds': unknown kind(s) {bad}; use one of "
                             f"{list(_KINDS)}.")
    kind = {c: _kind_of(frame[c], c, kinds) for c in qi}
    max_level = {c: _KINDS[kind[c]][0] - 1 for c in qi}
    for c in qi:
        if frame[c].isna().any():
            raise DataError(f"frame: quasi-identifier {c!r} has {int(frame[c].isna().sum())} "
                            f"missing value(s). How to fix: fill them (e.g. 'unknown').")

    def apply(levels: dict) -> pd.DataFrame:
        out = frame.copy()
        for c in qi:
            out[c] = _KINDS[kind[c]][1](frame[c], levels[c]).to_numpy()
        return out

    def small_rows(g: pd.DataFrame) -> np.ndarray:
        grp = g.groupby(qi, sort=False, dropna=False)
        bad = grp[qi[0]].transform("size").to_numpy() < k
        if l is not None:
            bad |= grp[sensitive].transform("nunique").to_numpy() < l
        return bad

    levels = {c: 0 for c in qi}
    limit = int(np.floor(max_suppression * len(frame)))
    steps = []
    current = apply(levels)
    bad = small_rows(current)
    steps.append({**levels, "rows_to_suppress": int(bad.sum())})
    while bad.sum() > limit:
        best = None
        for c in qi:
            if levels[c] >= max_level[c]:
                continue
            trial = {**levels, c: levels[c] + 1}
            tb = small_rows(apply(trial))
            rank = (int(tb.sum()), levels[c] / max_level[c])
            if best is None or rank < best[3]:
                best = (c, trial, tb, rank)
        if best is None:
            raise DataError(f"k_anonymise: even fully generalised, {int(bad.sum())} rows are in "
                            f"classes below k={k}" + (f" or l={l}" if l else "") + ". How to "
                            "fix: lower k or l, allow more suppression or drop a "
                            "quasi-identifier.")
        levels, bad = best[1], best[2]
        current = apply(levels)
        steps.append({**levels, "rows_to_suppress": int(bad.sum())})
    n_sup = int(bad.sum())
    if n_sup:
        warnings.warn(f"k_anonymise: {n_sup} of {len(frame)} rows suppressed (in classes below "
                      f"k={k}" + (f" or l={l}" if l else "") + ").", SuppressionWarning,
                      stacklevel=2)
    released = current.loc[~bad].reset_index(drop=True)
    steps_df = pd.DataFrame(steps)
    steps_df.index.name = "step"
    return KAnonymity(data=released, k=k, l=l, steps=steps_df, suppressed=n_sup,
                      levels=dict(levels), sensitive_=sensitive)
