"""Transcribe the PCI (2005-2016) and PAPI (2011-2016) tables of the public mirror
mdtrinh/vietnamdata (CC0) into urbanchain's long source format.

This is the one step that needs the mirror's spreadsheets; its output, committed as
``data/sources/readiness/pci_2005_2016.csv`` and ``papi_2011_2016.csv``, is what
``scripts/build_readiness.py`` reads.  The spreadsheets themselves are not committed.

Usage::

    python scripts/extract_readiness_mirror.py --mirror /path/to/vietnamdata [--out DIR]

``--mirror`` is a checkout (or bare git directory) of https://github.com/mdtrinh/vietnamdata.
Needs ``python-calamine`` (``pip install 'urbanchain[readiness-build]'``).

The PCI files follow the mirror's own import guide ``data-raw/PCI/PCI_Import.csv``
(sheet, first/last row and 1-based column of each sub-index; ``Province = 0`` means the
sheet lists each sub-index as sorted (province, score) column pairs).  The PAPI workbook
has one sheet per year, rows 3-65, columns C (province) to AF (29 values).  Values are
copied as printed (rounded to 6 decimals); ranks are not in these tables and stay empty.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd

PCI_COLUMNS = [
    ("Entry Costs", "entry_costs"),
    ("Land Access and Security of Tenure", "land_access"),
    ("Transparency and Access to Information", "transparency"),
    ("Time Costs and Regulatory Compliance", "time_costs"),
    ("Informal Charges", "informal_charges"),
    ("Implementation and Consistency of Policies", "policy_implementation"),
    ("Policy Bias", "policy_bias"),
    ("Proactivity of Provincial Leadership", "proactivity"),
    ("Business Support Services", "business_support"),
    ("Labor and Training", "labor_training"),
    ("Legal Institutions", "legal_institutions"),
    ("Unweighted Col", "unweighted_total"),
    ("Weighted Col", "overall"),
]
# PAPI sheet columns D..AF in the order of the mirror's Clean_PAPI.R (2011-2015; 2016
# replaces "investment" (Community Investment Boards) by "responsive" and moves it).
PAPI_DIMENSIONS = {
    3: "participation",
    8: "transparency",
    12: "vertical_accountability",
    16: "control_of_corruption",
    21: "public_administrative_procedures",
    26: "public_service_delivery",
    31: "unweighted_total",
}
FIELDS = ["index", "year", "basis", "province", "component", "score", "rank", "source", "note"]


def _blob(mirror: Path, rel: str) -> bytes:
    path = mirror / rel
    if path.is_file():
        return path.read_bytes()
    out = subprocess.run(
        ["git", f"--git-dir={mirror}", "show", f"HEAD:{rel}"], capture_output=True, check=False
    )
    if out.returncode != 0:
        msg = f"{rel} is neither a file under {mirror} nor in its git HEAD: {out.stderr.decode()}"
        raise SystemExit(msg)
    return out.stdout


def _num(x: object) -> float | None:
    v = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
    return None if pd.isna(v) or not math.isfinite(float(v)) else float(v)


def _fmt(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".")


def pci_rows(mirror: Path) -> list[dict[str, str]]:
    guide = pd.read_csv(io.BytesIO(_blob(mirror, "data-raw/PCI/PCI_Import.csv")))
    rows: list[dict[str, str]] = []
    for _, g in guide.iterrows():
        year = int(g["Year"])
        book = _blob(mirror, f"data-raw/PCI/PCI_{year}.{g['Type']}")
        try:
            sheet = pd.read_excel(
                io.BytesIO(book), sheet_name=int(g["Sheet"]) - 1, header=None, engine="calamine"
            )
        except Exception as exc:  # report the unreadable edition and go on
            print(f"PCI {year}: workbook not readable ({exc}); edition skipped", file=sys.stderr)
            continue
        block = sheet.iloc[int(g["Begin Row"]) - 1 : int(g["End Row"])]
        prov_col = int(g["Province"])
        for head, comp in PCI_COLUMNS:
            col = g[head]
            if pd.isna(col):
                continue
            c = int(col) - 1
            names = block.iloc[:, prov_col - 1] if prov_col else block.iloc[:, c - 1]
            for name, val in zip(names, block.iloc[:, c], strict=True):
                v = _num(val)
                if v is None or not isinstance(name, str) or not name.strip():
                    continue
                rows.append(
                    {
                        "index": "pci",
                        "year": str(year),
                        "basis": "63",
                        "province": name.strip(),
                        "component": comp,
                        "score": _fmt(v),
                        "rank": "",
                        "source": "R14",
                        "note": "",
                    }
                )
    return rows


def papi_rows(mirror: Path) -> list[dict[str, str]]:
    book = _blob(mirror, "data-raw/PAPI/PAPI_2011-2016.xlsx")
    rows: list[dict[str, str]] = []
    for i, year in enumerate(range(2011, 2017)):
        sheet = pd.read_excel(io.BytesIO(book), sheet_name=i, header=None, engine="calamine")
        block = sheet.iloc[2:65]
        for _, r in block.iterrows():
            name = r.iloc[2]
            if not isinstance(name, str) or not name.strip():
                continue
            dims = [
                _num(r.iloc[c]) for c, comp in PAPI_DIMENSIONS.items() if comp != "unweighted_total"
            ]
            if all(v is None for v in dims):
                # the mirror prints a total of 0 for a province with no dimension scores
                # (PAPI 2014: two provinces); that 0 is not a score, so the row is left out
                print(f"PAPI {year} {name.strip()}: no dimension scores; left out", file=sys.stderr)
                continue
            for col, comp in PAPI_DIMENSIONS.items():
                v = _num(r.iloc[col])
                if v is None:
                    continue
                rows.append(
                    {
                        "index": "papi",
                        "year": str(year),
                        "basis": "63",
                        "province": name.strip(),
                        "component": comp,
                        "score": _fmt(v),
                        "rank": "",
                        "source": "R15",
                        "note": "",
                    }
                )
    return rows


def _set_basis(rows: list[dict[str, str]]) -> None:
    # basis = number of provinces the edition covers (PCI 2005: 42; 2006-2008: 64, with Hà Tây)
    count: dict[str, set[str]] = {}
    for r in rows:
        count.setdefault(r["year"], set()).add(r["province"])
    for r in rows:
        r["basis"] = str(len(count[r["year"]]))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    _set_basis(rows)
    rows = sorted(rows, key=lambda r: (r["year"], r["component"], r["province"]))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mirror", type=Path, required=True)
    p.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "data/sources/readiness"
    )
    a = p.parse_args(argv)
    pci = pci_rows(a.mirror)
    papi = papi_rows(a.mirror)
    _write(a.out / "pci_2005_2016.csv", pci)
    _write(a.out / "papi_2011_2016.csv", papi)
    print(f"pci: {len(pci)} values; papi: {len(papi)} values", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
