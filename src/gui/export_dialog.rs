//! File > Export: the document written as a real product's config, through the same library call
//! as `gatesim export` ([`validated_export`]): the scenario is simulated first (on a worker
//! thread), a design that breaks its SLOs is refused unless forced, and the file opens with the
//! gatesim version, the source's SHA-256 and the figures it passed. The dialog shows the target,
//! the gateway (when the scenario has several), the instances' addresses, the verdict, a preview of
//! the file, and saves it atomically.

use crate::export::validated::{Exported, Request, ValidatedError, validated_export};
use crate::export::{self, ExportOptions, Scope, Target};
use crate::model::{Node, Scenario, load};
use crate::sim::RunOptions;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError};

/// The outcome of a validation, as the dialog shows it.
#[derive(Debug)]
pub enum Outcome {
    /// The file, ready to save.
    Ready(Exported),
    /// The design breaks its SLOs (nothing exported unless forced).
    BreaksSlos(String),
    /// The target cannot express the scenario, or it did not run.
    Failed(String),
}

/// The export dialog's state.
#[derive(Debug)]
pub struct ExportDialog {
    /// The product.
    pub target: Target,
    /// The gateway chosen (for gateway targets).
    pub gateway: Option<String>,
    /// `INSTANCE=HOST:PORT` lines.
    pub backends: String,
    /// Kubernetes: the container image of every service (the model has none).
    pub image: String,
    /// Route 53: the hosted zone's domain.
    pub zone: String,
    /// Route 53: `NODE=IP|HOSTNAME|alias:ZONEID:DNSNAME` lines, what each record's target is.
    pub dns_targets: String,
    /// Where to save.
    pub path: String,
    /// Export past a failing verdict.
    pub force: bool,
    /// The validation running on its worker thread.
    job: Option<Receiver<Outcome>>,
    /// The last validation's outcome.
    pub outcome: Option<Outcome>,
    /// What the last save did.
    pub saved: Option<Result<PathBuf, String>>,
}

impl ExportDialog {
    /// A dialog for `scenario`, saving next to `doc_path` by default.
    pub fn new(scenario: &Scenario, doc_path: Option<&Path>) -> Self {
        let gateway = gateways(scenario).into_iter().next();
        let mut d = ExportDialog {
            target: Target::Nginx,
            gateway,
            backends: String::new(),
            image: String::new(),
            zone: String::new(),
            dns_targets: String::new(),
            path: String::new(),
            force: false,
            job: None,
            outcome: None,
            saved: None,
        };
        d.refill(scenario, doc_path);
        d
    }

    /// Whether a validation is running.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Fills in the addresses and the proposed path for the current target and gateway.
    fn refill(&mut self, scenario: &Scenario, doc_path: Option<&Path>) {
        let names = match (self.target.scope(), &self.gateway) {
            (Scope::Gateway, Some(g)) => export::instances(scenario, g).unwrap_or_default(),
            _ => Vec::new(),
        };
        self.backends =
            names.iter().enumerate().map(|(i, n)| format!("{n}=127.0.0.1:{}\n", 9001 + i)).collect::<String>();
        let dir = doc_path.and_then(Path::parent).map_or_else(PathBuf::new, Path::to_path_buf);
        let stem = match (self.target.scope(), &self.gateway) {
            (Scope::Gateway, Some(g)) => format!("{g}-"),
            _ => String::new(),
        };
        self.path = dir.join(format!("{stem}{}", self.target.file_name())).display().to_string();
        self.outcome = None;
        self.saved = None;
    }

