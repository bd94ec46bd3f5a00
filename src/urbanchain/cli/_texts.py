"""The command line's own words in Vietnamese: help texts and its few messages.

The CLI speaks English unless ``URBANCHAIN_LANG=vi`` is set when it starts
(``URBANCHAIN_LANG=vi urbanchain --help``).  Every help text of a command or
option is looked up here by its English text; a test fails when one has no
Vietnamese form.  Click's own words ("Usage", "Options", its usage errors) are
put in Vietnamese by :mod:`urbanchain.cli._vi`; error messages from the library
are English.
"""

from __future__ import annotations

import os

__all__ = ["LANG_ENV", "VI", "cli_lang", "t"]

#: Environment variable choosing the language of the command line's help.
LANG_ENV = "URBANCHAIN_LANG"

VI: dict[str, str] = {
    # the application
    "Layers, graphs, connectivity metrics and offline maps for chains of smart cities.\n\n"
    "Example: urbanchain run --region red-river-delta --out outputs/red-river-delta": (
        "Lớp dữ liệu, đồ thị, chỉ số kết nối và bản đồ ngoại tuyến cho chuỗi đô thị thông "
        "minh.\n\nVí dụ: urbanchain run --region red-river-delta --out outputs/red-river-delta"
    ),
    "Print the version and exit.": "In số phiên bản rồi thoát.",
    "Shortest-path engine for every metric of this run: auto, scipy, cch (needs "
    "urbanchain[fast]) or networkx (the reference). Recorded in metrics/metadata.json.": (
        "Bộ máy tìm đường ngắn nhất cho mọi chỉ số của lần chạy này: auto, scipy, cch (cần "
        "urbanchain[fast]) hoặc networkx (bản tham chiếu). Được ghi vào metrics/metadata.json."
    ),
    # commands
    "Run the main job: layers, graph, metrics, maps and the 2030 comparison for a region.\n\n"
    "With a PostGIS --out, the layers and the metric tables are written to the database.\n\n"
    "Example: urbanchain run --region red-river-delta --out outputs/red-river-delta": (
        "Chạy công việc chính: lớp dữ liệu, đồ thị, chỉ số, bản đồ và so sánh năm 2030 cho "
        "một vùng.\n\nVới --out là PostGIS, các lớp và bảng chỉ số được ghi vào cơ sở dữ "
        "liệu.\n\nVí dụ: urbanchain run --region red-river-delta --out outputs/red-river-delta"
    ),
    "List the bundled regions and layers, and optionally export a region's layers.\n\n"
    "Example: urbanchain datasets --region red-river-delta --out layers/": (
        "Liệt kê các vùng và lớp dữ liệu có sẵn, và nếu muốn thì xuất các lớp của một vùng."
        "\n\nVí dụ: urbanchain datasets --region red-river-delta --out layers/"
    ),
    "Check layer files and print a readable report; exit 1 if any has errors.\n\n"
    "Example: urbanchain validate provinces.geojson --kind provinces": (
        "Kiểm tra các tệp lớp dữ liệu và in báo cáo dễ đọc; thoát với mã 1 nếu có lỗi."
        "\n\nVí dụ: urbanchain validate provinces.geojson --kind provinces"
    ),
    "Build the multimodal graph and write it as GraphML or GeoPackage layers.\n\n"
    "Example: urbanchain graph --region red-river-delta --year 2030 --out delta-2030.gpkg": (
        "Dựng đồ thị đa phương thức và ghi ra GraphML hoặc các lớp GeoPackage.\n\nVí dụ: "
        "urbanchain graph --region red-river-delta --year 2030 --out delta-2030.gpkg"
    ),
    "Compute node metrics, OD, corridor criticality and the chain score, and write the "
    "tables.\n\nExample: urbanchain metrics --region red-river-delta --year 2025 --out metrics/": (
        "Tính chỉ số nút, ma trận OD, mức xung yếu của tuyến và điểm chuỗi, rồi ghi các bảng."
        "\n\nVí dụ: urbanchain metrics --region red-river-delta --year 2025 --out metrics/"
    ),
    "Write an interactive HTML map of the chain (offline by default).\n\n"
    "With only --corridors (or only --nodes), your features are drawn over the region's.\n\n"
    "Example: urbanchain map --region red-river-delta --year 2025 --out map.html": (
        "Ghi bản đồ HTML tương tác của chuỗi (mặc định dùng ngoại tuyến).\n\nNếu chỉ có "
        "--corridors (hoặc chỉ --nodes), đối tượng của bạn được vẽ chồng lên dữ liệu của vùng."
        "\n\nVí dụ: urbanchain map --region red-river-delta --year 2025 --out map.html"
    ),
    "Write a decision brief: map, key tables, charts, methods, caveats, sources (offline "
    "HTML).\n\nExample: urbanchain brief --region red-river-delta --scenario delta-2030.toml "
    "--lang vi --out brief.html": (
        "Ghi bản tóm tắt phục vụ ra quyết định: bản đồ, bảng chính, biểu đồ, phương pháp, lưu ý, "
        "nguồn (HTML ngoại tuyến).\n\nVí dụ: urbanchain brief --region red-river-delta "
        "--scenario delta-2030.toml --lang vi --out brief.html"
    ),
    "Run a scenario and write its difference tables (CSV) and map (HTML).\n\n"
    "The scenario is a TOML file, or quick edits on a region: --add FILE, --close ID.\n\n"
    "Example: urbanchain scenario delta-2030.toml --out scenario-2030/\n\n"
    "Example: urbanchain scenario --region red-river-delta --add my_road.geojson --out s/": (
        "Chạy một phương án và ghi các bảng chênh lệch (CSV) và bản đồ (HTML).\n\nPhương án "
        "là một tệp TOML, hoặc các chỉnh sửa nhanh trên một vùng: --add TỆP, --close MÃ.\n\n"
        "Ví dụ: urbanchain scenario delta-2030.toml --out scenario-2030/\n\nVí dụ: urbanchain "
        "scenario --region red-river-delta --add my_road.geojson --out s/"
    ),
    "Compute network metrics on your own road file: no masses or gateways needed.\n\n"
    "Writes nodes (closeness, harmonic, betweenness), edges (edge betweenness),\n"
    "indices (Kansky), od, detour and criticality tables, the graph (graph.gpkg)\n"
    "and metadata.json last.\n\n"
    "Example: urbanchain network roads.gpkg --out net/ --sample 500 --metrics "
    "centrality,indices": (
        "Tính chỉ số mạng lưới trên tệp đường của riêng bạn: không cần dân số hay cửa ngõ."
        "\n\nGhi các bảng nút (độ gần, độ gần điều hòa, độ trung gian), cạnh (độ trung gian "
        "của cạnh), chỉ số (Kansky), od, hệ số đi vòng và mức xung yếu, đồ thị (graph.gpkg) "
        "và cuối cùng là metadata.json.\n\nVí dụ: urbanchain network roads.gpkg --out net/ "
        "--sample 500 --metrics centrality,indices"
    ),
    "Repeat a run from its metadata.json (same command, options and config file).\n\n"
    "The repeated run replaces the earlier run's outputs (as with --overwrite).\n\n"
    "Example: urbanchain rerun outputs/red-river-delta/metrics/metadata.json": (
        "Lặp lại một lần chạy từ metadata.json của nó (cùng lệnh, tùy chọn và tệp cấu hình)."
        "\n\nLần chạy lặp lại thay thế kết quả của lần trước (như với --overwrite).\n\nVí dụ: "
        "urbanchain rerun outputs/red-river-delta/metrics/metadata.json"
    ),
    # options
    "Output folder, or a PostGIS database: postgresql://user@host/db (never printed or "
    "recorded), or postgis: to take it from URBANCHAIN_DATABASE_URL.": (
        "Thư mục kết quả, hoặc một cơ sở dữ liệu PostGIS: postgresql://user@host/db (không "
        "bao giờ được in ra hay ghi lại), hoặc postgis: để lấy từ URBANCHAIN_DATABASE_URL."
    ),
    "Bundled region id, e.g. red-river-delta.": "Mã vùng có sẵn, ví dụ red-river-delta.",
    "Network year (2025 = as built; 2030 = with projects due by then).": (
        "Năm của mạng lưới (2025 = hiện trạng; 2030 = gồm các dự án hoàn thành trước năm đó)."
    ),
    "PostGIS schema of the tables (with a postgresql:// --out).": (
        "Schema PostGIS của các bảng (khi --out là postgresql://)."
    ),
    "TOML file of settings; keys match the Python API.": (
        "Tệp cấu hình TOML; các khóa giống với API Python."
    ),
    "Replace the outputs of an earlier run in a non-empty output folder.": (
        "Thay thế kết quả của lần chạy trước trong một thư mục kết quả không rỗng."
    ),
    "Export the region's layers into this folder as GeoJSON.": (
        "Xuất các lớp của vùng vào thư mục này dưới dạng GeoJSON."
    ),
    "Layer files to check.": "Các tệp lớp dữ liệu cần kiểm tra.",
    "provinces, nodes, corridors, lines, polygons or points.": (
        "provinces (tỉnh), nodes (nút), corridors (tuyến), lines (đường), polygons (vùng) "
        "hoặc points (điểm)."
    ),
    "CRS of CSV files, e.g. EPSG:4326.": "Hệ tọa độ của tệp CSV, ví dụ EPSG:4326.",
    "Id column of your layers when it is not node_id / corridor_id.": (
        "Cột mã của các lớp của bạn khi không phải node_id / corridor_id."
    ),
    "Output file: .graphml or .gpkg.": "Tệp kết quả: .graphml hoặc .gpkg.",
    "Your own nodes layer (GeoJSON, GPKG, GeoParquet, CSV).": (
        "Lớp nút của riêng bạn (GeoJSON, GPKG, GeoParquet, CSV)."
    ),
    "Your own corridor/road line layer.": "Lớp tuyến / đường của riêng bạn.",
    "CRS of CSV layers (lon/lat columns), e.g. EPSG:4326.": (
        "Hệ tọa độ của lớp CSV (cột kinh độ / vĩ độ), ví dụ EPSG:4326."
    ),
    "csv, parquet, geojson or xlsx (one workbook).": (
        "csv, parquet, geojson hoặc xlsx (một sổ tính)."
    ),
    "Gateway kinds for gateway access, comma-separated, e.g. seaport,airport.": (
        "Loại cửa ngõ cho chỉ số tiếp cận cửa ngõ, cách nhau bằng dấu phẩy, ví dụ seaport,airport."
    ),
    "Output HTML file.": "Tệp HTML kết quả.",
    "Online tiles, or a self-contained offline file (default).": (
        "Nền bản đồ trực tuyến, hoặc một tệp ngoại tuyến khép kín (mặc định)."
    ),
    "Node score shown: chain_score, harmonic, accessibility, betweenness.": (
        "Điểm của nút được hiển thị: chain_score (điểm chuỗi), harmonic (độ gần điều hòa), "
        "accessibility (khả năng tiếp cận), betweenness (độ trung gian)."
    ),
    "Corridor width: criticality or none.": (
        "Độ rộng của tuyến: criticality (mức xung yếu) hoặc none (không)."
    ),
    "Your own province polygons.": "Ranh giới tỉnh của riêng bạn.",
    "Language of every visible string: vi or en.": (
        "Ngôn ngữ của mọi chữ hiển thị: vi (tiếng Việt) hoặc en (tiếng Anh)."
    ),
    "Output HTML file (the brief).": "Tệp HTML kết quả (bản tóm tắt).",
    "Scenario TOML file whose gains the brief shows.": (
        "Tệp TOML của phương án mà bản tóm tắt trình bày lợi ích."
    ),
    "Scenario TOML file: base year, edits, metrics, sweeps (optional).": (
        "Tệp TOML của phương án: năm gốc, chỉnh sửa, chỉ số, phép quét (tùy chọn)."
    ),
    "A file of new corridors to add (repeatable).": (
        "Một tệp các tuyến mới cần thêm (có thể lặp lại)."
    ),
    "A corridor id or name to close (repeatable).": (
        "Mã hoặc tên một tuyến cần đóng (có thể lặp lại)."
    ),
    "Corridor ids to rank as projects, comma-separated.": (
        "Mã các tuyến cần xếp hạng như dự án, cách nhau bằng dấu phẩy."
    ),
    "Title of the diff map.": "Tiêu đề của bản đồ chênh lệch.",
    "Show a progress bar on long sweeps.": "Hiện thanh tiến độ khi quét lâu.",
    "Your road file: .gpkg, .geojson, .parquet, an OSM .osm.pbf, or a saved graph.": (
        "Tệp đường của bạn: .gpkg, .geojson, .parquet, tệp OSM .osm.pbf, hoặc một đồ thị đã lưu."
    ),
    "Output folder (created).": "Thư mục kết quả (được tạo mới).",
    "Layer of a GeoPackage with several layers.": "Lớp của một GeoPackage có nhiều lớp.",
    "Points (POIs, zone centroids) attached to the nearest road for od/detour.": (
        "Các điểm (điểm quan tâm, tâm vùng) được gắn vào đường gần nhất cho od / hệ số đi vòng."
    ),
    "Shortest paths by time (minutes) or length (km).": (
        "Đường ngắn nhất theo thời gian (phút) hoặc chiều dài (km)."
    ),
    "Comma-separated: indices, centrality (node + edge betweenness), closeness (closeness, "
    "harmonic, degree), od, detour, criticality; or all. Default: all but criticality.": (
        "Cách nhau bằng dấu phẩy: indices (chỉ số), centrality (độ trung gian của nút và cạnh), "
        "closeness (độ gần, độ gần điều hòa, bậc), od, detour (hệ số đi vòng), criticality "
        "(mức xung yếu); hoặc all (tất cả). Mặc định: tất cả trừ criticality."
    ),
    "Betweenness from K sampled sources (Brandes-Pich), and K sampled nodes for "
    "od/detour/criticality (default 100) when --nodes is not given.": (
        "Độ trung gian từ K nguồn lấy mẫu (Brandes-Pich), và K nút lấy mẫu cho od / hệ số đi "
        "vòng / mức xung yếu (mặc định 100) khi không có --nodes."
    ),
    "Seed of the samples.": "Hạt giống ngẫu nhiên của các mẫu.",
    "Keep one-way streets one-way (oneway column, -1 reversed). Default undirected.": (
        "Giữ đường một chiều là một chiều (cột oneway, -1 là ngược chiều). Mặc định vô hướng."
    ),
    "Local centralities: only paths of at most this cost (weight units).": (
        "Chỉ số trung tâm cục bộ: chỉ các đường có chi phí không quá giá trị này (đơn vị trọng số)."
    ),
    "Threads for closeness and betweenness (numba kernels); -1: every core.": (
        "Số luồng cho độ gần và độ trung gian (nhân numba); -1: mọi lõi."
    ),
    "auto, scipy, cch, igraph or networkx (the reference); recorded in metadata.json.": (
        "auto, scipy, cch, igraph hoặc networkx (bản tham chiếu); được ghi vào metadata.json."
    ),
    "Largest result array held in memory, e.g. 2GiB (the memory_budget_bytes setting).": (
        "Mảng kết quả lớn nhất được giữ trong bộ nhớ, ví dụ 2GiB (thiết lập memory_budget_bytes)."
    ),
    "OSM .pbf only: driving, driving+service, walking, cycling, all, all_public.": (
        "Chỉ với OSM .pbf: driving (ô tô), driving+service, walking (đi bộ), cycling (xe đạp), "
        "all, all_public."
    ),
    "Tables as csv or parquet.": "Bảng dạng csv hoặc parquet.",
    "Line id column (default corridor_id, else row).": (
        "Cột mã của đường (mặc định corridor_id, nếu không có thì số thứ tự dòng)."
    ),
    "metadata.json of an earlier run.": "metadata.json của một lần chạy trước.",
    # messages
    "Regions (use with --region; hyphens or underscores):": (
        "Các vùng (dùng với --region; gạch nối hoặc gạch dưới):"
    ),
    "Layers: provinces (vintage 2008 and 2025), nodes, corridors": (
        "Các lớp: provinces (tỉnh, ranh giới 2008 và 2025), nodes (nút), corridors (tuyến)"
    ),
    "urbanchain: error:": "urbanchain: lỗi:",
    "urbanchain: warning:": "urbanchain: cảnh báo:",
    # urbanchain validate: the verdict per file
    "FAILED": "KHÔNG ĐẠT",
    "ok": "đạt",
}


def cli_lang() -> str:
    """``"vi"`` or ``"en"``: the language of the command line, from :data:`LANG_ENV`."""
    value = os.environ.get(LANG_ENV, "en").strip().lower() or "en"
    return value if value in ("vi", "en") else "en"


def t(text: str, lang: str | None = None) -> str:
    """Return the command line's text ``text`` (English) in ``lang`` (default: :func:`cli_lang`)."""
    if (lang or cli_lang()) == "vi":
        return VI.get(text, text)
    return text
