//! What netlens finds out about a model beyond its shape: its activations on an input
//! ([`activations`]), its attention maps drawn as graphs ([`attention`]), what changed
//! between two versions ([`diff`]), and a training run's checkpoints aligned to its edges
//! ([`training`]).

pub mod activations;
pub mod attention;
pub mod diff;
pub mod training;
