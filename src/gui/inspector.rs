//! The inspector: edits the selected node (every field), the selected link, or, with nothing
//! selected, the scenario's settings and regions. Problems `validate` finds are shown as callouts.
//!
//! Edits return [`Command`]s with a merge key (node and field), so one drag of a number is one
//! undo step.

use super::canvas::Selection;
use super::commands::{Command, Document};
use super::fields::{dist_ui, list_ui, number_ui, optional_ui, row_ui, traffic_ui};
use super::theme;
use super::{deploy_fields, global_fields, policy_fields, price_fields};
use crate::model::validate::{Problem, Severity};
use crate::model::{
    ArrivalProcess, KeyDistribution, LbRule, Link, Node, NodeKind, Pooled, Region, Route, RouteShare, Scenario,
};
use crate::report::Report;
use egui::{Grid, RichText, Ui};
use std::hash::{Hash, Hasher};

/// Text being typed that is applied only when complete (renames, new regions).
#[derive(Debug, Default)]
pub struct InspectorState {
    /// `(node, text)` while the node's name field is being edited.
    rename: Option<(String, String)>,
    /// A region name being typed.
    new_region: String,
    /// Select the timeline entry at this index (a click in the scenario's timeline list).
    pub select_event: Option<usize>,
}

/// Width of text fields in the inspector.
const FIELD_W: f32 = 190.0;

/// A command and its merge key.
pub type Edit = (Command, Option<u64>);

/// A merge key from its parts.
pub(super) fn key(parts: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// Shows the inspector for the selection; returns the edits.
pub fn inspector_ui(
    ui: &mut Ui,
    doc: &Document,
    selection: &Selection,
    state: &mut InspectorState,
    report: Option<&Report>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    // The inspector keeps its width: a long error or mark wraps inside it.
    ui.set_max_width(ui.available_width());
    ui.label(RichText::new("INSPECTOR").small().color(theme::TEXT_DIM));
    // Marks of changed fields are the inspected node's only (node_ui states them).
    super::field_marks::clear(ui);
    let s = doc.scenario();
    if let Some(li) = selection.link
        && let Some(link) = s.topology.links.get(li)
    {
        link_ui(ui, li, link, &mut edits);
    } else if selection.nodes.len() == 1
        && let Some(node) = selection.nodes.first().and_then(|n| s.topology.node(n))
    {
        node_ui(ui, doc, node, state, &mut edits);
        if let Some(r) = report {
            facts_ui(ui, r, node.name());
        }
    } else if selection.nodes.is_empty()
        && let Some(i) = selection.event
        && let Some(event) = s.timeline.get(i)
    {
        super::timeline_fields::event_ui(ui, doc, i, event, &mut edits);
    } else if selection.nodes.len() > 1 {
        ui.heading(format!("{} nodes selected", selection.nodes.len()));
        ui.label("Drag to move them together; Delete removes them; Ctrl+D duplicates them.");
    } else {
        egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
            scenario_ui(ui, doc, state, &mut edits);
        });
    }
    edits
}

/// What the last run found about the node.
fn facts_ui(ui: &mut Ui, report: &Report, name: &str) {
    let facts = super::overlay::node_facts(report, name);
    if facts.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new("LAST RUN").small().color(theme::TEXT_DIM));
    Grid::new("facts-grid").num_columns(2).spacing([10.0, 4.0]).show(ui, |ui| {
        for (figure, value) in facts {
            ui.label(figure);
            ui.label(RichText::new(value).color(theme::TEXT));
            ui.end_row();
        }
    });
    // Why this gateway's rate limit hurt a population, as a callout.
    for why in report.reasons.iter().filter(|w| w.gateway == name) {
        ui.add_space(4.0);
        egui::Frame::new()
            .fill(theme::CALLOUT_WARN_BG)
            .stroke(egui::Stroke::new(1.0, theme::WARN))
            .corner_radius(theme::RADIUS)
            .inner_margin(8.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.colored_label(
                    theme::WARN,
                    format!("route {} hurt {}: {} ({})", why.route, why.clients, why.text, why.limit),
                );
            });
    }
}