    /// The options from the addresses typed; an error names the line.
    fn options(&self) -> Result<ExportOptions, String> {
        let mut backends = BTreeMap::new();
        for (i, line) in self.backends.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (name, addr) = line
                .split_once('=')
                .ok_or_else(|| format!("addresses, line {}: expected INSTANCE=HOST:PORT", i + 1))?;
            let addr: SocketAddr = addr
                .trim()
                .parse()
                .map_err(|e| format!("addresses, line {}: {:?} is not HOST:PORT: {e}", i + 1, addr.trim()))?;
            backends.insert(name.trim().to_owned(), addr);
        }
        let mut scenario = crate::export::ScenarioOptions::default();
        let image = self.image.trim();
        scenario.default_image = (!image.is_empty()).then(|| image.to_owned());
        let zone = self.zone.trim();
        scenario.zone = (!zone.is_empty()).then(|| zone.to_owned());
        for (i, line) in self.dns_targets.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (node, target) = line.split_once('=').ok_or_else(|| {
                format!("record targets, line {}: expected NODE=IP, NODE=HOSTNAME or NODE=alias:ZONEID:DNSNAME", i + 1)
            })?;
            scenario.dns_targets.insert(node.trim().to_owned(), target.trim().to_owned());
        }
        Ok(ExportOptions {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            backends,
            scenario,
            ..ExportOptions::default()
        })
    }

    /// Starts the validating run of `scenario` on a worker thread. `source` is the document as
    /// saved (or as it would be saved), `source_name` what the header calls it.
    fn start(&mut self, ctx: &egui::Context, scenario: &Scenario, source: Vec<u8>, source_name: String) {
        let options = match self.options() {
            Ok(o) => o,
            Err(e) => {
                self.outcome = Some(Outcome::Failed(e));
                return;
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let (scenario, target, gateway, force) = (scenario.clone(), self.target, self.gateway.clone(), self.force);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new().name("gatesim-export".into()).spawn(move || {
            let req = Request { target, gateway: gateway.as_deref(), options, force };
            let outcome = match validated_export(&scenario, &source, &source_name, &req, &RunOptions::default()) {
                Ok(x) => Outcome::Ready(x),
                Err(ValidatedError::BreaksSlos(v)) => Outcome::BreaksSlos(v.describe()),
                Err(e) => Outcome::Failed(e.to_string()),
            };
            tx.send(outcome).ok();
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => {
                self.job = Some(rx);
                self.outcome = None;
                self.saved = None;
            }
            Err(e) => self.outcome = Some(Outcome::Failed(format!("cannot start the validating run: {e}"))),
        }
    }

    /// Takes in a finished validation.
    fn poll(&mut self) {
        if let Some(rx) = &self.job {
            match rx.try_recv() {
                Ok(o) => {
                    self.outcome = Some(o);
                    self.job = None;
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.outcome = Some(Outcome::Failed("the validating run stopped without an answer".into()));
                    self.job = None;
                }
            }
        }
    }

    /// Saves the validated file atomically to the path typed (never over the scenario itself).
    fn save(&mut self, doc_path: Option<&Path>) {
        let Some(Outcome::Ready(x)) = &self.outcome else { return };
        let path = PathBuf::from(self.path.trim());
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        if path.as_os_str().is_empty() {
            self.saved = Some(Err("type where to save the file".into()));
        } else if doc_path.is_some_and(|d| same(d, &path)) {
            self.saved = Some(Err(format!("{} is the scenario itself; choose another file", path.display())));
        } else {
            self.saved = Some(load::write_atomic(&path, x.text.as_bytes()).map(|()| path).map_err(|e| e.to_string()));
        }
    }

    /// Shows the dialog; returns whether it stays open.
    pub fn ui(&mut self, ctx: &egui::Context, scenario: &Scenario, doc_path: Option<&Path>, dirty: bool) -> bool {
        use super::theme;
        self.poll();
        let mut keep = true;
        let gws = gateways(scenario);
        let modal = crate::gui::dialog::modal(ctx, "export-dialog").show(ctx, |ui| {
            ui.set_width(720.0);
            ui.heading("Export config");
            ui.label(
                "The scenario is simulated first; only a design that meets its SLOs is exported (unless forced). \
                 The file names the gatesim version, the scenario's SHA-256 and the figures it passed.",
            );
            let mut changed = false;
            egui::Grid::new("export-grid").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                ui.label("Target");
                egui::ComboBox::from_id_salt("export-target").selected_text(self.target.name()).show_ui(ui, |ui| {
                    for t in Target::ALL {
                        changed |= ui.selectable_value(&mut self.target, *t, t.name()).changed();
                    }
                });
                ui.end_row();
                if self.target.scope() == Scope::Gateway {
                    ui.label("Gateway");
                    if gws.is_empty() {
                        ui.colored_label(theme::BAD, "the scenario has no gateway: add one to export it");
                    } else {
                        let shown = self.gateway.clone().unwrap_or_default();
                        egui::ComboBox::from_id_salt("export-gateway").selected_text(shown).show_ui(ui, |ui| {
                            for g in &gws {
                                changed |= ui.selectable_value(&mut self.gateway, Some(g.clone()), g).changed();
                            }
                        });
                    }
                    ui.end_row();
                    ui.label("Addresses").on_hover_text("INSTANCE=HOST:PORT, one per line: where each instance listens");
                    ui.add(egui::TextEdit::multiline(&mut self.backends).desired_rows(3).desired_width(520.0).code_editor());
                    ui.end_row();
                }
                match self.target {
                    Target::Kubernetes => {
                        ui.label("Image").on_hover_text("The container image of every service (the scenario has none)");
                        ui.add(egui::TextEdit::singleline(&mut self.image).desired_width(520.0).hint_text("registry.example/shop:1.4"));
                        ui.end_row();
                    }
                    Target::Route53 => {
                        ui.label("Zone");
                        ui.add(egui::TextEdit::singleline(&mut self.zone).desired_width(520.0).hint_text("example.com"));
                        ui.end_row();
                        ui.label("Record targets").on_hover_text("NODE=IP, NODE=HOSTNAME or NODE=alias:ZONEID:DNSNAME, one per line");
                        ui.add(egui::TextEdit::multiline(&mut self.dns_targets).desired_rows(2).desired_width(520.0).code_editor());
                        ui.end_row();
                    }
                    _ => {}
                }
                ui.label("Save to");
                ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(520.0));
                ui.end_row();
            });
            if changed {
                self.refill(scenario, doc_path);
            }
            ui.horizontal(|ui| {
                ui.checkbox(&mut self.force, "Export even if the design breaks its SLOs");
                let run = ui.add_enabled(!self.busy(), egui::Button::new("Validate and preview"));
                if run.clicked() {
                    let (source, name) = source_of(scenario, doc_path, dirty);
                    self.start(ctx, scenario, source, name);
                }
                if self.busy() {
                    ui.spinner();
                    ui.label("simulating…");
                }
            });
            // The verdict line and the preview keep their size whatever they hold, so the modal
            // (centred on its size) does not move when a validation ends.
            let (line, color) = match &self.outcome {
                Some(Outcome::Ready(x)) if x.verdict.pass => ("Verdict: PASS".to_owned(), theme::OK),
                Some(Outcome::Ready(x)) => (format!("Verdict: {} (forced)", x.verdict.describe()), theme::WARN),
                Some(Outcome::BreaksSlos(why)) => (
                    format!(
                        "The design breaks its SLOs ({why}): nothing to export. Fix the design, or tick the box to export anyway."
                    ),
                    theme::BAD,
                ),
                Some(Outcome::Failed(e)) => (e.clone(), theme::BAD),
                None => ("Validate to see the verdict and the file.".to_owned(), theme::TEXT_DIM),
            };
            ui.colored_label(color, line);
            let height = 300.0;
            egui::ScrollArea::vertical().max_height(height).min_scrolled_height(height).show(ui, |ui| {
                let mut text = match &self.outcome {
                    Some(Outcome::Ready(x)) => x.text.as_str(),
                    _ => "",
                };
                ui.add(
                    egui::TextEdit::multiline(&mut text)
                        .code_editor()
                        .desired_width(f32::INFINITY)
                        .desired_rows(18),
                );
            });
            match &self.saved {
                Some(Ok(p)) => {
                    ui.colored_label(theme::OK, format!("Saved {}", p.display()));
                }
                Some(Err(e)) => {
                    ui.colored_label(theme::BAD, e);
                }
                None => {}
            }
            ui.separator();
            ui.horizontal(|ui| {
                let ready = matches!(self.outcome, Some(Outcome::Ready(_)));
                if ui.add_enabled(ready, egui::Button::new("Save")).clicked() {
                    self.save(doc_path);
                }
                if ui.button("Close").clicked() {
                    keep = false;
                }
            });
        });
        if modal.should_close() {
            keep = false;
        }
        keep
    }
}

/// The scenario's gateways, in file order.
fn gateways(scenario: &Scenario) -> Vec<String> {
    scenario.topology.nodes.iter().filter(|n| matches!(n, Node::Gateway(_))).map(|n| n.name().to_owned()).collect()
}

/// The bytes the header's SHA-256 is of, and the name it gives: the file as saved when the
/// document is clean, else the document as it would be saved, marked as unsaved.
fn source_of(scenario: &Scenario, doc_path: Option<&Path>, dirty: bool) -> (Vec<u8>, String) {
    let name = |p: &Path| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
    match doc_path {
        Some(p) if !dirty => match std::fs::read(p) {
            Ok(bytes) => (bytes, name(p)),
            Err(_) => (load::to_string(scenario).into_bytes(), format!("{} (as in memory)", name(p))),
        },
        Some(p) => (load::to_string(scenario).into_bytes(), format!("{} (with unsaved edits)", name(p))),
        None => (load::to_string(scenario).into_bytes(), "an unsaved scenario".to_owned()),
    }
}
