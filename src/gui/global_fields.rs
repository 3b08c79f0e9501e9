//! Inspector rows for the global nodes (`model::global`): a DNS name's Route 53 routing policy,
//! TTL, health checks and records; a data store's replication, read/write mix, promotion, backups
//! and replicas. Durations are typed (`60s`, `5m`) and apply when complete (Enter or focus loss);
//! a text that does not parse says why under its field and changes nothing. Every function marks
//! what it changed, as the other inspector rows do, so each edit is one undoable command that
//! validation then checks.

use super::fields::{commit_text_ui, dist_ui, error_line_ui, list_ui, number_ui, parsed, parsed_row_ui};
use super::policy_fields::{choice_ui, toggle_ui};
use super::theme;
use crate::model::global::CHECKER_REGIONS;
use crate::model::{
    Backups, DataStore, Dist, Dns, DnsRecord, DnsRouting, HealthCheck53, Promotion, RecordRole, Replica, Replication,
    Scenario, Span,
};
use egui::{ComboBox, Id, RichText, Ui};

/// Hint of the duration fields.
const SPAN_HINT: &str = "60s, 5m, 1h";

/// A duration typed in a field: units or bare seconds, never negative.
pub fn parse_span(text: &str) -> Result<Span, String> {
    let s = Span::parse(text.trim())?;
    if !s.0.is_finite() || s.0 < 0.0 {
        return Err(format!("\"{}\": a duration cannot be negative", text.trim()));
    }
    Ok(s)
}

/// Geolocation locations typed as region names separated by commas (or spaces), each a region
/// of the scenario; empty for the default record.
pub fn parse_locations(text: &str, s: &Scenario) -> Result<Vec<String>, String> {
    let names: Vec<String> =
        text.split([',', ' ']).map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
    match names.iter().find(|n| !s.topology.regions.iter().any(|r| &r.name == *n)) {
        Some(unknown) => Err(format!("\"{unknown}\" is not a region of the scenario (add it under REGIONS)")),
        None => Ok(names),
    }
}

