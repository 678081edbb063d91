//! Keras's weight walk (`saving_lib._walk_saveable`): which HDF5 group holds each layer's
//! variables in `model.weights.h5`. Group names come from attribute names and, inside lists,
//! from snake_cased class names made unique per list (`layers/dense`, `layers/dense_1`); each
//! layer is stored once, under the first path that reaches it.

use std::collections::{BTreeMap, HashMap, HashSet};

use keras_ops::Variable;

use crate::layers::{Layer, LayerBase, LayerExt};
use crate::utils::naming::to_snake_case;

/// One layer's entry in the weights file: `{path}` holds datasets `0`, `1`, … and the
/// attribute `name`.
#[derive(Clone, Debug)]
pub struct WeightGroup {
    /// The group path, such as `"layers/dense/vars"` (the root layer's is `"vars"`).
    pub path: String,
    /// The layer's name (the group's `name` attribute).
    pub layer_name: String,
    /// The layer's own variables, in save order.
    pub variables: Vec<Variable>,
}

/// The groups of `root` and everything under it, in visit order.
///
/// ```
/// use keras::layers::{Dense, InputLayer};
/// use keras::models::Sequential;
/// let mut m = Sequential::named("m");
/// m.add(InputLayer::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// m.build_for(&vec![None, Some(3)]).unwrap();
/// let paths: Vec<String> = keras::saving::weight_groups(&m).into_iter().map(|g| g.path).collect();
/// assert_eq!(paths, vec!["vars", "layers/dense/vars"]);
/// ```
pub fn weight_groups(root: &dyn Layer) -> Vec<WeightGroup> {
    let mut w = Walker {
        seen: HashSet::new(),
        out: Vec::new(),
    };
    w.visit(root, "");
    w.out
}

/// Every dataset path (`"layers/dense/vars/0"`) with its variable.
pub fn weight_paths(root: &dyn Layer) -> Vec<(String, Variable)> {
    weight_groups(root)
        .into_iter()
        .flat_map(|g| {
            g.variables
                .into_iter()
                .enumerate()
                .map(move |(i, v)| (format!("{}/{i}", g.path), v))
        })
        .collect()
}

struct Walker {
    seen: HashSet<usize>,
    out: Vec<WeightGroup>,
}

/// A sublayer reported by `visit_sublayers`, split into attribute and list indices.
struct Child<'a> {
    indices: Vec<usize>,
    layer: &'a dyn Layer,
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}/{name}")
    }
}

/// `"norms[1][0]"` → `("norms", [1, 0])`.
fn split_attr(attr: &str) -> (&str, Vec<usize>) {
    let base = attr.split('[').next().unwrap_or(attr);
    let indices = attr[base.len()..]
        .split(['[', ']'])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    (base, indices)
}

/// Keras's attribute order: public names sorted, then `_private` ones.
fn attr_key(name: &str) -> String {
    match name.strip_prefix('_') {
        Some(_) => format!("~{name}"),
        None => name.to_string(),
    }
}

impl Walker {
    fn visit(&mut self, layer: &dyn Layer, path: &str) {
        // A layer's `base` identifies it (a struct and its first field can share an address).
        let id = layer.base() as *const LayerBase as usize;
        if !self.seen.insert(id) {
            return;
        }
        self.out.push(WeightGroup {
            path: join(path, "vars"),
            layer_name: layer.name().to_string(),
            variables: layer.base().own_weights(),
        });
        let mut attrs: BTreeMap<String, (String, Vec<Child>)> = BTreeMap::new();
        layer.visit_sublayers(&mut |attr, l| {
            let (base, indices) = split_attr(attr);
            attrs
                .entry(attr_key(base))
                .or_insert_with(|| (base.to_string(), Vec::new()))
                .1
                .push(Child { indices, layer: l });
        });
        let is_container = layer.is_container();
        // Sequential and Functional walk their `layers` first; other attributes follow in
        // Keras's order (where a subclassed model's `layers` takes its alphabetical place).
        let mut order: Vec<&String> = attrs.keys().collect();
        if is_container {
            order.sort_by_key(|k| (k.as_str() != "layers", (*k).clone()));
        }
        let order: Vec<String> = order.into_iter().cloned().collect();
        for key in order {
            let (name, children) = &attrs[&key];
            let p = join(path, name);
            if children.len() == 1 && children[0].indices.is_empty() {
                self.visit(children[0].layer, &p);
            } else {
                self.visit_list(children, 0, &p);
            }
        }
    }

    /// A list (or nested lists): items named by snake_cased class, nested lists
    /// `container`, `container_1`, …, each name made unique within this list.
    fn visit_list(&mut self, children: &[Child], depth: usize, path: &str) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut unique = |base: String| {
            let n = counts.entry(base.clone()).or_insert(0);
            let name = if *n == 0 { base } else { format!("{base}_{n}") };
            *n += 1;
            name
        };
        // Group by the index at this depth, keeping order.
        let mut groups: Vec<(usize, Vec<&Child>)> = Vec::new();
        for c in children {
            let i = c.indices.get(depth).copied().unwrap_or(0);
            match groups.iter_mut().find(|g| g.0 == i) {
                Some(g) => g.1.push(c),
                None => groups.push((i, vec![c])),
            }
        }
        for (_, items) in groups {
            if items.len() == 1 && items[0].indices.len() <= depth + 1 {
                let l = items[0].layer;
                let name = unique(to_snake_case(l.class_name()));
                self.visit(l, &join(path, &name));
            } else {
                let name = unique("container".to_string());
                let owned: Vec<Child> = items
                    .iter()
                    .map(|c| Child {
                        indices: c.indices.clone(),
                        layer: c.layer,
                    })
                    .collect();
                self.visit_list(&owned, depth + 1, &join(path, &name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_parsing_and_order() {
        assert_eq!(split_attr("norms[1]"), ("norms", vec![1]));
        assert_eq!(split_attr("a[0][2]"), ("a", vec![0, 2]));
        assert_eq!(split_attr("proj"), ("proj", vec![]));
        let mut keys = vec![attr_key("zeta"), attr_key("_hidden"), attr_key("block")];
        keys.sort();
        assert_eq!(keys, vec!["block", "zeta", "~_hidden"]);
    }
}
