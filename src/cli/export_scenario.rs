//! `gatesim export` for the scenario-wide targets (kubernetes, route53, prometheus): the options
//! the model does not hold, and the Prometheus test file generated from a simulated run. The
//! config itself goes through the same validated export as every target (`export.rs`).

use crate::export::{self, ScenarioOptions, promtest};
use crate::model::Scenario;
use clap::Args;
use std::path::{Path, PathBuf};

/// Options of the scenario-wide targets.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// kubernetes: a service's container image, `SERVICE=IMAGE`, or `IMAGE` for every service
    /// (repeatable; required: the model has no image).
    #[arg(long = "image", value_name = "[SERVICE=]IMAGE")]
    pub images: Vec<String>,
    /// kubernetes: the namespace of every object.
    #[arg(long)]
    pub namespace: Option<String>,
    /// kubernetes: the port the containers listen on.
    #[arg(long, default_value_t = 8080)]
    pub container_port: u16,
    /// kubernetes: the path the probes request (httpGet).
    #[arg(long, default_value = "/healthz")]
    pub probe_path: String,
    /// route53: the hosted zone's domain (the DNS node `api` becomes `api.DOMAIN.`).
    #[arg(long, value_name = "DOMAIN")]
    pub zone: Option<String>,
    /// route53: what a record's target node is in DNS, `NODE=IP`, `NODE=HOSTNAME` or
    /// `NODE=alias:HOSTEDZONEID:DNSNAME` (repeatable).
    #[arg(long = "dns-target", value_name = "NODE=TARGET", value_parser = parse_pair)]
    pub dns_targets: Vec<(String, String)>,
    /// route53: the id of the Route 53 health check of a record's target, `NODE=ID` (repeatable).
    #[arg(long = "health-check", value_name = "NODE=ID", value_parser = parse_pair)]
    pub health_checks: Vec<(String, String)>,
    /// route53: the Route 53 location of a client region a geolocation record lists,
    /// `REGION=continent:EU`, `REGION=country:DE` or `REGION=subdivision:US-CA` (repeatable).
    #[arg(long = "geo", value_name = "REGION=LOCATION", value_parser = parse_pair)]
    pub geo: Vec<(String, String)>,
    /// prometheus: also write a `promtool test rules` file generated from a simulated run.
    #[arg(long, value_name = "FILE")]
    pub tests: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("{s:?}: expected NAME=VALUE"))?;
    Ok((k.trim().to_owned(), v.trim().to_owned()))
}

impl ScenarioArgs {
    /// The options as the exporters take them.
    pub fn options(&self) -> ScenarioOptions {
        let mut o = ScenarioOptions {
            namespace: self.namespace.clone(),
            container_port: self.container_port,
            probe_path: self.probe_path.clone(),
            zone: self.zone.clone(),
            dns_targets: self.dns_targets.iter().cloned().collect(),
            health_checks: self.health_checks.iter().cloned().collect(),
            geo: self.geo.iter().cloned().collect(),
            ..ScenarioOptions::default()
        };
        for i in &self.images {
            match i.split_once('=') {
                Some((svc, image)) => {
                    o.images.insert(svc.trim().to_owned(), image.trim().to_owned());
                }
                None => o.default_image = Some(i.trim().to_owned()),
            }
        }
        o
    }
}

/// The `promtool test rules` file for the rules written to `rules`, generated from a simulated run
/// of `scenario` (`export::promtest`), to be written at `tests`.
pub fn prometheus_tests(scenario: &Scenario, tests: &Path, rules: &Path) -> Result<String, export::ExportError> {
    promtest::tests(scenario, &rules_path(tests, rules))
}

/// The rules file as the test file names it: its file name when both are in one directory, else
/// its absolute path (promtool reads `rule_files` relative to the test file).
fn rules_path(tests: &Path, rules: &Path) -> String {
    let dir = |p: &Path| p.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir(tests) == dir(rules)
        && let Some(name) = rules.file_name()
    {
        return name.to_string_lossy().into_owned();
    }
    std::path::absolute(rules).unwrap_or_else(|_| rules.to_path_buf()).to_string_lossy().into_owned()
}
