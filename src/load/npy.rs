//! NumPy .npy arrays: PyG-style `edge_index` graphs, node arrays (classes, features) and
//! arrays of more dimensions (attention).
//!
//! Values stream through [`for_each_value`], which accepts every integer and float dtype
//! (float16 included) in C or Fortran order and hands each value over as `f64` with its
//! row and column, so nothing but the result is held in memory.

use std::io::Read;

use npyz::{DType, NpyFile, Order, TypeChar};

use super::{LoadError, Source};
use crate::graph::{Graph, MAX_NODES};

/// An .npy stream after its checked header: the header again, then the rest.
type Npy<R> = NpyFile<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>;

/// Longest header accepted: real ones are under a kilobyte.
const MAX_HEADER: usize = 1 << 16;

/// Reads and checks the header before npyz parses it (its parser is recursive: a header
/// of thousands of nested brackets takes it minutes), then hands npyz the header again
/// followed by the rest of the stream.
fn open<R: Read>(mut reader: R, source: &Source) -> Result<Npy<R>, LoadError> {
    let invalid = |why: &str| LoadError::invalid(source, format!("not a valid .npy file: {why}"));
    let mut head = vec![0u8; 10];
    reader.read_exact(&mut head).map_err(|_| invalid("too short"))?;
    if &head[..6] != b"\x93NUMPY" {
        return Err(invalid("no NumPy magic"));
    }
    let len = match head[6] {
        1 => u16::from_le_bytes([head[8], head[9]]) as usize,
        2 | 3 => {
            let mut more = [0u8; 2];
            reader.read_exact(&mut more).map_err(|_| invalid("too short"))?;
            head.extend(more);
            u32::from_le_bytes([head[8], head[9], more[0], more[1]]) as usize
        }
        v => return Err(invalid(&format!("unknown format version {v}"))),
    };
    if len > MAX_HEADER {
        return Err(invalid(&format!("a header of {len} bytes")));
    }
    let start = head.len();
    head.resize(start + len, 0);
    reader.read_exact(&mut head[start..]).map_err(|_| invalid("the header is cut short"))?;
    let (mut depth, mut quote) = (0u32, None);
    for &c in &head[start..] {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'{' | b'(' | b'[') => depth += 1,
            (None, b'}' | b')' | b']') => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 3 {
            return Err(invalid("the header nests too deep"));
        }
    }
    NpyFile::new(std::io::Cursor::new(head).chain(reader)).map_err(|e| invalid(&e.to_string()))
}

/// Rows and columns of a 1-D (`width` 1) or 2-D array.
fn matrix_shape(shape: &[u64], source: &Source) -> Result<(u64, u64), LoadError> {
    match *shape {
        [rows] => Ok((rows, 1)),
        [rows, cols] => Ok((rows, cols)),
        _ => Err(LoadError::invalid(source, format!("has shape {shape:?}; expected a 1-D or 2-D array"))),
    }
}

/// The element types netlens reads, each widened to `f64`.
trait Element: npyz::Deserialize {
    fn widen(self) -> f64;
}

macro_rules! elements {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl Element for $t {
            fn widen(self) -> f64 {
                let $v = self;
                $e
            }
        })*
    };
}

elements! {
    i8 => |v| v.into(), i16 => |v| v.into(), i32 => |v| v.into(), i64 => |v| v as f64,
    u8 => |v| v.into(), u16 => |v| v.into(), u32 => |v| v.into(), u64 => |v| v as f64,
    npyz::half::f16 => |v| v.into(), f32 => |v| v.into(), f64 => |v| v, bool => |v| u8::from(v).into(),
}

