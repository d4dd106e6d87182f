"""The Python package against the command line on real data: Cora from ../shared/data,
the repository's models, networkx's karate club. Each result is compared with what the
`netlens` command prints or writes for the same options, or with networkx."""

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import netlens

ROOT = Path(__file__).resolve().parents[2]
CORA = ROOT.parent / "shared" / "data" / "cora"
DATA = ROOT / "data"
CNN_ONNX = DATA / "onnx" / "digits_cnn.onnx"
CNN_PT2 = DATA / "pt2" / "digits_cnn.pt2"
CNN_PT2_STEP = DATA / "pt2" / "digits_cnn_step.pt2"
# The wheel's own command, beside the interpreter that runs the tests.
NETLENS = Path(sys.executable).with_name("netlens")


def cli(*args, check=True):
    """Runs the `netlens` command; its stdout."""
    done = subprocess.run([str(NETLENS), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"netlens {' '.join(map(str, args))} failed: {done.stderr}")
    return done


def cli_json(*args):
    return json.loads(cli(*args).stdout)


def levels_of(graph_nx, seed, hops, undirected=True):
    """Nodes at exactly 0..hops hops from seed, by networkx."""
    import networkx as nx

    g = graph_nx.to_undirected(as_view=True) if undirected else graph_nx
    lengths = nx.single_source_shortest_path_length(g, seed, cutoff=hops)
    return [sorted(v for v, d in lengths.items() if d == h) for h in range(hops + 1)]


@pytest.fixture(scope="module")
def cora():
    return netlens.load(CORA / "edges.tsv", labels=CORA / "labels.npy", undirected=True)


@pytest.fixture(scope="module")
def cora_nx():
    nx = pytest.importorskip("networkx")
    edges = np.loadtxt(CORA / "edges.tsv", dtype=np.int64, comments="#")
    graph = nx.Graph()
    graph.add_nodes_from(range(2708))
    graph.add_edges_from(map(tuple, edges))
    return graph


def test_the_wheel_installs_the_command():
    done = cli("--version")
    assert done.stdout.startswith("netlens ")
    assert cli("info", "--json").returncode == 0
    bad = cli("info", ROOT / "no-such-file.tsv", check=False)
    assert bad.returncode == 1
    assert "no-such-file.tsv" in bad.stderr and "error" in bad.stderr


def test_info_equals_the_command(cora):
    for graph, args in [
        (cora, [CORA / "edges.tsv", "--undirected"]),
        (netlens.load(), []),
        (netlens.load(CNN_ONNX), [CNN_ONNX]),
        (netlens.load(CNN_PT2, collapse=1), [CNN_PT2, "--collapse", "1"]),
    ]:
        expected = cli_json("info", "--json", *args)
        got = graph.info()
        # --labels is not an `info` flag; the classes come from the labels attached.
        got.pop("classes", None), expected.pop("classes", None)
        assert got == expected
    assert cora.info()["classes"] == 7
    assert cora.num_nodes == 2708 and cora.num_edges == 5278


def test_layout_equals_the_command(cora, tmp_path):
    for graph, args, options in [
        (cora, [CORA / "edges.tsv", "--undirected"], {}),
        (netlens.load(CNN_ONNX), [CNN_ONNX], {}),
        (cora, [CORA / "edges.tsv", "--undirected"], {"dim": 3, "seed": 4}),
    ]:
        out = tmp_path / f"pos-{len(list(tmp_path.iterdir()))}.npy"
        dim, seed = options.get("dim", 2), options.get("seed", 0)
        cli("layout", *args, "--dim", dim, "--seed", seed, "-o", out)
        pos = graph.layout(dim=dim, seed=seed)
        assert pos.dtype == np.float32 and pos.shape == (graph.num_nodes, dim)
        np.testing.assert_array_equal(pos, np.load(out))


def test_khop_equals_the_command_and_networkx(cora, cora_nx):
    for node, hops in [(35, 3), (0, 2), (1000, 4)]:
        reached = cora.khop([node], hops=hops)
        expected = cli_json("khop", CORA / "edges.tsv", "--undirected", "--node", node, "--hops", hops, "--json")
        assert [len(level) for level in reached] == expected["reached"]
        assert [list(level) for level in reached] == levels_of(cora_nx, node, hops)
    several = cora.khop([35, 36], hops=1)
    assert several[0].tolist() == [35, 36]


def test_from_networkx_keeps_names_weights_and_attributes():
    nx = pytest.importorskip("networkx")
    karate = nx.karate_club_graph()  # Zachary's karate club: 34 members, weighted ties
    g = netlens.from_networkx(karate)
    assert (g.num_nodes, g.num_edges, g.directed) == (34, 78, False)
    assert g.names == [str(v) for v in karate.nodes]
    info = g.info()
    assert info["weighted"] and "club" in info["text_columns"]
    for seed, hops in [(0, 2), (33, 3), (16, 4)]:
        assert [level.tolist() for level in g.khop([seed], hops=hops)] == levels_of(karate, seed, hops)
    # Nodes named by text, and a directed graph with its direction.
    letters = nx.relabel_nodes(nx.path_graph(5, create_using=nx.DiGraph), dict(enumerate("abcde")))
    d = netlens.from_networkx(letters)
    assert d.directed and d.khop(["b"], hops=2, direction="out")[2].tolist() == [3]
    assert d.khop(["b"], hops=2, direction="in")[1].tolist() == [0]


def test_from_pyg_keeps_features_labels_and_masks(cora_nx):
    try:  # PyG holds torch tensors; without torch, numpy arrays take their place
        import torch

        tensor = torch.from_numpy
    except ImportError:
        tensor = np.asarray
    edges = np.loadtxt(CORA / "edges.tsv", dtype=np.int64, comments="#")
    both = np.concatenate([edges, edges[:, ::-1]]).T  # PyG stores both directions

    class Data:  # the attributes torch_geometric.data.Data has for Cora
        edge_index = tensor(both.copy())
        x = tensor(np.load(CORA / "features.npy"))
        y = tensor(np.load(CORA / "labels.npy").astype(np.int64))
        train_mask = tensor(np.load(CORA / "split.npy") == 1)
        num_nodes = 2708

        def keys(self):
            return ["edge_index", "x", "y", "train_mask"]

    g = netlens.from_pyg(Data())
    assert (g.num_nodes, g.num_edges) == (2708, 2 * len(edges))
    info = g.info()
    assert info["classes"] == 7
    assert ["train_mask", 1] in info["node_columns"] and ["x", 1433] in info["node_columns"]
    for seed, hops in [(35, 3), (2000, 2)]:
        assert [level.tolist() for level in g.khop([seed], hops=hops, direction="out")] == levels_of(cora_nx, seed, hops)


def test_from_pyg_takes_a_real_pyg_data_and_agrees_with_pyg():
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    from torch_geometric.utils import k_hop_subgraph, to_undirected

    edges = torch.from_numpy(np.loadtxt(CORA / "edges.tsv", dtype=np.int64, comments="#").T.copy())
    data = pyg.data.Data(
        edge_index=to_undirected(edges),
        x=torch.from_numpy(np.load(CORA / "features.npy")),
        y=torch.from_numpy(np.load(CORA / "labels.npy")).long(),
    )
    g = netlens.from_pyg(data)
    assert (g.num_nodes, g.num_edges) == (data.num_nodes, data.num_edges)
    assert g.info()["classes"] == int(data.y.max()) + 1
    for seed, hops in [(35, 3), (1000, 2)]:
        subset, _, _, _ = k_hop_subgraph(seed, hops, data.edge_index, num_nodes=data.num_nodes)
        reached = np.concatenate(g.khop([seed], hops=hops))
        assert sorted(reached.tolist()) == sorted(subset.tolist())


def test_gnn_metrics_equal_the_command(cora):
    emb = np.load(CORA / "gcn_hidden.npy")
    pred = np.load(CORA / "gcn_pred.npy")
    expected = cli_json(
        "gnn", CORA / "edges.tsv", "--undirected", "--labels", CORA / "labels.npy",
        "--embedding", CORA / "gcn_hidden.npy", "--pred", CORA / "gcn_pred.npy", "--json", "--method", "pca",
    )
    got = netlens.gnn_metrics(cora, emb, pred=pred, hops=1, k=10, method="pca")
    for report in (expected, got):
        report.pop("seconds"), report.pop("embedding")
    assert got == expected
    assert 0.5 < got["predictions"]["accuracy"] <= 1.0
    # labels= gives the classes without changing the graph passed in.
    unlabelled = netlens.load(CORA / "edges.tsv", undirected=True)
    with_labels = netlens.gnn_metrics(unlabelled, emb, labels=np.load(CORA / "labels.npy"), pred=pred, method="pca")
    assert with_labels["predictions"] == got["predictions"]
    assert "classes" not in unlabelled.info()


def test_project_equals_the_command(tmp_path):
    emb = np.load(CORA / "gcn_hidden.npy")
    for method, dim in [("pca", 2), ("umap", 2), ("pca", 3)]:
        out = tmp_path / f"{method}{dim}.npy"
        cli("project", CORA / "gcn_hidden.npy", "-o", out, "--method", method, "--dim", dim, "--seed", 3)
        got = netlens.project(emb, method=method, dim=dim, seed=3)
        assert got.shape == (2708, dim)
        np.testing.assert_array_equal(got, np.load(out))


def test_render_returns_and_writes_pictures(cora, tmp_path):
    png = cora.render(size=(320, 200), select=[35], hops=2)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    out = tmp_path / "cora.png"
    assert cora.render(out, size=(320, 200)) == out.read_bytes()
    with pytest.raises(netlens.NetlensError, match="exists; pass --force"):
        cora.render(out, size=(320, 200))
    cora.render(out, size=(320, 200), overwrite=True, bundle=True)
    svg = cora.render(tmp_path / "cora.svg", size=(320, 200))
    assert b"<svg" in svg[:400] and svg.count(b"<circle") >= 2708
    assert cora._repr_png_().startswith(b"\x89PNG")


def test_export_writes_what_networkx_reads(cora, tmp_path):
    nx = pytest.importorskip("networkx")
    out = tmp_path / "cora.graphml"
    cora.export([out, tmp_path / "cora.gexf"], select=[35], hops=2)
    read = nx.read_graphml(out)
    assert (read.number_of_nodes(), read.number_of_edges()) == (2708, 5278)
    assert nx.read_gexf(tmp_path / "cora.gexf").number_of_nodes() == 2708
    with pytest.raises(netlens.NetlensError, match="unknown format"):
        cora.export(tmp_path / "cora.xyz")


def test_page_is_the_browser_view_with_its_scene_inside(cora):
    import base64
    import gzip
    import re
    import struct

    page = cora.page(select=[35], hops=2)
    data = re.search(r'id="netlens-data" type="application/octet-stream">([^<]+)</script>', page).group(1)
    scene = gzip.decompress(base64.b64decode(data))
    assert scene[:4] == b"NLV1"
    (length,) = struct.unpack("<I", scene[4:8])
    header = json.loads(scene[8 : 8 + length])
    assert (header["nodes"], header["edges"]) == (2708, 5278)
    assert header["selection"] == {"seeds": [35], "hops": 2, "direction": "both"}
    assert "window.netlens" in page and "http://" not in page


def test_record_writes_a_gif(tmp_path):
    out = tmp_path / "tour.gif"
    netlens.record(netlens.load(CNN_ONNX), out, size=(160, 96), fps=5, duration=1)
    assert out.read_bytes().startswith(b"GIF89a")


def test_diff_equals_the_command():
    expected = cli_json("diff", CNN_PT2, CNN_PT2_STEP, "--json")
    assert netlens.diff(CNN_PT2, CNN_PT2_STEP) == expected
    assert netlens.diff(netlens.load(CNN_PT2), CNN_PT2_STEP) == expected
    with pytest.raises(netlens.NetlensError, match="is a graph, not a model"):
        netlens.diff(CORA / "edges.tsv", CNN_PT2)


def test_from_torch_opens_a_module_as_its_pt2_program():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    g = netlens.from_torch(model, (torch.randn(2, 8),))
    info = g.info()
    assert info["format"] == "pt2" and info["params"] == sum(p.numel() for p in model.parameters())
    program = torch.export.export(model, (torch.randn(2, 8),))
    calls = sum(1 for node in program.graph.nodes if node.op == "call_function")
    assert sum(info["ops"].values()) == calls
    # Units: the input's 8 features, 16 in the hidden layer and 16 after its ReLU, 4 out;
    # with every input kept, each linear layer's connections are its weight matrix.
    neurons = netlens.from_torch(model, torch.randn(2, 8), level="neurons", top_k=100)
    assert neurons.num_nodes == 8 + 16 + 16 + 4
    assert neurons.num_edges == 8 * 16 + 16 + 16 * 4


def test_bad_input_names_the_argument_and_the_problem(cora, tmp_path):
    error = netlens.NetlensError
    assert issubclass(error, ValueError)
    with pytest.raises(error, match=r"edges: expected an integer array .* float64 \(3, 3\)"):
        netlens.Graph(np.zeros((3, 3)))
    with pytest.raises(error, match="edge 1 has target -4"):
        netlens.Graph(np.array([[0, 1], [1, -4]]))
    with pytest.raises(error, match="names node 9, but the graph has 3 nodes"):
        netlens.Graph(np.array([[0, 9]]), num_nodes=3)
    with pytest.raises(error, match="holds no nodes"):
        netlens.Graph(np.zeros((0, 2), dtype=np.int64))
    with pytest.raises(error, match="missing.tsv"):
        netlens.load(tmp_path / "missing.tsv")
    with pytest.raises(error, match="--hops"):
        cora.khop([35], hops=99)
    with pytest.raises(error, match="out of range"):
        cora.khop([5000])
    with pytest.raises(error, match="no node is named"):
        netlens.load(CNN_ONNX).khop(["no such op"])
    with pytest.raises(error, match="labels: has 3 rows, but the graph has 2708 nodes"):
        cora.set_labels(np.array([0, 1, 2]))
    with pytest.raises(error, match="x: expected a numeric array"):
        cora.copy().set_node_data("x", np.array(["a"] * 2708))
    with pytest.raises(error, match="embedding: has 5 rows"):
        netlens.gnn_metrics(cora, np.zeros((5, 2)))
    with pytest.raises(error, match="must be finite"):
        netlens.project(np.full((20, 3), np.nan))
    with pytest.raises(error, match="unexpected argument '--colour'"):
        cora.layout(colour="red")


def test_graphs_pickle_and_copy(cora):
    again = pickle.loads(pickle.dumps(cora))
    assert again.info() == cora.info()
    g = netlens.Graph(np.array([[0, 1], [1, 2]]), names=["a", "b", "c"], weights=[0.5, 2.0])
    g.set_node_data("score", [1.0, 2.0, 3.0])
    copy = pickle.loads(pickle.dumps(g))
    assert copy.info() == g.info() and copy.names == ["a", "b", "c"]
    changed = g.copy()
    changed.set_labels([0, 1, -1])
    assert "classes" not in g.info() and changed.info()["classes"] == 2


def test_view_opens_the_window_in_its_own_process(cora):
    if not shutil.which("Xvfb"):
        pytest.skip("needs Xvfb")
    display = ":%d" % (90 + os.getpid() % 9)
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
    try:
        time.sleep(1.5)
        os.environ["DISPLAY"] = display
        window = cora.view(exit_after_frames=3, report_frames=True, size="640x400")
        assert window.wait(timeout=300) == 0
    finally:
        os.environ.pop("DISPLAY", None)
        xvfb.send_signal(signal.SIGTERM)
        xvfb.wait()


def test_progress_reaches_python_stderr_in_notebooks():
    # What a notebook gets: the command line's bar, written through sys.stderr.
    code = (
        "import io, sys, netlens\n"
        "netlens._native.progress_to_python()\n"
        "sys.stderr = captured = io.StringIO()\n"
        "netlens.load().layout()\n"
        "sys.__stdout__.write(captured.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "iterations" in done.stdout and "layout" in done.stdout


def test_every_public_function_teaches():
    for name in netlens.__all__:
        thing = getattr(netlens, name)
        assert thing.__doc__ and len(thing.__doc__) > 40, name
    for method in ["layout", "render", "khop", "export", "info", "set_node_data", "set_labels", "view", "show"]:
        assert getattr(netlens.Graph, method).__doc__, method
