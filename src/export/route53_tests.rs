//! Route 53 change batches: a DNS node per routing policy -> the exact JSON, and every refusal.

use super::*;
use crate::export::export;
use crate::model::load;
use std::path::Path;

/// A DNS node `api` with routing `{routing}`, records `{records}` over gateways `gw-a` (us-east-1)
/// and `gw-b` (eu-west-1), and `{extra}` fields (TTL, health check).
fn scenario(routing: &str, records: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "r", run: (seed: 1, duration_s: 10.0),
    topology: (
        regions: [(name: "us-east-1"), (name: "eu-west-1")],
        nodes: [
            Clients((name: "users", region: "us-east-1", traffic: Constant(rate_rps: 1.0))),
            Dns((name: "api", routing: {routing}, records: [{records}], {extra})),
            Gateway((name: "gw-a", region: "us-east-1", routes: [(path_prefix: "/", upstream: "svc")])),
            Gateway((name: "gw-b", region: "eu-west-1", routes: [(path_prefix: "/", upstream: "svc")])),
            Service((name: "svc", region: "us-east-1", instances: 1, service_time: Constant(ms: 1.0))),
        ],
        links: [(from: "users", to: "api"), (from: "api", to: "gw-a"), (from: "api", to: "gw-b"),
            (from: "gw-a", to: "svc"), (from: "gw-b", to: "svc")],
    ),
)"#
    );
    load::parse(&text, Path::new("r.ron")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const TWO: &str = r#"(target: "gw-a", weight: 3.0), (target: "gw-b", role: Secondary, health_check: false)"#;

fn options(targets: &[(&str, &str)], checks: &[(&str, &str)]) -> ExportOptions {
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    ExportOptions {
        header: Vec::new(),
        scenario: ScenarioOptions {
            zone: Some("Example.com.".into()),
            dns_targets: pairs(targets),
            health_checks: pairs(checks),
            ..ScenarioOptions::default()
        },
        ..ExportOptions::default()
    }
}

fn ips() -> ExportOptions {
    options(&[("gw-a", "192.0.2.1"), ("gw-b", "192.0.2.2")], &[("gw-a", "hc-a")])
}

fn r53(sc: &Scenario, o: &ExportOptions) -> Result<serde_json::Value, ExportError> {
    let text = export(sc, None, Target::Route53, o)?;
    Ok(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}")))
}

fn sets(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["Changes"].as_array().unwrap().iter().map(|c| c["ResourceRecordSet"].clone()).collect()
}

#[test]
fn weighted_records_with_a_health_check_as_the_model_says() {
    let sc = scenario("Weighted", TWO, r#"ttl: "30s", health_check: ()"#);
    let got = r53(&sc, &ips()).unwrap();
    let want = serde_json::json!({
        "Comment": "gatesim export of scenario \"r\"",
        "Changes": [
            { "Action": "UPSERT", "ResourceRecordSet": {
                "Name": "api.example.com.", "Type": "A", "SetIdentifier": "gw-a", "Weight": 3, "TTL": 30,
                "ResourceRecords": [{ "Value": "192.0.2.1" }], "HealthCheckId": "hc-a" } },
            { "Action": "UPSERT", "ResourceRecordSet": {
                "Name": "api.example.com.", "Type": "A", "SetIdentifier": "gw-b", "Weight": 1, "TTL": 30,
                "ResourceRecords": [{ "Value": "192.0.2.2" }] } },
        ],
    });
    assert_eq!(got, want);
}

#[test]
fn failover_with_an_alias_that_evaluates_target_health() {
    let records = r#"(target: "gw-a", evaluate_target_health: true), (target: "gw-b", role: Secondary)"#;
    let sc = scenario("Failover", records, "");
    let o = options(
        &[("gw-a", "alias:Z35SXDOTRQ7X7K:my-lb-1.us-east-1.elb.amazonaws.com"), ("gw-b", "b.example.net")],
        &[],
    );
    // Mixed types (an alias is A, a host name CNAME) are refused ...
    let e = r53(&sc, &o).unwrap_err();
    assert!(matches!(&e, ExportError::Unsupported { node, .. } if node == "api"), "{e}");
    // ... two aliases are not.
    let o = options(
        &[
            ("gw-a", "alias:Z35SXDOTRQ7X7K:my-lb-1.us-east-1.elb.amazonaws.com"),
            ("gw-b", "alias:Z32O12XQLNTSW2:lb-2.elb.amazonaws.com."),
        ],
        &[],
    );
    let s = sets(&r53(&sc, &o).unwrap());
    assert_eq!(s[0]["Failover"], "PRIMARY");
    assert_eq!(s[1]["Failover"], "SECONDARY");
    assert_eq!(
        s[0]["AliasTarget"],
        serde_json::json!({ "HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "my-lb-1.us-east-1.elb.amazonaws.com.", "EvaluateTargetHealth": true })
    );
    assert_eq!(s[1]["AliasTarget"]["EvaluateTargetHealth"], false);
    assert!(s[0].get("TTL").is_none() && s[0].get("ResourceRecords").is_none(), "an alias has no TTL");
    // The model's TTL must be the alias target's (60 s).
    let e = r53(&scenario("Failover", records, r#"ttl: "30s""#), &o).unwrap_err();
    assert!(e.to_string().contains("alias"), "{e}");
    // Target health is evaluated only for aliases.
    let e = r53(&sc, &ips()).unwrap_err();
    assert!(
        matches!(&e, ExportError::Unsupported { node, policy, .. } if node == "gw-a" && policy == "evaluate_target_health")
    );
}

#[test]
fn latency_geolocation_and_simple() {
    let two = r#"(target: "gw-a"), (target: "gw-b")"#;
    let s = sets(&r53(&scenario("Latency", two, ""), &ips()).unwrap());
    assert_eq!((s[0]["Region"].as_str(), s[1]["Region"].as_str()), (Some("us-east-1"), Some("eu-west-1")));
    assert_eq!(s[1]["ResourceRecords"][0]["Value"], "192.0.2.2");
    let s = sets(&r53(&scenario("Geolocation", r#"(target: "gw-a")"#, ""), &ips()).unwrap());
    assert_eq!(s[0]["GeoLocation"], serde_json::json!({ "CountryCode": "*" }));
    // Client regions need a Route 53 location each; a record set per location.
    let geo =
        scenario("Geolocation", r#"(target: "gw-a", locations: ["eu-west-1", "us-east-1"]), (target: "gw-b")"#, "");
    let e = r53(&geo, &ips());
    assert!(matches!(&e, Err(ExportError::Missing(n, _, w)) if n == "gw-a" && w.contains("--geo eu-west-1=")), "{e:?}");
    let mut o = ips();
    o.scenario.geo.insert("eu-west-1".into(), "continent:eu".into());
    o.scenario.geo.insert("us-east-1".into(), "subdivision:US-VA".into());
    let s = sets(&r53(&geo, &o).unwrap());
    let ids: Vec<&str> = s.iter().map(|x| x["SetIdentifier"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gw-a/eu-west-1", "gw-a/us-east-1", "gw-b"]);
    assert_eq!(s[0]["GeoLocation"], serde_json::json!({ "ContinentCode": "EU" }));
    assert_eq!(s[1]["GeoLocation"], serde_json::json!({ "CountryCode": "US", "SubdivisionCode": "VA" }));
    assert_eq!(s[2]["GeoLocation"], serde_json::json!({ "CountryCode": "*" }));
    assert_eq!(s[1]["ResourceRecords"], s[0]["ResourceRecords"], "one answer, two locations");
    for bad in ["continent:XX", "country:DEU", "country:D\"", "planet:earth", "EU", "subdivision:US", "continent:E U"] {
        o.scenario.geo.insert("us-east-1".into(), bad.into());
        assert!(matches!(r53(&geo, &o), Err(ExportError::Refused { .. })), "{bad:?}");
    }
    // Two locations that are one for Route 53.
    o.scenario.geo.insert("us-east-1".into(), "continent:EU".into());
    assert!(matches!(r53(&geo, &o), Err(ExportError::Unsupported { .. })));
    let s = sets(&r53(&scenario("Simple", r#"(target: "gw-b")"#, ""), &ips()).unwrap());
    assert!(s[0].get("SetIdentifier").is_none(), "{s:?}");
    let e = r53(&scenario("Simple", two, ""), &ips());
    assert!(matches!(e, Err(ExportError::Unsupported { .. })), "several simple records: {e:?}");
    // IPv6 and host names.
    let s = sets(
        &r53(&scenario("Weighted", two, ""), &options(&[("gw-a", "2001:db8::1"), ("gw-b", "2001:db8::2")], &[]))
            .unwrap(),
    );
    assert_eq!(s[0]["Type"], "AAAA");
    let o = options(&[("gw-a", "A.Example.NET"), ("gw-b", "b.example.net.")], &[]);
    let s = sets(&r53(&scenario("Weighted", two, ""), &o).unwrap());
    assert_eq!(
        (s[0]["Type"].as_str(), s[0]["ResourceRecords"][0]["Value"].as_str()),
        (Some("CNAME"), Some("a.example.net."))
    );
}

#[test]
fn what_route53_cannot_express_or_is_not_given_is_refused() {
    let sc = scenario("Weighted", TWO, "health_check: ()");
    let mut o = ips();
    o.scenario.zone = None;
    assert!(matches!(r53(&sc, &o), Err(ExportError::Missing(n, Target::Route53, _)) if n == "api"));
    let o = options(&[("gw-a", "192.0.2.1")], &[("gw-a", "hc")]);
    assert!(matches!(r53(&sc, &o), Err(ExportError::Missing(n, _, w)) if n == "gw-b" && w.contains("--dns-target")));
    let o = options(&[("gw-a", "192.0.2.1"), ("gw-b", "192.0.2.2")], &[]);
    assert!(matches!(r53(&sc, &o), Err(ExportError::Missing(n, _, w)) if n == "gw-a" && w.contains("--health-check")));
    let e = r53(&scenario("Weighted", r#"(target: "gw-a", weight: 1.5), (target: "gw-b")"#, ""), &ips());
    assert!(matches!(e, Err(ExportError::Unsupported { .. })), "{e:?}");
    let e = r53(&scenario("Failover", r#"(target: "gw-a"), (target: "gw-b")"#, ""), &ips());
    assert!(matches!(e, Err(ExportError::Unsupported { .. })), "two primaries: {e:?}");
    let e = r53(&scenario("Weighted", TWO, r#"ttl: "1500ms""#), &ips());
    assert!(matches!(e, Err(ExportError::Unsupported { .. })), "{e:?}");
    let mut sc = scenario("Latency", r#"(target: "gw-a"), (target: "gw-b")"#, "");
    if let Some(crate::model::Node::Gateway(g)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "gw-b") {
        g.region = Some("lab-1".into());
    }
    assert!(matches!(r53(&sc, &ips()), Err(ExportError::Unsupported { node, .. }) if node == "gw-b"));
    let empty = Scenario { topology: Default::default(), ..scenario("Simple", r#"(target: "gw-a")"#, "") };
    assert!(matches!(r53(&empty, &ips()), Err(ExportError::Nothing(Target::Route53, _))));
}

#[test]
fn hostile_names_values_and_comments_are_refused_or_quoted() {
    for (old, new) in [
        ("api", "api;x"),
        ("api", "a{b}"),
        ("api", "a#"),
        ("api", "a b"),
        ("api", "a\"b"),
        ("gw-b", "b\nc"),
        ("gw-b", "b'"),
    ] {
        let mut sc = scenario("Weighted", TWO, "");
        sc.topology.rename(old, new);
        let mut o = ips();
        if old == "gw-b" {
            // A record's target, as a caller bypassing validation would set it.
            if let Some(crate::model::Node::Dns(d)) = sc.topology.nodes.iter_mut().find(|n| n.name() == "api") {
                d.records[1].target = new.into();
            }
            o.scenario.dns_targets.insert(new.into(), "192.0.2.2".into());
        }
        let e = r53(&sc, &o);
        assert!(matches!(&e, Err(ExportError::Refused { .. })), "{new:?}: {e:?}");
    }
    let sc = scenario("Weighted", TWO, "health_check: ()");
    for bad in [
        "a b.com",
        "x\"y.com",
        "evil.com\n",
        "a;b",
        "{x}",
        "#x",
        "-a.com",
        "alias:Z1",
        "alias:Z 1:a.com",
        "alias::a.com",
    ] {
        let o = options(&[("gw-a", bad), ("gw-b", "192.0.2.2")], &[("gw-a", "hc")]);
        assert!(matches!(r53(&sc, &o), Err(ExportError::Refused { .. })), "target {bad:?}");
    }
    for bad in ["h c", "h\"c", "h;c", "h\n"] {
        let o = options(&[("gw-a", "192.0.2.1"), ("gw-b", "192.0.2.2")], &[("gw-a", bad)]);
        assert!(matches!(r53(&sc, &o), Err(ExportError::Refused { .. })), "health check {bad:?}");
    }
    let mut o = ips();
    o.scenario.zone = Some("example.com; rm".into());
    assert!(matches!(r53(&sc, &o), Err(ExportError::Refused { .. })));
    // The header is data in a JSON string: quotes and newlines stay inside it, cut to 256.
    let mut o = ips();
    o.header = vec!["from \"s.ron\"\n}".into(), "x".repeat(300)];
    let v = r53(&sc, &o).unwrap();
    let c = v["Comment"].as_str().unwrap();
    assert!(c.starts_with("from \"s.ron\" } | xxx") && c.chars().count() == 256, "{c}");
}
