//! The scenario-wide exports checked by the real tools: Kubernetes manifests by
//! `kubernetes-validate --strict` (the API's OpenAPI schemas, Kubernetes 1.31), the Route 53
//! change batch by `check-jsonschema` against `tests/schemas/route53-change-batch.schema.json`
//! (and by botocore's own parameter validator when Python has botocore), the Prometheus rules by
//! `promtool check rules` and the test file generated from the simulation by `promtool test rules`.
//!
//! Each file is written by the CLI binary. A missing tool prints `SKIPPED: ...` and the check
//! passes, unless `CI=true`. Tools are looked up on PATH, then in `$GATESIM_TOOLS/venv/bin`
//! (default `~/.cache/gatesim-tools`, where `.ci/tools.sh` installs them), then in `/usr/bin`.

use super::{gatesim, process, run_ok};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The hand-written scenario for these targets (containers with probes and an HPA, a weighted
/// DNS name, Prometheus and CloudWatch alarms).
fn targets_scenario() -> PathBuf {
    repo("tests/differential/scenarios/scenario-targets.ron")
}

/// The tool `name`, or `None` after printing `SKIPPED` (a failure when `CI=true`).
fn tool(name: &str) -> Option<PathBuf> {
    crate::process::required_tool(name, "`source .ci/tools.sh`, or Debian's prometheus for promtool")
}

/// Runs `c`; returns whether it succeeded and what it printed.
fn run(mut c: Command) -> (bool, String) {
    let out = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn assert_valid(c: Command, file: &Path) {
    let what = format!("{c:?}");
    let (ok, out) = run(c);
    assert!(
        ok,
        "{what} rejected the export:\n{out}\n--- {}:\n{}",
        file.display(),
        std::fs::read_to_string(file).unwrap()
    );
}

/// `gatesim export --target TARGET --force SCENARIO -o DIR/FILE ARGS...`. The scenario's timeline
/// injects the fault its alarms are for, which breaks its SLOs: `--force` exports it anyway (the
/// header says so), as a user exporting the monitoring of an incident replay would.
fn export(target: &str, scenario: &Path, out: &Path, args: &[&str]) {
    let mut c = gatesim();
    c.args(["export", "--target", target, "--force"]).arg(scenario).arg("-o").arg(out).args(args);
    run_ok(c);
    let text = std::fs::read_to_string(out).unwrap();
    // Route 53's change batch carries the header in its `Comment`, cut to the API's 256 characters.
    if !text.starts_with('{') {
        assert!(text.contains("FORCED past a failing verdict"), "{text}");
    }
}

#[test]
fn validate_kubernetes_manifests() {
    let dir = process::temp_dir("k8s");
    let out = dir.join("k8s.yaml");
    export("kubernetes", &targets_scenario(), &out, &["--image", "registry.example/shop:1.4", "--namespace", "shop"]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.matches("kind: \"HorizontalPodAutoscaler\"").count(), 1, "{text}");
    assert!(text.contains("name: \"orders-v2\""), "Orders_V2 mapped to a DNS-1035 label:\n{text}");
    let Some(kv) = tool("kubernetes-validate") else { return };
    let check = |file: &Path| {
        let mut c = Command::new(&kv);
        c.args(["--strict", "-k", "1.31.0"]).arg(file);
        c
    };
    assert_valid(check(&out), &out);
    // The validator tells a broken manifest apart: a probe period as a string.
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, text.replacen("periodSeconds: 10", "periodSeconds: \"ten\"", 1)).unwrap();
    assert!(!run(check(&bad)).0, "kubernetes-validate accepted a string periodSeconds");
}

#[test]
fn validate_kubernetes_refusals_through_the_cli() {
    let dir = process::temp_dir("k8s-refused");
    // The bundled scenarios run their services on VMs: refused, naming the node, exit 2.
    let mut c = gatesim();
    c.args(["export", "--target", "kubernetes", "--image", "x"])
        .arg(repo("scenarios/checkout.ron"))
        .arg("-o")
        .arg(dir.join("k.yaml"));
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("kubernetes cannot express deployment Vm"), "{err}");
    assert!(!dir.join("k.yaml").exists(), "nothing written on a refusal");
    // --tests belongs to the prometheus target.
    let mut c = gatesim();
    c.args(["export", "--target", "kubernetes", "--image", "x", "--tests"])
        .arg(dir.join("t.yml"))
        .arg(targets_scenario())
        .arg("-o")
        .arg(dir.join("k.yaml"));
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Route 53: the change batch parsed back, checked against the schema and botocore's model.
fn check_change_batch(file: &Path) {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let changes = v["Changes"].as_array().expect("Changes is a list");
    assert!(!changes.is_empty());
    for ch in changes {
        assert_eq!(ch["Action"], "UPSERT");
        let set = &ch["ResourceRecordSet"];
        assert!(set["Name"].as_str().is_some_and(|n| n.ends_with(".example.com.")), "{set}");
    }
    if let Some(cj) = tool("check-jsonschema") {
        let mut c = Command::new(cj);
        c.arg("--schemafile").arg(repo("tests/schemas/route53-change-batch.schema.json")).arg(file);
        assert_valid(c, file);
    }
    // botocore's client-side validation of the API call (shapes, required members, ranges).
    let script = "import json,sys\ntry:\n import botocore.session\nexcept ImportError:\n print('NO-BOTOCORE'); sys.exit(0)\n\
        from botocore.validate import ParamValidator\n\
        m=botocore.session.get_session().get_service_model('route53').operation_model('ChangeResourceRecordSets').input_shape\n\
        r=ParamValidator().validate({'HostedZoneId':'Z0000000000000000000','ChangeBatch':json.load(open(sys.argv[1]))},m)\n\
        print(r.generate_report()); sys.exit(1 if r.has_errors() else 0)\n";
    let mut c = Command::new("python3");
    c.arg("-c").arg(script).arg(file);
    match c.output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            if text.contains("NO-BOTOCORE") {
                println!("note: python3 has no botocore; its parameter check left out");
            } else {
                assert!(out.status.success(), "botocore rejected {}:\n{text}", file.display());
            }
        }
        Err(e) => println!("note: no python3 ({e}); botocore's parameter check left out"),
    }
}