/// Problems as callouts; `with_node` prefixes each with the node it concerns.
pub(super) fn callouts_ui<'a>(ui: &mut Ui, problems: impl Iterator<Item = &'a Problem>, with_node: bool) {
    for p in problems {
        let (fg, bg, word) = match p.severity {
            Severity::Error => (theme::BAD, theme::CALLOUT_BAD_BG, "error"),
            Severity::Warning => (theme::WARN, theme::CALLOUT_WARN_BG, "warning"),
        };
        egui::Frame::new()
            .fill(bg)
            .stroke(egui::Stroke::new(1.0, fg))
            .corner_radius(theme::RADIUS)
            .inner_margin(8.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                let node = match (&p.node, with_node) {
                    (Some(n), true) => format!("[{n}] "),
                    _ => String::new(),
                };
                ui.colored_label(fg, format!("{word}: {node}{}", p.message));
            });
        ui.add_space(4.0);
    }
}

fn node_ui(ui: &mut Ui, doc: &Document, node: &Node, state: &mut InspectorState, edits: &mut Vec<Edit>) {
    let s = doc.scenario();
    let name = node.name().to_owned();
    ui.horizontal(|ui| {
        ui.heading(&name);
        ui.label(RichText::new(node.kind().label()).color(theme::kind_colour(node.kind())));
    });
    // What each changed field was stands beside it (a move is not a change).
    let saved = doc.saved().topology.node(&name);
    let changed = super::field_marks::set_for_node(ui, node, saved);
    match saved {
        Some(_) if changed > 0 => {
            ui.colored_label(theme::WARN, "Changed since saved: what each field was is beside it");
        }
        None => {
            ui.colored_label(theme::WARN, "New since saved");
        }
        Some(_) => {}
    }
    callouts_ui(ui, doc.problems_of(&name), false);
    let mut edited = node.clone();
    let mut field: Option<&'static str> = None;
    let mut mark = |changed: bool, f: &'static str| {
        if changed {
            field = Some(f);
        }
    };
    egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
        Grid::new("node-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            // Name: applied when the field loses focus, through Topology::rename.
            let (_, buf) = match &mut state.rename {
                Some(r) if r.0 == name => r,
                slot => slot.insert((name.clone(), name.clone())),
            };
            let r = row_ui(ui, "name", |ui| ui.add(egui::TextEdit::singleline(buf).desired_width(FIELD_W)));
            if r.lost_focus() && buf.trim() != name {
                let new = buf.trim().to_owned();
                if new.is_empty() || s.topology.node(&new).is_some() {
                    *buf = name.clone();
                } else {
                    edits.push((Command::RenameNode { old: name.clone(), new }, None));
                }
            }
            // What the node is, in the user's words: kept by a save (a file's comments are not).
            let l = ui.label("description");
            let id = egui::Id::unique(("node-description", &name));
            let (r, note) = super::fields::commit_note_ui(ui, id, edited.description(), "what it is and why", FIELD_W);
            r.labelled_by(l.id);
            ui.end_row();
            if let Some(text) = note {
                edited.set_description(text);
                mark(true, "description");
            }
            let mut region = edited.region().map(str::to_owned);
            // DNS is global; a data store's region is its primary's.
            let label = match edited.kind() {
                NodeKind::Dns => None,
                NodeKind::DataStore => Some("primary region"),
                _ => Some("region"),
            };
            if let Some(label) = label {
                row_ui(ui, label, |ui| {
                    egui::ComboBox::from_id_salt("region")
                        .selected_text(region.as_deref().unwrap_or("(none)"))
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut region, None, "(none)");
                            for reg in &s.topology.regions {
                                ui.selectable_value(&mut region, Some(reg.name.clone()), &reg.name);
                            }
                        })
                        .response
                });
            } else {
                row_ui(ui, "region", |ui| ui.weak("global (answers clients of every region)"));
            }
            if region.as_deref() != edited.region() {
                edited.set_region(region);
                mark(true, "region");
            }
            kind_fields_ui(ui, &mut edited, s, &mut mark);
        });
        lists_ui(ui, &mut edited, s, &mut mark);
        deploy_fields::section_ui(ui, s, node, &mut edited, &mut mark);
        if let Node::Gateway(g) = &mut edited {
            ui.add_space(6.0);
            ui.label(egui::RichText::new("SHARED LIMITS").small().strong())
                .on_hover_text("Rate limits declared once and shared by the routes that choose them");
            Grid::new("shared-limits")
                .num_columns(2)
                .spacing([10.0, 6.0])
                .show(ui, |ui| policy_fields::shared_limits_ui(ui, g, &mut mark));
            let shared: Vec<String> = g.limits.iter().map(|l| l.name.clone()).collect();
            for (i, route) in g.routes.iter_mut().enumerate() {
                ui.add_space(6.0);
                ui.label(egui::RichText::new(format!("ROUTE {} POLICIES", route.path_prefix)).small().strong());
                super::field_marks::set_scope(ui, &format!("routes.{i}"));
                Grid::new(("route-policies", i))
                    .num_columns(2)
                    .spacing([10.0, 6.0])
                    .show(ui, |ui| policy_fields::route_policies_ui(ui, i, route, &shared, &mut mark));
            }
            super::field_marks::set_scope(ui, "");
        }
        ui.separator();
        links_of_ui(ui, s, &name, edits);
    });
    if let Some(f) = field
        && edited != *node
    {
        edits.push((Command::UpdateNode(edited), Some(key((&name, f)))));
    }
}

