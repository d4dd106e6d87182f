//! `netlens._native`: the Python package's bindings (PyO3) over the same library as the
//! command line, so a Python call and the command with the same options give the same
//! result. Options arrive as the command line's flags (the package turns keywords into
//! them), are parsed by the commands' own argument groups and fail with their messages;
//! long passes run without the GIL; a panic becomes a `NetlensError`, never a crash.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use clap::{Args, Parser};
use indicatif::{ProgressDrawTarget, TermLike};
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use netlens::cli::args::{GraphArgs, HopArgs, LayoutArgs, draw_progress_with, progress_bar};
use netlens::cli::project::ProjectArgs;
use netlens::cli::{export, gnn, info, record, render, view};
use netlens::export::encode_png;
use netlens::gpu::Gpu;
use netlens::graph::Embedding;
use netlens::khop::{self, KHop, Neighbourhoods};
use netlens::load::{Loaded, arrays};

create_exception!(netlens, NetlensError, PyValueError, "A netlens error: bad input, with the command line's message.");

/// Options parsed by one of the command line's argument groups (no program name).
#[derive(Parser)]
#[command(no_binary_name = true, name = "netlens")]
struct Options<T: Args> {
    #[command(flatten)]
    inner: T,
}

fn parse<T: Args>(argv: Vec<String>) -> PyResult<T> {
    Options::<T>::try_parse_from(argv)
        .map(|options| options.inner)
        .map_err(|e| NetlensError::new_err(clap_message(&e.render().to_string())))
}

/// clap's message without its "error: " and its pointer to --help, which the command
/// line's users need and the package's do not.
fn clap_message(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("For more information")).collect();
    let message = lines.join("\n");
    message.trim().trim_start_matches("error: ").to_owned()
}

/// Runs `work` without the GIL; an error or a panic becomes a `NetlensError`.
fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> anyhow::Result<T> + Send) -> PyResult<T> {
    py.detach(|| match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(NetlensError::new_err(format!("{error:#}"))),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic");
            Err(NetlensError::new_err(format!("netlens failed inside ({why}); please report it")))
        }
    })
}

/// The process's GPU (or software adapter), found on first use.
fn gpu() -> anyhow::Result<&'static Gpu> {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    if let Some(gpu) = GPU.get() {
        return Ok(gpu);
    }
    let gpu = Gpu::headless()?;
    Ok(GPU.get_or_init(|| gpu))
}

fn embedding(values: &PyReadonlyArray2<'_, f32>) -> PyResult<Embedding> {
    let shape = values.shape();
    let (rows, dims) = (shape[0], shape[1]);
    let values = values.as_slice().map_err(err)?.to_vec();
    Embedding::checked(rows, dims, values).map_err(NetlensError::new_err)
}

/// A graph or model in memory, loaded or built from arrays.
#[pyclass(module = "netlens._native", name = "Graph")]
struct Graph {
    loaded: Loaded,
}

#[pymethods]
impl Graph {
    /// Loads a file as `netlens` commands do; `argv` holds the path and the graph options.
    #[staticmethod]
    fn load(py: Python<'_>, argv: Vec<String>) -> PyResult<Graph> {
        let options: GraphArgs = parse(argv)?;
        Ok(Graph { loaded: detached(py, || options.load())? })
    }

