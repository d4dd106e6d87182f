//! Geometry every layer uses: the number of dimensions of a layout ([`Dim`]), its
//! [`Bounds`] and node spacing, and Morton numbering of grid cells. It depends on nothing
//! else in the crate.
//!
//! Positions are `[x, y, z, w]` rows ([`Position`]; z = 0 in 2D), so one buffer layout
//! serves 2D and 3D and the renderer reads them as they are.

mod bounds;
mod morton;

pub use bounds::Bounds;
pub use morton::{cell_coords, cell_index};

/// One node's position: x, y, z (0 in 2D) and a fourth component for the GPU's use.
pub type Position = [f32; 4];

/// Number of spatial dimensions of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dim {
    #[value(name = "2")]
    Two,
    #[value(name = "3")]
    Three,
}

impl Dim {
    pub fn count(self) -> u32 {
        match self {
            Dim::Two => 2,
            Dim::Three => 3,
        }
    }
}
