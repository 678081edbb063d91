//! `model.summary()`: Keras's table of layers, output shapes and parameter counts, drawn
//! with the same box characters, column widths and wrapping as Keras (which uses `rich`).

use std::collections::HashSet;
use std::sync::Arc;

use keras_ops::Variable;

use crate::layers::{shape_display, InputLayer, Layer, LayerExt, TensorSpec};
use crate::models::{Functional, Sequential};

/// The summary text of `model`, `line_length` characters wide (Keras's default: 88, or 108
/// when the table has a "Connected to" column, capped at the terminal width minus 4).
///
/// ```
/// use keras::layers::{Dense, InputLayer};
/// use keras::models::Sequential;
/// let mut m = Sequential::named("tiny");
/// m.add(InputLayer::new(&[3])).unwrap();
/// m.add(Dense::new(2)).unwrap();
/// let text = keras::utils::summary::summary_string(&m, Some(60));
/// assert!(text.starts_with("Model: \"tiny\""));
/// assert!(text.contains(" Total params: 8 (32.00 B)"));
/// ```
pub fn summary_string(model: &dyn Layer, line_length: Option<usize>) -> String {
    let rows = rows(model);
    let sequential_like = rows.connections.is_none();
    let (default_len, positions, header, right): (usize, &[f64], &[&str], &[bool]) =
        if sequential_like {
            (
                88,
                &[0.45, 0.80, 1.0],
                &["Layer (type)", "Output Shape", "Param #"],
                &[false, false, true],
            )
        } else {
            (
                108,
                &[0.3, 0.56, 0.74, 1.0],
                &["Layer (type)", "Output Shape", "Param #", "Connected to"],
                &[false, false, true, false],
            )
        };
    let line_length = line_length.unwrap_or_else(|| default_len.min(terminal_columns() - 4));
    let mut widths = Vec::new();
    let mut current = 0;
    for p in positions {
        let w = (p * line_length as f64) as usize - current;
        widths.push(w);
        current += w;
    }
    // `rich` fits the columns (padding included) into the table width minus the borders.
    let excess = widths.iter().sum::<usize>() + widths.len() + 1;
    let excess = excess.saturating_sub(line_length);
    let widths = ratio_reduce(excess, &widths);
    let mut body: Vec<Vec<String>> = Vec::new();
    for (i, r) in rows.cells.iter().enumerate() {
        let mut row = r.clone();
        if let Some(c) = &rows.connections {
            row.push(c[i].clone());
        }
        body.push(row);
    }
    let (trainable, non_trainable) = (model.trainable_weights(), model.non_trainable_weights());
    let mut out = format!("Model: \"{}\"\n", model.name());
    out.push_str(&render_table(header, right, &widths, &body));
    let line = |label: &str, w: &[Variable]| {
        let (n, bytes) = count(w);
        format!(" {label}: {} ({})\n", thousands(n), readable_size(bytes))
    };
    let optimizer = optimizer_variables(model);
    let all: Vec<Variable> = trainable
        .iter()
        .chain(&non_trainable)
        .chain(optimizer.iter().flatten())
        .cloned()
        .collect();
    out.push_str(&line("Total params", &all));
    out.push_str(&line("Trainable params", &trainable));
    out.push_str(&line("Non-trainable params", &non_trainable));
    if let Some(vars) = &optimizer {
        out.push_str(&line("Optimizer params", vars));
    }
    out
}

/// The variables of the model's optimizer when it is compiled and the optimizer is built
/// (Keras adds them to the totals as "Optimizer params").
fn optimizer_variables(model: &dyn Layer) -> Option<Vec<Variable>> {
    let slot = model
        .base()
        .compiled_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    slot.as_ref()
        .filter(|c| c.optimizer.built())
        .map(|c| c.optimizer.variables())
}

/// Prints [`summary_string`] with Keras's default width.
pub fn print_summary(model: &dyn Layer) {
    print!("{}", summary_string(model, None));
}

/// `$COLUMNS`, else 80 (what Python's `shutil.get_terminal_size` falls back to).
fn terminal_columns() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&c: &usize| c > 8)
        .unwrap_or(80)
}

