"""Build ``data/readiness.csv`` and ``data/readiness_sources.csv`` from the curated
tables in ``data/sources/readiness/``.

Deterministic: the same inputs give the same bytes (rows sorted, numbers written as
printed by the source, ``\\n`` line ends).  The test suite rebuilds into a temporary
folder and compares the bytes.

Usage::

    python scripts/build_readiness.py [--src DIR] [--out DIR]

What it does

1. Reads ``values.csv`` (values typed from stored web pages) and the two mirror
   transcriptions ``pci_2005_2016.csv`` and ``papi_2011_2016.csv``.
2. Maps each printed province name to its GSO code: names of the 63 provinces of
   2008-2025 (``sources/provinces_attributes.csv``) for rows with ``basis`` != 34,
   names of the 34 units of 1 July 2025 (``sources/units_2025.csv``) for ``basis`` 34.
   A name that matches nothing stops the build with the row.  Hà Tây (merged into
   Hà Nội on 1 August 2008; in PCI 2005-2008) is not one of the 63 and its values are
   dropped; the count is printed.
3. Merges rows that describe the same value (e.g. a rank on one page, the score on
   another): conflicting scores or ranks stop the build; sources are joined.
4. Writes one row per province x year x index x component with score, rank, the
   number of units in the table (``rank_of``), unit, methodology, source and note.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIELDS = [
    "vintage",
    "province_code",
    "province_name",
    "index",
    "year",
    "component",
    "score",
    "rank",
    "rank_of",
    "unit",
    "methodology",
    "source",
    "note",
]
INPUTS = ("values.csv", "pci_2005_2016.csv", "papi_2011_2016.csv")
DROPPED_NAMES = {"hatay": "Hà Tây (merged into Hà Nội on 1 August 2008)"}
ALIASES_2008 = {
    "hcmc": "79",
    "tphcm": "79",
    "hcm": "79",
    "brvt": "77",
    "tthue": "46",
    "hue": "46",
    "baccan": "06",
    "daclak": "66",
    "daknong": "67",
    "daklak": "66",
}
# Methodology editions.  DTI 2021 is built from 9 main indices, unlike 2020 (R8), and
# DTI 2024 was published for the 34 units (R9); no source states that later DTI or
# PCI editions are comparable, so each is its own edition.  PAPI fixed its main
# indicators from 2011 for comparison across years (R17): 2011-2016 share one.
PAPI_2011 = range(2011, 2017)


def _key(name: str) -> str:
    s = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"^(tp\.?|thanh pho)\s*", "", s.strip())
    return re.sub(r"[^a-z]", "", s)


def _names(path: Path, aliases: dict[str, str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for n in (r["name_vi"], r["name_ascii"]):
                out[_key(n)] = (r["code"], r["name_vi"])
    by_code = dict(out.values())
    for a, code in aliases.items():
        if code in by_code:
            out.setdefault(a, (code, by_code[code]))
    return out


def methodology(index: str, year: int, basis: int) -> str:
    """Return the methodology edition of a value (documented in docs/readiness.md)."""
    if index == "papi" and year in PAPI_2011:
        return "papi-2011"
    suffix = "-34" if basis == 34 else ""
    return f"{index}-{year}{suffix}"


def unit(index: str, component: str) -> str:
    """Return the scale of a value as the owner publishes it."""
    if index == "dti":
        return "index 0-1"
    if index == "pci":
        return "points 0-100" if component in ("overall", "unweighted_total") else "points 0-10"
    return "points"


def build(src: Path, out: Path) -> dict[str, int]:
    """Build the two output files; return counts for the log."""
    n63 = _names(ROOT / "data/sources/provinces_attributes.csv", ALIASES_2008)
    n34 = _names(ROOT / "data/sources/units_2025.csv", {"hcmc": "79", "tphcm": "79"})
    merged: dict[tuple[str, ...], dict[str, str]] = {}
    dropped = 0
    for fname in INPUTS:
        with (src / fname).open(encoding="utf-8") as fh:
            for lineno, r in enumerate(csv.DictReader(fh), start=2):
                k = _key(r["province"])
                if k in DROPPED_NAMES:
                    dropped += 1
                    continue
                basis = int(r["basis"])
                table = n34 if basis == 34 else n63
                if k not in table:
                    msg = (
                        f"{fname} line {lineno}: province {r['province']!r} matches no "
                        f"{'2025 unit' if basis == 34 else '2008-2025 province'}; add an "
                        "alias to scripts/build_readiness.py or fix the name."
                    )
                    raise SystemExit(msg)
                code, name = table[k]
                vintage = "2025" if basis == 34 else "2008"
                key = (vintage, r["index"], r["year"], r["component"], code)
                row = merged.setdefault(
                    key,
                    {
                        "vintage": vintage,
                        "province_code": code,
                        "province_name": name,
                        "index": r["index"],
                        "year": r["year"],
                        "component": r["component"],
                        "score": "",
                        "rank": "",
                        "rank_of": r["basis"],
                        "unit": unit(r["index"], r["component"]),
                        "methodology": methodology(r["index"], int(r["year"]), basis),
                        "source": "",
                        "note": "",
                    },
                )
                for field in ("score", "rank"):
                    new = r[field].strip()
                    if new and row[field] and float(new) != float(row[field]):
                        msg = (
                            f"{fname} line {lineno}: {field} {new} for {name} {key[1:4]} "
                            f"conflicts with {row[field]} from {row['source']}; resolve by hand."
                        )
                        raise SystemExit(msg)
                    if new and not row[field]:
                        row[field] = new
                srcs = {s for s in row["source"].split("; ") if s}
                srcs |= {s.strip() for s in r["source"].split(";") if s.strip()}
                row["source"] = "; ".join(sorted(srcs, key=lambda s: int(s[1:])))
                note = (r.get("note") or "").strip()
                if note and note not in row["note"]:
                    row["note"] = f"{row['note']}; {note}" if row["note"] else note
    for row in merged.values():
        if row["province_code"] == "01" and int(row["year"]) <= 2008 and row["vintage"] == "2008":
            extra = "Hà Nội before the 2008 merger with Hà Tây (smaller territory)"
            row["note"] = f"{row['note']}; {extra}" if row["note"] else extra
    rows = sorted(
        merged.values(),
        key=lambda r: (
            r["vintage"],
            r["index"],
            int(r["year"]),
            r["component"],
            r["province_code"],
        ),
    )
    out.mkdir(parents=True, exist_ok=True)
    with (out / "readiness.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with (src / "sources.csv").open(encoding="utf-8") as fh:
        srows = list(csv.DictReader(fh))
    with (out / "readiness_sources.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(srows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(srows)
    return {"rows": len(rows), "dropped_ha_tay": dropped}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--src", type=Path, default=ROOT / "data/sources/readiness")
    p.add_argument("--out", type=Path, default=ROOT / "data")
    a = p.parse_args(argv)
    counts = build(a.src, a.out)
    print(
        f"readiness.csv: {counts['rows']} rows; Hà Tây values dropped: {counts['dropped_ha_tay']}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
