//! Keras's `.weights.h5` files (`model.save_weights` / `model.load_weights`): one HDF5
//! group per layer at the paths of [`weight_groups`] (`layers/dense/vars` with datasets
//! `0`, `1`, … and a `name` attribute), plus `optimizer/vars` when an optimizer is given.
//! Files are exchangeable with Python Keras 3.

use std::collections::BTreeMap;
use std::path::Path;

use hdf5_pure::{
    AttrValue, Datatype, DatatypeByteOrder, EnumTypeBuilder, FileBuilder, FixedPointLayout,
    FloatingPointLayout, GroupBuilder,
};
use keras_backend::{bail, bf16, f16, DType, Error, HostBuffer, Result};
use keras_ops::{Tensor, Variable};

use super::atomic::write_atomic;
use super::walk::{weight_groups, WeightGroup};
use crate::layers::Layer;
use crate::optimizers::Optimizer;

const OP: &str = "save_weights";
const LOAD: &str = "load_weights";

/// Keras refuses a dataset that declares more than this many bytes …
const MAX_DECLARED: u64 = 4 << 30;
/// … and more than this many times the file's size.
pub(super) const MAX_RATIO: u64 = 1000;

/// A group of the file being built: sub-groups by name, datasets, and the `name` attribute.
#[derive(Default)]
struct Node {
    groups: BTreeMap<String, Node>,
    datasets: Vec<(String, Tensor)>,
    name_attr: Option<String>,
}

impl Node {
    fn at(&mut self, path: &str) -> &mut Node {
        path.split('/')
            .filter(|p| !p.is_empty())
            .fold(self, |n, p| n.groups.entry(p.to_string()).or_default())
    }
}

/// The layers' groups (and the optimizer's, when given) in save order.
fn groups(model: &dyn Layer, optimizer: Option<&Optimizer>) -> Vec<WeightGroup> {
    let mut out = weight_groups(model);
    if let Some(opt) = optimizer {
        out.push(WeightGroup {
            path: "optimizer/vars".into(),
            layer_name: opt.get_name().to_string(),
            variables: opt.variables(),
        });
    }
    out
}

/// The `.weights.h5` file of `model` (and `optimizer`) as bytes.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let bytes = keras::saving::weights_to_bytes(&m, None).unwrap();
/// keras::saving::load_weights_from_bytes(&m, None, bytes).unwrap();
/// ```
pub fn weights_to_bytes(model: &dyn Layer, optimizer: Option<&Optimizer>) -> Result<Vec<u8>> {
    let mut root = Node::default();
    for g in groups(model, optimizer) {
        let node = root.at(&g.path);
        node.name_attr = Some(g.layer_name.clone());
        for (i, v) in g.variables.iter().enumerate() {
            node.datasets.push((i.to_string(), v.value()));
        }
    }
    let mut fb = FileBuilder::new();
    for (name, child) in &root.groups {
        let mut g = fb.create_group(name);
        fill_group(&mut g, child)?;
        fb.add_group(g.finish());
    }
    fb.finish()
        .map_err(|e| Error::op(OP, format!("cannot encode the HDF5 file: {e}")))
}

fn fill_group(g: &mut GroupBuilder, node: &Node) -> Result<()> {
    if let Some(n) = &node.name_attr {
        g.set_attr("name", AttrValue::VarLenString(n.clone()));
    }
    for (name, t) in &node.datasets {
        let (datatype, bytes, bf16) = encode(t)?;
        let dims: Vec<u64> = t.dims().iter().map(|&d| d as u64).collect();
        let ds = g.create_dataset(name);
        ds.with_raw_data(datatype, bytes, t.size() as u64)
            .with_shape(&dims);
        if bf16 {
            ds.set_attr("dtype", AttrValue::VarLenString("bfloat16".into()));
        }
    }
    for (name, child) in &node.groups {
        let mut sub = g.create_group(name);
        fill_group(&mut sub, child)?;
        g.add_group(sub.finish());
    }
    Ok(())
}

fn float_type(size: u32, layout: FloatingPointLayout) -> Datatype {
    Datatype::FloatingPoint {
        size,
        byte_order: DatatypeByteOrder::LittleEndian,
        layout,
    }
}