fn field_id(node: &str, field: &str) -> Id {
    Id::unique(("node-field", node, field))
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

/// A share edited as a percentage.
fn share_ui(ui: &mut Ui, label: &str, share: &mut f64) -> bool {
    let mut pct = *share * 100.0;
    let changed = number_ui(ui, label, &mut pct, 0.0..=100.0, " %", 0.1);
    if changed {
        *share = pct / 100.0;
    }
    changed
}

/// The routing policies, as the inspector names them.
const ROUTINGS: [(&str, DnsRouting); 5] = [
    ("simple", DnsRouting::Simple),
    ("failover (primary, secondary)", DnsRouting::Failover),
    ("weighted", DnsRouting::Weighted),
    ("latency", DnsRouting::Latency),
    ("geolocation", DnsRouting::Geolocation),
];

/// The DNS name's routing, TTL and health checks (rows of the node's grid).
pub fn dns_ui(ui: &mut Ui, d: &mut Dns, mark: &mut impl FnMut(bool, &'static str)) {
    let name = d.name.clone();
    mark(choice_ui(ui, "routing", "dns-routing", &mut d.routing, &ROUTINGS, |a, b| a == b), "routing");
    mark(span_row_ui(ui, "TTL", field_id(&name, "ttl"), &mut d.ttl), "ttl");
    mark(share_ui(ui, "ignore TTL", &mut d.ignore_ttl_share), "ignore_ttl");
    mark(toggle_ui(ui, "health checks", &mut d.health_check, HealthCheck53::default), "health_check");
    if let Some(h) = &mut d.health_check {
        let intervals = [("30 s (standard)", Span(30.0)), ("10 s (fast)", Span(10.0))];
        mark(choice_ui(ui, "  interval", "dns-interval", &mut h.interval, &intervals, |a, b| a.0 == b.0), "interval");
        mark(number_ui(ui, "  failure threshold", &mut h.failure_threshold, 1..=10, "", 0.05), "threshold");
        let l = ui.label("  checkers");
        let mut changed = false;
        let title = format!("{} of {} regions", h.checkers.len(), CHECKER_REGIONS.len());
        egui::CollapsingHeader::new(title)
            .id_salt(("dns-checkers", &name))
            .show(ui, |ui| {
                for region in CHECKER_REGIONS {
                    let mut on = h.checkers.iter().any(|c| c == region);
                    let r = ui.checkbox(&mut on, region).on_hover_text(format!("A Route 53 checker in {region}"));
                    if r.changed() {
                        if on {
                            h.checkers.push(region.to_owned());
                        } else {
                            h.checkers.retain(|c| c != region);
                        }
                        changed = true;
                    }
                }
            })
            .header_response
            .labelled_by(l.id)
            .on_hover_text("The Route 53 regions whose checkers probe the records' targets");
        ui.end_row();
        mark(changed, "checkers");
    }
}

/// A combo box of `options` (node or region names) for `value`, a value not among them listed
/// too; returns whether it changed.
fn pick_ui(
    ui: &mut Ui,
    id: impl std::hash::Hash + std::fmt::Debug,
    value: &mut String,
    options: &[String],
) -> egui::Response {
    let before = value.clone();
    let mut r = ComboBox::from_id_salt(id)
        .selected_text(if value.is_empty() { "(none)" } else { value.as_str() })
        .width(110.0)
        .show_ui(ui, |ui| {
            if !options.contains(value) {
                let v = value.clone();
                ui.selectable_value(value, v.clone(), if v.is_empty() { "(none)".to_owned() } else { v });
            }
            for o in options {
                ui.selectable_value(value, o.clone(), o);
            }
        })
        .response;
    if *value != before {
        r.mark_changed();
    }
    r
}

/// A new record: the first linked target no record names yet, primary unless there is one.
fn new_record(d: &Dns, targets: &[String]) -> DnsRecord {
    let target = targets
        .iter()
        .find(|t| !d.records.iter().any(|r| &&r.target == t))
        .or(targets.first())
        .cloned()
        .unwrap_or_default();
    let primary = d.records.iter().any(|r| r.role == RecordRole::Primary);
    DnsRecord {
        target,
        weight: 1.0,
        role: if primary { RecordRole::Secondary } else { RecordRole::Primary },
        locations: Vec::new(),
        health_check: true,
        evaluate_target_health: false,
    }
}

/// One record's row: its target, then the field its routing uses (role, weight or locations),
/// then its health flags.
fn record_ui(ui: &mut Ui, s: &Scenario, dns: &str, routing: DnsRouting, i: usize, r: &mut DnsRecord) -> bool {
    let targets: Vec<String> = s.topology.links_from(dns).map(|(_, l)| l.to.clone()).collect();
    ui.vertical(|ui| {
        let mut changed = false;
        ui.horizontal(|ui| {
            let l = ui.label("answer");
            changed |= pick_ui(ui, ("dns-target", i), &mut r.target, &targets).labelled_by(l.id).changed();
        });
        ui.horizontal(|ui| match routing {
            DnsRouting::Failover => {
                let l = ui.label("role");
                let before = r.role;
                ComboBox::from_id_salt(("dns-role", i))
                    .selected_text(role_words(r.role))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut r.role, RecordRole::Primary, role_words(RecordRole::Primary));
                        ui.selectable_value(&mut r.role, RecordRole::Secondary, role_words(RecordRole::Secondary));
                    })
                    .response
                    .labelled_by(l.id);
                changed |= r.role != before;
            }
            DnsRouting::Weighted => {
                let l = ui.label("weight");
                changed |= ui
                    .add(egui::DragValue::new(&mut r.weight).range(0.0..=255.0).speed(0.1))
                    .labelled_by(l.id)
                    .on_hover_text("relative weight, 0 to 255 as in Route 53")
                    .changed();
            }
            DnsRouting::Geolocation => {
                let l = ui.label("locations");
                let id = Id::unique(("dns-locations", dns, i));
                ui.vertical(|ui| {
                    let (resp, commit) =
                        commit_text_ui(ui, id, &r.locations.join(", "), "client regions; empty: default", 130.0);
                    resp.labelled_by(l.id);
                    if let Some(text) = commit
                        && let Some(v) = parsed(ui, id, parse_locations(&text, s))
                    {
                        changed |= v != r.locations;
                        r.locations = v;
                    }
                    error_line_ui(ui, id);
                });
            }
            DnsRouting::Simple | DnsRouting::Latency => {
                ui.label(RichText::new("answered by the policy, nothing to set").small().color(theme::TEXT_DIM));
            }
        });
        ui.horizontal(|ui| {
            changed |= ui
                .checkbox(&mut r.health_check, "health check")
                .on_hover_text("The DNS name's health check probes this record's target")
                .changed();
            changed |= ui
                .checkbox(&mut r.evaluate_target_health, "evaluate target health")
                .on_hover_text("Unhealthy as soon as no instance behind the target is up")
                .changed();
        });
        changed
    })
    .inner
}

/// A record's role in words.
pub fn role_words(role: RecordRole) -> &'static str {
    match role {
        RecordRole::Primary => "primary",
        RecordRole::Secondary => "secondary",
    }
}

/// The DNS name's records, as an editable list (under the node's grid).
pub fn records_ui(ui: &mut Ui, d: &mut Dns, s: &Scenario) -> bool {
    let targets: Vec<String> = s.topology.links_from(&d.name).map(|(_, l)| l.to.clone()).collect();
    let fresh = new_record(d, &targets);
    let (name, routing) = (d.name.clone(), d.routing);
    let changed =
        list_ui(ui, "RECORDS", "record", &mut d.records, |ui, i, r| record_ui(ui, s, &name, routing, i, r), || fresh);
    if targets.is_empty() {
        ui.label(
            RichText::new("Link this DNS name to a gateway or a load balancer: each record answers with one.")
                .small()
                .color(theme::TEXT_DIM),
        );
    }
    changed
}

