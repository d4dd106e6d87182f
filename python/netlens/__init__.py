"""netlens: see neural networks and graphs, from Python.

The same library as the ``netlens`` command, with numpy in and out::

    import netlens
    g = netlens.load("model.onnx", level="ops")       # any file or folder the command reads
    g = netlens.Graph(edges)                          # an (E, 2) or (2, E) integer array
    g = netlens.from_networkx(G)                      # or from_pyg(data), from_torch(module, inputs)
    pos = g.layout(dim=2, seed=0)                     # (N, 2) float32, as `netlens layout` places it
    png = g.render("graph.png", select=[35], hops=2)  # PNG bytes
    reached = g.khop([35], hops=3)                    # node indices at 0, 1, 2, 3 hops

Options are the command line's flags as keywords: ``top_k=8`` is ``--top-k 8``, ``True``
turns a switch on, a list repeats the flag (``netlens render --help`` lists them). Bad
input raises :class:`NetlensError` with the command line's message. Nodes are named by
index (0 to N-1) or, as strings, by name.
"""

from __future__ import annotations

import atexit
import html
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np

from . import _native
from ._native import NetlensError

__all__ = [
    "Graph",
    "NetlensError",
    "diff",
    "from_networkx",
    "from_pyg",
    "from_torch",
    "gnn_metrics",
    "load",
    "project",
    "record",
]
__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]
NodeId = Union[int, str]


def _quiet_runtime_dir() -> None:
    """Mesa's window-system probe prints an 'error:' line where XDG_RUNTIME_DIR is unset
    (SSH, containers, CI) although nothing is wrong: a private empty folder keeps it quiet,
    as the command line does."""
    if sys.platform.startswith("linux") and "XDG_RUNTIME_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="netlens-runtime-")
        os.environ["XDG_RUNTIME_DIR"] = folder
        atexit.register(shutil.rmtree, folder, True)


_quiet_runtime_dir()

# In a notebook stderr is no terminal, so the command line's progress bars would stay
# hidden: there they are written to Python's sys.stderr, which the notebook shows.
if "ipykernel" in sys.modules and not sys.stderr.isatty():
    _native.progress_to_python()


