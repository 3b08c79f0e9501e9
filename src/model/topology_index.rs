//! Look-ups by name over a topology, for validation (see [`TopologyIndex`]).

use super::{Link, Node, Topology};
use std::collections::HashMap;

/// Look-ups by name over a [`Topology`], built once in O(nodes + links): validation uses them
/// instead of scanning `nodes` or `links` for every name it meets (a file of 100,000 nodes took
/// minutes to lint that way). Each answers exactly what the linear scan it replaces would (the
/// first node of a name, links in file order). Never iterated into output: the maps are
/// `HashMap`s.
#[derive(Debug)]
pub(super) struct TopologyIndex<'a> {
    topo: &'a Topology,
    /// Every node of each name, in file order.
    by_name: HashMap<&'a str, Vec<usize>>,
    /// Links by `from`, in file order.
    from: HashMap<&'a str, Vec<usize>>,
    /// Links by `to`, in file order.
    to: HashMap<&'a str, Vec<usize>>,
    /// The first link of each `(from, to)`.
    pairs: HashMap<(&'a str, &'a str), usize>,
}

impl<'a> TopologyIndex<'a> {
    pub(super) fn new(topo: &'a Topology) -> Self {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::with_capacity(topo.nodes.len());
        for (i, n) in topo.nodes.iter().enumerate() {
            by_name.entry(n.name()).or_default().push(i);
        }
        let mut from: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut to: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut pairs = HashMap::with_capacity(topo.links.len());
        for (li, l) in topo.links.iter().enumerate() {
            from.entry(l.from.as_str()).or_default().push(li);
            to.entry(l.to.as_str()).or_default().push(li);
            pairs.entry((l.from.as_str(), l.to.as_str())).or_insert(li);
        }
        TopologyIndex { topo, by_name, from, to, pairs }
    }

    /// Every node named `name`, in file order (more than one only in an invalid file).
    pub(super) fn nodes_named(&self, name: &str) -> &[usize] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The index of the first node named `name`: [`Topology::node_index`].
    pub(super) fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes_named(name).first().copied()
    }

    /// Node `i` of the file.
    pub(super) fn node_at(&self, i: usize) -> Option<&'a Node> {
        self.topo.nodes.get(i)
    }

    /// The first node named `name`: [`Topology::node`].
    pub(super) fn node(&self, name: &str) -> Option<&'a Node> {
        self.node_index(name).and_then(|i| self.topo.nodes.get(i))
    }

    /// Links leaving `name`, with their indices, in file order: [`Topology::links_from`].
    pub(super) fn links_from(&self, name: &str) -> impl Iterator<Item = (usize, &'a Link)> + '_ {
        let links = &self.topo.links;
        self.from.get(name).into_iter().flatten().filter_map(move |&li| links.get(li).map(|l| (li, l)))
    }

    /// Links arriving at `name`, with their indices, in file order.
    pub(super) fn links_to(&self, name: &str) -> impl Iterator<Item = (usize, &'a Link)> + '_ {
        let links = &self.topo.links;
        self.to.get(name).into_iter().flatten().filter_map(move |&li| links.get(li).map(|l| (li, l)))
    }

    /// The index of the first link `from -> to`.
    pub(super) fn link(&self, from: &str, to: &str) -> Option<usize> {
        self.pairs.get(&(from, to)).copied()
    }

    /// Every node with a link to `name` (every node of the link's `from` name), each once, in file
    /// order.
    pub(super) fn senders(&self, name: &str) -> Vec<usize> {
        let mut out: Vec<usize> =
            self.links_to(name).flat_map(|(_, l)| self.nodes_named(&l.from).iter().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}
