//! A minimal, safe reader for the pickles inside Keras's dataset files: NumPy arrays
//! (`numpy.core.multiarray._reconstruct`, `numpy.ndarray`, `numpy.dtype`, the same three
//! globals Keras's `RestrictedUnpickler` allows), lists, tuples, dicts, ints, floats,
//! strings and bytes, in protocols 0–5 opcodes as written by Python 2 `cPickle` (CIFAR)
//! and NumPy's `.npy` writer (IMDB, Reuters). Anything else — another global, an
//! unknown opcode, a container nested more than [`MAX_DEPTH`] deep, a length past the end
//! of the input — is an error; nothing is ever executed.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use keras_backend::bail;
use keras_ops::{Error, Result};

/// Deepest container nesting accepted (the datasets need 4).
pub(crate) const MAX_DEPTH: u8 = 8;

/// A list, tuple or dict's items, with its nesting depth and whether it was already put
/// inside another container (after which it may not change, so depths stay exact).
#[derive(Debug, Default)]
pub(crate) struct Container {
    pub items: RefCell<Vec<Value>>,
    depth: Cell<u8>,
    embedded: Cell<bool>,
}

/// A NumPy dtype: its kind and size (`"u1"`, `"i8"`, `"f4"`, `"O8"`) and byte order.
#[derive(Clone, Debug)]
pub(crate) struct Dtype {
    pub kind: String,
    pub byteorder: char,
}

impl Dtype {
    /// The `.npy`-style description, e.g. `"<u1"` or `"|O"`.
    pub fn descr(&self) -> String {
        let order = match self.byteorder {
            '=' => '<',
            c => c,
        };
        format!("{order}{}", self.kind)
    }
    pub fn is_object(&self) -> bool {
        self.kind.starts_with('O')
    }
}

/// The data of a reconstructed NumPy array.
#[derive(Debug, Default)]
pub(crate) enum ArrayData {
    /// Not yet filled by `BUILD`.
    #[default]
    Empty,
    /// Raw bytes of a numeric array (C order).
    Raw(Rc<Vec<u8>>),
    /// The elements of an object array.
    Objects(Vec<Value>),
}

/// A NumPy array rebuilt from a pickle.
#[derive(Debug, Default)]
pub(crate) struct NpArray {
    pub dtype: Option<Dtype>,
    pub shape: Vec<usize>,
    pub data: ArrayData,
}

/// The allowed callables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Global {
    Reconstruct,
    Ndarray,
    Dtype,
}

/// A value of the pickle machine.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(#[allow(dead_code)] f64),
    Bytes(Rc<Vec<u8>>),
    Str(Rc<str>),
    List(Rc<Container>),
    Tuple(Rc<Container>),
    /// Key, value, key, value, …
    Dict(Rc<Container>),
    Global(Global),
    Dtype(Rc<RefCell<Dtype>>),
    Array(Rc<RefCell<NpArray>>),
}

fn err(msg: impl Into<String>) -> Error {
    Error::op("pickle", msg.into())
}

