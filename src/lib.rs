//! netlens: a GPU-native visualizer for neural-network architectures and graph data.
//!
//! Data flows one way: [`load`] reads files into a [`graph::Graph`], [`layout`] places its
//! nodes with GPU compute passes, [`render`] draws them with instanced pipelines to a
//! window ([`app`]) or to an offscreen frame ([`snapshot`], PNG), and [`cli`] ties the
//! steps to commands. [`khop`] finds the K-hop neighbourhood of a selection on the GPU,
//! [`embed`] projects node embeddings, [`video`] records camera tours, [`diff`] compares
//! two models, [`activations`] runs a model and puts its activations on the graph,
//! [`attention`] turns attention maps into graphs, and [`bench`] times
//! drawing and queries at scale.

pub mod activations;
pub mod app;
pub mod attention;
pub mod bench;
pub mod cli;
pub mod diff;
pub mod embed;
pub mod gpu;
pub mod graph;
pub mod khop;
pub mod layout;
pub mod load;
pub mod render;
pub mod snapshot;
pub mod training;
pub mod video;
