//! What a scenario lacks before a run can say anything: requests come only from client
//! populations, and only over their links. A scenario without nodes, without clients, or whose
//! clients are linked to nothing runs to an empty report ("0 requests, 100 % success"), which
//! reads like a result and is not one. [`missing`] names the first such gap in words that say what
//! to add; `validate` reports it (the first two as warnings, an unlinked population as the error
//! it always was, with [`SENDS_TO_NOWHERE`]), and the desktop app shows the same words on the
//! empty canvas, on the Run button and on the summary cards.

use super::{Node, Scenario};
use std::fmt;

/// Validation's message for a client population with no outgoing link (an error).
pub const SENDS_TO_NOWHERE: &str = "clients send to nowhere: link them to a gateway, load balancer or service";

/// What a scenario lacks before it has anything to simulate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// No node at all.
    Nodes,
    /// Nodes, but no client population: nothing sends requests.
    Clients,
    /// This client population has no link: its requests go nowhere.
    Links(String),
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Nodes => f.write_str(
                "the scenario is empty: add clients and the gateway, load balancer or service they call, \
                 then link them",
            ),
            Missing::Clients => {
                f.write_str("nothing sends requests: add clients and link them to a gateway, load balancer or service")
            }
            Missing::Links(name) => write!(f, "{name}: {SENDS_TO_NOWHERE}"),
        }
    }
}

impl Missing {
    /// What to do about it, short (a summary card's line; the message says why).
    pub fn action(&self) -> String {
        match self {
            Missing::Nodes => "add clients and what they call, then link them".to_owned(),
            Missing::Clients => "add clients and link them".to_owned(),
            Missing::Links(name) => format!("link {name} to a gateway, load balancer or service"),
        }
    }
}

/// The first gap that leaves the scenario nothing to simulate, or None when requests can flow.
pub fn missing(s: &Scenario) -> Option<Missing> {
    let topo = &s.topology;
    if topo.nodes.is_empty() {
        return Some(Missing::Nodes);
    }
    let mut clients = topo.nodes.iter().filter_map(|n| match n {
        Node::Clients(c) => Some(c.name.as_str()),
        _ => None,
    });
    let Some(first) = clients.next() else {
        return Some(Missing::Clients);
    };
    std::iter::once(first)
        .chain(clients)
        .find(|name| !topo.links.iter().any(|l| l.from == *name))
        .map(|name| Missing::Links(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, NodeKind, Topology};

    fn scenario(nodes: &[(NodeKind, &str)], links: &[(&str, &str)]) -> Scenario {
        let t = Topology {
            nodes: nodes.iter().map(|(k, n)| Node::with_defaults(*k, *n)).collect(),
            links: links
                .iter()
                .map(|(a, b)| Link { from: (*a).into(), to: (*b).into(), latency: Default::default(), weight: 1.0 })
                .collect(),
            ..Default::default()
        };
        Scenario::new("t", t)
    }

    #[test]
    fn the_first_gap_is_named_in_words_that_say_what_to_add() {
        assert_eq!(missing(&scenario(&[], &[])), Some(Missing::Nodes));
        let svc = scenario(&[(NodeKind::Service, "api")], &[]);
        assert_eq!(missing(&svc), Some(Missing::Clients));
        let lonely = scenario(&[(NodeKind::Clients, "users"), (NodeKind::Service, "api")], &[]);
        assert_eq!(missing(&lonely), Some(Missing::Links("users".into())));
        assert_eq!(
            Missing::Links("users".into()).to_string(),
            "users: clients send to nowhere: link them to a gateway, load balancer or service"
        );
        let ok = scenario(&[(NodeKind::Clients, "users"), (NodeKind::Service, "api")], &[("users", "api")]);
        assert_eq!(missing(&ok), None);
        // A second population linked to nothing is named too.
        let two = scenario(
            &[(NodeKind::Clients, "users"), (NodeKind::Clients, "bots"), (NodeKind::Service, "api")],
            &[("users", "api")],
        );
        assert_eq!(missing(&two), Some(Missing::Links("bots".into())));
    }
}