fn kind_fields_ui(ui: &mut Ui, node: &mut Node, s: &Scenario, mark: &mut impl FnMut(bool, &'static str)) {
    match node {
        Node::Clients(c) => {
            mark(number_ui(ui, "users", &mut c.users, 1..=100_000_000, "", 10.0), "users");
            mark(traffic_ui(ui, &mut c.traffic, s.run.duration_s), "traffic");
            let mut det = c.arrivals == ArrivalProcess::Deterministic;
            row_ui(ui, "arrivals", |ui| {
                egui::ComboBox::from_id_salt("arrivals")
                    .selected_text(if det { "evenly spaced" } else { "Poisson" })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut det, false, "Poisson");
                        ui.selectable_value(&mut det, true, "evenly spaced");
                    })
                    .response
            });
            let want = if det { ArrivalProcess::Deterministic } else { ArrivalProcess::Poisson };
            mark(want != c.arrivals, "arrivals");
            c.arrivals = want;
            let mut zipf = matches!(c.keys, KeyDistribution::Zipf { .. });
            let before = zipf;
            row_ui(ui, "keys", |ui| ui.checkbox(&mut zipf, "Zipf (skewed users)"));
            if zipf != before {
                c.keys = if zipf { KeyDistribution::Zipf { exponent: 1.0 } } else { KeyDistribution::Uniform };
                mark(true, "keys");
            }
            if let KeyDistribution::Zipf { exponent } = &mut c.keys {
                mark(number_ui(ui, "  exponent", exponent, 0.01..=5.0, "", 0.01), "zipf");
            }
            policy_fields::clients_policies_ui(ui, c, mark);
        }
        Node::Gateway(g) => {
            mark(dist_ui(ui, "processing", &mut g.processing), "processing");
        }
        Node::LoadBalancer(lb) => policy_fields::balancer_ui(ui, lb, mark),
        Node::Service(v) => {
            mark(number_ui(ui, "instances", &mut v.instances, 1..=10_000, "", 0.1), "instances");
            mark(number_ui(ui, "concurrency", &mut v.concurrency, 1..=100_000, " slots", 0.2), "concurrency");
            let mut q = v.queue_capacity.map(f64::from);
            if optional_ui(ui, "queue limit", &mut q, 64.0, " waiting") {
                v.queue_capacity = q.map(|x| x.round().clamp(0.0, f64::from(u32::MAX)) as u32);
                mark(true, "queue");
            }
            mark(dist_ui(ui, "service time", &mut v.service_time), "service_time");
            let mut pct = v.error_rate * 100.0;
            if number_ui(ui, "error rate", &mut pct, 0.0..=100.0, " %", 0.01) {
                v.error_rate = pct / 100.0;
                mark(true, "error_rate");
            }
            policy_fields::autoscaling_ui(ui, v, mark);
        }
        Node::Dns(d) => global_fields::dns_ui(ui, d, mark),
        Node::DataStore(d) => global_fields::store_ui(ui, d, mark),
    }
}

/// A path-prefix text field labelled `label`, in list row `row` (its id).
fn prefix_ui(ui: &mut Ui, label: &str, row: (&str, usize), text: &mut String, width: f32) -> bool {
    // Applied when committed (Enter or focus loss), never a prefix half typed.
    let l = ui.label(label);
    let (r, commit) = super::fields::commit_text_ui(ui, egui::Id::unique(("prefix", row)), text, "/", width);
    r.labelled_by(l.id);
    match commit {
        Some(t) => {
            *text = t;
            true
        }
        None => false,
    }
}

