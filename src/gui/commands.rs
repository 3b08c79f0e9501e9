//! The document and the only way to change it: a [`Command`], applied in [`Document::apply`].
//!
//! Every command is one undo step (the undo stack holds whole-[`Scenario`] snapshots, which are
//! small). Commands that carry the same *merge key* in a row (the frames of one drag of a number
//! field, the keystrokes of one text field) merge into one step; [`Document::end_gesture`] closes
//! the step when the pointer is released and no field has focus.

use crate::model::validate::{self, Problem};
use crate::model::{Business, Event, EventKind, Link, Node, Prices, Region, RunSettings, Scenario, Slo, Traffic};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Undo steps kept.
const UNDO_LIMIT: usize = 200;

/// A change to the document. Closed: the GUI changes the scenario through these only.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Adds a node (the caller picks a free name with [`free_name`]).
    AddNode(Node),
    /// Adds nodes and links together (paste, duplicate).
    Insert {
        /// New nodes, with free names.
        nodes: Vec<Node>,
        /// Links among them (or to existing nodes).
        links: Vec<Link>,
    },
    /// Removes nodes by name, with every link that touches them.
    RemoveNodes(Vec<String>),
    /// Moves nodes by a canvas offset (one drag is one command).
    MoveNodes {
        /// The nodes moved.
        names: Vec<String>,
        /// Offset in canvas units.
        delta: [f32; 2],
    },
    /// Sets canvas positions (auto-layout).
    SetPositions(Vec<(String, [f32; 2])>),
    /// Replaces the parameters of the node with the same name (inspector edits).
    UpdateNode(Node),
    /// Renames a node, and every link, route and rule that names it.
    RenameNode {
        /// Current name.
        old: String,
        /// New name.
        new: String,
    },
    /// Sets a client population's traffic profile (timeline edits).
    SetTraffic {
        /// The client population.
        node: String,
        /// Its new profile.
        traffic: Traffic,
    },
    /// Adds a link.
    AddLink(Link),
    /// Replaces the link at this index.
    UpdateLink(usize, Link),
    /// Removes the link at this index.
    RemoveLink(usize),
    /// Replaces the run settings (seed, duration, replicates).
    SetRun(RunSettings),
    /// Replaces the list of regions.
    SetRegions(Vec<Region>),
    /// Sets the scenario's title and description.
    SetTitle {
        /// Title.
        name: String,
        /// Description.
        description: String,
    },
    /// Replaces the service level objectives.
    SetSlo(Slo),
    /// Replaces the price overrides (`Scenario::prices`).
    SetPrices(Prices),
    /// Replaces the business figures (`Scenario::business`; none: outages are not priced).
    SetBusiness(Option<Business>),
    /// Appends a timeline entry (the caller picks a free name with [`free_event_name`]).
    AddEvent(Event),
    /// Replaces the timeline entry at this index (a drag on the timeline, an inspector edit).
    UpdateEvent {
        /// Its index in `Scenario::timeline`.
        index: usize,
        /// The entry as it becomes.
        event: Event,
    },
    /// Removes the timeline entry at this index.
    RemoveEvent(usize),
    /// Renames the timeline entry at this index, and every action that names it (a trigger on an
    /// alarm, a rollback or apply of a change, the end of a fault). Refused when the name is taken.
    RenameEvent {
        /// Its index in `Scenario::timeline`.
        index: usize,
        /// The new name.
        name: String,
    },
}

/// The scenario being edited, where it lives on disk, its undo history and its problems.
#[derive(Debug)]
pub struct Document {
    scenario: Scenario,
    /// The file it was loaded from or saved to.
    pub path: Option<PathBuf>,
    saved: Scenario,
    undo: Vec<Scenario>,
    redo: Vec<Scenario>,
    open_merge: Option<u64>,
    problems: Vec<Problem>,
    edited: BTreeSet<String>,
    /// Increments on every change (for caches keyed on the document).
    pub generation: u64,
}