/// The data store's replication, mix, times, promotion and backups (rows of the node's grid).
pub fn store_ui(ui: &mut Ui, d: &mut DataStore, mark: &mut impl FnMut(bool, &'static str)) {
    let name = d.name.clone();
    let replications = [
        ("async (lag per write)", Replication::Async { lag: Dist::Constant { ms: 100.0 } }),
        ("sync (no loss, slower writes)", Replication::Sync),
    ];
    let same = |a: &Replication, b: &Replication| std::mem::discriminant(a) == std::mem::discriminant(b);
    mark(choice_ui(ui, "replication", "store-replication", &mut d.replication, &replications, same), "replication");
    if let Replication::Async { lag } = &mut d.replication {
        mark(dist_ui(ui, "  lag", lag), "lag");
    }
    mark(share_ui(ui, "writes", &mut d.write_share), "write_share");
    mark(dist_ui(ui, "read time", &mut d.read), "read");
    mark(dist_ui(ui, "write time", &mut d.write), "write");
    mark(
        toggle_ui(ui, "promotion", &mut d.failover, || Promotion { detect: Span(30.0), promote: Span(60.0) }),
        "failover",
    );
    if let Some(p) = &mut d.failover {
        mark(span_row_ui(ui, "  detect", field_id(&name, "detect"), &mut p.detect), "detect");
        mark(span_row_ui(ui, "  promote", field_id(&name, "promote"), &mut p.promote), "promote");
    }
    mark(
        toggle_ui(ui, "backups", &mut d.backups, || Backups {
            every: Span::mins(60.0),
            restore: Span::mins(30.0),
            restore_to: None,
        }),
        "backups",
    );
    if let Some(b) = &mut d.backups {
        mark(span_row_ui(ui, "  every", field_id(&name, "every"), &mut b.every), "every");
        mark(span_row_ui(ui, "  restore", field_id(&name, "restore"), &mut b.restore), "restore");
    }
}

/// A new replica: in the first region that holds no copy yet (else the first region).
fn new_replica(d: &DataStore, s: &Scenario) -> Replica {
    let regions = &s.topology.regions;
    let used = |r: &str| d.region.as_deref() == Some(r) || d.replicas.iter().any(|x| x.region == r);
    let region = regions.iter().find(|r| !used(&r.name)).or(regions.first()).map(|r| r.name.clone());
    Replica { region: region.unwrap_or_default() }
}

/// The data store's replicas, as an editable list (under the node's grid).
pub fn replicas_ui(ui: &mut Ui, d: &mut DataStore, s: &Scenario) -> bool {
    let regions: Vec<String> = s.topology.regions.iter().map(|r| r.name.clone()).collect();
    let fresh = new_replica(d, s);
    let changed = list_ui(
        ui,
        "REPLICAS",
        "replica",
        &mut d.replicas,
        |ui, i, r| {
            let l = ui.label("region");
            pick_ui(ui, ("replica-region", i), &mut r.region, &regions).labelled_by(l.id).changed()
        },
        || fresh,
    );
    if regions.is_empty() {
        ui.label(
            RichText::new("Replicas live in regions: add regions in the scenario's settings (click the empty canvas).")
                .small()
                .color(theme::TEXT_DIM),
        );
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeKind, Region, Topology};

    fn scenario() -> Scenario {
        let mut t = Topology::default();
        for r in ["us-east-1", "us-west-2"] {
            t.regions.push(Region { name: r.into(), zones: Vec::new(), price_factor: None });
        }
        Scenario::new("t", t)
    }

    #[test]
    fn durations_parse_with_units_and_refuse_negatives() {
        assert_eq!(parse_span("60s"), Ok(Span(60.0)));
        assert_eq!(parse_span(" 5m "), Ok(Span(300.0)));
        assert_eq!(parse_span("0"), Ok(Span(0.0)));
        assert!(parse_span("-5").is_err_and(|e| e.contains("negative")));
        assert!(parse_span("soon").is_err());
    }

    #[test]
    fn locations_are_regions_of_the_scenario() {
        let s = scenario();
        assert_eq!(parse_locations("us-east-1, us-west-2", &s), Ok(vec!["us-east-1".into(), "us-west-2".into()]));
        assert_eq!(parse_locations("  ", &s), Ok(Vec::new()));
        let e = parse_locations("us-east-1, mars-1", &s).unwrap_err();
        assert!(e.starts_with("\"mars-1\" is not a region"), "{e}");
    }

    #[test]
    fn new_records_and_replicas_fill_what_is_missing() {
        let s = scenario();
        let crate::model::Node::Dns(mut d) = crate::model::Node::with_defaults(NodeKind::Dns, "dns") else {
            panic!("not a DNS node")
        };
        let targets = vec!["gw-east".to_owned(), "gw-west".to_owned()];
        let first = new_record(&d, &targets);
        assert_eq!((first.target.as_str(), first.role), ("gw-east", RecordRole::Primary));
        d.records.push(first);
        let second = new_record(&d, &targets);
        assert_eq!((second.target.as_str(), second.role), ("gw-west", RecordRole::Secondary));

        let crate::model::Node::DataStore(mut st) = crate::model::Node::with_defaults(NodeKind::DataStore, "db") else {
            panic!("not a data store")
        };
        st.region = Some("us-east-1".into());
        assert_eq!(new_replica(&st, &s).region, "us-west-2");
    }
}