/// Calls `f(row, col, value)` for every element, in file order. No buffer is sized from
/// the declared shape: a header may claim more than the file holds.
fn for_each_value<R: Read>(
    npy: NpyFile<R>,
    source: &Source,
    f: impl FnMut(u64, u64, f64) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let DType::Plain(ty) = npy.dtype() else {
        return Err(LoadError::invalid(source, "holds structured records; expected a plain numeric array"));
    };
    match (ty.type_char(), ty.size_field()) {
        (TypeChar::Int, 1) => stream::<i8, R>(npy, source, f),
        (TypeChar::Int, 2) => stream::<i16, R>(npy, source, f),
        (TypeChar::Int, 4) => stream::<i32, R>(npy, source, f),
        (TypeChar::Int, 8) => stream::<i64, R>(npy, source, f),
        (TypeChar::Uint, 1) => stream::<u8, R>(npy, source, f),
        (TypeChar::Uint, 2) => stream::<u16, R>(npy, source, f),
        (TypeChar::Uint, 4) => stream::<u32, R>(npy, source, f),
        (TypeChar::Uint, 8) => stream::<u64, R>(npy, source, f),
        (TypeChar::Float, 2) => stream::<npyz::half::f16, R>(npy, source, f),
        (TypeChar::Float, 4) => stream::<f32, R>(npy, source, f),
        (TypeChar::Float, 8) => stream::<f64, R>(npy, source, f),
        (TypeChar::Bool, 1) => stream::<bool, R>(npy, source, f),
        _ => Err(LoadError::invalid(source, format!("has dtype '{ty}'; expected integers, floats or booleans"))),
    }
}

fn stream<T: Element, R: Read>(
    npy: NpyFile<R>,
    source: &Source,
    mut f: impl FnMut(u64, u64, f64) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    // Arrays of more dimensions stream as rows of their last dimension (C order).
    let shape = npy.shape();
    let cols = shape.last().copied().unwrap_or(1).max(1);
    let rows = shape.iter().product::<u64>() / cols;
    let fortran = npy.order() == Order::Fortran;
    let data = npy.data::<T>().map_err(|e| LoadError::invalid(source, e.to_string()))?;
    for (i, value) in data.enumerate() {
        let value = value.map_err(|e| LoadError::invalid(source, format!("cannot read values: {e}")))?;
        let i = i as u64;
        let (r, c) = if fortran { (i % rows, i / rows) } else { (i / cols, i % cols) };
        f(r, c, value.widen())?;
    }
    Ok(())
}

/// A PyG `edge_index`: shape (2, E), row 0 the sources, row 1 the targets.
pub fn edge_index(reader: impl Read, source: &Source) -> Result<Graph, LoadError> {
    let npy = open(reader, source)?;
    let [2, edges] = *npy.shape() else {
        return Err(LoadError::invalid(
            source,
            format!("has shape {:?}; an edge_index must be 2 x E (sources, then targets)", npy.shape()),
        ));
    };
    let DType::Plain(ty) = npy.dtype() else {
        return Err(LoadError::invalid(source, "holds structured records; an edge_index holds integers"));
    };
    if !matches!(ty.type_char(), TypeChar::Int | TypeChar::Uint) {
        return Err(LoadError::invalid(
            source,
            format!("has dtype '{ty}'; an edge_index holds integers (int64 or int32)"),
        ));
    }
    let mut graph = Graph::default();
    graph.ids_are_indices = true;
    graph.directed = true;
    // Values arrive sources first (C order) or in pairs (Fortran order): either way each
    // row's ids come in edge order, so both lists grow with the data actually read.
    let mut max = None::<u32>;
    for_each_value(npy, source, |row, col, v| {
        if v < 0.0 || v >= MAX_NODES as f64 {
            return Err(LoadError::invalid(source, format!("edge {col} has node id {v}, outside 0..{MAX_NODES}")));
        }
        let id = v as u32;
        max = Some(max.map_or(id, |m| m.max(id)));
        if row == 0 {
            graph.src.push(id)
        } else {
            graph.dst.push(id)
        }
        Ok(())
    })?;
    if graph.src.len() as u64 != edges || graph.dst.len() as u64 != edges {
        return Err(LoadError::invalid(source, format!("declares {edges} edges but holds fewer values")));
    }
    graph.ensure_nodes(max.map_or(0, |m| m + 1));
    Ok(graph)
}

