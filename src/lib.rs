//! netlens: a GPU-native visualizer for neural-network architectures and graph data.
//!
//! The modules form layers, and a module uses only the layers below its own
//! (`layering.rs` holds the table and the test that keeps it true):
//!
//! | layer | modules | what they hold |
//! |---|---|---|
//! | 0 | [`geom`] | dimensions, bounds and spacing, Morton numbering |
//! | 1 | [`graph`] | the [`graph::Graph`] (CSR, groups, attributes), breadth-first search, clustering, collapse |
//! | 2 | [`gpu`], [`load`] | the device, shaders and buffers; one file per input format |
//! | 3 | [`layout`], [`bundle`], [`khop`], [`embed`] | GPU passes, each with its CPU reference |
//! | 4 | [`render`] | instanced drawing of a scene: nodes, edges, labels, camera, offscreen target |
//! | 5 | [`view`] | the laid-out graph on the GPU ready to draw ([`view::GraphView`]), pictures in one call |
//! | 6 | [`analysis`] | activations, attention, model diff, training runs |
//! | 7 | [`export`] | PNG, SVG, `.npy` and video files, written atomically |
//! | 8 | [`app`], [`bench`] | the window; timings at scale |
//! | 9 | [`cli`] | one file per command: arguments, and a thin call into the layers below |
//!
//! Data flows one way: files are loaded into a graph, laid out, bundled and drawn; the
//! window and the commands sit on top. Interaction comes back through the graph
//! (selection, collapsed groups) and the camera, never by reaching into a pass.

pub mod analysis;
pub mod app;
pub mod bench;
pub mod bundle;
pub mod cli;
pub mod embed;
pub mod export;
pub mod geom;
pub mod gpu;
pub mod graph;
pub mod khop;
pub mod layout;
pub mod load;
pub mod render;
pub mod view;

#[cfg(test)]
mod layering;