fn int_type(size: u32, signed: bool) -> Datatype {
    Datatype::FixedPoint {
        size,
        byte_order: DatatypeByteOrder::LittleEndian,
        layout: FixedPointLayout {
            signed,
            bit_offset: 0,
            bit_precision: (size * 8) as u16,
        },
    }
}

const F16_LAYOUT: FloatingPointLayout = FloatingPointLayout {
    bit_offset: 0,
    bit_precision: 16,
    exponent_location: 10,
    exponent_size: 5,
    mantissa_location: 0,
    mantissa_size: 10,
    exponent_bias: 15,
};

/// h5py's `bool`: an int8 enum `FALSE = 0, TRUE = 1`.
fn bool_type() -> Result<Datatype> {
    EnumTypeBuilder::with_base(int_type(1, true))
        .value("FALSE", 0)
        .value("TRUE", 1)
        .build()
        .map_err(|e| Error::op(OP, format!("bool type: {e}")))
}

/// The HDF5 type and little-endian bytes of a tensor, and whether it is bfloat16 (stored,
/// as Keras does, as 2-byte opaque data with a `dtype = "bfloat16"` attribute).
fn encode(t: &Tensor) -> Result<(Datatype, Vec<u8>, bool)> {
    fn le<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(|&x| f(x)).collect()
    }
    Ok(match t.to_host()? {
        HostBuffer::F32(v) => (
            float_type(4, FloatingPointLayout::IEEE754_BINARY32),
            le(&v, f32::to_le_bytes),
            false,
        ),
        HostBuffer::F64(v) => (
            float_type(8, FloatingPointLayout::IEEE754_BINARY64),
            le(&v, f64::to_le_bytes),
            false,
        ),
        HostBuffer::F16(v) => (float_type(2, F16_LAYOUT), le(&v, f16::to_le_bytes), false),
        HostBuffer::BF16(v) => (
            Datatype::Opaque {
                size: 2,
                tag: Vec::new(),
            },
            le(&v, bf16::to_le_bytes),
            true,
        ),
        HostBuffer::I8(v) => (int_type(1, true), le(&v, i8::to_le_bytes), false),
        HostBuffer::I16(v) => (int_type(2, true), le(&v, i16::to_le_bytes), false),
        HostBuffer::I32(v) => (int_type(4, true), le(&v, i32::to_le_bytes), false),
        HostBuffer::I64(v) => (int_type(8, true), le(&v, i64::to_le_bytes), false),
        HostBuffer::U8(v) => (int_type(1, false), v, false),
        HostBuffer::U16(v) => (int_type(2, false), le(&v, u16::to_le_bytes), false),
        HostBuffer::U32(v) => (int_type(4, false), le(&v, u32::to_le_bytes), false),
        HostBuffer::U64(v) => (int_type(8, false), le(&v, u64::to_le_bytes), false),
        HostBuffer::Bool(v) => (bool_type()?, v.iter().map(|&b| b as u8).collect(), false),
    })
}

/// Saves the weights of `model` (and the variables of `optimizer`, when given) to a Keras
/// `.weights.h5` file, atomically: the file is complete or untouched.
///
/// ```
/// use keras::layers::{Dense, Input};
/// use keras::models::Sequential;
/// let mut m = Sequential::new();
/// m.add(Input::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let path = std::env::temp_dir().join(format!("doc_{}.weights.h5", std::process::id()));
/// keras::saving::save_weights(&m, None, &path).unwrap();
/// keras::saving::load_weights(&m, None, &path).unwrap();
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn save_weights(
    model: &dyn Layer,
    optimizer: Option<&Optimizer>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    if !path.to_string_lossy().ends_with(".weights.h5") {
        bail!(
            OP,
            "the filename must end in `.weights.h5`, got {}",
            path.display()
        );
    }
    let bytes = weights_to_bytes(model, optimizer)?;
    write_atomic(path, &bytes)
}