struct Rows {
    cells: Vec<Vec<String>>,
    /// "Connected to" per row; `None` for sequential-like models.
    connections: Option<Vec<String>>,
}

fn row(layer: &dyn Layer, shape: String) -> Vec<String> {
    let params = if layer.base().is_built() {
        thousands(layer.count_params())
    } else {
        "0 (unbuilt)".to_string()
    };
    vec![
        format!("{} ({})", layer.name(), layer.class_name()),
        shape,
        params,
    ]
}

fn format_specs(specs: &[TensorSpec]) -> String {
    match specs {
        [one] => shape_display(&one.shape),
        many => {
            let parts: Vec<String> = many.iter().map(|s| shape_display(&s.shape)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Output shapes of a layer built on its own (subclassed models): from its build shapes.
fn built_shape(layer: &dyn Layer) -> String {
    let Some(shapes) = layer.base().build_shapes() else {
        return "?".into();
    };
    let dtype = layer.base().compute_dtype();
    let specs: Vec<TensorSpec> = shapes
        .iter()
        .map(|s| TensorSpec::new(s.clone(), dtype))
        .collect();
    layer
        .compute_output_spec(&specs)
        .map_or("?".into(), |o| format_specs(&o))
}

fn rows(model: &dyn Layer) -> Rows {
    if let Some(seq) = model.as_any().downcast_ref::<Sequential>() {
        let specs = seq
            .base()
            .build_shapes()
            .and_then(|s| s.first().cloned())
            .or_else(|| seq.input_shape())
            .and_then(|shape| {
                seq.layer_specs(TensorSpec::new(shape, model.base().compute_dtype()))
                    .ok()
            });
        let cells = seq
            .layers()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let shape = specs
                    .as_ref()
                    .map_or("?".into(), |s| shape_display(&s[i].shape));
                row(l.as_ref(), shape)
            })
            .collect();
        return Rows {
            cells,
            connections: None,
        };
    }
    if let Some(f) = model.as_any().downcast_ref::<Functional>() {
        return functional_rows(f);
    }
    // Subclassed models: their `layers`, each with the shape it was built for.
    let mut cells = Vec::new();
    model.visit_sublayers(&mut |attr, l| {
        if attr.starts_with("layers[") {
            cells.push(row(l, built_shape(l)));
        }
    });
    Rows {
        cells,
        connections: None,
    }
}

fn functional_rows(f: &Functional) -> Rows {
    let node_key = |n: &Arc<crate::layers::Node>| Arc::as_ptr(n) as usize;
    let model_nodes: Vec<Arc<crate::layers::Node>> = f
        .inputs()
        .iter()
        .map(|t| t.node().clone())
        .chain(f.nodes().iter().cloned())
        .collect();
    let mut consumed = HashSet::new();
    let mut chain = f.inputs().len() == 1 && f.outputs().len() == 1;
    for n in f.nodes() {
        chain &= n.inputs().len() <= 1;
        for t in n.inputs() {
            chain &= consumed.insert((node_key(t.node()), t.tensor_index()));
        }
    }
    chain &= model_nodes.len() == f.layers().len();
    let mut cells = Vec::new();
    let mut connections = Vec::new();
    for l in f.layers() {
        let nodes: Vec<&Arc<crate::layers::Node>> = model_nodes
            .iter()
            .filter(|n| Arc::ptr_eq(n.layer(), l))
            .collect();
        let shape = nodes
            .last()
            .map_or("?".into(), |n| format_specs(n.outputs()));
        let mut conn: Vec<String> = Vec::new();
        for n in &nodes {
            for t in n.inputs() {
                conn.push(format!(
                    "{}[{}][{}]",
                    t.node().layer().name(),
                    t.node().index(),
                    t.tensor_index()
                ));
            }
        }
        let is_input = l.as_any().is::<InputLayer>();
        cells.push(row(l.as_ref(), shape));
        connections.push(if conn.is_empty() || is_input {
            "-".to_string()
        } else {
            conn.join(", ")
        });
    }
    Rows {
        cells,
        connections: (!chain).then_some(connections),
    }
}

/// Parameter count and bytes (each variable once).
fn count(weights: &[Variable]) -> (usize, usize) {
    let mut seen: Vec<&Variable> = Vec::new();
    let (mut n, mut bytes) = (0, 0);
    for w in weights {
        if seen.iter().any(|s| s.ptr_eq(w)) {
            continue;
        }
        seen.push(w);
        let size = w.shape().size();
        n += size;
        bytes += size * w.dtype().size_in_bytes();
    }
    (n, bytes)
}

/// `13610` → `"13,610"`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `54440` → `"53.16 KB"`, as Keras's `readable_memory_size`.
fn readable_size(bytes: usize) -> String {
    let mut v = bytes as f64;
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if v / 1024.0 < 1.0 {
            return format!("{v:.2} {unit}");
        }
        v /= 1024.0;
    }
    format!("{v:.2} PB")
}

/// `rich`'s even reduction of column widths by `excess` (Python rounding: half to even).
fn ratio_reduce(excess: usize, widths: &[usize]) -> Vec<usize> {
    let mut remaining = excess as f64;
    let mut total_ratio = widths.len() as f64;
    widths
        .iter()
        .map(|&w| {
            let d = (remaining / total_ratio).round_ties_even().min(w as f64);
            remaining -= d;
            total_ratio -= 1.0;
            w - d as usize
        })
        .collect()
}

/// Greedy word wrap to `width` characters; a word longer than a line is cut with `…`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        let fits = word.chars().count() <= width;
        let extra = if line.is_empty() { 0 } else { 1 };
        if fits && line.chars().count() + extra + word.chars().count() <= width {
            if extra == 1 {
                line.push(' ');
            }
            line.push_str(&word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if word.chars().count() > width {
            // rich cuts a word that cannot fit on a line with an ellipsis.
            word = word
                .chars()
                .take(width.saturating_sub(1))
                .collect::<String>()
                + "…";
        }
        line = word;
    }
    lines.push(line);
    lines
}

/// A `rich` table with a heavy header and lines between rows (Keras's summary style).
/// `widths` include one space of padding on each side.
fn render_table(header: &[&str], right: &[bool], widths: &[usize], rows: &[Vec<String>]) -> String {
    let rule = |l: &str, m: &str, r: &str, fill: &str| {
        let parts: Vec<String> = widths.iter().map(|&w| fill.repeat(w)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let cells = |row: &[String], sep: &str| {
        let wrapped: Vec<Vec<String>> = row
            .iter()
            .zip(widths)
            .map(|(c, &w)| wrap(c, w - 2))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let mut out = String::new();
        for i in 0..height {
            out.push_str(sep);
            for (j, col) in wrapped.iter().enumerate() {
                let text = col.get(i).map_or("", String::as_str);
                let w = widths[j] - 2;
                if right[j] {
                    out.push_str(&format!(" {text:>w$} "));
                } else {
                    out.push_str(&format!(" {text:<w$} "));
                }
                out.push_str(sep);
            }
            out.push('\n');
        }
        out
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = rule("┏", "┳", "┓", "━");
    out.push_str(&cells(&head, "┃"));
    out.push_str(&rule("┡", "╇", "┩", "━"));
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(&rule("├", "┼", "┤", "─"));
        }
        out.push_str(&cells(r, "│"));
    }
    out.push_str(&rule("└", "┴", "┘", "─"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_match_keras() {
        assert_eq!(thousands(13610), "13,610");
        assert_eq!(thousands(999), "999");
        assert_eq!(readable_size(54440), "53.16 KB");
        assert_eq!(readable_size(0), "0.00 B");
        // rich's reduction of Keras's 76-wide tables (values read off Keras's output).
        assert_eq!(ratio_reduce(4, &[34, 26, 16]), vec![33, 24, 15]);
        assert_eq!(ratio_reduce(5, &[22, 20, 14, 20]), vec![21, 19, 12, 19]);
        assert_eq!(
            wrap("in_a[0][0], in_b[0][0]", 17),
            vec!["in_a[0][0],", "in_b[0][0]"]
        );
        assert_eq!(
            wrap("head_with_a_long_name (Dense)", 19),
            vec!["head_with_a_long_n…", "(Dense)"]
        );
    }
}