impl Document {
    /// A document for a scenario; `path` is where it came from (None: never saved).
    pub fn new(scenario: Scenario, path: Option<PathBuf>) -> Self {
        let problems = validate::validate(&scenario, None);
        Document {
            saved: scenario.clone(),
            scenario,
            path,
            undo: Vec::new(),
            redo: Vec::new(),
            open_merge: None,
            problems,
            edited: BTreeSet::new(),
            generation: 0,
        }
    }

    /// The scenario as it stands.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Every problem `validate` finds in it, errors first.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Problems of one node.
    pub fn problems_of<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Problem> + 'a {
        self.problems.iter().filter(move |p| p.node.as_deref() == Some(node))
    }

    /// Problems of one timeline entry: those whose message starts with `<kind> "<name>":`, as
    /// validation words them.
    pub fn problems_of_event<'a>(&'a self, kind: EventKind, name: &str) -> impl Iterator<Item = &'a Problem> + 'a {
        let prefix = format!("{} \"{name}\":", kind.label());
        self.problems.iter().filter(move |p| p.message.starts_with(&prefix))
    }

    /// The scenario as last saved (or loaded).
    pub fn saved(&self) -> &Scenario {
        &self.saved
    }

    /// True when the scenario differs from the file on disk.
    pub fn is_dirty(&self) -> bool {
        self.scenario != self.saved
    }

    /// Marks the current state as saved to `path`.
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.saved = self.scenario.clone();
        self.path = Some(path);
        self.edited.clear();
    }

    /// Names of nodes that are new or differ from the saved file.
    pub fn edited_nodes(&self) -> &BTreeSet<String> {
        &self.edited
    }

    /// Marks the document as differing from its file (a restored autosave).
    pub fn forget_saved(&mut self) {
        self.saved = Scenario::new("", Default::default());
        self.changed();
    }

    /// True when there is a step to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// True when there is a step to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies a command as a new undo step, or as part of the open step when `merge` is the same
    /// key as the previous command's.
    pub fn apply(&mut self, command: Command, merge: Option<u64>) {
        let before = self.scenario.clone();
        apply_to(&mut self.scenario, command);
        if self.scenario == before {
            return;
        }
        let merging = merge.is_some() && merge == self.open_merge;
        if !merging {
            self.undo.push(before);
            if self.undo.len() > UNDO_LIMIT {
                self.undo.remove(0);
            }
        }
        self.open_merge = merge;
        self.redo.clear();
        self.changed();
    }

    /// Closes the open merge step: the next command starts a new undo step.
    pub fn end_gesture(&mut self) {
        self.open_merge = None;
    }

    /// Steps back.
    pub fn undo(&mut self) {
        if let Some(prev) = self.undo.pop() {
            self.redo.push(std::mem::replace(&mut self.scenario, prev));
            self.open_merge = None;
            self.changed();
        }
    }

    /// Steps forward again.
    pub fn redo(&mut self) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(std::mem::replace(&mut self.scenario, next));
            self.open_merge = None;
            self.changed();
        }
    }

    fn changed(&mut self) {
        self.problems = validate::validate(&self.scenario, None);
        let saved = &self.saved.topology;
        self.edited = self
            .scenario
            .topology
            .nodes
            .iter()
            .filter(|n| match saved.node(n.name()) {
                Some(was) if was == *n => false,
                // A move is not a change of policy.
                Some(was) => {
                    let mut moved_back = (*n).clone();
                    moved_back.set_pos(was.pos());
                    moved_back != *was
                }
                None => true,
            })
            .map(|n| n.name().to_owned())
            .collect();
        self.generation += 1;
    }
}

/// A name not used by any node: `base`, else `base-2`, `base-3`, ...
pub fn free_name(scenario: &Scenario, base: &str) -> String {
    let taken = |n: &str| scenario.topology.node(n).is_some();
    if !taken(base) {
        return base.to_owned();
    }
    (2..).map(|i| format!("{base}-{i}")).find(|n| !taken(n)).unwrap_or_else(|| base.to_owned())
}