/// Loads a Keras `.weights.h5` file (or the weights of a `.keras` archive) into `model`
/// (and `optimizer`, when given). A legacy `.h5` / `.hdf5` file goes to
/// [`load_legacy_weights`](super::load_legacy_weights) with its defaults (by layer order);
/// as in Keras, its optimizer state is not loaded then.
///
/// Every layer's datasets are checked against its variables (count, shapes, a numeric
/// dtype, converted as Keras's `assign` does) before anything is assigned, so a file that
/// does not fit leaves the model unchanged; the error names the layer. Groups in the file
/// that the model does not have are ignored, as Keras does. An optimizer whose variable
/// count differs from the file's is skipped with a warning (Keras's behaviour: build it
/// first, e.g. with [`Optimizer::build`]).
pub fn load_weights(
    model: &dyn Layer,
    optimizer: Option<&Optimizer>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    if super::legacy_h5::is_legacy_path(path) {
        return super::load_legacy_weights(model, path, Default::default());
    }
    let mut bytes =
        std::fs::read(path).map_err(|e| Error::op(LOAD, format!("{}: {e}", path.display())))?;
    if path.to_string_lossy().ends_with(".keras") {
        bytes = super::keras_file::keras_weights_member(bytes)
            .map_err(|e| Error::msg(format!("{} ({})", e.message(), path.display())))?;
    }
    load_weights_from_bytes(model, optimizer, bytes)
        .map_err(|e| Error::msg(format!("{} ({})", e.message(), path.display())))
}

/// [`load_weights`] from the bytes of a `.weights.h5` file.
pub fn load_weights_from_bytes(
    model: &dyn Layer,
    optimizer: Option<&Optimizer>,
    bytes: Vec<u8>,
) -> Result<()> {
    let (file, file_len) = open_h5(bytes)?;
    let mut plan: Vec<(Variable, Tensor)> = Vec::new();
    for g in weight_groups(model) {
        plan.extend(read_group(&file, file_len, &g, "layer")?);
    }
    if let Some(opt) = optimizer {
        let g = WeightGroup {
            path: "optimizer/vars".into(),
            layer_name: opt.get_name().to_string(),
            variables: opt.variables(),
        };
        let keys = dataset_keys(&file, &g.path)?;
        if keys.len() != g.variables.len() {
            let mut msg = format!(
                "Skipping variable loading for optimizer '{}', because it has {} variables whereas the saved optimizer has {} variables.",
                g.layer_name,
                g.variables.len(),
                keys.len()
            );
            if !opt.built() {
                msg.push_str(" This is likely because the optimizer has not been built yet.");
            }
            eprintln!("Warning: {msg}");
        } else {
            plan.extend(read_group(&file, file_len, &g, "optimizer")?);
        }
    }
    for (var, value) in plan {
        var.assign(&value)?;
    }
    Ok(())
}

/// Parses the bytes of an HDF5 file; returns the file and its length (for the size guard
/// of [`read_dataset`]).
pub(super) fn open_h5(bytes: Vec<u8>) -> Result<(hdf5_pure::File, u64)> {
    if !hdf5_pure::is_hdf5_bytes(&bytes) {
        bail!(LOAD, "not an HDF5 file");
    }
    let file_len = bytes.len() as u64;
    if let Some(end) = declared_end(&bytes) {
        if end > file_len {
            bail!(
                LOAD,
                "the HDF5 file is truncated: its superblock declares {end} bytes, the file has \
                 {file_len}"
            );
        }
    }
    // The reader validates what it parses; a panic on a malformed file still becomes an
    // error rather than taking the caller down.
    let file = std::panic::catch_unwind(move || hdf5_pure::File::from_bytes(bytes))
        .map_err(|_| Error::op(LOAD, "the HDF5 file is corrupt"))?
        .map_err(|e| Error::op(LOAD, format!("cannot read the HDF5 file: {e}")))?;
    Ok((file, file_len))
}

/// The end of the file its superblock (at offset 0) declares: base address plus end-of-file
/// address, for superblock versions 0–3 (`None` when the fields cannot be read or the
/// address is undefined).
fn declared_end(bytes: &[u8]) -> Option<u64> {
    let (offset_size, base_at) = match *bytes.get(8)? {
        0 => (*bytes.get(13)?, 24),
        1 => (*bytes.get(13)?, 28),
        2 | 3 => (*bytes.get(9)?, 12),
        _ => return None,
    };
    let size = usize::from(offset_size);
    if !(1..=8).contains(&size) {
        return None;
    }
    let field = |i: usize| -> Option<u64> {
        let start = base_at + i * size;
        let raw = bytes.get(start..start + size)?;
        let mut le = [0u8; 8];
        le[..size].copy_from_slice(raw);
        let value = u64::from_le_bytes(le);
        // All ones is HDF5's undefined address.
        (size == 8 && value != u64::MAX || size < 8 && value != (1 << (8 * size)) - 1)
            .then_some(value)
    };
    // Base address, then the free-space (v0/1) or extension (v2/3) address, then the end.
    field(0)?.checked_add(field(2)?)
}

