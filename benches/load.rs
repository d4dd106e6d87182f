//! Loading benchmark: an ONNX model with 10k operators (a chain of scoped MatMul + Relu
//! blocks with weight initializers), parsed and built into a graph, against the bare
//! protobuf decode of the same bytes as the baseline; then the layered layout of it.
//! Run with `cargo bench --bench load`.

use std::time::{Duration, Instant};

use netlens::geom::Dim;
use netlens::layout::Flow;
use netlens::layout::layered::layered;
use netlens::load::onnx_proto::{GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, ValueInfoProto};
use prost::Message;

const OPERATORS: usize = 10_000;

fn model() -> ModelProto {
    let mut graph = GraphProto { name: "bench".into(), ..Default::default() };
    graph.input.push(ValueInfoProto { name: "x0".into(), r#type: None });
    for i in 0..OPERATORS {
        let scope = format!("/encoder/layer.{}/block.{}", i / 100, (i / 10) % 10);
        let (op, inputs) = if i % 2 == 0 {
            let weight = format!("w{i}");
            graph.initializer.push(TensorProto {
                dims: vec![64, 64],
                data_type: 1,
                name: weight.clone(),
                ..Default::default()
            });
            ("MatMul", vec![format!("x{i}"), weight])
        } else {
            ("Relu", vec![format!("x{i}")])
        };
        graph.node.push(NodeProto {
            input: inputs,
            output: vec![format!("x{}", i + 1)],
            name: format!("{scope}/{op}_{i}"),
            op_type: op.into(),
            ..Default::default()
        });
    }
    graph.output.push(ValueInfoProto { name: format!("x{OPERATORS}"), r#type: None });
    ModelProto {
        ir_version: 8,
        producer_name: "netlens-bench".into(),
        graph: Some(graph),
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
        ..Default::default()
    }
}

/// The fastest of `runs` timings of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        last = Some(value);
    }
    (best, last.expect("runs > 0"))
}

fn main() {
    let bytes = model().encode_to_vec();
    let dir = std::env::temp_dir().join(format!("netlens-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chain.onnx");
    std::fs::write(&path, &bytes).unwrap();

    let (decode, _) = best(7, || ModelProto::decode(bytes.as_slice()).unwrap());
    let (load, loaded) = best(7, || netlens::load::load_graph(&path).unwrap());
    let (layout, _) = best(3, || layered(&loaded.graph, Dim::Two, Flow::Bands, None, None).unwrap().positions);
    println!(
        "ONNX, {OPERATORS} operators ({} KiB): protobuf decode {:.1} ms (baseline), load + graph {:.1} ms ({:.2}x the decode), {} nodes {} edges {} groups",
        bytes.len() / 1024,
        decode.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3,
        load.as_secs_f64() / decode.as_secs_f64(),
        loaded.graph.node_count(),
        loaded.graph.edge_count(),
        loaded.graph.groups.len()
    );
    println!("layered layout of it: {:.1} ms", layout.as_secs_f64() * 1e3);
    let _ = std::fs::remove_dir_all(&dir);
}
