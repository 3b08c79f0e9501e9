//! The desktop app (feature `gui`): an eframe application over the library.
//!
//! The app owns a [`commands::Document`] (the scenario, its undo stack and its problems), the
//! latest reports, and view state. Data flows one way: widgets return [`commands::Command`]s, the
//! app applies them in one place, the simulation runs on a worker thread ([`run`]) and its reports
//! are read, never written, by the panels. No simulation logic lives here.
//!
//! | file | what |
//! |---|---|
//! | `app.rs`, `app/` | the [`App`]: panels, menus, shortcuts; dispatch of [`actions::UiCommand`]s (`dispatch.rs`), open, save, recovery and autosave (`document.rs`), starting runs (`runs.rs`) |
//! | `actions.rs` | every user action, its shortcut, and the Ctrl+K palette |
//! | `commands.rs` | the document, its [`commands::Command`]s, undo/redo |
//! | `canvas.rs`, `canvas_paint.rs` | the topology canvas: interaction, then painting |
//! | `chrome.rs` | menus, top bar, bottom panel, dialogs |
//! | `overlay.rs` | what a report says about each node and link (badges, link rates) |
//! | `regions.rs` | what region faults do to each region at a time, and the replicas to mark |
//! | `inspector.rs`, `fields.rs` | editing the selection |
//! | `policy_fields.rs`, `global_fields.rs` | a balancer's, a route's, a DNS name's and a data store's policies |
//! | `deploy_fields.rs`, `price_fields.rs` | a node's deployment, hosting and size; the scenario's prices and business figures |
//! | `palette.rs` | node palette and outline |
//! | `timeline/` | traffic lanes, timeline entry lanes, the time scrubber (see its module table) |
//! | `timeline_fields.rs`, `timeline_fields/` | editing a timeline entry (`alarms.rs`, `actions.rs`: their parameters), the run's start and the SLOs (`slo.rs`) |
//! | `results.rs`, `results/` | summary cards; the cost card (`cost.rs`), the charts (`charts.rs`) |
//! | `compare.rs` | baseline versus change, and "Check change" |
//! | `counterfactuals.rs` | the scenario as written and its variants, side by side |
//! | `dr.rs` | the DR strategies panel: each strategy's cost, outage cost, RTO and RPO, and their chart |
//! | `files.rs` | typed-path open/save dialogs, recent files, examples |
//! | `file_dialogs.rs` | the system's file dialogs (rfd), never blocking a frame, and the fallback to the typed ones |
//! | `empty_state.rs` | what a scenario with nothing to simulate lacks: the canvas's note, Run's tooltip |
//! | `recovery.rs`, `recovery/lock.rs` | autosave, recovery of unsaved work, the lock files that own it |
//! | `layout.rs` | automatic layered layout |
//! | `run.rs` | the simulation workers: [`run::Runner`] (one run), [`run::Batch`] (several) |
//! | `dialog.rs` | modal dialogs pinned by their top edge, so a change of content never moves them |
//! | `theme.rs` | every colour |

pub mod actions;
mod app;
pub mod canvas;
mod canvas_paint;
mod chrome;
pub mod commands;
pub mod compare;
pub mod counterfactuals;
mod deploy_fields;
mod dialog;
pub mod dr;
pub mod empty_state;
pub mod export_dialog;
mod field_marks;
mod fields;
pub mod file_dialogs;
pub mod files;
mod global_fields;
pub mod import_dialog;
mod inspector;
pub mod layout;
pub mod overlay;
mod palette;
mod policy_fields;
mod price_fields;
pub mod recovery;
pub mod regions;
pub mod results;
pub mod run;
pub mod theme;
mod timeline;
mod timeline_fields;

pub use app::{App, AppOptions, BottomTab};

/// Opens the window on `options.file` (or the bundled example) and runs until it is closed.
pub fn run_native(options: AppOptions) -> eframe::Result {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("gatesim")
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([900.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native(
        "gatesim",
        native,
        Box::new(move |cc| {
            theme::apply(&cc.egui_ctx);
            Ok(Box::new(App::new(options)))
        }),
    )
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}
