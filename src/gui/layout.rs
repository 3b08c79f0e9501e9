//! Automatic layout: layers by longest path from the clients, left to right.

use crate::model::Topology;
use petgraph::Direction;
use petgraph::algo::toposort;
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;

/// Horizontal distance between layers, canvas units.
const LAYER_DX: f32 = 260.0;
/// Vertical distance between nodes of a layer.
const ROW_DY: f32 = 90.0;
/// Extra space between regions within a layer.
const REGION_GAP: f32 = 40.0;

/// Positions for every node, in node order: layer = longest path from a source (toposort; with a
/// cycle, validation reports it and nodes fall back to file order); within a layer, nodes are
/// grouped by region, then ordered by the mean row of their callers.
pub fn layered(topo: &Topology) -> Vec<[f32; 2]> {
    let graph = topo.graph();
    let n = topo.nodes.len();
    let mut layer = vec![0usize; n];
    let order: Vec<usize> = match toposort(&graph, None) {
        Ok(ids) => ids.iter().map(|&id| graph[id]).collect(),
        Err(_) => (0..n).collect(),
    };
    if let Ok(ids) = toposort(&graph, None) {
        for id in ids {
            let here = layer[graph[id]];
            for e in graph.edges_directed(id, Direction::Outgoing) {
                let t = graph[e.target()];
                layer[t] = layer[t].max(here + 1);
            }
        }
    }
    let layers = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut row = vec![0.0f32; n];
    let mut pos = vec![[0.0f32; 2]; n];
    for l in 0..layers {
        let mut members: Vec<usize> = order.iter().copied().filter(|&i| layer[i] == l).collect();
        // `Topology::graph` adds node i as graph node i.
        let key = |i: usize| -> f32 {
            let callers: Vec<f32> =
                graph.edges_directed(NodeIndex::new(i), Direction::Incoming).map(|e| row[graph[e.source()]]).collect();
            if callers.is_empty() { i as f32 } else { callers.iter().sum::<f32>() / callers.len() as f32 }
        };
        let keys: Vec<f32> = (0..n).map(|i| if layer[i] == l { key(i) } else { 0.0 }).collect();
        members.sort_by(|&a, &b| topo.nodes[a].region().cmp(&topo.nodes[b].region()).then(keys[a].total_cmp(&keys[b])));
        let mut y = 0.0;
        let mut prev_region: Option<Option<&str>> = None;
        for (k, &i) in members.iter().enumerate() {
            let region = topo.nodes[i].region();
            if prev_region.is_some_and(|p| p != region) {
                y += REGION_GAP;
            }
            prev_region = Some(region);
            row[i] = k as f32;
            pos[i] = [40.0 + l as f32 * LAYER_DX, 60.0 + y];
            y += ROW_DY;
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, Node, NodeKind};

    #[test]
    fn layers_follow_the_longest_path() {
        let mut t = Topology::default();
        for (k, name) in [(NodeKind::Clients, "c"), (NodeKind::Gateway, "g"), (NodeKind::Service, "s")] {
            t.nodes.push(Node::with_defaults(k, name));
        }
        for (a, b) in [("c", "g"), ("g", "s"), ("c", "s")] {
            t.links.push(Link { from: a.into(), to: b.into(), latency: Default::default(), weight: 1.0 });
        }
        let p = layered(&t);
        assert!(p[0][0] < p[1][0] && p[1][0] < p[2][0], "{p:?}");
    }
}
