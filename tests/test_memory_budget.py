"""Bounded memory: OD tables above ``memory_budget_bytes`` refuse clearly, or stream to a file."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from urbanchain import metrics, settings
from urbanchain.errors import ResourceLimitError, ValidationError

pytestmark = pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning")


def grid(n: int = 12, *, directed: bool = False) -> nx.MultiGraph:
    H = nx.grid_2d_graph(n, n)
    G: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    rng = np.random.default_rng(0)
    for a, b in H.edges:
        G.add_edge(f"{a[0]}_{a[1]}", f"{b[0]}_{b[1]}", time_min=float(rng.uniform(0.5, 3)))
    G.add_node("island")  # unreachable from everything
    return G


def test_an_od_above_the_budget_refuses_naming_size_and_fixes() -> None:
    G = grid()
    nodes = list(G)
    with settings.override(memory_budget_bytes=10_000), pytest.raises(ResourceLimitError) as err:
        metrics.od_matrix(G, sources=nodes, targets=nodes)
    msg = str(err.value)
    n = len(nodes)
    assert f"{n:,} x {n:,} cells x 8 bytes" in msg
    for fix in ("targets=", "float32", "out='od.npy'", "memory_budget_bytes="):
        assert fix in msg
    # the same call fits once halved by float32 ... or with fewer targets
    cells = n * n
    with settings.override(memory_budget_bytes=cells * 4):
        got = metrics.od_matrix(G, sources=nodes, targets=nodes, dtype="float32")
        assert got.to_numpy().dtype == np.float32
        with pytest.raises(ResourceLimitError):
            metrics.od_matrix(G, sources=nodes, targets=nodes)


@pytest.mark.parametrize("directed", [False, True])
def test_float32_and_memmap_equal_the_float64_table(tmp_path: Path, directed: bool) -> None:
    G = grid(directed=directed)
    nodes = list(G)
    ref = metrics.od_matrix(G, sources=nodes[:50], targets=nodes)
    f32 = metrics.od_matrix(G, sources=nodes[:50], targets=nodes, dtype="float32")
    np.testing.assert_allclose(f32.to_numpy(), ref.to_numpy(), rtol=1e-6)
    assert np.isnan(f32["island"]).all()
    assert f32.attrs["unreachable"] == ref.attrs["unreachable"] > 0
    path = tmp_path / "od.npy"
    # a budget far below the table: streamed in one-row blocks to the file
    with settings.override(memory_budget_bytes=4096):
        mm = metrics.od_matrix(G, sources=nodes[:50], targets=nodes, out=path)
    assert mm.attrs["out"] == str(path)
    on_disk = np.load(path, mmap_mode="r")
    assert on_disk.shape == (50, len(nodes))
    np.testing.assert_array_equal(on_disk, ref.to_numpy())
    np.testing.assert_array_equal(mm.to_numpy(), ref.to_numpy())
    assert list(mm.columns) == list(ref.columns)


def test_bad_dtype_and_out_say_what_to_pass(tmp_path: Path) -> None:
    G = grid(4)
    with pytest.raises(ValidationError, match="float32"):
        metrics.od_matrix(G, dtype="float16")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"\.npy"):
        metrics.od_matrix(G, out=tmp_path / "od.csv")


def test_budget_setting_is_validated() -> None:
    for bad in (0, -5, 1.5, "1GB"):
        with pytest.raises(ValidationError, match="memory_budget_bytes"):
            settings.set(memory_budget_bytes=bad)