/// Route mixes, gateway routes, balancer rules, DNS records, data store replicas.
fn lists_ui(ui: &mut Ui, node: &mut Node, s: &Scenario, mark: &mut impl FnMut(bool, &'static str)) {
    let names: Vec<String> = s.topology.links_from(node.name()).map(|(_, l)| l.to.clone()).collect();
    let first = names.first().cloned().unwrap_or_default();
    let pick = |ui: &mut Ui, id: (&str, usize), value: &mut String| -> bool {
        let before = value.clone();
        egui::ComboBox::from_id_salt(id).selected_text(value.as_str()).width(110.0).show_ui(ui, |ui| {
            for n in &names {
                ui.selectable_value(value, n.clone(), n);
            }
        });
        *value != before
    };
    match node {
        Node::Clients(c) => {
            let changed = list_ui(
                ui,
                "REQUEST MIX",
                "path",
                &mut c.routes,
                |ui, i, r| {
                    let mut changed = prefix_ui(ui, "path", ("mix", i), &mut r.path, 120.0);
                    changed |= ui
                        .add(egui::DragValue::new(&mut r.weight).range(0.0..=1e6).prefix("weight "))
                        .on_hover_text("relative weight")
                        .changed();
                    changed
                },
                || RouteShare { path: "/".into(), weight: 1.0 },
            );
            mark(changed, "mix");
        }
        Node::Gateway(g) => {
            let changed = list_ui(
                ui,
                "ROUTES",
                "route",
                &mut g.routes,
                |ui, i, r| {
                    ui.vertical(|ui| {
                        let mut changed = false;
                        ui.horizontal(|ui| {
                            changed |= prefix_ui(ui, "prefix", ("route", i), &mut r.path_prefix, 90.0);
                            ui.label("->");
                            changed |= pick(ui, ("route", i), &mut r.upstream);
                        });
                        ui.horizontal(|ui| {
                            let mut on = r.timeout_ms.is_some();
                            if ui
                                .checkbox(&mut on, "timeout")
                                .on_hover_text("Answer 504 when the upstream is slower")
                                .changed()
                            {
                                r.timeout_ms = on.then_some(r.timeout_ms.unwrap_or(2000.0));
                                changed = true;
                            }
                            if let Some(t) = &mut r.timeout_ms {
                                changed |= ui
                                    .add(egui::DragValue::new(t).range(0.0..=1e9).suffix(" ms"))
                                    .on_hover_text("upstream timeout")
                                    .changed();
                            }
                        });
                        changed
                    })
                    .inner
                },
                || Route {
                    path_prefix: "/".into(),
                    upstream: first.clone(),
                    timeout_ms: None,
                    rate_limit: None,
                    shared_limit: None,
                    retry_policy: None,
                },
            );
            mark(changed, "routes");
        }
        Node::LoadBalancer(lb) => {
            let changed = list_ui(
                ui,
                "RULES",
                "rule",
                &mut lb.rules,
                |ui, i, r| {
                    let changed = prefix_ui(ui, "prefix", ("rule", i), &mut r.path_prefix, 100.0);
                    ui.label("->");
                    changed | rule_target_ui(ui, i, r, &names, &pick)
                },
                || LbRule::new("/", first.clone()),
            );
            mark(changed, "rules");
        }
        Node::Dns(d) => mark(global_fields::records_ui(ui, d, s), "records"),
        Node::DataStore(d) => mark(global_fields::replicas_ui(ui, d, s), "replicas"),
        Node::Service(_) => {}
    }
}

/// A balancer rule's target: one service, or a pool of several with a weight each, one per line
/// ("+" pools another linked service; removing all but one makes it a single service again).
fn rule_target_ui(
    ui: &mut Ui,
    i: usize,
    r: &mut LbRule,
    names: &[String],
    pick: &impl Fn(&mut Ui, (&str, usize), &mut String) -> bool,
) -> bool {
    let mut changed = false;
    let unused = |r: &LbRule| names.iter().find(|n| !r.services().any(|(s, _)| s == n.as_str())).cloned();
    if r.pool.is_empty() {
        changed |= pick(ui, ("rule", i), &mut r.service);
        if let Some(other) = unused(r)
            && ui.small_button("+").on_hover_text("Pool another service with this one, with a weight each").clicked()
        {
            let first = std::mem::take(&mut r.service);
            r.pool = vec![Pooled { service: first, weight: None }, Pooled { service: other, weight: None }];
            changed = true;
        }
        return changed;
    }
    let mut remove = None;
    let mut add = false;
    ui.vertical(|ui| {
        let last = r.pool.len() - 1;
        for (k, p) in r.pool.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                changed |= pick(ui, ("pool", i * 1000 + k), &mut p.service);
                let mut w = p.weight.unwrap_or(1);
                let dv = egui::DragValue::new(&mut w).range(1..=1000).prefix("weight ").speed(0.1);
                if ui.add(dv).on_hover_text("The weight of each of its instances in this pool").changed() {
                    p.weight = Some(w);
                    changed = true;
                }
                if ui.small_button("×").on_hover_text("Take this service out of the pool").clicked() {
                    remove = Some(k);
                }
                add |= k == last && ui.small_button("+").on_hover_text("Pool another linked service").clicked();
            });
        }
    });
    if let Some(k) = remove {
        r.pool.remove(k);
        if let [only] = r.pool.as_slice() {
            r.service = only.service.clone();
            r.pool.clear();
        }
        changed = true;
    }
    if add && let Some(other) = unused(r) {
        r.pool.push(Pooled { service: other, weight: None });
        changed = true;
    }
    changed
}

