//! The Kong, Traefik and AWS API Gateway exports checked by real validators: `gatesim export`
//! writes several scenarios (rate limits of each key kind, weights, health checks, several routes
//! and path rules), then `check-jsonschema` validates the decK file and the Traefik dynamic
//! configuration against their published JSON schemas (`tests/schemas/`, see its README) and
//! `openapi-spec-validator` the OpenAPI document. Each validator must also reject a broken copy,
//! so a pass means something.
//!
//! The validators come from `.ci/tools.sh` (a Python virtual environment): PATH first, then
//! `$GATESIM_TOOLS/venv/bin` (default `~/.cache/gatesim-tools`). Without one a test prints
//! `SKIPPED: ...` and passes, unless `CI=true`, where it fails.

use super::{gatesim, process, run_ok};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scenario with gateway `gw`: `routes` are its routes, `nodes` and `links` the rest.
fn scenario(routes: &str, nodes: &str, links: &str) -> String {
    format!(
        r#"Scenario(
    format_version: 1, name: "gateways", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "users", traffic: Constant(rate_rps: 5.0), routes: [(path: "/static/logo.png", weight: 1.0)])),
            Gateway((name: "gw", routes: [{routes}])),
            {nodes}
        ],
        links: [(from: "users", to: "gw"), {links}],
    ),
)"#
    )
}

/// Balancer `lb` (fields `lb`) over `a` (2 instances, weight 3) and `b` (1 instance), and
/// service `solo`; `limit` is the rate limit of route `prefix` to `lb`, `/` goes to `solo`.
fn two_routes(prefix: &str, limit: &str, lb: &str, timeout: &str) -> String {
    scenario(
        &format!(
            r#"(path_prefix: "{prefix}", upstream: "lb", timeout_ms: {timeout}, rate_limit: {limit}),
               (path_prefix: "/", upstream: "solo")"#
        ),
        &format!(
            r#"LoadBalancer((name: "lb", {lb})),
            Service((name: "a", instances: 2, service_time: Constant(ms: 5.0))),
            Service((name: "b", instances: 1, service_time: Constant(ms: 5.0))),
            Service((name: "solo", instances: 1, service_time: Constant(ms: 5.0))),"#
        ),
        r#"(from: "gw", to: "lb"), (from: "gw", to: "solo"), (from: "lb", to: "a", weight: 3), (from: "lb", to: "b")"#,
    )
}

/// Several routes, a balancer with path rules, one service each (single instances for AWS).
fn many_routes(limit: &str, instances: u32, lb: &str) -> String {
    scenario(
        &format!(
            r#"(path_prefix: "/api/", upstream: "rules", timeout_ms: Some(1000.0)),
               (path_prefix: "/api/v2/", upstream: "v2", rate_limit: {limit}),
               (path_prefix: "/static", upstream: "files")"#
        ),
        &format!(
            r#"LoadBalancer((name: "rules", {lb}, rules: [(path_prefix: "/api/payments", service: "payments"), (path_prefix: "/api/accounts", service: "accounts")])),
            Service((name: "payments", instances: 1, service_time: Constant(ms: 5.0))),
            Service((name: "accounts", instances: 1, service_time: Constant(ms: 5.0))),
            Service((name: "v2", instances: {instances}, service_time: Constant(ms: 5.0))),
            Service((name: "files", instances: 1, service_time: Constant(ms: 5.0))),"#
        ),
        r#"(from: "gw", to: "rules"), (from: "gw", to: "v2"), (from: "gw", to: "files"),
           (from: "rules", to: "payments"), (from: "rules", to: "accounts")"#,
    )
}

/// The validator, or `None` after printing `SKIPPED` (a failure with `CI=true`).
fn validator(name: &str) -> Option<PathBuf> {
    process::required_tool(name, "source .ci/tools.sh to install the export validators")
}

/// Exports `scenario` for `target` into `dir/<tag>.yaml` with the CLI (`extra`: more arguments).
fn export(dir: &Path, tag: &str, target: &str, scenario: &str, extra: &[&str]) -> PathBuf {
    let ron = dir.join(format!("{tag}.ron"));
    std::fs::write(&ron, scenario).unwrap();
    let out = dir.join(format!("{tag}.yaml"));
    let mut c = gatesim();
    c.args(["export", "--target", target, "--gateway", "gw"]).args(extra).arg(&ron).arg("-o").arg(&out);
    run_ok(c);
    out
}

