//! Inspector rows for how a node runs and what it costs (`model::deploy`, `model::cost`): a
//! service's deployment kind (VM, container with its probes, serverless function) and size; a
//! gateway's or a balancer's hosting (managed, or instances of a size); a data store's size and
//! data. Sizes are chosen among the price table's (the bundled one with the scenario's
//! overrides), each with its hourly price; the price of the choice in the node's region is shown
//! under it. Every function marks what it changed, as the other inspector rows do, so each edit is
//! one undoable command that validation then checks.

use super::fields::{dist_ui, number_ui, parsed_row_ui, row_ui};
use super::global_fields::parse_span;
use super::policy_fields::toggle_ui;
use super::theme;
use crate::model::{
    Container, DataStore, Deployment, Hosting, Node, PriceTable, Probe, Scenario, Serverless, Service, Span,
};
use crate::report::usd_text;
use egui::{ComboBox, Grid, Id, RichText, Ui};

/// Labels of the deployment kinds, in the combo box's order.
pub const KINDS: [&str; 3] = ["VM", "container (Kubernetes)", "serverless (Lambda)"];

/// Hint of the duration fields.
const SPAN_HINT: &str = "10s, 1m";

fn kind_index(d: &Deployment) -> usize {
    match d {
        Deployment::Vm { .. } => 0,
        Deployment::Container(_) => 1,
        Deployment::Serverless(_) => 2,
    }
}

/// The deployment of kind `kind` that `d` becomes: a VM and a container keep their size; a
/// container starts without probes and restarts in 10 s (Kubernetes' image already present); a
/// function starts with Lambda's defaults.
pub fn convert(d: &Deployment, kind: usize) -> Deployment {
    let size = d.size().map(str::to_owned);
    match kind {
        0 => Deployment::Vm { size },
        1 => Deployment::Container(Container { size, liveness: None, readiness: None, restart: Span::secs(10.0) }),
        _ => Deployment::Serverless(Serverless::default()),
    }
}

/// The price factor of `region` (none: us-east-1's, 1): the region's own, else the table's;
/// none when neither prices it (validation says so at the node).
pub fn region_factor(s: &Scenario, table: &PriceTable, region: Option<&str>) -> Option<f64> {
    table.factor(&s.topology, region)
}

/// An hourly price: `$0.0816/h`.
pub fn hourly_text(usd: f64) -> String {
    format!("{}/h", usd_text(usd))
}

/// A combo box row of the table's sizes for `size` (none: the default, named `default_name`),
/// each with its price in us-east-1; returns whether it changed.
fn size_row_ui(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    size: &mut Option<String>,
    table: &PriceTable,
    default_name: &str,
) -> bool {
    let before = size.clone();
    let default = format!("default ({default_name})");
    row_ui(ui, label, |ui| {
        ComboBox::from_id_salt(id)
            .selected_text(size.as_deref().unwrap_or(&default))
            .width(170.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(size, None, &default);
                if let Some(s) = size.clone()
                    && !table.instance_hour.contains_key(&s)
                {
                    ui.selectable_value(size, Some(s.clone()), format!("{s} (no price)"));
                }
                for (name, usd) in &table.instance_hour {
                    ui.selectable_value(size, Some(name.clone()), format!("{name}  {}", hourly_text(*usd)));
                }
            })
            .response
    });
    *size != before
}

/// A weak row under a size: the hourly price of `count` of it in the node's region, or why there
/// is none.
fn price_row_ui(ui: &mut Ui, s: &Scenario, table: &PriceTable, node: &Node, size: Option<&str>, count: u32) {
    let factor = region_factor(s, table, node.region());
    let text = match factor.map(|f| table.hourly(size, f)) {
        Some(Ok(usd)) => {
            let each = if count == 1 {
                String::new()
            } else {
                format!(" x {count} = {}", hourly_text(usd * f64::from(count)))
            };
            let place = node.region().map_or_else(|| "us-east-1 prices".to_owned(), |r| format!("in {r}"));
            format!("{}{each} {place}", hourly_text(usd))
        }
        Some(Err(why)) => why,
        None => format!("{} has no price factor (see REGIONS)", node.region().unwrap_or_default()),
    };
    ui.label("");
    ui.add(egui::Label::new(RichText::new(text).small().color(theme::TEXT_DIM)).wrap());
    ui.end_row();
}

