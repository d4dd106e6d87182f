//! CPU reference implementations of the GPU layout passes: the test oracles, written with
//! the same inputs and loop shape as the shaders so results agree within float rounding.

pub mod force;