/// Runs the validator on `file`: (passed, its output).
fn validate(bin: &Path, args: &[&str], file: &Path) -> (bool, String) {
    let out = Command::new(bin).args(args).arg(file).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A scenario to export: its tag, its text and more `gatesim export` arguments.
type Case = (&'static str, String, &'static [&'static str]);

/// Exports every case, validates each, then checks that a broken copy of the first is rejected
/// (`break_it` turns a valid file into an invalid one).
fn check(target: &str, bin: &Path, args: &[&str], cases: &[Case], break_it: fn(&str) -> String) {
    let dir = process::temp_dir(&format!("validate-{target}"));
    let mut first = None;
    for (tag, sc, extra) in cases {
        let file = export(&dir, tag, target, sc, extra);
        let (ok, output) = validate(bin, args, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(ok, "{target} {tag}: rejected by {}:\n{output}\n{text}", bin.display());
        println!("{target} {tag}: {}", output.trim());
        first.get_or_insert(text);
    }
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, break_it(&first.unwrap_or_default())).unwrap();
    let (ok, output) = validate(bin, args, &broken);
    assert!(!ok, "{target}: a broken file passed {}:\n{output}", bin.display());
    std::fs::remove_dir_all(&dir).ok();
}

fn schema(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas").join(name).to_string_lossy().into_owned()
}

#[test]
fn validate_kong_decks_file_schema() {
    let Some(bin) = validator("check-jsonschema") else { return };
    let checked = "health_check: Some((inter_ms: 2000, rise: 2, fall: 1)), failover: Off";
    let client = "Some((key: Client, algorithm: Kong(second: Some(5), minute: Some(100))))";
    let user = "Some((key: User, algorithm: Kong(minute: Some(60), hour: Some(1000))))";
    let global = "Some((key: Global, algorithm: Kong(second: Some(50), day: Some(100000))))";
    let cases: [Case; 4] = [
        ("client", two_routes("/api", client, checked, "Some(1500.0)"), &[]),
        ("user", two_routes("/api", user, "", "None"), &[]),
        ("global", two_routes("/v1", global, checked, "None"), &[]),
        ("routes", many_routes("Some((key: User, algorithm: Kong(second: Some(2))))", 3, "failover: Off"), &[]),
    ];
    let schema = schema("kong-deck.json");
    check("kong", &bin, &["--schemafile", &schema], &cases, |t| {
        t.replacen("strip_path: false", "strip_path: \"no\"", 1)
    });
}

#[test]
fn validate_traefik_v3_dynamic_configuration_schema() {
    let Some(bin) = validator("check-jsonschema") else { return };
    let checked = "health_check: Some((inter_ms: 500, rise: 1, fall: 1)), failover: Off";
    let client = "Some((key: Client, algorithm: Traefik(average: 10, burst: 5)))";
    let user = "Some((key: User, algorithm: Traefik(average: 30, period_ms: 60000, burst: 10)))";
    let cases: [Case; 3] = [
        ("client", two_routes("/api", client, checked, "Some(2000.0)"), &[]),
        ("user", two_routes("/api", user, "failover: Off", "None"), &[]),
        // A service routed directly fails over to its next instance, which Traefik cannot: one instance.
        ("routes", many_routes("Some((key: Client, algorithm: Traefik(average: 100)))", 1, "failover: Off"), &[]),
    ];
    let schema = schema("traefik-v3-file-provider.json");
    check("traefik", &bin, &["--schemafile", &schema], &cases, |t| t.replacen("servers:", "server:", 1));
}

#[test]
fn validate_aws_apigateway_openapi() {
    let Some(bin) = validator("openapi-spec-validator") else { return };
    // API Gateway does not balance: one instance behind each route, or the balancer's own address.
    let single = |prefix: &str, limit: &str, timeout: &str| {
        scenario(
            &format!(
                r#"(path_prefix: "{prefix}", upstream: "lb", timeout_ms: {timeout}, rate_limit: {limit}),
                   (path_prefix: "/", upstream: "solo")"#
            ),
            r#"LoadBalancer((name: "lb")),
            Service((name: "a", instances: 1, service_time: Constant(ms: 5.0))),
            Service((name: "solo", instances: 1, service_time: Constant(ms: 5.0))),"#,
            r#"(from: "gw", to: "lb"), (from: "gw", to: "solo"), (from: "lb", to: "a")"#,
        )
    };
    let global = "Some((key: Global, algorithm: AwsThrottle(rate_rps: 100, burst: 50)))";
    let user = "Some((key: User, algorithm: AwsThrottle(rate_rps: 10, burst: 20)))";
    let cases: [Case; 5] = [
        ("global", single("/api/", global, "Some(2000.0)"), &[]),
        ("user", single("/api/", user, "None"), &[]),
        ("plain", single("/api", "None", "Some(29000.0)"), &[]),
        (
            "routes",
            many_routes("Some((key: User, algorithm: AwsThrottle(rate_rps: 5, burst: 5)))", 1, "failover: Off"),
            &[],
        ),
        // Three instances behind `lb`, integrated through the balancer's own address.
        ("balancer", two_routes("/api/", user, "", "Some(5000.0)"), &["--backend", "lb=10.0.0.5:8080"]),
    ];
    check("aws-apigateway", &bin, &[], &cases, |t| t.replacen("openapi: \"3.0.1\"", "openapi: \"9\"", 1));
}

/// `--backend BALANCER=ADDR` is taken by aws-apigateway only (the others balance themselves).
#[test]
fn validate_cli_takes_a_balancer_address_for_aws_apigateway_only() {
    let dir = process::temp_dir("balancer-address");
    let ron = dir.join("s.ron");
    std::fs::write(&ron, two_routes("/api/", "None", "failover: Off", "None")).unwrap();
    for (target, code) in [("aws-apigateway", 0), ("kong", 2), ("traefik", 2), ("nginx", 2)] {
        let out = gatesim()
            .args(["export", "--target", target, "--gateway", "gw", "--backend", "lb=10.0.0.5:8080"])
            .arg(&ron)
            .arg("-o")
            .arg(dir.join(format!("{target}.out")))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{target}: {stderr}");
        if code == 2 {
            assert!(stderr.contains("--backend lb: no such instance"), "{target}: {stderr}");
        }
    }
    let text = std::fs::read_to_string(dir.join("aws-apigateway.out")).unwrap();
    assert!(text.contains("uri: \"http://10.0.0.5:8080/api/{proxy}\""), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