/// A name used by no timeline entry and no node (entries and nodes share one namespace): `base`,
/// else `base-2`, `base-3`, ...
pub fn free_event_name(scenario: &Scenario, base: &str) -> String {
    let taken = |n: &str| scenario.topology.node(n).is_some() || scenario.timeline.iter().any(|e| e.name() == n);
    if !taken(base) {
        return base.to_owned();
    }
    (2..).map(|i| format!("{base}-{i}")).find(|n| !taken(n)).unwrap_or_else(|| base.to_owned())
}

/// Points the timeline entries that name node `old` at `new` (changes, fault targets and links,
/// traffic events, alarm scopes, scale and shift actions).
fn rename_in_timeline(timeline: &mut [Event], old: &str, new: &str) {
    use crate::model::{Act, Scope};
    let fix = |n: &mut String| {
        if n == old {
            *n = new.to_owned();
        }
    };
    for e in timeline {
        match e {
            Event::Change(c) => fix(&mut c.node),
            Event::Fault(f) => match f.target.split_once("->") {
                Some((a, b)) if a == old || b == old => {
                    let side = |x: &str| if x == old { new.to_owned() } else { x.to_owned() };
                    f.target = format!("{}->{}", side(a), side(b));
                }
                _ => fix(&mut f.target),
            },
            Event::Traffic(t) => fix(&mut t.clients),
            Event::Alarm(a) => {
                if let Scope::Node(n) = &mut a.scope {
                    fix(n);
                }
            }
            Event::Action(a) => match &mut a.act {
                Act::Scale { service, .. } => fix(service),
                Act::ShiftTraffic { clients, to, .. } => {
                    fix(clients);
                    fix(to);
                }
                Act::RoutingControl { dns, record, .. } => {
                    fix(dns);
                    fix(record);
                }
                _ => {}
            },
        }
    }
}