def _numpy(value: Any) -> np.ndarray:
    """A numpy view of an array-like: numpy arrays, torch tensors, lists."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _text(key: str, value: Any) -> str:
    if key == "size" and isinstance(value, (tuple, list)) and len(value) == 2:
        return f"{int(value[0])}x{int(value[1])}"
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def _flags(options: dict) -> list:
    """Keywords as the command line's flags: ``top_k=8`` -> ``--top-k 8``; True turns a
    switch on; None and False leave it out; a list repeats the flag."""
    argv = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif isinstance(value, (list, tuple)) and key != "size":
            for item in value:
                argv += [flag, _text(key, item)]
        else:
            argv += [flag, _text(key, value)]
    return argv


def _matrix(name: str, value: Any, rows: Optional[int] = None) -> np.ndarray:
    """A numeric 1-D or 2-D array as a C-ordered float32 matrix, or an error naming it."""
    array = _numpy(value)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if not np.issubdtype(array.dtype, np.number) or array.ndim not in (1, 2):
        raise NetlensError(f"{name}: expected a numeric array of shape (N,) or (N, D), got {array.dtype} {array.shape}")
    if array.ndim == 1:
        array = array[:, None]
    if rows is not None and array.shape[0] != rows:
        raise NetlensError(f"{name}: has {array.shape[0]} rows, but the graph has {rows} nodes: one row per node")
    return np.ascontiguousarray(array, dtype=np.float32)


def _classes(name: str, value: Any, rows: int) -> np.ndarray:
    """A 1-D integer array of classes (-1 for none), one per node, or an error naming it."""
    array = _numpy(value)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise NetlensError(f"{name}: expected a 1-D integer array of {rows} classes, got {array.dtype} {array.shape}")
    if array.shape[0] != rows:
        raise NetlensError(f"{name}: has {array.shape[0]} rows, but the graph has {rows} nodes: one per node")
    if array.size and (array.min() < -1 or array.max() > np.iinfo(np.int32).max):
        raise NetlensError(f"{name}: classes are 0 and up, -1 for none")
    return np.ascontiguousarray(array, dtype=np.int32)


def _edge_ends(edges: Any) -> tuple:
    """Sources and targets of an (E, 2) or (2, E) integer array (a 2 x 2 array is read as
    two rows of edges)."""
    array = _numpy(edges)
    if not np.issubdtype(array.dtype, np.integer) or array.ndim != 2 or 2 not in array.shape:
        raise NetlensError(f"edges: expected an integer array of shape (E, 2) or (2, E), got {array.dtype} {array.shape}")
    if array.shape[1] == 2:
        array = array.T
    return (np.ascontiguousarray(array[0], dtype=np.int64), np.ascontiguousarray(array[1], dtype=np.int64))


def _made(steps: list, keep: Any = None) -> "Graph":
    """The graph `steps` make (loading, edges, node data: see Graph._apply), which is
    also how a pickled graph is made again; `keep` lives as long as the graph (the
    temporary archive of from_torch)."""
    graph = Graph.__new__(Graph)
    graph._steps = []
    graph._keep = keep
    for step in steps:
        graph._apply(step)
    return graph


class Graph:
    """A graph or model in memory: loaded from a file (:func:`load`), or built from arrays.

    ``Graph(edges, num_nodes=None, directed=True, names=None, weights=None)`` takes an
    (E, 2) or (2, E) integer array of node indices; ``names`` gives one name per node,
    ``weights`` one number per edge. Nodes are numbered 0 to N-1 in every array netlens
    returns. In a notebook a graph shows itself as a picture.
    """

    def __init__(
        self,
        edges: Any,
        num_nodes: Optional[int] = None,
        directed: bool = True,
        names: Optional[Sequence[str]] = None,
        weights: Any = None,
    ) -> None:
        self._steps: list = []
        self._keep: Any = None
        self._apply(("edges", "numpy edges", edges, num_nodes, directed, names, weights))

    def _apply(self, step: tuple) -> None:
        kind = step[0]
        if kind == "load":
            self._native = _native.Graph.load(step[1])
        elif kind == "edges":
            _, what, edges, num_nodes, directed, names, weights = step
            src, dst = _edge_ends(edges)
            if weights is not None:
                weights = _matrix("weights", weights)
                if weights.shape[1] != 1:
                    raise NetlensError(f"weights: expected one number per edge, got shape {weights.shape}")
                weights = np.ascontiguousarray(weights[:, 0])
            if names is not None:
                names = [str(name) for name in names]
            self._native = _native.Graph.from_edges(what, src, dst, num_nodes, bool(directed), names, weights)
            step = ("edges", what, (src, dst), num_nodes, directed, names, weights)
        elif kind == "column":
            self._native.set_column(step[1], step[2])
        elif kind == "text":
            self._native.set_text(step[1], step[2])
        elif kind == "classes":
            self._native.set_classes(step[1], step[2])
        self._steps.append(step)

    def __reduce__(self) -> tuple:
        return (_made, (self._steps,))

    def __repr__(self) -> str:
        return repr(self._native)

    @property
    def num_nodes(self) -> int:
        """The number of nodes."""
        return self._native.num_nodes

    @property
    def num_edges(self) -> int:
        """The number of edges (an undirected edge counts once)."""
        return self._native.num_edges

    @property
    def directed(self) -> bool:
        """Whether the edges have a direction."""
        return self._native.directed

    @property
    def names(self) -> Optional[list]:
        """The node names, where nodes have names (string ids, operator names)."""
        return self._native.names()

    def info(self) -> dict:
        """A summary of the graph or model: ``netlens info --json`` as a dict (nodes,
        edges, components, degrees, classes, groups, columns; parameters and operators of
        a model)."""
        return json.loads(self._native.info_json())

    def set_node_data(self, name: str, values: Any) -> None:
        """Attaches a numeric array, one row per node ((N,) or (N, D)), as node column
        ``name`` (tooltips, colour by, exports), replacing a column of that name."""
        self._apply(("column", str(name), _matrix(name, values, self.num_nodes)))

    def set_node_text(self, name: str, values: Sequence[str]) -> None:
        """Attaches one text per node as text column ``name`` (details and exports)."""
        values = [str(v) for v in values]
        self._apply(("text", str(name), values))

    def set_labels(self, labels: Any, names: Optional[Sequence[str]] = None) -> None:
        """Sets each node's class (a 1-D integer array, -1 for none): nodes are coloured by
        class, and ``names`` names the classes 0, 1, ..."""
        classes = _classes("labels", labels, self.num_nodes)
        self._apply(("classes", classes, None if names is None else [str(n) for n in names]))

    def _index(self, node: NodeId) -> int:
        """The index of a node: an int is an index, a string a name (or an index where
        nodes are numbered)."""
        if isinstance(node, (int, np.integer)) and not isinstance(node, bool):
            if not 0 <= int(node) < self.num_nodes:
                raise NetlensError(f"node {int(node)} is out of range: ids are 0 to {self.num_nodes - 1}")
            return int(node)
        return self._native.find_node(str(node))

    def _ids(self, nodes: Iterable[NodeId]) -> list:
        """Nodes as the command line names them: by name where nodes have names."""
        names = self.names
        return [names[self._index(v)] if names else str(self._index(v)) for v in nodes]

    def layout(self, kind: str = "auto", dim: int = 2, seed: int = 0, **options: Any) -> np.ndarray:
        """Positions of the nodes, (N, dim) float32, rows in node order: the same as
        ``netlens layout -o pos.npy`` for the same options.

        kind: "auto" (layered for models, force otherwise), "force" or "layered".
        options: ``iterations=``, ``flow=`` ("bands", "row", "down").
        """
        argv = ["--layout", kind, "--dim", str(dim), "--seed", str(seed)] + _flags(options)
        return self._native.layout(argv)

    def render(
        self,
        path: Optional[PathLike] = None,
        size: tuple = (1200, 800),
        select: Optional[Sequence[NodeId]] = None,
        hops: int = 1,
        bundle: Union[bool, str] = False,
        overwrite: bool = False,
        **options: Any,
    ) -> bytes:
        """Lays the graph out and draws it as ``netlens render`` does; returns the PNG's
        bytes (or the SVG's, for a .svg path), and writes ``path`` if given.

        select: nodes to highlight with their ``hops``-hop neighbourhood.
        bundle: True (density bundling), "density" or "hierarchy".
        overwrite: replace an existing ``path``.
        options: any of render's flags, e.g. ``layout="force"``, ``dim=3``, ``seed=2``,
        ``edge_color="direction"``, ``edge_detail="density"``, ``direction="out"``.
        """
        argv = ["--size", _text("size", size), "--hops", str(hops)] + self._look(select, bundle, options)
        if path is None:
            return self._native.picture(argv)
        self._native.run("render", ["-o", os.fspath(path)] + _flags({"force": overwrite}) + argv)
        return Path(path).read_bytes()

    def khop(self, seeds: Sequence[NodeId], hops: int = 1, direction: str = "both") -> list:
        """The nodes within ``hops`` of ``seeds``: a list of K+1 int64 arrays, the node
        indices at exactly 0, 1, ..., K hops (searched on the GPU, as ``netlens khop``).

        direction: follow edges "out", "in" or "both" ways (undirected graphs: both).
        """
        if isinstance(seeds, (int, str, np.integer)):
            seeds = [seeds]
        indices = [self._index(v) for v in seeds]
        levels = self._native.khop(indices, ["--hops", str(hops), "--direction", direction])
        return [np.asarray(level, dtype=np.int64) for level in levels]

    def export(
        self,
        path: Union[PathLike, Sequence[PathLike]],
        overwrite: bool = False,
        select: Optional[Sequence[NodeId]] = None,
        bundle: Union[bool, str] = False,
        **options: Any,
    ) -> None:
        """Lays the graph out and writes it for other tools, as ``netlens export``: the
        format follows the name (.html: the browser view; .graphml, .gexf, .dot, .json,
        .cyjs, .csv, .parquet); a list writes several. options: ``hops=``, ``edge_table="edges.parquet"``, layout
        options; ``select`` and ``bundle`` as in :meth:`render`."""
        paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
        argv = [arg for p in paths for arg in ("-o", os.fspath(p))]
        argv += _flags({"force": overwrite}) + self._look(select, bundle, options)
        self._native.run("export", argv)

    def copy(self) -> "Graph":
        """A copy to change without changing this one."""
        graph = _made([], self._keep)
        graph._native = self._native.copy()
        graph._steps = list(self._steps)
        return graph

    def _look(self, select: Optional[Sequence[NodeId]], bundle: Union[bool, str], options: dict) -> list:
        """The flags of a selection, a bundling and further options, as render, export
        and view take them."""
        return _flags({"select": self._ids(select or [])}) + _bundle(bundle) + _flags(options)

    def view(
        self, select: Optional[Sequence[NodeId]] = None, bundle: Union[bool, str] = False, **options: Any
    ) -> subprocess.Popen:
        """Opens the graph in netlens's window, in a process of its own (the notebook or
        script goes on); returns that process. options: view's flags (``dim=3``,
        ``hops=2`` ...); ``select`` and ``bundle`` as in :meth:`render`."""
        argv = self._look(select, bundle, options)
        handle, recipe = tempfile.mkstemp(prefix="netlens-view-", suffix=".pickle")
        with os.fdopen(handle, "wb") as file:
            pickle.dump(self, file)
        return subprocess.Popen([sys.executable, "-m", "netlens._view", recipe, *argv])

    def page(self, select: Optional[Sequence[NodeId]] = None, bundle: Union[bool, str] = False, **options: Any) -> str:
        """The browser view as one self-contained HTML document, as ``netlens export -o
        view.html`` writes it: pan, zoom, hover, select with K-hops, search, colour.
        options: export's flags (``dim=3``, ``hops=2``, ``embedding="emb.npy"`` for the
        linked embedding view ...); ``select`` and ``bundle`` as in :meth:`render`."""
        with tempfile.TemporaryDirectory(prefix="netlens-page-") as folder:
            path = os.path.join(folder, "view.html")
            self.export(path, select=select, bundle=bundle, **options)
            with open(path, encoding="utf-8") as file:
                return file.read()

    def show(self, size: tuple = (1200, 800), interactive: bool = False, **options: Any) -> None:
        """Shows the graph in a notebook (Jupyter, JupyterLab, VS Code): its picture, or
        with ``interactive=True`` the browser view (:meth:`page`) in a frame ``size[1]``
        pixels high. options: :meth:`page`'s."""
        try:
            from IPython.display import HTML, Image, display
        except ImportError as missing:
            raise NetlensError("show() displays in a notebook (IPython); render() writes a PNG") from missing
        if not interactive:
            display(Image(data=self.render(size=size, **options)))
            return
        document = html.escape(self.page(**options), quote=True)
        display(HTML(f'<iframe srcdoc="{document}" style="width:100%;height:{int(size[1])}px;border:0"></iframe>'))

    def _repr_png_(self) -> bytes:
        """The graph's picture, for notebooks."""
        return self.render(size=(960, 600))


