//! The parameters of an action in the timeline inspector: who carries it out (automation, or a
//! person paged and the delays of each phase) and what it does.

use super::super::fields::{choice_row_ui, name_row_ui, number_ui, parsed_row_ui};
use super::{Form, SPAN_HINT, entries_of, nodes_of, span_parse};
use crate::model::{Act, Delay, EventKind, HumanResponse, NodeKind, Response, Scenario, Span};
use egui::{Id, Ui};

const DELAYS: [&str; 4] = ["fixed", "uniform", "log-normal", "exponential"];

/// One phase of a person's response: its distribution and its spans.
fn delay_ui(ui: &mut Ui, label: &str, d: &mut Delay, id: &impl Fn(&str) -> Id) {
    let current = match d {
        Delay::Fixed(_) => 0,
        Delay::Uniform { .. } => 1,
        Delay::LogNormal { .. } => 2,
        Delay::Exponential { .. } => 3,
    };
    if let Some(k) = choice_row_ui(ui, label, id(&format!("{label}-kind")), current, &DELAYS) {
        let m = Span(d.typical_s().max(1.0));
        *d = match k {
            0 => Delay::Fixed(m),
            1 => Delay::Uniform { min: Span(m.0 / 2.0), max: Span(m.0 * 1.5) },
            2 => Delay::LogNormal { median: m, p99: Span(m.0 * 4.0) },
            _ => Delay::Exponential { mean: m },
        };
    }
    let span_row = |ui: &mut Ui, what: &str, v: &mut Span| {
        let field = format!("{label}-{what}");
        if let Some(x) = parsed_row_ui(ui, &format!("  {what}"), id(&field), &v.to_string(), SPAN_HINT, span_parse) {
            *v = x;
        }
    };
    match d {
        Delay::Fixed(v) => span_row(ui, "takes", v),
        Delay::Uniform { min, max } => {
            span_row(ui, "min", min);
            span_row(ui, "max", max);
        }
        Delay::LogNormal { median, p99 } => {
            span_row(ui, "median", median);
            span_row(ui, "p99", p99);
        }
        Delay::Exponential { mean } => span_row(ui, "mean", mean),
    }
}

pub(super) fn response_ui(ui: &mut Ui, response: &mut Response, id: &impl Fn(&str) -> Id) {
    let human = matches!(response, Response::Human(_));
    if let Some(k) = choice_row_ui(ui, "done by", id("response"), usize::from(human), &["automation", "a person paged"])
    {
        *response = if k == 0 {
            Response::Automatic { delay: Span(0.0) }
        } else {
            Response::Human(HumanResponse {
                acknowledge: Delay::Fixed(Span::mins(5.0)),
                investigate: Delay::Fixed(Span::mins(10.0)),
                identify: Delay::Fixed(Span::mins(5.0)),
                act: Delay::Fixed(Span::mins(2.0)),
            })
        };
    }
    match response {
        Response::Automatic { delay } => {
            if let Some(v) = parsed_row_ui(ui, "  delay", id("delay"), &delay.to_string(), SPAN_HINT, span_parse) {
                *delay = v;
            }
        }
        Response::Human(h) => {
            delay_ui(ui, "acknowledge", &mut h.acknowledge, id);
            delay_ui(ui, "investigate", &mut h.investigate, id);
            delay_ui(ui, "identify", &mut h.identify, id);
            delay_ui(ui, "carry out", &mut h.act, id);
        }
    }
}

const ACTS: [&str; 7] = [
    "roll back a change",
    "apply a change",
    "scale a service",
    "shift traffic",
    "end a fault",
    "page only",
    "DNS routing control",
];

pub(super) fn act_ui(ui: &mut Ui, act: &mut Act, s: &Scenario, id: &impl Fn(&str) -> Id, form: &mut Form) {
    let current = match act {
        Act::Rollback(_) => 0,
        Act::Apply(_) => 1,
        Act::Scale { .. } => 2,
        Act::ShiftTraffic { .. } => 3,
        Act::EndFault(_) => 4,
        Act::Page => 5,
        Act::RoutingControl { .. } => 6,
    };
    let first = |kind| entries_of(s, kind).into_iter().next().unwrap_or_default();
    if let Some(k) = choice_row_ui(ui, "act", id("act"), current, &ACTS) {
        *act = match k {
            0 => Act::Rollback(first(EventKind::Change)),
            1 => Act::Apply(first(EventKind::Change)),
            2 => {
                let service = nodes_of(s, &[NodeKind::Service]).into_iter().next().unwrap_or_default();
                let instances = match s.topology.node(&service) {
                    Some(crate::model::Node::Service(v)) => v.instances,
                    _ => 1,
                };
                Act::Scale { service, instances, startup: Span(30.0) }
            }
            3 => {
                let clients = nodes_of(s, &[NodeKind::Clients]).into_iter().next().unwrap_or_default();
                let to = s.topology.links_from(&clients).map(|(_, l)| l.to.clone()).next().unwrap_or_default();
                Act::ShiftTraffic { clients, to, share: 1.0 }
            }
            4 => Act::EndFault(first(EventKind::Fault)),
            6 => {
                let dns = nodes_of(s, &[NodeKind::Dns]).into_iter().next().unwrap_or_default();
                let record = match s.topology.node(&dns) {
                    Some(crate::model::Node::Dns(d)) => d.records.first().map(|r| r.target.clone()).unwrap_or_default(),
                    _ => String::new(),
                };
                Act::RoutingControl { dns, record, on: false }
            }
            _ => Act::Page,
        };
    }
    match act {
        Act::Rollback(c) | Act::Apply(c) => {
            name_row_ui(ui, "  change", id("act-change"), c, &entries_of(s, EventKind::Change));
        }
        Act::EndFault(f) => {
            name_row_ui(ui, "  fault", id("act-fault"), f, &entries_of(s, EventKind::Fault));
        }
        Act::Scale { service, instances, startup } => {
            name_row_ui(ui, "  service", id("act-service"), service, &nodes_of(s, &[NodeKind::Service]));
            form.drag(number_ui(ui, "  instances", instances, 1..=10_000, "", 0.1), "instances");
            if let Some(v) = parsed_row_ui(ui, "  startup", id("startup"), &startup.to_string(), SPAN_HINT, span_parse)
            {
                *startup = v;
            }
        }
        Act::ShiftTraffic { clients, to, share } => {
            name_row_ui(ui, "  clients", id("act-clients"), clients, &nodes_of(s, &[NodeKind::Clients]));
            let targets: Vec<String> = s.topology.links_from(clients).map(|(_, l)| l.to.clone()).collect();
            name_row_ui(ui, "  to", id("act-to"), to, &targets);
            let mut pct = *share * 100.0;
            if number_ui(ui, "  share", &mut pct, 0.0..=100.0, " %", 0.5) {
                *share = pct / 100.0;
                form.drag(true, "shift");
            }
        }
        Act::RoutingControl { dns, record, on } => {
            name_row_ui(ui, "  DNS", id("act-dns"), dns, &nodes_of(s, &[NodeKind::Dns]));
            let records: Vec<String> = match s.topology.node(dns) {
                Some(crate::model::Node::Dns(d)) => d.records.iter().map(|r| r.target.clone()).collect(),
                _ => Vec::new(),
            };
            name_row_ui(ui, "  record", id("act-record"), record, &records);
            if let Some(k) = choice_row_ui(ui, "  control", id("act-on"), usize::from(*on), &["off (fail over)", "on"])
            {
                *on = k == 1;
            }
        }
        Act::Page => {}
    }
}