    /// A graph from edge arrays: `src[i] -> dst[i]`.
    #[staticmethod]
    #[pyo3(signature = (what, src, dst, num_nodes, directed, names, weights))]
    #[allow(clippy::too_many_arguments)]
    fn from_edges(
        what: String,
        src: PyReadonlyArray1<'_, i64>,
        dst: PyReadonlyArray1<'_, i64>,
        num_nodes: Option<u64>,
        directed: bool,
        names: Option<Vec<String>>,
        weights: Option<PyReadonlyArray1<'_, f32>>,
    ) -> PyResult<Graph> {
        let what: &'static str = match what.as_str() {
            "networkx graph" => "networkx graph",
            "PyG data" => "PyG data",
            _ => "numpy edges",
        };
        let (src, dst) = (src.as_slice().map_err(err)?, dst.as_slice().map_err(err)?);
        let weights = weights.map(|w| w.as_slice().map(<[f32]>::to_vec)).transpose().map_err(err)?;
        let edges = arrays::EdgeArrays { what, src, dst, nodes: num_nodes, directed, names, weights };
        Ok(Graph { loaded: arrays::graph(edges).map_err(err)? })
    }

    /// A copy to change without changing this one.
    fn copy(&self) -> Graph {
        Graph { loaded: self.loaded.clone() }
    }

    #[getter]
    fn num_nodes(&self) -> u32 {
        self.loaded.graph.node_count()
    }

    #[getter]
    fn num_edges(&self) -> usize {
        self.loaded.graph.edge_count()
    }

    #[getter]
    fn directed(&self) -> bool {
        self.loaded.graph.directed
    }

    /// The node names, where nodes have names.
    fn names(&self) -> Option<Vec<String>> {
        let labels = self.loaded.graph.nodes.labels.as_ref()?;
        Some((0..labels.len()).map(|i| labels.get(i).unwrap_or_default().to_owned()).collect())
    }

    /// The index of the node a user names (a name, or an index where nodes are numbered).
    fn find_node(&self, id: &str) -> PyResult<u32> {
        self.loaded.graph.find_node(id).map_err(|e| NetlensError::new_err(format!("{}: {e}", self.loaded.source)))
    }

    /// `info --json` of the graph, as JSON text.
    fn info_json(&self) -> PyResult<String> {
        serde_json::to_string(&info::GraphInfo::of(&self.loaded)).map_err(err)
    }

    fn set_column(&mut self, name: &str, values: PyReadonlyArray2<'_, f32>) -> PyResult<()> {
        let width = values.shape()[1];
        let values = values.as_slice().map_err(err)?.to_vec();
        arrays::set_column(&mut self.loaded, name, width, values).map_err(err)
    }

    fn set_text(&mut self, name: &str, values: Vec<String>) -> PyResult<()> {
        arrays::set_text(&mut self.loaded, name, &values).map_err(err)
    }

    #[pyo3(signature = (classes, names=None))]
    fn set_classes(&mut self, classes: PyReadonlyArray1<'_, i32>, names: Option<Vec<String>>) -> PyResult<()> {
        let classes = classes.as_slice().map_err(err)?.to_vec();
        arrays::set_classes(&mut self.loaded, classes, names.as_deref()).map_err(err)
    }

    /// Positions as `netlens layout` places them for the same layout options.
    fn layout<'py>(&self, py: Python<'py>, argv: Vec<String>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let options: LayoutArgs = parse(argv)?;
        let loaded = &self.loaded;
        let config = options.config(loaded);
        let dim = config.dim.count() as usize;
        let placed = detached(py, || {
            let bar = progress_bar();
            let placed = netlens::layout::place(gpu()?, &loaded.graph, &config, |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })?;
            bar.finish_and_clear();
            Ok(placed)
        })?;
        let rows = placed.positions.len();
        let values: Vec<f32> = placed.positions.iter().flat_map(|p| p[..dim].iter().copied()).collect();
        values.into_pyarray(py).reshape([rows, dim])
    }

    /// The graph drawn as `netlens render` draws it for the same options: PNG bytes.
    fn picture<'py>(&self, py: Python<'py>, argv: Vec<String>) -> PyResult<Bound<'py, PyBytes>> {
        let options: render::PictureArgs = parse(argv)?;
        let loaded = &self.loaded;
        let png = detached(py, || {
            let (rgba, _) = options.frame(gpu()?, loaded)?;
            let mut png = Vec::new();
            encode_png(&mut png, options.size, &rgba)?;
            Ok(png)
        })?;
        Ok(PyBytes::new(py, &png))
    }

    /// The nodes at exactly 0, 1, ..., K hops from `seeds` (indices), one array each,
    /// found on the GPU as `netlens khop` finds them.
    fn khop<'py>(
        &self,
        py: Python<'py>,
        seeds: Vec<u32>,
        argv: Vec<String>,
    ) -> PyResult<Vec<Bound<'py, PyArray1<u32>>>> {
        let options: HopArgs = parse(argv)?;
        let graph = &self.loaded.graph;
        if let Some(&bad) = seeds.iter().find(|&&v| v >= graph.node_count()) {
            return Err(NetlensError::new_err(format!(
                "{}: node {bad} is out of range: ids are 0 to {}",
                self.loaded.source,
                graph.node_count() as i64 - 1
            )));
        }
        if seeds.is_empty() {
            return Err(NetlensError::new_err("khop needs at least one node to start from"));
        }
        let hops = detached(py, || {
            let gpu = gpu()?;
            let kernel = gpu.kernel::<KHop>();
            let buffer = khop::hops_buffer(gpu, graph.node_count())?;
            let adjacency = khop::adjacency(gpu, graph, options.direction)?;
            let mut neighbourhoods = Neighbourhoods::new(gpu, &kernel, &adjacency, buffer)?;
            neighbourhoods.select(gpu, &kernel, &seeds, options.hops)?;
            Ok(neighbourhoods.read_hops(gpu)?)
        })?;
        let mut reached = vec![Vec::new(); options.hops as usize + 1];
        for (v, &hop) in hops.iter().enumerate() {
            if let Some(level) = reached.get_mut(hop as usize) {
                level.push(v as u32);
            }
        }
        Ok(reached.into_iter().map(|level| level.into_pyarray(py)).collect())
    }

    /// Runs `export`, `record`, `render` or `view` on this graph with `argv`'s options.
    fn run(&self, py: Python<'_>, command: &str, argv: Vec<String>) -> PyResult<()> {
        let given = Some(self.loaded.clone());
        match command {
            "export" => run_command(py, argv, given, export::run_on),
            "record" => run_command(py, argv, given, record::run_on),
            "render" => run_command(py, argv, given, render::run_on),
            // The window keeps the thread; it runs in a process of its own (netlens._view).
            "view" => run_command(py, argv, given, view::run_on),
            other => Err(NetlensError::new_err(format!("no command '{other}' runs on a graph"))),
        }
    }

    /// `gnn --metrics --json` of an embedding of this graph, as JSON text.
    #[pyo3(signature = (values, predictions, seed, argv))]
    fn gnn_metrics(
        &self,
        py: Python<'_>,
        values: PyReadonlyArray2<'_, f32>,
        predictions: Option<PyReadonlyArray1<'_, i32>>,
        seed: u32,
        argv: Vec<String>,
    ) -> PyResult<String> {
        let options: gnn::MeasureArgs = parse(argv)?;
        let graph = &self.loaded.graph;
        let embedding = embedding(&values)?;
        if embedding.rows != graph.node_count() as usize {
            return Err(NetlensError::new_err(format!(
                "embedding: has {} rows, but the graph has {} nodes: one row per node",
                embedding.rows,
                graph.node_count()
            )));
        }
        let predictions = predictions.map(|p| p.as_slice().map(<[i32]>::to_vec)).transpose().map_err(err)?;
        if let Some(p) = predictions.as_ref().filter(|p| p.len() != embedding.rows) {
            return Err(NetlensError::new_err(format!("pred: has {} rows for {} nodes", p.len(), embedding.rows)));
        }
        detached(py, || {
            let start = std::time::Instant::now();
            let (projection, agreement) = options.examine(gpu()?, graph, &embedding, seed, true)?;
            let agreement = agreement.expect("asked for");
            let split = gnn::split_column(graph);
            let report = options.report(
                graph,
                &embedding,
                "<array>".to_owned(),
                &agreement,
                &projection,
                predictions.as_deref(),
                split.as_deref(),
                start.elapsed().as_secs_f64(),
            );
            Ok(serde_json::to_string(&report)?)
        })
    }

    fn __repr__(&self) -> String {
        let graph = &self.loaded.graph;
        format!(
            "netlens.Graph({}: {} nodes, {} {} edges)",
            self.loaded.source,
            graph.node_count(),
            graph.edge_count(),
            if graph.directed { "directed" } else { "undirected" }
        )
    }
}