pub(super) fn h5_err(e: impl std::fmt::Display) -> Error {
    Error::op(LOAD, format!("cannot read the HDF5 file: {e}"))
}

/// The dataset names of the group at `path` (none when the group is absent).
fn dataset_keys(file: &hdf5_pure::File, path: &str) -> Result<Vec<String>> {
    let mut group = catch(|| file.root())?;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let children = catch(|| group.groups())?.map_err(h5_err)?;
        if !children.iter().any(|c| c == part) {
            return Ok(Vec::new());
        }
        group = catch(|| group.group(part))?.map_err(h5_err)?;
    }
    catch(|| group.datasets())?.map_err(h5_err)
}

/// Runs a reader call, turning a panic inside the HDF5 reader into an error.
pub(super) fn catch<T>(f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| Error::op(LOAD, "the HDF5 file is corrupt"))
}

/// Checks the group of one layer (or the optimizer) against its variables and returns the
/// values to assign.
fn read_group(
    file: &hdf5_pure::File,
    file_len: u64,
    g: &WeightGroup,
    what: &str,
) -> Result<Vec<(Variable, Tensor)>> {
    let keys = dataset_keys(file, &g.path)?;
    let names: Vec<&str> = g.variables.iter().map(|v| v.name()).collect();
    if keys.len() != g.variables.len() {
        if keys.is_empty() {
            bail!(
                LOAD,
                "{what} '{}' expected {} variables {names:?}, but the file has no weights for it (no group `{}`)",
                g.layer_name,
                g.variables.len(),
                g.path
            );
        }
        bail!(
            LOAD,
            "{what} '{}' expected {} variables, but received {} variables during loading (group `{}`). Expected: {names:?}",
            g.layer_name,
            g.variables.len(),
            keys.len(),
            g.path
        );
    }
    let mut out = Vec::with_capacity(keys.len());
    for (i, var) in g.variables.iter().enumerate() {
        let path = format!("{}/{i}", g.path);
        let ds = match catch(|| file.dataset(&path))? {
            Ok(ds) => ds,
            Err(e) => bail!(
                LOAD,
                "{what} '{}': variable {i} ({:?}) has no dataset `{path}`: {e}",
                g.layer_name,
                var.name()
            ),
        };
        // The declared shape is checked before any data is read, so a file declaring a
        // huge dataset costs nothing.
        let shape = catch(|| ds.shape())?.map_err(h5_err)?;
        if !shape
            .iter()
            .map(|&d| d as usize)
            .eq(var.shape().dims().iter().copied())
        {
            bail!(
                LOAD,
                "{what} '{}': variable {:?} has shape {} but the file's `{path}` has shape {shape:?}",
                g.layer_name,
                var.name(),
                var.shape(),
            );
        }
        let value = read_dataset(&ds, file_len)
            .map_err(|e| Error::op(LOAD, format!("{what} '{}', `{path}`: {e}", g.layer_name)))?;
        out.push((var.clone(), value));
    }
    Ok(out)
}

/// A dataset's HDF5 type and the dtype it maps to (`None` for types weights never use);
/// bfloat16 is 2-byte opaque data marked by a `dtype = "bfloat16"` attribute.
pub(super) fn dataset_dtype(ds: &hdf5_pure::Dataset) -> Result<(Datatype, Option<DType>)> {
    let datatype = catch(|| ds.datatype())?.map_err(h5_err)?;
    let attrs = catch(|| ds.attrs())?.unwrap_or_default();
    let is_bf16 = attrs.get("dtype").and_then(|a| a.as_str()) == Some("bfloat16");
    let dtype = dtype_of(&datatype, is_bf16);
    Ok((datatype, dtype))
}