/// A 1-D array of integer classes (`-1` for none); floats must hold whole numbers.
pub fn classes(reader: impl Read, source: &Source) -> Result<Vec<i32>, LoadError> {
    let npy = open(reader, source)?;
    let [rows] = *npy.shape() else {
        return Err(LoadError::invalid(
            source,
            format!("has shape {:?}; labels must be a 1-D array of class ids", npy.shape()),
        ));
    };
    check_rows(rows, source)?;
    let mut classes = Vec::new();
    for_each_value(npy, source, |row, _, v| {
        if v.fract() != 0.0 || v < -1.0 || v > i32::MAX as f64 {
            return Err(LoadError::invalid(source, format!("row {row} holds {v}; labels must be whole numbers >= -1")));
        }
        classes.push(v as i32);
        Ok(())
    })?;
    Ok(classes)
}

/// A 1-D or 2-D numeric array as `(width, row-major f32 values)`.
pub fn matrix(reader: impl Read, source: &Source) -> Result<(usize, Vec<f32>), LoadError> {
    let npy = open(reader, source)?;
    let (rows, cols) = matrix_shape(npy.shape(), source)?;
    check_rows(rows, source)?;
    rows.checked_mul(cols).filter(|&l| l <= 1 << 32).ok_or_else(|| {
        LoadError::invalid(source, format!("has {rows} x {cols} values, more than netlens holds in memory"))
    })?;
    Ok((cols as usize, c_order_values(npy, source)?))
}

/// Every value, in C order: read in file order (the vector grows with the data read, never
/// sized from the header), then a Fortran-order 2-D array's columns put into rows.
fn c_order_values<R: Read>(npy: NpyFile<R>, source: &Source) -> Result<Vec<f32>, LoadError> {
    let shape = npy.shape().to_vec();
    let fortran = npy.order() == Order::Fortran;
    let mut values = Vec::new();
    for_each_value(npy, source, |_, _, v| {
        values.push(v as f32);
        Ok(())
    })?;
    if let [rows, cols] = *shape
        && fortran
        && cols > 1
    {
        let (rows, cols) = (rows as usize, cols as usize);
        values = (0..rows * cols).map(|k| values[(k % cols) * rows + k / cols]).collect();
    }
    Ok(values)
}

/// A numeric array of 2 to `max_dims` dimensions in C order: its shape and values.
pub fn array(reader: impl Read, source: &Source, max_dims: usize) -> Result<(Vec<u64>, Vec<f32>), LoadError> {
    let npy = open(reader, source)?;
    let shape = npy.shape().to_vec();
    if !(2..=max_dims).contains(&shape.len()) {
        return Err(LoadError::invalid(source, format!("has shape {shape:?}; expected 2 to {max_dims} dimensions")));
    }
    if npy.order() == Order::Fortran && shape.len() > 2 {
        return Err(LoadError::invalid(source, "is in Fortran order; save it in C order (numpy.ascontiguousarray)"));
    }
    let total = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).filter(|&t| t <= 1 << 31);
    if total.is_none() {
        return Err(LoadError::invalid(
            source,
            format!("has shape {shape:?}, more values than netlens holds in memory"),
        ));
    }
    Ok((shape, c_order_values(npy, source)?))
}