/// One command's options parsed from `argv`, and the command run on `given`.
fn run_command<A: Args + Send>(
    py: Python<'_>,
    argv: Vec<String>,
    given: Option<Loaded>,
    command: fn(A, Option<Loaded>) -> anyhow::Result<()>,
) -> PyResult<()> {
    let options = parse(argv)?;
    detached(py, || command(options, given))
}

fn err(error: impl std::fmt::Display) -> PyErr {
    NetlensError::new_err(error.to_string())
}

/// An embedding projected as `netlens project` projects it for the same options.
#[pyfunction]
fn project<'py>(
    py: Python<'py>,
    values: PyReadonlyArray2<'py, f32>,
    argv: Vec<String>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let options: ProjectArgs = parse(argv)?;
    let embedding = embedding(&values)?;
    let projection = detached(py, || options.project(gpu()?, &embedding))?;
    let dim = options.dims();
    let rows = projection.positions.len();
    let values: Vec<f32> = projection.positions.iter().flat_map(|p| p[..dim].iter().copied()).collect();
    values.into_pyarray(py).reshape([rows, dim])
}

/// `diff --json` of two model files, as JSON text.
#[pyfunction]
fn diff(py: Python<'_>, a: std::path::PathBuf, b: std::path::PathBuf) -> PyResult<String> {
    detached(py, || Ok(serde_json::to_string(&netlens::cli::diff::compare(&a, &b)?.0)?))
}

/// Progress bars as text lines on Python's `sys.stderr`, where a notebook shows them
/// (Jupyter overwrites a line that starts with a carriage return).
#[derive(Debug)]
struct PythonStderr;

impl PythonStderr {
    fn write(&self, text: &str) -> std::io::Result<()> {
        Python::attach(|py| {
            let stderr = py.import("sys")?.getattr("stderr")?;
            stderr.call_method1("write", (text,))?;
            stderr.call_method0("flush").map(drop)
        })
        .map_err(std::io::Error::other)
    }
}

impl TermLike for PythonStderr {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn write_line(&self, text: &str) -> std::io::Result<()> {
        self.write(&format!("{text}\n"))
    }

    fn write_str(&self, text: &str) -> std::io::Result<()> {
        self.write(text)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.write(&format!("\r{:100}\r", ""))
    }

    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Draws every progress bar from now on to Python's `sys.stderr` (notebooks, whose
/// stderr is not a terminal).
#[pyfunction]
fn progress_to_python() {
    draw_progress_with(|| ProgressDrawTarget::term_like(Box::new(PythonStderr)));
}

/// The `netlens` command line (`argv[0]` is the program's name); returns the exit status.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| netlens::cli::main(argv.into_iter().map(Into::into)))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    netlens::cli::show_warnings();
    m.add("NetlensError", m.py().get_type::<NetlensError>())?;
    m.add_class::<Graph>()?;
    m.add_function(wrap_pyfunction!(project, m)?)?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(progress_to_python, m)?)?;
    Ok(())
}
