"""Vietnamese attribute tables: recognised column names and values mapped to the schema.

Planning offices keep layers with Vietnamese keys (``ten``/``tên``, ``loai``/``loại``,
``trang_thai``/``trạng thái``) and values (``cao tốc``, ``quốc lộ``, ``đường sắt``,
``đang khai thác``, ``đang xây dựng``, ``quy hoạch``). :func:`map_vietnamese`
recognises them, with or without diacritics, in any case and with spaces,
hyphens or underscores, renames and recodes them to urbanchain's schema, and
reports every mapping so that :func:`urbanchain.io.read_layer` can warn with the
full list. A column is never renamed onto one that already exists, and values
that are not recognised are left as they are (the schema check then names them).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

__all__ = ["COLUMN_ALIASES", "VALUE_ALIASES", "fold", "map_vietnamese"]


def fold(text: str) -> str:
    """Fold a label for matching: no diacritics (``đ`` -> ``d``), lower case, ``_`` for gaps.

    >>> fold("Trạng thái"), fold("CAO TỐC"), fold("Đường-sắt")
    ('trang_thai', 'cao_toc', 'duong_sat')
    """
    s = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower().strip()
    return re.sub(r"[\s\-./]+", "_", s)


_COMMON = {
    "ten": "name", "ten_goi": "name", "ten_tuyen": "name", "ten_do_thi": "name",
    "trang_thai": "status", "tinh_trang": "status", "hien_trang": "status",
    "nam_khai_thac": "opening_year", "nam_hoan_thanh": "opening_year",
    "nam_dua_vao_khai_thac": "opening_year", "nam_thong_xe": "opening_year",
    "ghi_chu": "note", "nguon": "source", "nguon_so_lieu": "source",
}

#: Folded Vietnamese column name -> schema column, per layer kind.
COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "corridors": {
        **_COMMON,
        "ma_tuyen": "corridor_id", "ma_hanh_lang": "corridor_id",
        "loai": "mode", "loai_hinh": "mode", "phuong_thuc": "mode", "loai_duong": "mode",
        "ma": "code", "ma_hieu": "code", "so_hieu": "code",
        "toc_do": "design_speed_kmh", "toc_do_thiet_ke": "design_speed_kmh",
        "van_toc_thiet_ke": "design_speed_kmh",
        "chieu_dai": "length_official_km", "chieu_dai_km": "length_official_km",
        "so_lan": "lanes", "so_lan_xe": "lanes", "kho_duong_ray": "gauge_mm",
    },
    "nodes": {
        **_COMMON,
        "ma_nut": "node_id", "ma_do_thi": "node_id",
        "loai": "kind", "loai_nut": "kind", "loai_hinh": "kind",
        "dan_so": "population", "nam_dan_so": "population_year",
        "tinh": "province_2008", "ma_tinh": "province_2008",
        "tinh_2025": "province_2025", "ma_tinh_2025": "province_2025",
        "pham_vi": "scope",
    },
    "provinces": {
        "ten": "name_vi", "ten_tinh": "name_vi", "ma_tinh": "code", "ma": "code",
        "dien_tich": "area_official_km2", "dien_tich_km2": "area_official_km2",
        "dan_so": "population", "nam_dan_so": "population_year",
        "tinh_ly": "capital", "thu_phu": "capital",
    },
}

_STATUS = {
    "dang_khai_thac": "operational", "khai_thac": "operational", "hoat_dong": "operational",
    "dang_hoat_dong": "operational", "da_khai_thac": "operational", "hien_huu": "operational",
    "dang_xay_dung": "under_construction", "dang_thi_cong": "under_construction",
    "xay_dung": "under_construction", "thi_cong": "under_construction",
    "quy_hoach": "planned", "du_kien": "planned", "de_xuat": "planned",
    "tam_dung": "paused", "tam_ngung": "paused", "dung_thi_cong": "paused",
}

#: Schema column -> folded Vietnamese value -> schema value.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "mode": {
        "cao_toc": "expressway", "duong_cao_toc": "expressway",
        "quoc_lo": "highway", "duong_quoc_lo": "highway", "duong_bo": "highway",
        "duong_sat": "railway", "tuyen_duong_sat": "railway",
        "duong_thuy": "waterway", "duong_thuy_noi_dia": "waterway", "duong_song": "waterway",
        "duong_bien": "sea", "hang_hai": "sea",
        "hang_khong": "air", "duong_hang_khong": "air",
    },
    "status": _STATUS,
    "kind": {
        "do_thi": "city", "thanh_pho": "city", "thi_xa": "city", "thi_tran": "city",
        "cang_bien": "seaport", "cang": "seaport",
        "san_bay": "airport", "cang_hang_khong": "airport",
        "cua_khau": "border_gate", "cua_khau_quoc_te": "border_gate",
        "ga": "station", "nha_ga": "station", "ga_duong_sat": "station",
    },
    "scope": {"loi": "core", "vung_loi": "core", "mo_rong": "reach", "vung_anh_huong": "reach"},
}


def map_vietnamese(
    gdf: pd.DataFrame, *, kind: str
) -> tuple[pd.DataFrame, list[str]]:
    """Rename recognised Vietnamese columns and recode their values to the schema.

    Parameters
    ----------
    gdf
        The layer as read (not modified).
    kind
        The layer kind (``"corridors"``, ``"nodes"``, ``"provinces"``; other kinds
        are returned unchanged).

    Returns
    -------
    (DataFrame, list of str)
        The mapped copy (or ``gdf`` itself when nothing matched) and one line per
        mapping, e.g. ``"column 'loại' -> 'mode'"`` or
        ``"mode: 'cao tốc' -> 'expressway' (3 rows)"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Tên": ["Cao tốc A"], "loai": ["cao tốc"], "trang_thai": ["quy hoạch"]})
    >>> out, notes = map_vietnamese(df, kind="corridors")
    >>> list(out.columns), out.loc[0, "mode"], out.loc[0, "status"]
    (['name', 'mode', 'status'], 'expressway', 'planned')
    """
    aliases = COLUMN_ALIASES.get(kind)
    if aliases is None:
        return gdf, []
    notes: list[str] = []
    rename: dict[str, str] = {}
    taken = {str(c) for c in gdf.columns}
    for col in gdf.columns:
        if not isinstance(col, str) or col in {"geometry"}:
            continue
        target = aliases.get(fold(col))
        if target is None or target == col:
            continue
        if target in taken or target in rename.values():
            notes.append(f"column {col!r} not renamed to {target!r}: that column exists")
            continue
        rename[col] = target
    out = gdf.rename(columns=rename) if rename else gdf
    notes[:0] = [f"column {old!r} -> {new!r}" for old, new in rename.items()]
    recoded = False
    for col, table in VALUE_ALIASES.items():
        if col not in out.columns:
            continue
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        mapped: dict[str, str] = {}
        for value in pd.unique(s.dropna()):
            if isinstance(value, str) and value not in set(table.values()):
                hit = table.get(fold(value))
                if hit is not None:
                    mapped[value] = hit
        if mapped:
            if not recoded:
                out = out.copy()
                recoded = True
            counts = s[s.isin(list(mapped))].value_counts()
            out[col] = s.replace(mapped)
            notes.extend(
                f"{col}: {v!r} -> {mapped[v]!r} ({int(counts.get(v, 0))} row"
                f"{'s' if int(counts.get(v, 0)) != 1 else ''})"
                for v in sorted(mapped)
            )
    return out, notes
