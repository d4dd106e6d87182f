//! Fuzzes the PyTorch exported-program reader (zip, then JSON): any bytes give a graph or
//! an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netlens::load::{Format, load_bytes};

fuzz_target!(|data: &[u8]| {
    let _ = load_bytes(data, Format::Pt2);
});