fn check_rows(rows: u64, source: &Source) -> Result<(), LoadError> {
    if rows > MAX_NODES {
        return Err(LoadError::invalid(
            source,
            format!("has {rows} rows, beyond the {MAX_NODES} nodes netlens supports"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal .npy writer for tests: C order, given dtype and shape.
    pub fn npy_bytes(descr: &str, shape: &[u64], fortran: bool, data: &[u8]) -> Vec<u8> {
        let shape_text = match shape {
            [n] => format!("({n},)"),
            _ => format!("({})", shape.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")),
        };
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape_text}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(data);
        out
    }

    fn le<T: bytemuck::Pod>(v: &[T]) -> Vec<u8> {
        bytemuck::cast_slice(v).to_vec()
    }

    const SRC: Source = Source::Bundled("npy");

    #[test]
    fn edge_index_int64_and_int32() {
        let bytes = npy_bytes("<i8", &[2, 3], false, &le(&[0i64, 1, 2, 1, 2, 5]));
        let g = edge_index(bytes.as_slice(), &SRC).unwrap();
        assert_eq!((g.src.as_slice(), g.dst.as_slice()), (&[0, 1, 2][..], &[1, 2, 5][..]));
        assert_eq!(g.node_count(), 6);
        let bytes = npy_bytes("<i4", &[2, 2], true, &le(&[0i32, 1, 3, 4]));
        let g = edge_index(bytes.as_slice(), &SRC).unwrap();
        assert_eq!((g.src.as_slice(), g.dst.as_slice()), (&[0, 3][..], &[1, 4][..]), "Fortran order");
    }

    #[test]
    fn edge_index_errors() {
        let bytes = npy_bytes("<i8", &[3, 2], false, &le(&[0i64; 6]));
        assert!(edge_index(bytes.as_slice(), &SRC).unwrap_err().to_string().contains("must be 2 x E"));
        let bytes = npy_bytes("<f4", &[2, 1], false, &le(&[0f32; 2]));
        assert!(edge_index(bytes.as_slice(), &SRC).unwrap_err().to_string().contains("holds integers"));
        let bytes = npy_bytes("<i8", &[2, 1], false, &le(&[0i64, -4]));
        assert!(edge_index(bytes.as_slice(), &SRC).unwrap_err().to_string().contains("node id -4"));
        let whole = npy_bytes("<i8", &[2, 4], false, &le(&[0i64; 8]));
        let truncated = &whole[..whole.len() - 12];
        assert!(edge_index(truncated, &SRC).unwrap_err().to_string().contains("cannot read values"));
        assert!(edge_index(&b"not numpy"[..], &SRC).unwrap_err().to_string().contains("not a valid .npy"));
        // A header claiming 2 x 2^40 edges over a few bytes: an error, not a huge buffer.
        let bytes = npy_bytes("<i8", &[2, 1 << 40], false, &le(&[0i64; 4]));
        assert!(edge_index(bytes.as_slice(), &SRC).unwrap_err().to_string().contains("cannot read values"));
        // Brackets nested deep enough to stall npyz's parser are refused up front.
        let mut deep = b"\x93NUMPY\x01\x00\x40\x00".to_vec();
        deep.extend([b'{'; 63]);
        deep.push(b'\n');
        assert!(edge_index(deep.as_slice(), &SRC).unwrap_err().to_string().contains("nests too deep"));
    }

    #[test]
    fn classes_and_matrices() {
        let bytes = npy_bytes("<i4", &[3], false, &le(&[2i32, -1, 0]));
        assert_eq!(classes(bytes.as_slice(), &SRC).unwrap(), [2, -1, 0]);
        let bytes = npy_bytes("<f4", &[2], false, &le(&[0.5f32, 1.0]));
        assert!(classes(bytes.as_slice(), &SRC).unwrap_err().to_string().contains("whole numbers"));
        let bytes = npy_bytes("<f2", &[2, 2], false, &le(&[0x3c00u16, 0x4000, 0xbc00, 0]));
        assert_eq!(matrix(bytes.as_slice(), &SRC).unwrap(), (2, vec![1.0, 2.0, -1.0, 0.0]));
        let bytes = npy_bytes("<f8", &[2, 2, 2], false, &le(&[0f64; 8]));
        assert!(matrix(bytes.as_slice(), &SRC).unwrap_err().to_string().contains("1-D or 2-D"));
        let bytes = npy_bytes("<f4", &[2, 3], true, &le(&[1f32, 4., 2., 5., 3., 6.]));
        assert_eq!(matrix(bytes.as_slice(), &SRC).unwrap(), (3, vec![1., 2., 3., 4., 5., 6.]), "Fortran order");
    }
}
