//! Walks a Functional graph from its outputs: the nodes in execution order and the layers
//! in Keras's order (by decreasing depth, ties in discovery order), with Keras's checks.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use keras_backend::bail;
use keras_ops::Result;

use crate::layers::{InputLayer, KerasTensor, LayerExt, LayerRef, Node};

fn node_id(n: &Arc<Node>) -> usize {
    Arc::as_ptr(n) as usize
}

fn layer_id(l: &LayerRef) -> usize {
    Arc::as_ptr(l) as *const () as usize
}

/// `(nodes to run, in order; layers, inputs first)`.
pub(super) fn map_graph(
    model: &str,
    inputs: &[KerasTensor],
    outputs: &[KerasTensor],
) -> Result<(Vec<Arc<Node>>, Vec<LayerRef>)> {
    // Post-order DFS from the outputs: every node after the nodes it depends on.
    let input_nodes: HashSet<usize> = inputs.iter().map(|t| node_id(t.node())).collect();
    for t in inputs {
        if !t.node().layer().as_any().is::<InputLayer>() {
            bail!(
                "Functional",
                "model {model:?}: inputs must come from keras Input, got the output of layer {:?}",
                t.node().layer().name()
            );
        }
    }
    let mut order: Vec<Arc<Node>> = Vec::new();
    let mut done: HashSet<usize> = HashSet::new();
    let mut in_progress: HashSet<usize> = HashSet::new();
    fn visit(
        n: &Arc<Node>,
        model: &str,
        input_nodes: &HashSet<usize>,
        order: &mut Vec<Arc<Node>>,
        done: &mut HashSet<usize>,
        in_progress: &mut HashSet<usize>,
    ) -> Result<()> {
        let id = node_id(n);
        if done.contains(&id) {
            return Ok(());
        }
        if !in_progress.insert(id) {
            bail!("Functional", "model {model:?}: the graph has a cycle");
        }
        if n.inputs().is_empty() && !input_nodes.contains(&id) {
            bail!(
                "Functional",
                "model {model:?}: graph disconnected: the output depends on input {:?}, \
                 which is not among the model's inputs",
                n.layer().name()
            );
        }
        for t in n.inputs().iter().chain(n.masks().iter().flatten()) {
            visit(t.node(), model, input_nodes, order, done, in_progress)?;
        }
        in_progress.remove(&id);
        done.insert(id);
        order.push(n.clone());
        Ok(())
    }
    for t in inputs {
        visit(
            t.node(),
            model,
            &input_nodes,
            &mut order,
            &mut done,
            &mut in_progress,
        )?;
    }
    for t in outputs {
        visit(
            t.node(),
            model,
            &input_nodes,
            &mut order,
            &mut done,
            &mut in_progress,
        )?;
    }

    // Depths, as Keras's `_build_map`/`map_graph`: outputs at depth 0, parents deeper.
    let mut node_depth: HashMap<usize, usize> = HashMap::new();
    let mut layer_depth: HashMap<usize, usize> = HashMap::new();
    for n in order.iter().rev() {
        let d = *node_depth.entry(node_id(n)).or_insert(0);
        let d = d.max(layer_depth.get(&layer_id(n.layer())).copied().unwrap_or(0));
        layer_depth.insert(layer_id(n.layer()), d);
        node_depth.insert(node_id(n), d);
        for t in n.inputs().iter().chain(n.masks().iter().flatten()) {
            let p = node_depth.entry(node_id(t.node())).or_insert(0);
            *p = (*p).max(d + 1);
        }
    }
    // Layers: deepest first; ties in discovery order.
    let mut layers: Vec<(usize, usize, LayerRef)> = Vec::new();
    let mut seen: HashSet<usize> = HashSet::new();
    for (i, n) in order.iter().enumerate() {
        if seen.insert(layer_id(n.layer())) {
            layers.push((layer_depth[&layer_id(n.layer())], i, n.layer().clone()));
        }
    }
    layers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let layers: Vec<LayerRef> = layers.into_iter().map(|(_, _, l)| l).collect();
    let mut names = HashSet::new();
    for l in &layers {
        if !names.insert(l.name().to_string()) {
            bail!(
                "Functional",
                "model {model:?}: the name {:?} is used by 2 layers; all layer names should be unique",
                l.name()
            );
        }
    }
    // Nodes to run: deepest first (ties in discovery order), inputs excluded.
    let mut nodes: Vec<(usize, usize, Arc<Node>)> = order
        .iter()
        .enumerate()
        .filter(|(_, n)| !input_nodes.contains(&node_id(n)))
        .map(|(i, n)| (node_depth[&node_id(n)], i, n.clone()))
        .collect();
    nodes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok((nodes.into_iter().map(|(_, _, n)| n).collect(), layers))
}