impl Value {
    fn depth(&self) -> u8 {
        match self {
            Value::List(c) | Value::Tuple(c) | Value::Dict(c) => c.depth.get(),
            Value::Array(_) => 2,
            _ => 0,
        }
    }
    fn container(items: Vec<Value>) -> Result<Rc<Container>> {
        let depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        if depth > MAX_DEPTH {
            return Err(err(format!(
                "containers nested deeper than {MAX_DEPTH} levels"
            )));
        }
        for v in &items {
            v.mark_embedded();
        }
        Ok(Rc::new(Container {
            items: RefCell::new(items),
            depth: Cell::new(depth),
            embedded: Cell::new(false),
        }))
    }
    fn mark_embedded(&self) {
        if let Value::List(c) | Value::Tuple(c) | Value::Dict(c) = self {
            c.embedded.set(true);
        }
    }
    /// A short name for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bytes(_) => "bytes",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Global(_) => "global",
            Value::Dtype(_) => "dtype",
            Value::Array(_) => "ndarray",
        }
    }
    /// The text of a `str` or (Latin-1) `bytes` value.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.to_string()),
            Value::Bytes(b) => Some(b.iter().map(|&c| c as char).collect()),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }
    /// The items of a list or tuple.
    pub fn items(&self) -> Option<std::cell::Ref<'_, Vec<Value>>> {
        match self {
            Value::List(c) | Value::Tuple(c) => Some(c.items.borrow()),
            _ => None,
        }
    }
    /// The value for a `str` or `bytes` key of a dict.
    pub fn get(&self, key: &str) -> Option<Value> {
        let Value::Dict(c) = self else { return None };
        let items = c.items.borrow();
        items
            .chunks_exact(2)
            .find(|kv| kv[0].text().as_deref() == Some(key))
            .map(|kv| kv[1].clone())
    }
    /// Integers from a list, a tuple or an integer array.
    pub fn int_list(&self, what: &str) -> Result<Vec<i64>> {
        if let Some(items) = self.items() {
            return items
                .iter()
                .map(|v| {
                    v.as_int()
                        .ok_or_else(|| err(format!("{what}: expected ints, found a {}", v.kind())))
                })
                .collect();
        }
        if let Value::Array(a) = self {
            let a = a.borrow();
            if let (Some(dt), ArrayData::Raw(raw)) = (&a.dtype, &a.data) {
                let t = super::npz::tensor_from_raw(&dt.descr(), raw, &a.shape, what)?;
                return t.to_vec::<i64>();
            }
            if let ArrayData::Objects(objs) = &a.data {
                return Value::List(Value::container(objs.clone())?).int_list(what);
            }
        }
        Err(err(format!(
            "{what}: expected a list of ints, found a {}",
            self.kind()
        )))
    }
}

/// Reads one pickle from `data`; trailing bytes are ignored (as Python does).
pub(crate) fn loads(data: &[u8], what: &str) -> Result<Value> {
    Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    }
    .run()
    .map_err(|e| err(format!("{what}: {}", strip(e))))
}