/// The one place where commands change a scenario.
fn apply_to(s: &mut Scenario, command: Command) {
    let topo = &mut s.topology;
    match command {
        Command::AddNode(node) => topo.nodes.push(node),
        Command::Insert { nodes, links } => {
            topo.nodes.extend(nodes);
            topo.links.extend(links);
        }
        Command::RemoveNodes(names) => {
            let gone = |n: &str| names.iter().any(|x| x == n);
            topo.nodes.retain(|n| !gone(n.name()));
            topo.links.retain(|l| !gone(&l.from) && !gone(&l.to));
        }
        Command::MoveNodes { names, delta } => {
            for n in &mut topo.nodes {
                if names.iter().any(|x| x == n.name()) {
                    let [x, y] = n.pos().unwrap_or_default();
                    n.set_pos(Some([x + delta[0], y + delta[1]]));
                }
            }
        }
        Command::SetPositions(positions) => {
            for (name, pos) in positions {
                if let Some(i) = topo.node_index(&name) {
                    topo.nodes[i].set_pos(Some(pos));
                }
            }
        }
        Command::UpdateNode(node) => {
            if let Some(i) = topo.node_index(node.name()) {
                topo.nodes[i] = node;
            }
        }
        Command::RenameNode { old, new } => {
            let free = !new.trim().is_empty() && s.timeline.iter().all(|e| e.name() != new);
            if topo.node(&new).is_none() && free {
                topo.rename(&old, &new);
                rename_in_timeline(&mut s.timeline, &old, &new);
            }
        }
        Command::SetTraffic { node, traffic } => {
            if let Some(Node::Clients(c)) = topo.node_index(&node).and_then(|i| topo.nodes.get_mut(i)) {
                c.traffic = traffic;
            }
        }
        Command::AddLink(link) => topo.links.push(link),
        Command::UpdateLink(i, link) => {
            if let Some(l) = topo.links.get_mut(i) {
                *l = link;
            }
        }
        Command::RemoveLink(i) => {
            if i < topo.links.len() {
                topo.links.remove(i);
            }
        }
        Command::SetRun(run) => s.run = run,
        Command::SetRegions(regions) => topo.regions = regions,
        Command::SetTitle { name, description } => {
            s.name = name;
            s.description = description;
        }
        Command::SetSlo(slo) => s.slo = slo,
        Command::SetPrices(prices) => s.prices = prices,
        Command::SetBusiness(business) => s.business = business,
        Command::AddEvent(event) => s.timeline.push(event),
        Command::UpdateEvent { index, event } => {
            if let Some(e) = s.timeline.get_mut(index) {
                *e = event;
            }
        }
        Command::RemoveEvent(index) => {
            if index < s.timeline.len() {
                s.timeline.remove(index);
            }
        }
        Command::RenameEvent { index, name } => {
            let taken = topo.node(&name).is_some() || s.timeline.iter().any(|e| e.name() == name);
            if name.trim().is_empty() || taken {
                return;
            }
            let Some(e) = s.timeline.get_mut(index) else { return };
            let old = e.name().to_owned();
            e.set_name(name.clone());
            for e in &mut s.timeline {
                if let Event::Action(a) = e {
                    use crate::model::{Act, Trigger};
                    match &mut a.trigger {
                        Trigger::Alarm(n) if *n == old => *n = name.clone(),
                        _ => {}
                    }
                    match &mut a.act {
                        Act::Rollback(n) | Act::Apply(n) | Act::EndFault(n) if *n == old => *n = name.clone(),
                        _ => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeKind, Topology};

    fn doc() -> Document {
        let mut t = Topology::default();
        t.nodes.push(Node::with_defaults(NodeKind::Clients, "c"));
        t.nodes.push(Node::with_defaults(NodeKind::Service, "s"));
        Document::new(Scenario::new("t", t), None)
    }

    #[test]
    fn a_merged_gesture_is_one_undo_step() {
        let mut d = doc();
        let names = vec!["s".to_owned()];
        for _ in 0..5 {
            let delta = [10.0, 0.0];
            d.apply(Command::MoveNodes { names: names.clone(), delta }, Some(7));
        }
        d.end_gesture();
        assert_eq!(d.scenario().topology.nodes[1].pos(), Some([50.0, 0.0]));
        d.undo();
        assert_eq!(d.scenario().topology.nodes[1].pos(), None);
        assert!(!d.can_undo());
        d.redo();
        assert_eq!(d.scenario().topology.nodes[1].pos(), Some([50.0, 0.0]));
    }

    #[test]
    fn removing_a_node_removes_its_links_and_undo_brings_them_back() {
        let mut d = doc();
        d.apply(
            Command::AddLink(Link { from: "c".into(), to: "s".into(), latency: Default::default(), weight: 1.0 }),
            None,
        );
        d.apply(Command::RemoveNodes(vec!["s".into()]), None);
        assert!(d.scenario().topology.links.is_empty());
        d.undo();
        assert_eq!(d.scenario().topology.links.len(), 1);
        assert!(d.is_dirty());
    }

    #[test]
    fn edited_nodes_are_those_that_differ_from_the_saved_file_beyond_their_place() {
        let mut d = doc();
        d.apply(Command::MoveNodes { names: vec!["s".into()], delta: [20.0, 0.0] }, None);
        d.apply(Command::AddNode(Node::with_defaults(NodeKind::Gateway, "g")), None);
        let edited = |d: &Document| d.edited_nodes().iter().cloned().collect::<Vec<String>>();
        assert_eq!(edited(&d), ["g"], "a moved node is not a changed one");
        let mut s = d.scenario().topology.node("s").cloned().unwrap_or_else(|| panic!("no s"));
        s.set_description("the service".into());
        d.apply(Command::UpdateNode(s), None);
        assert_eq!(edited(&d), ["g", "s"]);
        d.mark_saved(PathBuf::from("x.ron"));
        assert!(d.edited_nodes().is_empty());
        assert!(!d.is_dirty());
    }

    #[test]
    fn free_names_do_not_collide() {
        let d = doc();
        assert_eq!(free_name(d.scenario(), "s"), "s-2");
        assert_eq!(free_name(d.scenario(), "gw"), "gw");
    }
}
