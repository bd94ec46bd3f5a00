"""Message catalogue of every visible map, figure and brief string, in Vietnamese and English.

Vietnamese is a first-class output: each entry is written in both languages, place
names keep their diacritics, numbers are formatted by the locale with Babel
(``1.234.567,5`` in ``vi_VN``, ``1,234,567.5`` in ``en_GB``) and units are words
("phút", "người", "km").

* :data:`MESSAGES` - interface strings (legend headings, layer names, popup fields).
* :data:`KINDS`, :data:`MODES`, :data:`STATUSES` - category names of the layers.
* :data:`METRICS` - plain-language label, unit and scale of each metric urbanchain
  computes, keyed by column / Series name.
* :data:`UNITS` - unit words.

:func:`text` raises ``KeyError`` for a key with no entry, so a visible string without
a translation fails the tests that render maps in both languages. Catalogue strings
are urbanchain's own; user values are inserted with :meth:`str.format` *after* the
lookup and the result is escaped like any other user text before it reaches HTML.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "KINDS",
    "LANGS",
    "MESSAGES",
    "METRICS",
    "MODES",
    "REGIONS",
    "STATUSES",
    "UNITS",
    "Lang",
    "MetricLabel",
    "category",
    "check_lang",
    "format_number",
    "format_value",
    "metric_label",
    "nice",
    "region_name",
    "text",
    "unit_word",
]

Lang = Literal["vi", "en"]
#: Languages of every catalogue entry.
LANGS: tuple[Lang, ...] = ("vi", "en")
_LOCALES = {"vi": "vi_VN", "en": "en_GB"}

MESSAGES: dict[str, dict[str, str]] = {
    "no_data": {"vi": "không có dữ liệu", "en": "no data"},
    "legend": {"vi": "Chú giải", "en": "Legend"},
    "labels": {"vi": "Tên địa danh", "en": "Place names"},
    "layer_provinces": {"vi": "Tỉnh, thành phố ({vintage})", "en": "Provinces ({vintage})"},
    "layer_corridors": {"vi": "Tuyến giao thông", "en": "Transport corridors"},
    "layer_nodes": {"vi": "Đô thị và cửa ngõ", "en": "Cities and gateways"},
    "layer_context": {"vi": "Tỉnh lân cận", "en": "Neighbouring provinces"},
    "layer_extra": {"vi": "Lớp bổ sung", "en": "Additional layer"},
    "vintage_2008": {"vi": "địa giới 2008–2025", "en": "2008–2025 boundaries"},
    "vintage_2025": {"vi": "địa giới từ 1/7/2025", "en": "boundaries from 1 July 2025"},
    "provinces_heading": {"vi": "Tỉnh, thành phố", "en": "Provinces"},
    "nodes_heading": {"vi": "Đô thị và cửa ngõ", "en": "Cities and gateways"},
    "corridors_heading": {"vi": "Tuyến giao thông", "en": "Corridors"},
    "corridor_mode": {"vi": "Loại tuyến", "en": "Corridor type"},
    "corridor_status": {"vi": "Tình trạng tuyến", "en": "Corridor status"},
    "corridor_width": {"vi": "Độ dày nét: {label}", "en": "Line width: {label}"},
    "node_kind": {"vi": "Loại điểm (viền)", "en": "Place type (ring)"},
    "capital": {"vi": "tỉnh lỵ (viền đậm)", "en": "provincial capital (thick ring)"},
    "capital_short": {"vi": "tỉnh lỵ", "en": "provincial capital"},
    "kind": {"vi": "Loại", "en": "Type"},
    "mode": {"vi": "Loại tuyến", "en": "Type"},
    "status": {"vi": "Tình trạng", "en": "Status"},
    "province_2008": {"vi": "Tỉnh (2008–2025)", "en": "Province (2008–2025)"},
    "province_2025": {"vi": "Tỉnh (từ 7/2025)", "en": "Province (from July 2025)"},
    "members_2008": {"vi": "Gồm các tỉnh cũ", "en": "Former provinces"},
    "sources": {"vi": "Nguồn", "en": "Sources"},
    "source_link": {"vi": "nguồn {number}", "en": "source {number}"},
    "opening_year": {"vi": "Năm khai thác", "en": "Opening year"},
    "length_official_km": {"vi": "Chiều dài", "en": "Length"},
    "design_speed_kmh": {"vi": "Tốc độ thiết kế", "en": "Design speed"},
    "population": {"vi": "Dân số", "en": "Population"},
    "population_year": {"vi": "Năm số liệu dân số", "en": "Population year"},
    "area_official_km2": {"vi": "Diện tích", "en": "Area"},
    "details": {"vi": "Tất cả thuộc tính", "en": "All attributes"},
    "attribution": {
        "vi": "Địa giới: geoBoundaries (Runfola và cs. 2020, PLoS ONE 15(4): e0231866), CC BY 4.0",
        "en": "Boundaries: geoBoundaries (Runfola et al. 2020, PLoS ONE 15(4): e0231866), CC BY 4.0",
    },
    "corridor_note": {
        "vi": "Tuyến vẽ sơ đồ qua các điểm mốc, không phải tuyến khảo sát",
        "en": "Corridors: schematic corridors through their waypoints, not surveyed alignments",
    },
    "polygon_note": {
        "vi": "Ranh giới tỉnh đã giản lược, chỉ để minh họa",
        "en": "Province polygons are simplified, for illustration only",
    },
    "diff_lower": {"vi": "thấp hơn", "en": "lower"},
    "diff_higher": {"vi": "cao hơn", "en": "higher"},
    "diff_saved": {"vi": "{unit} tiết kiệm", "en": "{unit} saved"},
    "diff_added": {"vi": "{unit} tăng thêm", "en": "{unit} added"},
    "diff_title": {
        "vi": "Thay đổi: {label} ({other} so với {base})",
        "en": "Change: {label} ({other} vs {base})",
    },
    "diff_unchanged": {"vi": "không đổi", "en": "unchanged"},
    "diff_range": {
        "vi": "trong dữ liệu: từ {low} đến {high}",
        "en": "in the data: {low} to {high}",
    },
    "project_new": {"vi": "tuyến mới", "en": "new corridor"},
    "project_upgraded": {"vi": "tuyến nâng cấp", "en": "upgraded corridor"},
    "project_closed": {"vi": "tuyến đóng", "en": "closed corridor"},
    "project_heading": {"vi": "Dự án", "en": "Projects"},
    "before": {"vi": "Trước", "en": "Before"},
    "after": {"vi": "Sau", "en": "After"},
    "base": {"vi": "hiện trạng", "en": "base"},
    "other": {"vi": "phương án", "en": "scenario"},
    "north": {"vi": "B", "en": "N"},
    "locator": {"vi": "Việt Nam", "en": "Viet Nam"},
    "map_title": {"vi": "{region}: mạng lưới năm {year}", "en": "{region}: network in {year}"},
    "map_subtitle": {
        "vi": "Đô thị tô màu theo {label}; tuyến dày theo {corridor}",
        "en": "Cities coloured by {label}; corridor width by {corridor}",
    },
    "subtitle_nodes": {"vi": "Đô thị tô màu theo {label}", "en": "Cities coloured by {label}"},
    "footer_source": {
        "vi": "Nguồn: urbanchain {version}; dữ liệu gói kèm (facts.md); {attribution}",
        "en": "Source: urbanchain {version}; bundled data (facts.md); {attribution}",
    },
    "footer_caveat": {
        "vi": "Lưu ý: thời gian đi tính trên mạng sơ đồ; ô xám = không có dữ liệu (không phải 0).",
        "en": "Caveat: travel times are computed on a schematic network; grey = no data (never 0).",
    },
}

MESSAGES.update(
    {
        "brief_title": {
            "vi": "{region}: kết nối giao thông năm {year}",
            "en": "{region}: transport connections in {year}",
        },
        "brief_subtitle": {
            "vi": "Bản tóm tắt cho lãnh đạo tỉnh, lập bằng urbanchain {version}",
            "en": "A brief for provincial leaders, made with urbanchain {version}",
        },
        "brief_findings": {"vi": "Điểm chính", "en": "Key findings"},
        "brief_finding_seaport": {
            "vi": "{near} gần cảng biển nhất ({near_min}); {far} xa nhất ({far_min}).",
            "en": "{near} is closest to a seaport ({near_min}); {far} is farthest ({far_min}).",
        },
        "brief_finding_corridor": {
            "vi": "Tuyến xung yếu nhất: {name}; nếu bị cắt, mạng mất {loss} hiệu quả.",
            "en": "Most critical corridor: {name}; cutting it costs the network {loss} of its efficiency.",
        },
        "brief_finding_gain": {
            "vi": "Với {scenario}, {pair} rút ngắn {saved}.",
            "en": "With {scenario}, {pair} becomes {saved} shorter.",
        },
        "brief_finding_no_gain": {
            "vi": "{scenario} không rút ngắn thời gian đi giữa các tỉnh lỵ.",
            "en": "{scenario} shortens no trip between provincial capitals.",
        },
        "brief_map": {"vi": "Bản đồ", "en": "Map"},
        "brief_map_note": {
            "vi": "Rê chuột lên một điểm để xem tên và số liệu; bấm để xem chi tiết và nguồn.",
            "en": "Hover a place for its name and values; click for details and sources.",
        },
        "brief_travel": {
            "vi": "Thời gian đi giữa các tỉnh lỵ (phút)",
            "en": "Travel time between provincial capitals (minutes)",
        },
        "brief_gateways": {
            "vi": "Tiếp cận cửa ngõ: cảng biển, sân bay, cửa khẩu",
            "en": "Access to gateways: seaports, airports, border gates",
        },
        "brief_critical": {
            "vi": "Các tuyến xung yếu nhất",
            "en": "The most critical corridors",
        },
        "brief_gains": {"vi": "Lợi ích của phương án", "en": "What the scenario gains"},
        "brief_methods": {"vi": "Phương pháp", "en": "Methods"},
        "brief_methods_text": {
            "vi": (
                "Mạng lưới gồm các tuyến đường cao tốc, quốc lộ, đường sắt, đường thủy và "
                "đường biển, vẽ sơ đồ qua các điểm mốc. Thời gian đi là đường nhanh nhất trên "
                "mạng này, theo tốc độ khai thác bình quân của từng loại đường (thấp hơn tốc độ "
                "tối đa của Thông tư 38/2024/TT-BGTVT), không tính ùn tắc. Mức xung yếu của một tuyến là phần hiệu quả "
                "của cả mạng (trung bình nghịch đảo thời gian đi giữa các tỉnh lỵ) mất đi khi "
                "cắt tuyến đó. Chỉ số chuỗi đô thị gộp khả năng kết nối, tiếp cận dân số, "
                "tiếp cận cửa ngõ và các chỉ số chuyển đổi số, chuẩn hóa về 0–1."
            ),
            "en": (
                "The network holds expressways, national highways, railways, waterways and "
                "sea routes, drawn schematically through their waypoints. A travel time is the "
                "fastest route on this network at each road class's average operating speed "
                "(below the limits of Circular 38/2024/TT-BGTVT), free flow, no congestion. A corridor's criticality is "
                "the share of the whole network's efficiency (the mean inverse travel time "
                "between provincial capitals) lost when that corridor is cut. The chain score "
                "combines connectedness, people within reach, gateway access and digital "
                "transformation indices, scaled to 0–1."
            ),
        },
        "brief_caveats": {"vi": "Lưu ý khi sử dụng", "en": "Caveats"},
        "brief_caveat_schematic": {
            "vi": "Tuyến là sơ đồ, không phải tuyến khảo sát: thời gian đi là ước tính, không phải lịch chạy.",
            "en": "Corridors are schematic, not surveyed: travel times are estimates, not timetables.",
        },
        "brief_caveat_polygons": {
            "vi": "Ranh giới tỉnh đã giản lược; diện tích tính từ đa giác chỉ để minh họa.",
            "en": "Province polygons are simplified; areas measured on them are illustrative.",
        },
        "brief_caveat_missing": {
            "vi": "Ô ghi “không có dữ liệu” là thiếu số liệu, không phải bằng 0.",
            "en": "Cells reading “no data” are missing values, never zero.",
        },
        "brief_sources": {"vi": "Nguồn dữ liệu", "en": "Sources"},
        "brief_source_boundaries": {
            "vi": "Ranh giới tỉnh: geoBoundaries (Runfola và cs. 2020), CC BY 4.0.",
            "en": "Province boundaries: geoBoundaries (Runfola et al. 2020), CC BY 4.0.",
        },
        "brief_source_data": {
            "vi": "Đô thị, cửa ngõ, tuyến và chỉ số: dữ liệu gói kèm urbanchain, có nguồn từng dòng (facts.md).",
            "en": "Cities, gateways, corridors and indices: urbanchain's bundled data, sourced row by row (facts.md).",
        },
        "brief_print": {
            "vi": "Bản đồ in (cùng nội dung)",
            "en": "Printable map (same content)",
        },
        "col_capital": {"vi": "Tỉnh lỵ", "en": "Capital"},
        "col_to_hanoi": {"vi": "Đến Hà Nội", "en": "To Hà Nội"},
        "col_seaport": {"vi": "Cảng biển gần nhất", "en": "Nearest seaport"},
        "col_airport": {"vi": "Sân bay gần nhất", "en": "Nearest airport"},
        "col_border_gate": {"vi": "Cửa khẩu gần nhất", "en": "Nearest border gate"},
        "col_minutes": {"vi": "phút", "en": "minutes"},
        "col_corridor": {"vi": "Tuyến", "en": "Corridor"},
        "col_mode": {"vi": "Loại", "en": "Type"},
        "col_efficiency": {"vi": "Hiệu quả mạng mất đi", "en": "Network efficiency lost"},
        "col_extra_time": {"vi": "Đi thêm tối đa", "en": "Largest detour"},
        "col_pair": {"vi": "Cặp tỉnh lỵ", "en": "Capital pair"},
        "col_before": {"vi": "Hiện trạng", "en": "Today"},
        "col_after": {"vi": "Phương án", "en": "Scenario"},
        "col_saved": {"vi": "Tiết kiệm", "en": "Saved"},
        "chart_seaport": {
            "vi": "Thời gian đến cảng biển gần nhất (phút)",
            "en": "Minutes to the nearest seaport",
        },
        "chart_critical": {
            "vi": "Hiệu quả mạng mất đi nếu tuyến bị cắt (%)",
            "en": "Network efficiency lost if the corridor is cut (%)",
        },
        "chart_gains": {
            "vi": "Số phút tiết kiệm theo cặp tỉnh lỵ",
            "en": "Minutes saved by capital pair",
        },
        "scenario_default": {"vi": "phương án", "en": "the scenario"},
    }
)

# --- readiness maps and "ready vs connected" (issue 22; urbanchain.maps._readiness) ---
MESSAGES.update(
    {
        "rd_index_dti": {
            "vi": "Chỉ số chuyển đổi số cấp tỉnh (DTI)",
            "en": "Digital Transformation Index (DTI)",
        },
        "rd_index_pci": {
            "vi": "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)",
            "en": "Provincial Competitiveness Index (PCI)",
        },
        "rd_index_papi": {
            "vi": "Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh (PAPI)",
            "en": "Provincial Governance and Public Administration Performance Index (PAPI)",
        },
        "rd_component_overall": {"vi": "điểm tổng hợp", "en": "overall score"},
        "rd_component_unweighted_total": {
            "vi": "tổng điểm chưa trọng số",
            "en": "unweighted total",
        },
        "rd_component": {"vi": "thành phần {name}", "en": "component {name}"},
        "rd_legend": {
            "vi": "{index}, {component}, {year}",
            "en": "{index}, {component}, {year}",
        },
        "rd_source": {"vi": "Nguồn: {sources}", "en": "Source: {sources}"},
        "rd_source_owner": {
            "vi": "Nguồn: chỉ số của {owner}; số liệu lấy từ {sources}",
            "en": "Source: {owner} (index owner); values from {sources}",
        },
        "rd_owner_dti": {
            "vi": "Bộ Thông tin và Truyền thông",
            "en": "Ministry of Information and Communications",
        },
        "rd_owner_pci": {"vi": "VCCI", "en": "VCCI"},
        "rd_owner_papi": {"vi": "CECODES, VFF-CRT và UNDP", "en": "CECODES, VFF-CRT and UNDP"},
        "rd_unit_points 0-100": {"vi": "điểm 0–100", "en": "points 0–100"},
        "rd_unit_points 0-10": {"vi": "điểm 0–10", "en": "points 0–10"},
        "rd_unit_points": {"vi": "điểm", "en": "points"},
        "rd_unit_index 0-1": {"vi": "chỉ số 0–1", "en": "index 0–1"},
        "rd_derived": {
            "vi": "Giá trị 2025 là số suy ra: trung bình có trọng số dân số của các tỉnh cũ (trước 1/7/2025), không phải số công bố",
            "en": "2025 values are derived: population-weighted means of the pre-1 July 2025 provinces, not published figures",
        },
        "rd_no_weights": {
            "vi": "Chưa tổng hợp được: thiếu trọng số dân số có nguồn của tỉnh thành viên",
            "en": "Not aggregated: a member province has no sourced population weight",
        },
        "rd_title": {
            "vi": "{region}: {index} năm {year} ({vintage})",
            "en": "{region}: {index} {year} ({vintage})",
        },
        "rd_coverage": {
            "vi": "{have}/{total} tỉnh có số liệu",
            "en": "{have} of {total} provinces with data",
        },
        "rd_year_full": {
            "vi": "năm gần nhất có số liệu cho mọi tỉnh",
            "en": "most recent year with data for every province",
        },
        "rd_year_partial": {
            "vi": "không năm nào có đủ mọi tỉnh: năm có nhiều tỉnh nhất",
            "en": "no year covers every province: the year covering the most",
        },
        "rd_year_given": {"vi": "năm được chọn", "en": "year chosen"},
        "rd_year_fallback": {
            "vi": "không đơn vị nào có số liệu: năm của bản đồ các tỉnh cũ",
            "en": "no unit has a value: the year of the old-province map",
        },
        "rd_source_none": {
            "vi": "Nguồn: chỉ số của {owner}; không có giá trị nào cho các đơn vị này",
            "en": "Source: {owner} (index owner); no value reaches these units",
        },
        "rd_quadrant_title": {
            "vi": "Sẵn sàng và kết nối: {region}",
            "en": "Ready and connected: {region}",
        },
        "rd_quadrant_legend": {
            "vi": "Kết nối × sẵn sàng (ngưỡng: trung vị của chuỗi)",
            "en": "Connectivity × readiness (thresholds: chain median)",
        },
        "rd_q_connected_ready": {"vi": "Kết nối tốt và sẵn sàng", "en": "Connected and ready"},
        "rd_q_connected_not_ready": {
            "vi": "Kết nối tốt nhưng chưa sẵn sàng",
            "en": "Connected but not ready",
        },
        "rd_q_ready_not_connected": {
            "vi": "Sẵn sàng nhưng kết nối kém",
            "en": "Ready but not connected",
        },
        "rd_q_neither": {"vi": "Chưa kết nối, chưa sẵn sàng", "en": "Neither"},
        "rd_q_no_data": {"vi": "không có dữ liệu", "en": "no data"},
        "rd_connectivity": {
            "vi": "Khả năng kết nối (phần kết nối của chỉ số chuỗi, 0–1)",
            "en": "Connectivity (connectivity part of the chain score, 0–1)",
        },
        "rd_connectivity_short": {"vi": "Kết nối", "en": "Connectivity"},
        "rd_readiness_short": {"vi": "Sẵn sàng", "en": "Readiness"},
        "rd_class": {"vi": "Nhóm", "en": "Class"},
        "rd_city": {"vi": "Tỉnh lỵ", "en": "City"},
        "rd_province": {"vi": "Tỉnh", "en": "Province"},
        "rd_rule": {
            "vi": (
                "Kết nối = trung bình có trọng số của các thành phần kết nối của chỉ số chuỗi "
                "(độ gần trung tâm, khả năng tiếp cận, thời gian đến cửa ngõ, độ trung gian; "
                "đã chuẩn hóa 0–1). Một tỉnh lỵ “kết nối tốt” khi giá trị ≥ {connected} "
                "(trung vị của chuỗi) và “sẵn sàng” khi {readiness} ≥ {ready} (trung vị). "
                "Tỉnh lỵ thiếu một trong hai giá trị được ghi “không có dữ liệu”. Ngưỡng là "
                "trung vị của chính chuỗi này, không phải chuẩn quốc gia."
            ),
            "en": (
                "Connectivity = the weighted mean of the chain score's connectivity "
                "components (closeness, accessibility, gateway time, betweenness; each "
                "scaled 0–1). A city is “connected” when it is ≥ {connected} (the chain "
                "median) and “ready” when {readiness} ≥ {ready} (the median). A city "
                "lacking either value reads “no data”. The thresholds are this chain's own "
                "medians, not a national standard."
            ),
        },
        "rd_section": {
            "vi": "Sẵn sàng số và kết nối",
            "en": "Ready vs connected",
        },
        "rd_chart": {
            "vi": "Kết nối (trục ngang) và sẵn sàng (trục dọc) của các tỉnh lỵ",
            "en": "Connectivity (across) and readiness (up) of the capitals",
        },
        "rd_unavailable": {
            "vi": "Không xếp nhóm được: {reason}",
            "en": "No classes: {reason}",
        },
    }
)

KINDS: dict[str, dict[str, str]] = {
    "city": {"vi": "đô thị", "en": "city"},
    "seaport": {"vi": "cảng biển", "en": "seaport"},
    "airport": {"vi": "sân bay", "en": "airport"},
    "border_gate": {"vi": "cửa khẩu", "en": "border gate"},
    "station": {"vi": "ga đường sắt", "en": "railway station"},
    "province": {"vi": "tỉnh", "en": "province"},
    "municipality": {"vi": "thành phố trực thuộc trung ương", "en": "centrally run city"},
}

MODES: dict[str, dict[str, str]] = {
    "expressway": {"vi": "đường cao tốc", "en": "expressway"},
    "highway": {"vi": "quốc lộ", "en": "national highway"},
    "railway": {"vi": "đường sắt", "en": "railway"},
    "waterway": {"vi": "đường thủy nội địa", "en": "inland waterway"},
    "sea": {"vi": "đường biển", "en": "sea route"},
    "air": {"vi": "đường hàng không", "en": "air route"},
    "access": {"vi": "đường kết nối", "en": "access link"},
}

STATUSES: dict[str, dict[str, str]] = {
    "operational": {"vi": "đang khai thác", "en": "in service"},
    "under_construction": {"vi": "đang xây dựng", "en": "under construction"},
    "planned": {"vi": "quy hoạch", "en": "planned"},
    "paused": {"vi": "tạm dừng", "en": "paused"},
    "closed": {"vi": "đóng", "en": "closed"},
}

UNITS: dict[str, dict[str, str]] = {
    "min": {"vi": "phút", "en": "min"},
    "people": {"vi": "người", "en": "people"},
    "km": {"vi": "km", "en": "km"},
    "km²": {"vi": "km²", "en": "km²"},
    "km/h": {"vi": "km/h", "en": "km/h"},
    "mm": {"vi": "mm", "en": "mm"},
    "%": {"vi": "%", "en": "%"},
    "0-1": {"vi": "", "en": ""},
    "count": {"vi": "", "en": ""},
    "ratio": {"vi": "", "en": ""},
    "1/min": {"vi": "1/phút", "en": "1/min"},
    "years": {"vi": "năm", "en": "years"},
    "rank": {"vi": "", "en": ""},
}


@dataclass(frozen=True)
class MetricLabel:
    """Plain-language label of a metric.

    Attributes
    ----------
    vi, en
        The label in each language (without the unit).
    unit
        Key of :data:`UNITS` for the values after ``scale``.
    scale
        Factor applied to the values before display (``100`` for shares shown in %).
    lower_is_better
        For differences: a negative change is a gain (minutes saved).
    """

    vi: str
    en: str
    unit: str | None = None
    scale: float = 1.0
    lower_is_better: bool = False


METRICS: dict[str, MetricLabel] = {
    "chain_score": MetricLabel("Chỉ số chuỗi đô thị (0–1)", "Chain score (0–1)", "0-1"),
    "score": MetricLabel("Chỉ số chuỗi đô thị (0–1)", "Chain score (0–1)", "0-1"),
    "seaport_min": MetricLabel(
        "Thời gian đến cảng biển gần nhất", "Minutes to the nearest seaport", "min", 1.0, True
    ),
    "airport_min": MetricLabel(
        "Thời gian đến sân bay gần nhất", "Minutes to the nearest airport", "min", 1.0, True
    ),
    "border_gate_min": MetricLabel(
        "Thời gian đến cửa khẩu gần nhất", "Minutes to the nearest border gate", "min", 1.0, True
    ),
    "gateway_min": MetricLabel(
        "Thời gian đến cửa ngõ gần nhất", "Minutes to the nearest gateway", "min", 1.0, True
    ),
    "time_min": MetricLabel("Thời gian đi", "Travel time", "min", 1.0, True),
    "extra_time_max": MetricLabel(
        "Thời gian đi thêm lớn nhất nếu tuyến bị cắt",
        "Largest extra travel time if the corridor is cut",
        "min",
        1.0,
        True,
    ),
    "efficiency_loss_rel": MetricLabel(
        "Hiệu quả mạng mất đi nếu tuyến bị cắt",
        "Network efficiency lost if the corridor is cut",
        "%",
        100.0,
    ),
    "efficiency_loss": MetricLabel(
        "Hiệu quả mạng mất đi nếu tuyến bị cắt",
        "Network efficiency lost if the corridor is cut",
        "1/min",
    ),
    "accessibility_loss_rel": MetricLabel(
        "Khả năng tiếp cận mất đi nếu tuyến bị cắt",
        "Accessibility lost if the corridor is cut",
        "%",
        100.0,
    ),
    "criticality": MetricLabel("Mức độ xung yếu của tuyến", "Corridor criticality", "0-1"),
    "population": MetricLabel("Dân số", "Population", "people"),
    "province_population": MetricLabel("Dân số tỉnh", "Province population", "people"),
    "area_official_km2": MetricLabel("Diện tích", "Area", "km²"),
    "accessibility": MetricLabel(
        "Dân số tiếp cận được (giảm dần theo thời gian đi)",
        "People within reach (weighted by travel time)",
        "people",
    ),
    "harmonic": MetricLabel(
        "Mức kết nối (nghịch đảo thời gian đi)", "Connectedness (inverse travel time)", "1/min"
    ),
    "closeness": MetricLabel(
        "Độ gần (nghịch đảo thời gian đi trung bình)",
        "Closeness (inverse mean travel time)",
        "1/min",
    ),
    "betweenness": MetricLabel(
        "Tỷ lệ hành trình đi qua", "Share of shortest trips passing through", "%", 100.0
    ),
    "straightness": MetricLabel("Độ thẳng của tuyến đi", "Straightness of routes", "ratio"),
    "degree": MetricLabel("Số tuyến nối trực tiếp", "Direct links", "count"),
    "length_km": MetricLabel("Chiều dài", "Length", "km"),
    "design_speed_kmh": MetricLabel("Tốc độ thiết kế", "Design speed", "km/h"),
}


#: Names of the bundled regions.
REGIONS: dict[str, dict[str, str]] = {
    "northern_midlands_and_mountains": {
        "vi": "Trung du và miền núi phía Bắc",
        "en": "Northern Midlands and Mountains",
    },
    "red_river_delta": {"vi": "Đồng bằng sông Hồng", "en": "Red River Delta"},
    "north_central_and_central_coast": {
        "vi": "Bắc Trung Bộ và duyên hải miền Trung",
        "en": "North Central and Central Coast",
    },
    "central_highlands": {"vi": "Tây Nguyên", "en": "Central Highlands"},
    "southeast": {"vi": "Đông Nam Bộ", "en": "Southeast"},
    "mekong_delta": {"vi": "Đồng bằng sông Cửu Long", "en": "Mekong River Delta"},
    "mekong_river_delta": {"vi": "Đồng bằng sông Cửu Long", "en": "Mekong River Delta"},
    "hanoi_haiphong_quangninh": {
        "vi": "Hà Nội – Hải Phòng – Quảng Ninh",
        "en": "Hà Nội – Hải Phòng – Quảng Ninh",
    },
}


def region_name(region: Any, lang: Lang) -> str:
    """Name of a region id in ``lang`` (unknown ids are shown as words).

    Examples
    --------
    >>> region_name("red_river_delta", "vi")
    'Đồng bằng sông Hồng'
    """
    key = str(region or "").strip().lower().replace("-", "_")
    entry = REGIONS.get(key)
    if entry is not None:
        return entry[lang]
    return key.replace("_", " ").title() if key else "urbanchain"


def check_lang(lang: Any) -> Lang:
    """Return ``lang`` if it is ``"vi"`` or ``"en"``, else raise a ValidationError.

    Parameters
    ----------
    lang
        The requested language.

    Returns
    -------
    str
        ``"vi"`` or ``"en"``.

    Raises
    ------
    ValidationError
        For any other value.
    """
    from urbanchain.errors import ValidationError

    if lang not in LANGS:
        msg = f'lang must be "vi" (Vietnamese) or "en" (English); got {lang!r}.'
        raise ValidationError(msg)
    return lang


def text(key: str, lang: Lang, **values: Any) -> str:
    """Return message ``key`` in ``lang``, with ``values`` substituted.

    Parameters
    ----------
    key
        A key of :data:`MESSAGES`.
    lang
        ``"vi"`` or ``"en"``.
    **values
        Substitutions for ``{name}`` fields (converted with ``str``; escape the result
        before it reaches HTML).

    Returns
    -------
    str
        The message (unescaped).

    Raises
    ------
    KeyError
        If the key (or its language) has no entry.

    Examples
    --------
    >>> text("layer_provinces", "vi", vintage=2025)
    'Tỉnh, thành phố (2025)'
    """
    template = MESSAGES[key][lang]
    return template.format(**values) if values else template


def category(table: Mapping[str, Mapping[str, str]], value: Any, lang: Lang) -> str:
    """Translate a category (kind, mode, status); unknown values are shown as given.

    Examples
    --------
    >>> category(MODES, "railway", "vi")
    'đường sắt'
    >>> category(MODES, "hovercraft", "vi")
    'hovercraft'
    """
    key = "" if value is None else str(value)
    entry = table.get(key)
    if entry is None:
        return key.replace("_", " ") if key else text("no_data", lang)
    return entry[lang]


def unit_word(unit: str | None, lang: Lang) -> str:
    """Return the unit in words in ``lang`` (unknown units unchanged, ``""`` for none).

    Examples
    --------
    >>> unit_word("min", "vi"), unit_word("people", "vi"), unit_word("0-1", "en")
    ('phút', 'người', '')
    """
    if not unit:
        return ""
    entry = UNITS.get(unit)
    return entry[lang] if entry is not None else unit


def metric_label(name: str, lang: Lang) -> MetricLabel | None:
    """Return the catalogue label of metric ``name`` (``None`` if urbanchain does not know it)."""
    del lang
    return METRICS.get(name)


def nice(value: float, digits: int = 2) -> float:
    """Round ``value`` to ``digits`` significant digits (for readable class bounds).

    Examples
    --------
    >>> nice(0.16437), nice(113.63), nice(8_631_397.0)
    (0.16, 110.0, 8600000.0)
    """
    if value == 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(abs(value)))
    return round(value, digits - 1 - exponent)


def format_number(value: float, lang: Lang, *, decimals: int | None = None) -> str:
    """Format a number by the locale of ``lang`` with Babel.

    Without ``decimals``: whole numbers from 10, one decimal from 1, two from 0.01,
    else two significant digits.

    Examples
    --------
    >>> format_number(1234567.25, "vi"), format_number(1234567.25, "en")
    ('1.234.567', '1,234,567')
    >>> format_number(0.164, "vi")
    '0,16'
    """
    from babel.numbers import format_decimal

    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if decimals is None:
        size = abs(number)
        if size >= 10 or number.is_integer():
            decimals = 0
        elif size >= 1:
            decimals = 1
        elif size >= 0.01:
            decimals = 2
        else:
            decimals = max(2, 2 - math.floor(math.log10(size))) if size > 0 else 0
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return str(format_decimal(number, format=pattern, locale=_LOCALES[lang]))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    import pandas as pd

    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def format_value(
    value: Any, unit: str | None, lang: Lang, *, scale: float = 1.0, year: bool = False
) -> str:
    """Format a cell for a tooltip, popup or legend as plain (unescaped) text.

    Parameters
    ----------
    value
        A scalar; missing values read "no data" / "không có dữ liệu", never 0.
    unit
        Unit key (:data:`UNITS`) or free text.
    lang
        ``"vi"`` or ``"en"``.
    scale
        Factor applied to numbers before formatting.
    year
        Format an integer as a year (``2015``, not ``2,015``).

    Examples
    --------
    >>> format_value(62.95, "min", "vi")
    '63 phút'
    >>> format_value(2015.0, None, "en", year=True)
    '2015'
    >>> format_value(float("nan"), "min", "vi")
    'không có dữ liệu'
    """
    if _missing(value):
        return text("no_data", lang)
    if isinstance(value, bool):
        shown = {"vi": "có", "en": "yes"}[lang] if value else {"vi": "không", "en": "no"}[lang]
    elif isinstance(value, numbers.Real):
        number = float(value) * scale
        shown = str(int(number)) if year and number.is_integer() else format_number(number, lang)
    else:
        shown = str(value)
    word = unit_word(unit, lang)
    if not word:
        return shown
    return f"{shown}{word}" if word == "%" else f"{shown} {word}"


# --------------------------------------------------------------------------- world access
# Strings of the world-access map and the brief's world section (issue 20; maps/_world.py,
# report/_world.py). Kept in one block so that merges with other sections stay additive.

UNITS.setdefault("h", {"vi": "giờ", "en": "h"})

#: Travel modes of the legs from a gateway to a world hub.
WORLD_MODES: dict[str, dict[str, str]] = {
    "sea": {"vi": "đường biển", "en": "sea"},
    "air": {"vi": "đường hàng không", "en": "air"},
    "land": {"vi": "đường bộ, đường sắt qua cửa khẩu", "en": "land crossing"},
}

#: Kinds of world hub.
WORLD_HUB_KINDS: dict[str, dict[str, str]] = {
    "seaport": {"vi": "cảng container quốc tế", "en": "container port"},
    "airport": {"vi": "sân bay trung chuyển quốc tế", "en": "hub airport"},
    "land": {
        "vi": "đô thị Trung Quốc sau cửa khẩu",
        "en": "Chinese town or city beyond a border gate",
    },
}

#: How a leg's length was obtained (``world_legs.csv`` column ``basis``).
WORLD_BASES: dict[str, dict[str, str]] = {
    "searoute": {
        "vi": "tính bằng searoute theo mạng luồng biển",
        "en": "computed with searoute on its sea-lane network",
    },
    "great_circle": {"vi": "vòng lớn (cận dưới)", "en": "great circle (a lower bound)"},
    "great_circle (computed)": {
        "vi": "vòng lớn (cận dưới), tính khi chạy",
        "en": "great circle (a lower bound), computed at run time",
    },
    "great_circle_lower_bound": {
        "vi": "vòng lớn qua cửa khẩu (cận dưới)",
        "en": "great circle across the crossing (a lower bound)",
    },
    "great_circle_lower_bound+sourced_rail_km": {
        "vi": "vòng lớn qua cửa khẩu + chiều dài đường sắt có nguồn",
        "en": "great circle across the crossing + sourced railway length",
    },
}

MESSAGES.update(
    {
        "world_title": {
            "vi": "{region}: kết nối với các đầu mối quốc tế (thời gian tham khảo)",
            "en": "{region}: links to the world's hubs (indicative times)",
        },
        "world_layer_land": {"vi": "Đất liền", "en": "Land"},
        "world_layer_nodes": {"vi": "Đô thị của chuỗi", "en": "Cities of the chain"},
        "world_hubs_heading": {"vi": "Đầu mối quốc tế", "en": "World hubs"},
        "world_legs_heading": {
            "vi": "Chặng từ cửa ngõ đến đầu mối",
            "en": "Legs from the gateways to the hubs",
        },
        "world_unused": {
            "vi": "nét mảnh: không đô thị nào dùng làm tuyến nhanh nhất",
            "en": "thin: no city's fastest route",
        },
        "world_value_hub": {
            "vi": "Thời gian từ đô thị đến {hub}",
            "en": "Door-to-hub time to {hub}",
        },
        "world_value_median": {
            "vi": "Thời gian từ đô thị đến đầu mối: trung vị của {n} đầu mối chính",
            "en": "Door-to-hub time: median over {n} main hubs",
        },
        "world_route": {
            "vi": "{hours}, {km}, qua {gateway} ({mode})",
            "en": "{hours}, {km}, via {gateway} ({mode})",
        },
        "world_capitals": {"vi": "Tỉnh lỵ", "en": "Capitals"},
        "world_gateways": {
            "vi": "Cửa ngõ của chuỗi (cảng biển, sân bay, cửa khẩu)",
            "en": "The chain's gateways (seaports, airports, border gates)",
        },
        "world_gateway_legs": {"vi": "Số chặng đến đầu mối", "en": "Legs to world hubs"},
        "world_zoom_chain": {"vi": "Phóng to chuỗi đô thị", "en": "Zoom to the chain"},
        "world_zoom_world": {"vi": "Toàn cảnh", "en": "Whole view"},
        "world_fastest": {"vi": "Nhanh nhất từ chuỗi", "en": "Fastest from the chain"},
        "world_source": {"vi": "Nguồn tọa độ", "en": "Coordinate source"},
        "world_length": {"vi": "Chiều dài", "en": "Length"},
        "world_leg_hours": {"vi": "Thời gian trên chặng", "en": "Time on the leg"},
        "world_basis": {"vi": "Cách tính", "en": "How measured"},
        "world_status": {"vi": "Tình trạng", "en": "Status"},
        "world_note": {
            "vi": (
                "Thời gian chỉ mang tính tham khảo, không phải lịch tàu, lịch bay: thời gian "
                "đi trên mạng lưới của chuỗi đến cửa ngõ, cộng thời gian chờ, cộng chặng đến "
                "đầu mối. Tàu biển {ship} hải lý/giờ, lưu cảng {dwell} giờ; máy bay {flight} "
                "km/h, làm thủ tục {check_in} giờ; qua cửa khẩu {border} giờ, {land} km/h "
                "phía Trung Quốc. Đường bay và đoạn qua biên giới tính theo vòng lớn (cận dưới)."
            ),
            "en": (
                "Indicative times, not schedules: the chain's travel time to the gateway, "
                "plus a handling time, plus the leg to the hub. Ship {ship} knots, port "
                "dwell {dwell} h; flight {flight} km/h, check-in {check_in} h; border "
                "crossing {border} h, {land} km/h on the Chinese side. Air legs and border "
                "crossings are great circles (lower bounds)."
            ),
        },
        "world_attribution": {
            "vi": (
                "Đất liền: Natural Earth 1:110m (phạm vi công cộng) | Đầu mối: NGA World Port "
                "Index, OurAirports (phạm vi công cộng), GeoNames (CC BY 4.0) | Luồng biển: "
                "searoute 1.6.0 (Apache-2.0), theo Eurostat SeaRoute (EUPL), theo ORNL CTA "
                "Global Shipping Lane Network (2000)"
            ),
            "en": (
                "Land: Natural Earth 1:110m (public domain) | Hubs: NGA World Port Index, "
                "OurAirports (public domain), GeoNames (CC BY 4.0) | Sea lanes: searoute 1.6.0 "
                "(Apache-2.0), after Eurostat SeaRoute (EUPL), after ORNL CTA Global Shipping "
                "Lane Network (2000)"
            ),
        },
        "brief_world": {
            "vi": "Kết nối với thế giới: tuyến tốt nhất từ mỗi tỉnh lỵ đến các đầu mối chính",
            "en": "Connecting to the world: each capital's best route to the main hubs",
        },
        "brief_world_map": {
            "vi": "Bản đồ kết nối quốc tế",
            "en": "Map of the links to the world",
        },
        "brief_world_map_note": {
            "vi": (
                "Đường biển theo tuyến searoute đã tính, đường bay theo vòng lớn, qua cửa "
                "khẩu theo đoạn thẳng (sơ đồ). Di chuột lên đô thị để xem từng tuyến."
            ),
            "en": (
                "Sea legs follow the computed searoute lines, air legs great circles, land "
                "crossings straight segments (schematic). Hover over a city for its routes."
            ),
        },
        "brief_world_cell": {
            "vi": "{hours} · {km} · qua {gateway}",
            "en": "{hours} · {km} · via {gateway}",
        },
        "brief_world_unreached": {
            "vi": "Không tỉnh lỵ nào tới được bằng loại cửa ngõ phù hợp: {hubs}.",
            "en": "No capital reaches these hubs through a gateway of the right kind: {hubs}.",
        },
        "brief_world_sources": {
            "vi": (
                "Đầu mối và chặng quốc tế: tọa độ cảng theo NGA World Port Index, sân bay theo "
                "OurAirports (phạm vi công cộng), đô thị Trung Quốc theo GeoNames (CC BY 4.0); "
                "tuyến biển tính bằng searoute; giả định tốc độ và thời gian chờ có nguồn ghi "
                "trong docs/metrics/world_access.md và data/README.md."
            ),
            "en": (
                "World hubs and legs: port coordinates from the NGA World Port Index, airports "
                "from OurAirports (public domain), Chinese towns from GeoNames (CC BY 4.0); sea "
                "routes computed with searoute; the speed and handling assumptions and their "
                "sources are in docs/metrics/world_access.md and data/README.md."
            ),
        },
    }
)
