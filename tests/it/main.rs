//! The integration tests, one binary with a module per area: parsers and CLI, GPU passes
//! against their CPU references, offscreen renders, recordings and a real window. One
//! binary links once instead of fifteen times.

mod activations;
mod attention;
mod browser;
mod bundle;
mod checkpoints;
mod cli;
mod common;
mod compressed;
mod diff;
mod embed;
mod export;
mod gguf;
mod gpu_layout;
mod gpu_render;
mod khop;
mod models;
mod neurons;
mod pictures;
mod pt2;
mod record;
mod tables;
mod window;