/// A duration row applied on commit; returns whether it changed `span`.
fn span_row_ui(ui: &mut Ui, label: &str, id: Id, span: &mut Span) -> bool {
    match parsed_row_ui(ui, label, id, &span.to_string(), SPAN_HINT, parse_span) {
        Some(v) if v != *span => {
            *span = v;
            true
        }
        _ => false,
    }
}

/// A probe's rows (Kubernetes' names); `liveness` has no success threshold (it must be 1).
fn probe_ui(ui: &mut Ui, node: &str, which: &'static str, p: &mut Probe, liveness: bool) -> bool {
    let id = |f: &str| Id::unique(("probe", node, which, f));
    let mut changed = span_row_ui(ui, "    period", id("period"), &mut p.period);
    changed |= span_row_ui(ui, "    timeout", id("timeout"), &mut p.timeout);
    changed |= number_ui(ui, "    failure threshold", &mut p.failure_threshold, 1..=1000, "", 0.05);
    if !liveness {
        changed |= number_ui(ui, "    success threshold", &mut p.success_threshold, 1..=1000, "", 0.05);
    }
    changed |= span_row_ui(ui, "    initial delay", id("delay"), &mut p.initial_delay);
    changed
}

/// The service's deployment: its kind, then the kind's fields.
pub fn service_ui(
    ui: &mut Ui,
    s: &Scenario,
    node: &Node,
    svc: &mut Service,
    mark: &mut impl FnMut(bool, &'static str),
) {
    let table = PriceTable::with(&s.prices);
    let name = svc.name.clone();
    let current = kind_index(&svc.deployment);
    let mut kind = current;
    let r = row_ui(ui, "deployment", |ui| {
        ComboBox::from_id_salt(("deployment", &name)).selected_text(KINDS[kind]).show_index(
            ui,
            &mut kind,
            KINDS.len(),
            |i| KINDS[i],
        )
    });
    if r.changed() && kind != current {
        svc.deployment = convert(&svc.deployment, kind);
        mark(true, "deployment");
    }
    match &mut svc.deployment {
        Deployment::Vm { size } => {
            mark(size_row_ui(ui, "size", ("vm-size", &name), size, &table, &table.default_size), "size");
            price_row_ui(ui, s, &table, node, size.as_deref(), svc.instances);
        }
        Deployment::Container(c) => {
            mark(size_row_ui(ui, "size", ("pod-size", &name), &mut c.size, &table, &table.default_size), "size");
            price_row_ui(ui, s, &table, node, c.size.as_deref(), svc.instances);
            mark(span_row_ui(ui, "restart", Id::unique(("restart", &name)), &mut c.restart), "restart");
            mark(toggle_ui(ui, "liveness probe", &mut c.liveness, Probe::default), "liveness");
            if let Some(p) = &mut c.liveness {
                mark(probe_ui(ui, &name, "liveness", p, true), "liveness");
            }
            mark(toggle_ui(ui, "readiness probe", &mut c.readiness, Probe::default), "readiness");
            if let Some(p) = &mut c.readiness {
                mark(probe_ui(ui, &name, "readiness", p, false), "readiness");
            }
        }
        Deployment::Serverless(f) => {
            mark(dist_ui(ui, "cold start", &mut f.cold_start), "cold_start");
            mark(number_ui(ui, "concurrency limit", &mut f.concurrency_limit, 1..=100_000, "", 1.0), "limit");
            mark(span_row_ui(ui, "keep warm", Id::unique(("keep-warm", &name)), &mut f.keep_warm), "keep_warm");
            mark(number_ui(ui, "memory", &mut f.memory_mb, 128..=10_240, " MB", 8.0), "memory");
            ui.label("");
            let price = format!(
                "{} per million invocations, {} per GB-second; instances, concurrency, queue and \
                 autoscaling do not apply",
                usd_text(table.serverless_per_million),
                usd_text(table.serverless_gb_second)
            );
            ui.add(egui::Label::new(RichText::new(price).small().color(theme::TEXT_DIM)).wrap());
            ui.end_row();
        }
    }
}

/// A gateway's or a balancer's hosting: managed, or a count of instances of a size.
pub fn hosting_ui(
    ui: &mut Ui,
    s: &Scenario,
    node: &Node,
    hosting: &mut Hosting,
    mark: &mut impl FnMut(bool, &'static str),
) {
    let table = PriceTable::with(&s.prices);
    let name = node.name().to_owned();
    let managed = match node {
        Node::Gateway(_) => format!("managed ({} per million requests)", usd_text(table.gateway_per_million)),
        _ => format!("managed ({} + capacity units)", hourly_text(table.balancer_hour)),
    };
    let kinds = [managed.as_str(), "self-run on instances"];
    let current = usize::from(matches!(hosting, Hosting::Instances { .. }));
    let mut kind = current;
    let r = row_ui(ui, "hosting", |ui| {
        ComboBox::from_id_salt(("hosting", &name)).selected_text(kinds[kind]).width(190.0).show_index(
            ui,
            &mut kind,
            kinds.len(),
            |i| kinds[i],
        )
    });
    if r.changed() && kind != current {
        *hosting = if kind == 0 { Hosting::Managed } else { Hosting::Instances { count: 2, size: None } };
        mark(true, "hosting");
    }
    if let Hosting::Instances { count, size } = hosting {
        mark(number_ui(ui, "  instances", count, 1..=1000, "", 0.1), "hosting_count");
        mark(size_row_ui(ui, "  size", ("hosting-size", &name), size, &table, &table.default_size), "hosting_size");
        price_row_ui(ui, s, &table, node, size.as_deref(), *count);
    }
}

/// A data store's size (of each copy) and data.
pub fn store_ui(ui: &mut Ui, s: &Scenario, node: &Node, d: &mut DataStore, mark: &mut impl FnMut(bool, &'static str)) {
    let table = PriceTable::with(&s.prices);
    let name = d.name.clone();
    mark(size_row_ui(ui, "size", ("store-size", &name), &mut d.size, &table, &table.default_store_size), "size");
    let size = Some(d.size.clone().unwrap_or_else(|| table.default_store_size.clone()));
    price_row_ui(ui, s, &table, node, size.as_deref(), 1 + d.replicas.len() as u32);
    mark(number_ui(ui, "data", &mut d.data_gb, 0.0..=1e7, " GB", 1.0), "data_gb");
}

/// The section for `node` (edited in place as `edited`), under its own title; nothing for
/// clients and DNS names.
pub fn section_ui(
    ui: &mut Ui,
    s: &Scenario,
    node: &Node,
    edited: &mut Node,
    mark: &mut impl FnMut(bool, &'static str),
) {
    let title = match edited {
        Node::Service(_) => "DEPLOYMENT",
        Node::Gateway(_) | Node::LoadBalancer(_) => "HOSTING",
        Node::DataStore(_) => "SIZE AND DATA",
        Node::Clients(_) | Node::Dns(_) => return,
    };
    ui.separator();
    ui.label(RichText::new(title).small().color(theme::TEXT_DIM));
    Grid::new(("deploy-grid", node.name())).num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| match edited {
        Node::Service(v) => service_ui(ui, s, node, v, mark),
        Node::Gateway(g) => hosting_ui(ui, s, node, &mut g.hosting, mark),
        Node::LoadBalancer(b) => hosting_ui(ui, s, node, &mut b.hosting, mark),
        Node::DataStore(d) => store_ui(ui, s, node, d, mark),
        Node::Clients(_) | Node::Dns(_) => {}
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_change_keeps_the_size_and_starts_from_the_defaults() {
        let vm = Deployment::Vm { size: Some("c7g.large".into()) };
        let Deployment::Container(c) = convert(&vm, 1) else { panic!("not a container") };
        assert_eq!((c.size.as_deref(), c.liveness, c.restart), (Some("c7g.large"), None, Span::secs(10.0)));
        assert_eq!(convert(&vm, 2), Deployment::Serverless(Serverless::default()));
        assert_eq!(convert(&Deployment::Serverless(Serverless::default()), 0), Deployment::Vm { size: None });
    }

    #[test]
    fn a_regions_own_factor_wins_over_the_tables() {
        let mut s = Scenario::new("t", Default::default());
        s.topology.regions.push(crate::model::Region {
            name: "eu-west-1".into(),
            zones: Vec::new(),
            price_factor: Some(1.5),
        });
        let t = PriceTable::bundled();
        assert_eq!(region_factor(&s, &t, Some("eu-west-1")), Some(1.5));
        assert_eq!(region_factor(&s, &t, None), Some(1.0));
        assert!(region_factor(&s, &t, Some("ap-south-1")).is_some_and(|f| f > 1.0));
        assert_eq!(region_factor(&s, &t, Some("mars-1")), None);
    }
}