fn strip(e: Error) -> String {
    let s = e.to_string();
    s.strip_prefix("pickle: ").unwrap_or(&s).to_string()
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    marks: Vec<Vec<Value>>,
    memo: HashMap<u64, Value>,
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.data.len() => {
                let s = &self.data[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => Err(err(format!(
                "truncated: needs {n} bytes at offset {} of {}",
                self.pos,
                self.data.len()
            ))),
        }
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn le(&mut self, n: usize) -> Result<u64> {
        let b = self.take(n)?;
        Ok(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
    }
    fn line(&mut self) -> Result<&'a str> {
        let rest = &self.data[self.pos..];
        let Some(end) = rest.iter().position(|&c| c == b'\n') else {
            return Err(err("truncated: missing end of line"));
        };
        self.pos += end + 1;
        std::str::from_utf8(&rest[..end]).map_err(|_| err("non-UTF-8 text argument"))
    }
    fn pop(&mut self) -> Result<Value> {
        self.stack.pop().ok_or_else(|| err("stack underflow"))
    }
    fn top(&self) -> Result<&Value> {
        self.stack.last().ok_or_else(|| err("stack underflow"))
    }
    fn pop_mark(&mut self) -> Result<Vec<Value>> {
        let Some(below) = self.marks.pop() else {
            return Err(err("MARK expected"));
        };
        Ok(std::mem::replace(&mut self.stack, below))
    }
    fn bytes(&mut self, n: u64) -> Result<Value> {
        let n = usize::try_from(n).map_err(|_| err("length too large"))?;
        Ok(Value::Bytes(Rc::new(self.take(n)?.to_vec())))
    }
    fn unicode(&mut self, n: u64) -> Result<Value> {
        let n = usize::try_from(n).map_err(|_| err("length too large"))?;
        let s = std::str::from_utf8(self.take(n)?).map_err(|_| err("invalid UTF-8 string"))?;
        Ok(Value::Str(Rc::from(s)))
    }
    fn memo_put(&mut self, key: u64) -> Result<()> {
        let v = self.top()?.clone();
        if self.memo.len() > 1 << 24 {
            return Err(err("too many memo entries"));
        }
        self.memo.insert(key, v);
        Ok(())
    }
    fn memo_get(&mut self, key: u64) -> Result<()> {
        let v = self
            .memo
            .get(&key)
            .cloned()
            .ok_or_else(|| err(format!("memo key {key} is not defined")))?;
        self.stack.push(v);
        Ok(())
    }
    fn extend(&mut self, target: &Value, items: Vec<Value>) -> Result<()> {
        let (Value::List(c) | Value::Dict(c)) = target else {
            return Err(err(format!("cannot append to a {}", target.kind())));
        };
        if matches!(target, Value::Dict(_)) && !items.len().is_multiple_of(2) {
            return Err(err("odd number of items for SETITEMS"));
        }
        if c.embedded.get() {
            return Err(err("a container was changed after being stored in another"));
        }
        let depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        if depth > MAX_DEPTH {
            return Err(err(format!(
                "containers nested deeper than {MAX_DEPTH} levels"
            )));
        }
        if depth > c.depth.get() {
            c.depth.set(depth);
        }
        items.iter().for_each(Value::mark_embedded);
        c.items.borrow_mut().extend(items);
        Ok(())
    }
    fn global(module: &str, name: &str) -> Result<Value> {
        Ok(Value::Global(match (module, name) {
            ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => {
                Global::Reconstruct
            }
            ("numpy", "ndarray") => Global::Ndarray,
            ("numpy", "dtype") => Global::Dtype,
            _ => {
                return Err(err(format!(
                    "refusing to load the global `{module}.{name}` (only NumPy array \
                     reconstruction is allowed); the file may be corrupted or malicious"
                )))
            }
        }))
    }
    fn reduce(f: Value, args: Value) -> Result<Value> {
        let args_items = args
            .items()
            .ok_or_else(|| err("REDUCE arguments are not a tuple"))?;
        match f {
            Value::Global(Global::Reconstruct) => {
                if !matches!(args_items.first(), Some(Value::Global(Global::Ndarray))) {
                    return Err(err("_reconstruct may only build numpy.ndarray"));
                }
                Ok(Value::Array(Rc::new(RefCell::new(NpArray::default()))))
            }
            Value::Global(Global::Dtype) => {
                let kind = args_items
                    .first()
                    .and_then(Value::text)
                    .ok_or_else(|| err("numpy.dtype needs a type string"))?;
                Ok(Value::Dtype(Rc::new(RefCell::new(Dtype {
                    kind,
                    byteorder: '=',
                }))))
            }
            other => Err(err(format!("cannot call a {}", other.kind()))),
        }
    }
    fn build(obj: &Value, state: Value) -> Result<()> {
        let items = state
            .items()
            .ok_or_else(|| err("BUILD state is not a tuple"))?;
        match obj {
            Value::Dtype(d) => {
                let order = items
                    .get(1)
                    .and_then(Value::text)
                    .and_then(|s| s.chars().next())
                    .ok_or_else(|| err("dtype state without a byte order"))?;
                if !"<>|=".contains(order) {
                    return Err(err(format!("unknown byte order {order:?}")));
                }
                d.borrow_mut().byteorder = order;
                Ok(())
            }
            Value::Array(a) => {
                // (version, shape, dtype, is_fortran, data), or the 4-item form without version.
                let s = match items.len() {
                    5 => &items[1..],
                    4 => &items[..],
                    n => return Err(err(format!("ndarray state has {n} items"))),
                };
                let shape: Vec<usize> = s[0]
                    .int_list("ndarray shape")?
                    .into_iter()
                    .map(|d| usize::try_from(d).map_err(|_| err("negative dimension")))
                    .collect::<Result<_>>()?;
                let Value::Dtype(dt) = &s[1] else {
                    return Err(err("ndarray state without a dtype"));
                };
                let dtype = dt.borrow().clone();
                let count = shape
                    .iter()
                    .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                    .ok_or_else(|| err("array shape overflows"))?;
                if s[2].as_int().unwrap_or(0) != 0 && shape.iter().filter(|&&d| d > 1).count() > 1 {
                    return Err(err("Fortran-ordered arrays are not supported"));
                }
                let data = match (&s[3], dtype.is_object()) {
                    (Value::List(c), true) => {
                        let objs = c.items.borrow().clone();
                        if objs.len() != count {
                            return Err(err(format!(
                                "object array of shape {shape:?} holds {} items",
                                objs.len()
                            )));
                        }
                        ArrayData::Objects(objs)
                    }
                    (Value::Bytes(b), false) => ArrayData::Raw(b.clone()),
                    (Value::Str(t), false) => {
                        // Python 2 `str` data read as Latin-1 text.
                        let raw: Option<Vec<u8>> =
                            t.chars().map(|c| u8::try_from(c as u32).ok()).collect();
                        ArrayData::Raw(Rc::new(raw.ok_or_else(|| err("array data is not bytes"))?))
                    }
                    (v, _) => {
                        return Err(err(format!(
                            "unsupported array data (a {} for dtype {})",
                            v.kind(),
                            dtype.kind
                        )))
                    }
                };
                let mut a = a.borrow_mut();
                a.shape = shape;
                a.dtype = Some(dtype);
                a.data = data;
                Ok(())
            }
            other => Err(err(format!("cannot BUILD a {}", other.kind()))),
        }
    }

    fn run(mut self) -> Result<Value> {
        loop {
            let at = self.pos;
            let op = self.u8()?;
            match op {
                0x80 => {
                    let p = self.u8()?;
                    if p > 5 {
                        return Err(err(format!("unsupported pickle protocol {p}")));
                    }
                }
                0x95 => {
                    self.take(8)?;
                }
                b'.' => return self.pop(),
                b'(' => {
                    let below = std::mem::take(&mut self.stack);
                    self.marks.push(below);
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                b'J' => {
                    let v = self.le(4)? as u32 as i32;
                    self.stack.push(Value::Int(v as i64));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(Value::Int(v as i64));
                }
                b'M' => {
                    let v = self.le(2)?;
                    self.stack.push(Value::Int(v as i64));
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.u8()? as u64
                    } else {
                        self.le(4)?
                    };
                    if n > 8 {
                        return Err(err("integer wider than 64 bits"));
                    }
                    let b = self.take(n as usize)?;
                    let mut v: i64 = 0;
                    for (i, &x) in b.iter().enumerate() {
                        v |= (x as i64) << (8 * i);
                    }
                    if n > 0 && n < 8 && b[n as usize - 1] & 0x80 != 0 {
                        v -= 1i64 << (8 * n);
                    }
                    self.stack.push(Value::Int(v));
                }
                b'I' | b'L' => {
                    let line = self.line()?.trim_end_matches('L');
                    let v = match line {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        s => Value::Int(
                            s.parse::<i64>()
                                .map_err(|_| err(format!("bad integer literal {s:?}")))?,
                        ),
                    };
                    self.stack.push(v);
                }
                b'G' => {
                    let b = self.take(8)?;
                    let v = f64::from_be_bytes(b.try_into().expect("8 bytes"));
                    self.stack.push(Value::Float(v));
                }
                b'U' | b'C' => {
                    let n = self.u8()? as u64;
                    let v = self.bytes(n)?;
                    self.stack.push(v);
                }
                b'T' => {
                    let n = self.le(4)? as u32 as i32;
                    if n < 0 {
                        return Err(err("negative string length"));
                    }
                    let v = self.bytes(n as u64)?;
                    self.stack.push(v);
                }
                b'B' => {
                    let n = self.le(4)?;
                    let v = self.bytes(n)?;
                    self.stack.push(v);
                }
                0x8e => {
                    let n = self.le(8)?;
                    let v = self.bytes(n)?;
                    self.stack.push(v);
                }
                0x8c => {
                    let n = self.u8()? as u64;
                    let v = self.unicode(n)?;
                    self.stack.push(v);
                }
                b'X' => {
                    let n = self.le(4)?;
                    let v = self.unicode(n)?;
                    self.stack.push(v);
                }
                0x8d => {
                    let n = self.le(8)?;
                    let v = self.unicode(n)?;
                    self.stack.push(v);
                }
                b']' => self.stack.push(Value::List(Value::container(vec![])?)),
                b'}' => self.stack.push(Value::Dict(Value::container(vec![])?)),
                b')' => self.stack.push(Value::Tuple(Value::container(vec![])?)),
                b'l' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::List(Value::container(items)?));
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Tuple(Value::container(items)?));
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    if !items.len().is_multiple_of(2) {
                        return Err(err("odd number of items for DICT"));
                    }
                    self.stack.push(Value::Dict(Value::container(items)?));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err(err("stack underflow"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(Value::Tuple(Value::container(items)?));
                }
                b'a' => {
                    let v = self.pop()?;
                    let target = self.top()?.clone();
                    self.extend(&target, vec![v])?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let target = self.top()?.clone();
                    self.extend(&target, vec![k, v])?;
                }
                b'e' | b'u' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?.clone();
                    self.extend(&target, items)?;
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let g = Self::global(module, name)?;
                    self.stack.push(g);
                }
                0x93 => {
                    let name = self.pop()?.text();
                    let module = self.pop()?.text();
                    let (Some(module), Some(name)) = (module, name) else {
                        return Err(err("STACK_GLOBAL needs two strings"));
                    };
                    let g = Self::global(&module, &name)?;
                    self.stack.push(g);
                }
                b'R' => {
                    let args = self.pop()?;
                    let f = self.pop()?;
                    let v = Self::reduce(f, args)?;
                    self.stack.push(v);
                }
                b'b' => {
                    let state = self.pop()?;
                    let obj = self.top()?.clone();
                    Self::build(&obj, state)?;
                }
                b'p' => {
                    let key = self
                        .line()?
                        .parse::<u64>()
                        .map_err(|_| err("bad PUT key"))?;
                    self.memo_put(key)?;
                }
                b'q' => {
                    let key = self.u8()? as u64;
                    self.memo_put(key)?;
                }
                b'r' => {
                    let key = self.le(4)?;
                    self.memo_put(key)?;
                }
                0x94 => {
                    let key = self.memo.len() as u64;
                    self.memo_put(key)?;
                }
                b'g' => {
                    let key = self
                        .line()?
                        .parse::<u64>()
                        .map_err(|_| err("bad GET key"))?;
                    self.memo_get(key)?;
                }
                b'h' => {
                    let key = self.u8()? as u64;
                    self.memo_get(key)?;
                }
                b'j' => {
                    let key = self.le(4)?;
                    self.memo_get(key)?;
                }
                other => {
                    bail!(
                        "pickle",
                        "unsupported opcode 0x{other:02x} at offset {at} (only NumPy arrays and \
                         plain Python data are read)"
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_data_and_refuses_other_globals() {
        // pickle.dumps({'a': [1, -2, 300, 70000]}, protocol=2)
        let p = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01]q\x02(K\x01J\xfe\xff\xff\xffM,\x01J\x70\x11\x01\x00es.";
        let v = loads(p, "t").unwrap();
        assert_eq!(
            v.get("a").unwrap().int_list("a").unwrap(),
            vec![1, -2, 300, 70000]
        );
        // cos.system\n(S'ls'\ntR.
        let bad = b"cos\nsystem\n(S'ls'\ntR.";
        let e = loads(bad, "t").unwrap_err().to_string();
        assert!(e.contains("os.system"), "{e}");
        assert!(loads(b"\x80\x02]q\x00(K\x01", "t").is_err());
        assert!(loads(b"\x80\x02B\xff\xff\xff\x7f", "t").is_err());
        assert!(loads(b"\x80\x02\xff", "t").is_err());
    }

    #[test]
    fn refuses_deep_nesting() {
        let mut p = vec![0x80, 2];
        p.extend([b']'; 20]);
        p.extend([b'a'; 19]);
        p.push(b'.');
        let e = loads(&p, "t").unwrap_err().to_string();
        assert!(e.contains("nested"), "{e}");
    }
}