def _bundle(bundle: Union[bool, str]) -> list:
    if bundle is True:
        return ["--bundle"]
    return ["--bundle", str(bundle)] if bundle else []


def load(path: Optional[PathLike] = None, **options: Any) -> Graph:
    """Loads any file or folder the command line reads: edge lists, Matrix Market, PyG
    .npy, Parquet/Arrow tables, OGB folders, ONNX, .pt2, safetensors, GGUF. Without a
    path: the bundled Cora citation graph.

    options: the graph flags of ``netlens render --help`` as keywords, e.g.
    ``level="neurons"``, ``top_k=8``, ``collapse=1``, ``labels="y.npy"``,
    ``undirected=True``, ``nodes="vertices.parquet"``, ``src="from"``.
    """
    argv = ([os.fspath(path)] if path is not None else []) + _flags(options)
    return _made([("load", argv)])


def from_networkx(graph: Any, weight: Optional[str] = "weight") -> Graph:
    """A networkx graph: nodes in ``list(graph.nodes)`` order (index i is the i-th node),
    named by ``str(node)``; edge attribute ``weight`` as the weights where every edge has a
    number there; node attributes kept: numbers as node columns, text as text columns, and
    ``label``/``class``/``y`` integers as the classes. Multigraphs keep every edge."""
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    edges = list(graph.edges(data=True))
    ends = np.array([[index[u], index[v]] for u, v, _ in edges], dtype=np.int64).reshape(-1, 2)
    weights = None
    if weight is not None and edges and all(_is_number(data.get(weight)) for _, _, data in edges):
        weights = np.array([float(data[weight]) for _, _, data in edges], dtype=np.float32)
    names = [str(node) for node in nodes]
    g = _made([("edges", "networkx graph", ends, len(nodes), graph.is_directed(), names, weights)])
    attributes = sorted({key for _, data in graph.nodes(data=True) for key in data})
    for key in attributes:
        values = [data.get(key) for _, data in graph.nodes(data=True)]
        if key in ("label", "class", "y") and all(isinstance(v, (int, np.integer)) for v in values):
            g.set_labels(np.array(values, dtype=np.int64))
        elif all(_is_number(v) for v in values):
            g.set_node_data(key, np.array(values, dtype=np.float32))
        elif all(v is not None for v in values):
            g.set_node_text(key, [str(v) for v in values])
    return g


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def from_pyg(data: Any) -> Graph:
    """A PyTorch Geometric ``Data`` (or any object with ``edge_index``): the edges as
    stored (both directions of an undirected graph are two edges), ``num_nodes``, ``x`` as
    node column "x", ``y`` as the classes where it is one integer per node (else a node
    column), other per-node tensors (``train_mask`` ...) as node columns, and
    ``edge_weight`` as the weights. Works with torch tensors or numpy arrays."""
    edge_index = _numpy(data.edge_index)
    num_nodes = getattr(data, "num_nodes", None)
    weights = getattr(data, "edge_weight", None)
    g = _made([("edges", "PyG data", edge_index, num_nodes, True, None, weights)])
    keys = data.keys() if callable(getattr(data, "keys", None)) else []
    for key in sorted(set(keys) | {"x", "y"}):
        if key in ("edge_index", "edge_weight", "edge_attr", "num_nodes"):
            continue
        value = getattr(data, key, None)
        if value is None:
            continue
        array = _numpy(value)
        if array.ndim == 0 or array.shape[0] != g.num_nodes or array.ndim > 2:
            continue
        if key == "y" and array.ndim == 1 and np.issubdtype(array.dtype, np.integer):
            g.set_labels(array)
        elif array.dtype == bool or np.issubdtype(array.dtype, np.number):
            g.set_node_data(key, array)
    return g