/// The dtype a stored HDF5 type maps to (`None` for types weights never use).
fn dtype_of(dt: &Datatype, is_bf16: bool) -> Option<DType> {
    Some(match dt {
        Datatype::FloatingPoint { size: 2, .. } => DType::F16,
        Datatype::FloatingPoint { size: 4, .. } => DType::F32,
        Datatype::FloatingPoint { size: 8, .. } => DType::F64,
        Datatype::FixedPoint { size, layout, .. } => match (size, layout.signed) {
            (1, true) => DType::I8,
            (2, true) => DType::I16,
            (4, true) => DType::I32,
            (8, true) => DType::I64,
            (1, false) => DType::U8,
            (2, false) => DType::U16,
            (4, false) => DType::U32,
            (8, false) => DType::U64,
            _ => return None,
        },
        Datatype::Opaque { size: 2, .. } if is_bf16 => DType::BF16,
        Datatype::Enumeration {
            size: 1, members, ..
        } if members.len() == 2 => DType::Bool,
        _ => return None,
    })
}

/// The bytes a dataset declares (elements times element size): what reading it allocates.
pub(super) fn declared_bytes(ds: &hdf5_pure::Dataset) -> Result<u64> {
    let shape = catch(|| ds.shape())?.map_err(h5_err)?;
    let size = catch(|| ds.element_size())?.map_err(h5_err)?;
    shape
        .iter()
        .try_fold(size, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::op(LOAD, format!("shape {shape:?} is too large")))
}

/// A dataset's values as a tensor, refusing (before reading) one that declares more than
/// 4 GiB and more than 1000 times the file's size, as Keras does.
pub(super) fn read_dataset(ds: &hdf5_pure::Dataset, file_len: u64) -> Result<Tensor> {
    let (datatype, dtype) = dataset_dtype(ds)?;
    let Some(dtype) = dtype else {
        bail!(LOAD, "unsupported HDF5 datatype {datatype:?}");
    };
    let shape = catch(|| ds.shape())?.map_err(h5_err)?;
    let declared = declared_bytes(ds)?;
    if declared > MAX_DECLARED && declared > file_len.saturating_mul(MAX_RATIO) {
        bail!(
            LOAD,
            "the dataset declares {declared} bytes in a file of {file_len} bytes; refusing it"
        );
    }
    let raw = catch(|| ds.read_raw())?.map_err(h5_err)?;
    if raw.len() as u64 != declared {
        bail!(
            LOAD,
            "the dataset holds {} bytes but its shape {shape:?} needs {declared}",
            raw.len()
        );
    }
    let big = matches!(
        datatype,
        Datatype::FloatingPoint {
            byte_order: DatatypeByteOrder::BigEndian,
            ..
        } | Datatype::FixedPoint {
            byte_order: DatatypeByteOrder::BigEndian,
            ..
        }
    );
    let buf = decode(&raw, dtype, big);
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    Tensor::from_host(buf, dims)
}

/// Typed values from raw element bytes (little-endian unless `big`).
fn decode(raw: &[u8], dtype: DType, big: bool) -> HostBuffer {
    fn chunks<const N: usize, T>(raw: &[u8], big: bool, f: impl Fn([u8; N]) -> T) -> Vec<T> {
        raw.chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                if big {
                    a.reverse();
                }
                f(a)
            })
            .collect()
    }
    match dtype {
        DType::F16 => HostBuffer::F16(chunks(raw, big, f16::from_le_bytes)),
        DType::BF16 => HostBuffer::BF16(chunks(raw, big, bf16::from_le_bytes)),
        DType::F32 => HostBuffer::F32(chunks(raw, big, f32::from_le_bytes)),
        DType::F64 => HostBuffer::F64(chunks(raw, big, f64::from_le_bytes)),
        DType::I8 => HostBuffer::I8(chunks(raw, big, i8::from_le_bytes)),
        DType::I16 => HostBuffer::I16(chunks(raw, big, i16::from_le_bytes)),
        DType::I32 => HostBuffer::I32(chunks(raw, big, i32::from_le_bytes)),
        DType::I64 => HostBuffer::I64(chunks(raw, big, i64::from_le_bytes)),
        DType::U8 => HostBuffer::U8(raw.to_vec()),
        DType::U16 => HostBuffer::U16(chunks(raw, big, u16::from_le_bytes)),
        DType::U32 => HostBuffer::U32(chunks(raw, big, u32::from_le_bytes)),
        DType::U64 => HostBuffer::U64(chunks(raw, big, u64::from_le_bytes)),
        DType::Bool => HostBuffer::Bool(raw.iter().map(|&b| b != 0).collect()),
    }
}