/// Links in and out of a node, and a way to add one without the mouse.
fn links_of_ui(ui: &mut Ui, s: &Scenario, name: &str, edits: &mut Vec<Edit>) {
    ui.label(RichText::new("LINKS").small().color(theme::TEXT_DIM));
    for (i, l) in s.topology.links.iter().enumerate() {
        if l.from != name && l.to != name {
            continue;
        }
        ui.horizontal(|ui| {
            ui.label(format!("{} -> {}", l.from, l.to));
            if ui.small_button("×").on_hover_text(format!("Remove link {} -> {}", l.from, l.to)).clicked() {
                edits.push((Command::RemoveLink(i), None));
            }
        });
    }
    let id = ui.make_persistent_id(("link-to", name));
    let mut target: String = ui.data_mut(|d| d.get_temp(id).unwrap_or_default());
    ui.horizontal(|ui| {
        let l = ui.label("link to");
        egui::ComboBox::from_id_salt(("link-target", name))
            .selected_text(target.as_str())
            .show_ui(ui, |ui| {
                for n in &s.topology.nodes {
                    if n.name() != name {
                        ui.selectable_value(&mut target, n.name().to_owned(), n.name());
                    }
                }
            })
            .response
            .labelled_by(l.id);
        if ui.button("Add link").clicked() && !target.is_empty() {
            match super::canvas::link_refusal(s, name, &target) {
                Some(why) => {
                    ui.data_mut(|d| d.insert_temp(id.with("why"), why));
                }
                None => {
                    edits.push((Command::AddLink(super::canvas::new_link(name, &target)), None));
                    ui.data_mut(|d| d.remove::<String>(id.with("why")));
                }
            }
        }
    });
    if let Some(why) = ui.data(|d| d.get_temp::<String>(id.with("why"))) {
        ui.colored_label(theme::BAD, format!("Refused: {why}"));
    }
    ui.data_mut(|d| d.insert_temp(id, target));
}

fn link_ui(ui: &mut Ui, li: usize, link: &Link, edits: &mut Vec<Edit>) {
    ui.heading(format!("{} -> {}", link.from, link.to));
    ui.label(RichText::new("link").color(theme::TEXT_DIM));
    let mut edited = link.clone();
    let mut changed = false;
    Grid::new("link-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
        changed |= dist_ui(ui, "latency", &mut edited.latency);
        changed |= number_ui(ui, "weight", &mut edited.weight, 0.001..=1e6, "", 0.01);
    });
    if changed {
        edits.push((Command::UpdateLink(li, edited), Some(key(("link", &link.from, &link.to)))));
    }
    if ui.button("Delete link").clicked() {
        edits.push((Command::RemoveLink(li), None));
    }
}

/// The timeline's entries, each a button that selects it.
fn timeline_list_ui(ui: &mut Ui, s: &Scenario, state: &mut InspectorState) {
    ui.separator();
    ui.label(RichText::new(format!("TIMELINE ({})", s.timeline.len())).small().color(theme::TEXT_DIM));
    if s.timeline.is_empty() {
        ui.weak("No entries: right-click a lane of the timeline to add a change, fault, alarm or action.");
    }
    for (i, e) in s.timeline.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.colored_label(theme::event_colour(e.kind()), e.kind().label());
            if ui.link(e.name()).on_hover_text(e.describe()).clicked() {
                state.select_event = Some(i);
            }
        });
    }
}

