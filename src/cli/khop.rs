//! `netlens khop`: how many nodes lie 0, 1, ..., K hops from a selection (GPU search).

use std::fmt;

use anyhow::Result;
use serde::Serialize;

use crate::gpu::Gpu;
use crate::khop::{self, KHop, Neighbourhoods};

use super::args::{GraphArgs, HopArgs, print_report};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    graph: GraphArgs,
    /// The node to start from: its name, or its index where nodes are numbered (edge lists
    /// with integer ids); repeatable, for the neighbourhood of several nodes
    #[arg(long, value_name = "ID", required = true)]
    node: Vec<String>,
    #[command(flatten)]
    hops: HopArgs,
    /// Print one JSON object
    #[arg(long)]
    json: bool,
    /// Also list the nodes at each hop, in index order (`nodes_by_hop` in JSON)
    #[arg(long)]
    list: bool,
}

/// A node as the user names it: by name where nodes have names, else by index.
#[derive(Serialize)]
#[serde(untagged)]
enum NodeId {
    Name(String),
    Index(u32),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            NodeId::Name(name) => write!(f, "{name}"),
            NodeId::Index(v) => write!(f, "{v}"),
        }
    }
}

/// One seed (`"node"` in JSON) or several (`"nodes"`).
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Seeds {
    Node(NodeId),
    Nodes(Vec<NodeId>),
}

/// What `khop` prints, as text or JSON.
#[derive(Serialize)]
struct Report {
    #[serde(skip)]
    source: String,
    #[serde(flatten)]
    seeds: Seeds,
    hops: u32,
    direction: &'static str,
    /// Nodes at exactly 0, 1, ..., K hops.
    reached: Vec<u64>,
    within: u64,
    nodes_in_graph: u32,
    seconds: f64,
    /// With --list: the nodes at exactly 0, 1, ..., K hops.
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes_by_hop: Option<Vec<Vec<NodeId>>>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let seeds = match &self.seeds {
            Seeds::Node(one) => one.to_string(),
            Seeds::Nodes(many) => many.iter().map(NodeId::to_string).collect::<Vec<_>>().join(", "),
        };
        let at: Vec<String> = self.reached.iter().enumerate().map(|(h, c)| format!("{c} at {h}")).collect();
        write!(
            f,
            "{} within {} hops of {seeds} (direction {}): {} nodes, {:.2}% of {}; by hops: {}",
            self.source,
            self.hops,
            self.direction,
            self.within,
            100.0 * self.within as f64 / self.nodes_in_graph.max(1) as f64,
            self.nodes_in_graph,
            at.join(", ")
        )?;
        for (h, nodes) in self.nodes_by_hop.iter().flatten().enumerate() {
            let names: Vec<String> = nodes.iter().map(NodeId::to_string).collect();
            write!(f, "\nhop {h}: {}", names.join(", "))?;
        }
        Ok(())
    }
}

pub fn run(args: Args) -> Result<()> {
    let loaded = args.graph.load()?;
    let selection = args.hops.selection(&loaded, &args.node)?.expect("--node is required");
    let graph = &loaded.graph;
    let gpu = Gpu::headless()?;
    let khop = gpu.kernel::<KHop>();
    let hops = crate::khop::hops_buffer(&gpu, graph.node_count())?;
    let mut neighbourhoods =
        Neighbourhoods::new(&gpu, &khop, &khop::adjacency(&gpu, graph, selection.direction)?, hops)?;
    let start = std::time::Instant::now();
    neighbourhoods.select(&gpu, &khop, &selection.seeds, selection.hops)?;
    let reached = neighbourhoods.read_counts(&gpu)?;
    let seconds = start.elapsed().as_secs_f64();
    let hops_of = if args.list { Some(neighbourhoods.read_hops(&gpu)?) } else { None };
    let id = |v: u32| match graph.nodes.labels.as_ref().and_then(|l| l.get(v as usize)) {
        Some(label) if !graph.ids_are_indices => NodeId::Name(label.to_owned()),
        _ => NodeId::Index(v),
    };
    let report = Report {
        source: loaded.source.to_string(),
        seeds: match selection.seeds.as_slice() {
            [one] => Seeds::Node(id(*one)),
            many => Seeds::Nodes(many.iter().map(|&v| id(v)).collect()),
        },
        hops: selection.hops,
        direction: if graph.directed { selection.direction.name() } else { "both" },
        within: reached.iter().sum(),
        reached,
        nodes_in_graph: graph.node_count(),
        seconds,
        nodes_by_hop: hops_of.map(|hops| {
            let mut by_hop: Vec<Vec<NodeId>> = (0..=selection.hops).map(|_| Vec::new()).collect();
            for (v, &h) in hops.iter().enumerate() {
                if let Some(nodes) = by_hop.get_mut(h as usize) {
                    nodes.push(id(v as u32));
                }
            }
            by_hop
        }),
    };
    print_report(&report, args.json)
}