#[test]
fn validate_route53_change_batches() {
    let dir = process::temp_dir("route53");
    // Weighted, one record health-checked.
    let weighted = dir.join("weighted.json");
    // The health check id is required for the checked record.
    let mut c = gatesim();
    c.args([
        "export",
        "--target",
        "route53",
        "--force",
        "--zone",
        "example.com",
        "--dns-target",
        "gw-east=203.0.113.10",
    ])
    .args(["--dns-target", "gw-west=198.51.100.7"]);
    c.arg(targets_scenario()).arg("-o").arg(dir.join("x.json"));
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no --health-check: {}", String::from_utf8_lossy(&out.stderr));
    let mut c = gatesim();
    c.args([
        "export",
        "--target",
        "route53",
        "--force",
        "--zone",
        "example.com",
        "--dns-target",
        "gw-east=203.0.113.10",
    ])
    .args(["--dns-target", "gw-west=198.51.100.7", "--health-check", "gw-east=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"])
    .arg(targets_scenario())
    .arg("-o")
    .arg(&weighted);
    run_ok(c);
    check_change_batch(&weighted);
    // Failover between two regions (the bundled scenario), both records checked, as aliases.
    let failover = dir.join("failover.json");
    export(
        "route53",
        &repo("scenarios/two-region-failover.ron"),
        &failover,
        &[
            "--zone",
            "example.com",
            "--dns-target",
            "gw-east=alias:Z35SXDOTRQ7X7K:east-lb-1.us-east-1.elb.amazonaws.com",
            "--dns-target",
            "gw-west=alias:Z1H1FL5HABSF5:west-lb-1.us-west-2.elb.amazonaws.com",
            "--health-check",
            "gw-east=hc-east",
            "--health-check",
            "gw-west=hc-west",
        ],
    );
    let text = std::fs::read_to_string(&failover).unwrap();
    assert!(text.contains("\"Failover\": \"PRIMARY\"") && text.contains("\"Failover\": \"SECONDARY\""), "{text}");
    check_change_batch(&failover);
    // Latency and geolocation: the same scenario with its DNS node's routing changed.
    let text = std::fs::read_to_string(targets_scenario()).unwrap();
    let weighted_records = r#"routing: Weighted, ttl: "60s",
                records: [(target: "gw-east", weight: 3.0), (target: "gw-west", weight: 1.0, health_check: false)],"#;
    assert!(text.contains(weighted_records), "the scenario's DNS node changed: update this test");
    for (policy, records, extra) in [
        ("Latency", r#"(target: "gw-east"), (target: "gw-west", health_check: false)"#, &[][..]),
        (
            "Geolocation",
            r#"(target: "gw-east", locations: ["us-east-1", "eu-west-1"]), (target: "gw-west", health_check: false)"#,
            &["--geo", "us-east-1=subdivision:US-VA", "--geo", "eu-west-1=continent:EU"][..],
        ),
    ] {
        let sc = dir.join(format!("{policy}.ron"));
        let changed = format!("routing: {policy}, ttl: \"60s\",\n                records: [{records}],");
        std::fs::write(&sc, text.replace(weighted_records, &changed)).unwrap();
        let out = dir.join(format!("{policy}.json"));
        let mut args = vec!["--zone", "example.com", "--dns-target", "gw-east=203.0.113.10"];
        args.extend(["--dns-target", "gw-west=198.51.100.7", "--health-check", "gw-east=hc-east"]);
        args.extend(extra);
        export("route53", &sc, &out, &args);
        check_change_batch(&out);
    }
    // The schema tells a broken batch apart: a weight out of range.
    if let Some(cj) = tool("check-jsonschema") {
        let bad = dir.join("bad.json");
        let text = std::fs::read_to_string(&weighted).unwrap();
        std::fs::write(&bad, text.replacen("\"Weight\": 3", "\"Weight\": 300", 1)).unwrap();
        let mut c = Command::new(cj);
        c.arg("--schemafile").arg(repo("tests/schemas/route53-change-batch.schema.json")).arg(&bad);
        assert!(!run(c).0, "the schema accepted a weight of 300");
    }
}

/// Exports `scenario`'s rules and generated tests into a fresh directory; runs both promtool checks.
fn prometheus(tag: &str, scenario: &Path) -> String {
    let dir = process::temp_dir(tag);
    let rules = dir.join("alerts.rules.yml");
    let tests = dir.join("alerts.test.yml");
    export("prometheus", scenario, &rules, &["--tests", tests.to_str().unwrap()]);
    let text = std::fs::read_to_string(&tests).unwrap();
    assert!(text.contains("rule_files:\n  - \"alerts.rules.yml\""), "{text}");
    if let Some(promtool) = tool("promtool") {
        let mut c = Command::new(&promtool);
        c.args(["check", "rules"]).arg(&rules);
        assert_valid(c, &rules);
        let mut c = Command::new(&promtool);
        c.args(["test", "rules"]).arg(&tests);
        assert_valid(c, &tests);
    }
    text
}

#[test]
fn validate_prometheus_rules_and_the_simulations_firing_times() {
    // Shares of 5xx and of server errors; a CloudWatch alarm skipped; a service metric untested.
    let text = prometheus("prom-targets", &targets_scenario());
    assert_eq!(text.matches("exp_labels:").count(), 2, "{text}");
    assert!(text.contains("# api-busy: no test"), "{text}");
    // The bundled incident: a drop in successful answers when a rate limit is tightened.
    let text = prometheus("prom-incident", &repo("scenarios/incidents/rate-limit-tightened.ron"));
    assert!(text.contains("alertname: \"success_rate_drop\""), "{text}");
    // Rules and tests in different directories: the test file names the rules by absolute path.
    let dir = process::temp_dir("prom-dirs");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    let (rules, tests) = (dir.join("rules/a.yml"), dir.join("tests/a.test.yml"));
    export("prometheus", &targets_scenario(), &rules, &["--tests", tests.to_str().unwrap()]);
    let text = std::fs::read_to_string(&tests).unwrap();
    assert!(text.contains(&format!("  - {:?}\n", rules.to_str().unwrap())), "{text}");
    if let Some(promtool) = tool("promtool") {
        let mut c = Command::new(promtool);
        c.args(["test", "rules"]).arg(&tests);
        assert_valid(c, &tests);
    }
}

#[test]
fn validate_prometheus_catches_a_rule_that_disagrees_with_the_simulation() {
    // A rule whose threshold is not the model's fires later than simulated: the generated test
    // must fail against it (the test checks the real rules, not itself).
    let Some(promtool) = tool("promtool") else { return };
    let dir = process::temp_dir("prom-disagree");
    let rules = dir.join("alerts.rules.yml");
    let tests = dir.join("alerts.test.yml");
    export("prometheus", &targets_scenario(), &rules, &["--tests", tests.to_str().unwrap()]);
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replace("> 0.05", "> 0.9").replace("> 0.1", "> 0.9")).unwrap();
    let mut c = Command::new(promtool);
    c.args(["test", "rules"]).arg(&tests);
    let (ok, out) = run(c);
    assert!(!ok, "promtool passed tests against rules that never fire:\n{out}");
}