/// A region's price factor: the table's figure (`bundled`) unless set here; returns whether it
/// changed.
fn region_factor_ui(ui: &mut Ui, r: &mut Region, bundled: Option<f64>) -> bool {
    let mut on = r.price_factor.is_some();
    let hover = "Its prices relative to us-east-1 (1.1: 10% dearer); off: the price table's factor";
    let mut changed = ui.checkbox(&mut on, "price x").on_hover_text(hover).changed();
    if changed {
        r.price_factor = on.then(|| bundled.unwrap_or(1.0));
    }
    match &mut r.price_factor {
        Some(f) => {
            changed |= ui
                .add(egui::DragValue::new(f).range(0.01..=100.0).speed(0.01).max_decimals(3))
                .on_hover_text(format!("{} price factor", r.name))
                .changed();
        }
        None => match bundled {
            Some(f) => {
                ui.weak(format!("{f:.2} (table)"));
            }
            None => {
                ui.colored_label(theme::WARN, "no price in the table");
            }
        },
    }
    changed
}

fn scenario_ui(ui: &mut Ui, doc: &Document, state: &mut InspectorState, edits: &mut Vec<Edit>) {
    let s = doc.scenario();
    ui.heading("Scenario");
    let mut name = s.name.clone();
    let mut description = s.description.clone();
    let mut run = s.run.clone();
    let mut changed_title = false;
    let mut changed_run = false;
    Grid::new("scenario-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
        let l = ui.label("title");
        let id = ui.scope_id().with("scenario-title");
        let (r, commit) = super::fields::commit_text_ui(ui, id, &name, "", FIELD_W);
        r.labelled_by(l.id);
        ui.end_row();
        if let Some(t) = commit {
            name = t;
            changed_title = true;
        }
        let l = ui.label("description");
        let id = egui::Id::unique("scenario-description");
        let (r, note) = super::fields::commit_note_ui(ui, id, &description, "what it shows, for whom", FIELD_W);
        r.labelled_by(l.id);
        ui.end_row();
        if let Some(text) = note {
            description = text;
            changed_title = true;
        }
        changed_run |= number_ui(ui, "seed", &mut run.seed, 0..=u64::MAX, "", 1.0);
        changed_run |= number_ui(ui, "duration", &mut run.duration_s, 1.0..=1e7, " s", 1.0);
        changed_run |= number_ui(ui, "warm-up", &mut run.warmup_s, 0.0..=1e7, " s", 1.0);
        changed_run |= number_ui(ui, "replicates", &mut run.replicates, 1..=1000, "", 0.1);
        changed_run |= optional_ui(ui, "bucket", &mut run.bucket_s, 1.0, " s");
    });
    if changed_title {
        edits.push((Command::SetTitle { name, description }, Some(key("title"))));
    }
    if changed_run {
        edits.push((Command::SetRun(run), Some(key("run"))));
    }
    super::timeline_fields::run_start_and_slo_ui(ui, s, edits);
    timeline_list_ui(ui, s, state);
    ui.separator();
    ui.label(RichText::new("REGIONS").small().color(theme::TEXT_DIM));
    let mut regions = s.topology.regions.clone();
    let mut remove = None;
    let mut factor_merge = None;
    let table = crate::model::PriceTable::with(&s.prices);
    for (i, r) in regions.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            if ui.small_button("×").on_hover_text(format!("Remove region {}", r.name)).clicked() {
                remove = Some(i);
            }
            ui.label(&r.name);
            if region_factor_ui(ui, r, table.region_factor.get(&r.name).copied()) {
                factor_merge = Some(key(("region-factor", &r.name)));
            }
        });
    }
    ui.horizontal(|ui| {
        let l = ui.label("new region");
        ui.add(egui::TextEdit::singleline(&mut state.new_region).desired_width(120.0)).labelled_by(l.id);
        let name = state.new_region.trim().to_owned();
        if ui.button("Add region").clicked() && !name.is_empty() {
            regions.push(Region { name, zones: Vec::new(), price_factor: None });
            state.new_region.clear();
        }
    });
    if let Some(i) = remove {
        regions.remove(i);
    }
    if regions != s.topology.regions {
        edits.push((Command::SetRegions(regions), factor_merge));
    }
    price_fields::prices_ui(ui, s, edits);
    ui.separator();
    let n = doc.problems().len();
    ui.label(RichText::new(format!("PROBLEMS ({n})")).small().color(theme::TEXT_DIM));
    if n == 0 {
        ui.colored_label(theme::OK, "No problems: the scenario can run.");
    }
    callouts_ui(ui, doc.problems().iter(), true);
}
