//! Only validated config leaves gatesim: [`validated_export`] writes the config first (so a policy
//! the target cannot express is refused before any simulation), then runs the scenario with its
//! own run settings and judges the run against its SLOs ([`crate::report::verdict`], what `gatesim
//! check` gates on). A design that breaks its SLOs is refused, naming them, unless the caller
//! forces it; the header of the file then says so.
//!
//! Every file opens with three lines (comments in the target's syntax, or the target's own comment
//! field): the gatesim version, target and gateway; the source file's name and SHA-256 (what
//! `sha256sum` prints for it); the simulated figures and the verdict. A reader of a deployed
//! config can find the scenario it came from and what it was shown to do.
//!
//! The GUI and the CLI both call this function.

use super::{ExportError, ExportOptions, Scope, Target, export, the_gateway};
use crate::model::Scenario;
use crate::report::{self, Verdict};
use crate::sim::{self, RunError, RunOptions};
use sha2::{Digest, Sha256};

/// A config that passed (or was forced past) its scenario's SLOs.
#[derive(Clone, Debug)]
pub struct Exported {
    /// The file's text, header included.
    pub text: String,
    /// The header lines (also at the top of `text`).
    pub header: Vec<String>,
    /// The run's verdict.
    pub verdict: Verdict,
    /// The gateway exported (`None` for a whole-scenario target).
    pub gateway: Option<String>,
}

/// Why no config was written.
#[derive(Debug, thiserror::Error)]
pub enum ValidatedError {
    /// The target cannot express the scenario (or a name, address or node is wrong).
    #[error("{0}")]
    Export(#[from] ExportError),
    /// The scenario did not run (invalid, overloaded or cancelled).
    #[error("the scenario did not run: {0}")]
    Run(#[from] RunError),
    /// The simulated design breaks its SLOs.
    #[error("the design breaks its SLOs ({}); nothing was exported (force it to export anyway)", .0.describe())]
    BreaksSlos(Verdict),
}

/// `bytes`'s SHA-256 in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// What to export and how.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The product.
    pub target: Target,
    /// The gateway (may be left out when the scenario has one; ignored by whole-scenario targets).
    pub gateway: Option<&'a str>,
    /// Addresses (the header is filled in here).
    pub options: ExportOptions,
    /// Export even when the simulated design breaks its SLOs (the header says so).
    pub force: bool,
}

/// Exports `scenario` as `req` asks after simulating it with `run`. `source` is the file's bytes as
/// saved (the GUI passes its serialised document) and `source_name` what the header calls it.
pub fn validated_export(
    scenario: &Scenario,
    source: &[u8],
    source_name: &str,
    req: &Request<'_>,
    run: &RunOptions<'_>,
) -> Result<Exported, ValidatedError> {
    let (target, options, force) = (req.target, &req.options, req.force);
    let gateway = match target.scope() {
        Scope::Gateway => Some(the_gateway(scenario, req.gateway)?.to_owned()),
        Scope::Scenario => None,
    };
    // What the target cannot express is known without a run.
    export(scenario, gateway.as_deref(), target, &ExportOptions { header: Vec::new(), ..options.clone() })?;
    let report = sim::run(scenario, run)?;
    let verdict = report::verdict(&report);
    if !verdict.pass && !force {
        return Err(ValidatedError::BreaksSlos(verdict));
    }
    let what = match &gateway {
        Some(g) => format!("gateway {g:?} of scenario {:?}", scenario.name),
        None => format!("scenario {:?}", scenario.name),
    };
    let figures: Vec<String> = verdict.objectives.iter().map(|o| o.describe()).collect();
    let judged = if verdict.pass {
        "PASS".to_owned()
    } else {
        format!("FORCED past a failing verdict ({})", verdict.describe())
    };
    let header = vec![
        format!("Exported by gatesim {} for {target}: {what}.", env!("CARGO_PKG_VERSION")),
        format!("Source: {source_name} (sha256 {}).", sha256_hex(source)),
        format!(
            "Simulated {} replicate(s) x {} s, seed {}: {}: {judged}.",
            report.replicates,
            report.duration_s,
            report.seed,
            figures.join(", ")
        ),
    ];
    let text =
        export(scenario, gateway.as_deref(), target, &ExportOptions { header: header.clone(), ..options.clone() })?;
    Ok(Exported { text, header, verdict, gateway })
}