def from_torch(module: Any, example_inputs: Any, **options: Any) -> Graph:
    """A PyTorch module traced by ``torch.export`` and read by netlens's .pt2 loader:
    one node per aten call, grouped by module path (``collapse=1`` shows the modules).
    Needs torch only when called. options: as :func:`load` (``level="neurons"`` ...)."""
    try:
        import torch
    except ImportError as missing:
        raise NetlensError("from_torch needs PyTorch: pip install torch") from missing
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    program = torch.export.export(module, inputs)
    folder = tempfile.TemporaryDirectory(prefix="netlens-torch-")
    path = Path(folder.name) / f"{type(module).__name__}.pt2"
    torch.export.save(program, path)
    return _made([("load", [os.fspath(path)] + _flags(options))], keep=folder)


def project(embedding: Any, method: str = "umap", dim: int = 2, seed: int = 0, **options: Any) -> np.ndarray:
    """An (N, D) embedding projected to (N, dim) float32 on the GPU, as ``netlens
    project``: method "umap" (keeps neighbourhoods) or "pca". options: ``neighbours=``,
    ``epochs=``."""
    values = _matrix("embedding", embedding)
    argv = ["--method", method, "--dim", str(dim), "--seed", str(seed)] + _flags(options)
    return _native.project(values, argv)


def gnn_metrics(
    graph: Graph,
    embedding: Any,
    labels: Any = None,
    pred: Any = None,
    hops: int = 1,
    k: int = 10,
    method: str = "umap",
    seed: int = 1,
    **options: Any,
) -> dict:
    """How well an embedding keeps its graph's neighbourhoods: ``netlens gnn --metrics
    --json`` as a dict (agreement per node of the K-hop neighbourhood with the k nearest
    neighbours, its histogram, the most disagreeing nodes, the 2D view's
    trustworthiness; with ``labels`` (or the graph's classes) and ``pred``, the accuracy
    and the agreement where right and wrong)."""
    target = graph
    if labels is not None:
        target = graph.copy()
        target.set_labels(labels)
    values = _matrix("embedding", embedding, graph.num_nodes)
    predictions = None if pred is None else _classes("pred", pred, graph.num_nodes)
    argv = ["--hops", str(hops), "--k", str(k), "--method", method] + _flags(options)
    return json.loads(target._native.gnn_metrics(values, predictions, seed, argv))


def record(
    graph: Graph,
    path: PathLike,
    tour: Optional[PathLike] = None,
    size: tuple = (1280, 720),
    fps: int = 30,
    duration: Optional[float] = None,
    overwrite: bool = False,
    **options: Any,
) -> None:
    """Renders a camera tour of the graph headless, as ``netlens record``: to .mp4, .gif
    or a folder of PNG frames. Without ``tour`` (a TOML file) a tour is made up."""
    argv = ["-o", os.fspath(path), "--size", _text("size", size), "--fps", str(fps)]
    argv += _flags({"tour": tour, "duration": duration, "force": overwrite}) + _flags(options)
    graph._native.run("record", argv)


def diff(a: Union[PathLike, Graph], b: Union[PathLike, Graph]) -> dict:
    """Two models compared, as ``netlens diff --json``: operators and groups added,
    removed and changed, and how far each weight tensor and layer moved. ``a`` and ``b``
    are model files (or graphs loaded from them)."""
    return json.loads(_native.diff(_model_path(a), _model_path(b)))


def _model_path(model: Union[PathLike, Graph]) -> str:
    if isinstance(model, Graph):
        step = model._steps[0] if model._steps else None
        if not step or step[0] != "load" or not step[1] or step[1][0].startswith("--"):
            raise NetlensError("diff compares model files: give paths, or graphs loaded from files")
        return step[1][0]
    return os.fspath(model)
