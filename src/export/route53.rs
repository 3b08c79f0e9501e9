//! AWS Route 53: the scenario's DNS nodes as one `ChangeResourceRecordSets` change batch
//! (`{"Comment": ..., "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {...}}]}`), one record
//! set per record of each DNS node. Mapping, refusals and validation: `docs/export/route53.md`.
//!
//! The model names nodes, not DNS names, so the export needs ([`ScenarioOptions`]): the hosted
//! zone (the DNS node `api` becomes `api.<zone>.`), what each record's target is in DNS (an address,
//! a host name or an alias), and the id of the health check of each checked target (health checks
//! are created apart, `CreateHealthCheck`, and only referenced here). Routing policies:
//!
//! - `Simple`: one record set without a `SetIdentifier`; the model answers its first record only,
//!   so a simple DNS node with several records is refused (Route 53 would answer all of them).
//! - `Weighted`: `SetIdentifier` = the target node, `Weight` = the record's whole weight, 0..=255.
//! - `Failover`: `Failover` `PRIMARY` / `SECONDARY`, one of each at most.
//! - `Latency`: `Region` = the target node's region (required, one record per region).
//! - `Geolocation`: the default record (no `locations`) is `CountryCode` `*`; gatesim regions are
//!   not Route 53 locations, so each client region a record lists needs one from
//!   [`ScenarioOptions::geo`], and becomes a record set of its own (`SetIdentifier`
//!   `<target>/<region>`: Route 53 takes one location per record set).
//!
//! `ExportOptions::header` goes into the batch's `Comment` (lines joined by ` | `, cut to the 256
//! characters the API allows).

use super::scenario::whole_secs;
use super::{ExportError, ExportOptions, ScenarioOptions, Target};
use crate::model::names::check_name;
use crate::model::{Dns, DnsRecord, DnsRouting, Node, RecordRole, Scenario};
use serde_json::{Map, Value, json};
use std::net::IpAddr;

const T: Target = Target::Route53;

/// The API's longest `Comment`, in characters.
const COMMENT_MAX: usize = 256;

/// An alias record answers with its target's TTL; the model's TTL must be what an Elastic Load
/// Balancing target gives (Route 53 Developer Guide, "Choosing between alias and non-alias").
const ALIAS_TTL_S: f64 = 60.0;

/// The regions a latency record may name (the API's `ResourceRecordSetRegion`, botocore 1.43.11).
const LATENCY_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "eu-north-1",
    "sa-east-1",
    "cn-north-1",
    "cn-northwest-1",
    "ap-east-1",
    "me-south-1",
    "me-central-1",
    "ap-south-1",
    "ap-south-2",
    "af-south-1",
    "eu-south-1",
    "eu-south-2",
    "ap-southeast-4",
    "il-central-1",
    "ca-west-1",
    "ap-southeast-5",
    "mx-central-1",
    "ap-southeast-7",
    "us-gov-east-1",
    "us-gov-west-1",
    "ap-east-2",
    "ap-southeast-6",
    "eusc-de-east-1",
];

/// Writes the change batch (pretty-printed JSON).
pub fn write(scenario: &Scenario, o: &ExportOptions) -> Result<String, ExportError> {
    let so = &o.scenario;
    let mut changes = Vec::new();
    for node in &scenario.topology.nodes {
        let Node::Dns(dns) = node else { continue };
        let zone = so.zone.as_deref().ok_or_else(|| {
            ExportError::Missing(dns.name.clone(), T, "the hosted zone's domain (give it with --zone DOMAIN)".into())
        })?;
        let zone = domain(&dns.name, zone)?;
        for set in record_sets(scenario, dns, &zone, so)? {
            changes.push(json!({ "Action": "UPSERT", "ResourceRecordSet": set }));
        }
    }
    if changes.is_empty() {
        return Err(ExportError::Nothing(T, "the scenario has no DNS node to write".into()));
    }
    let mut comment: String = o.header.iter().map(|l| l.replace(['\r', '\n'], " ")).collect::<Vec<_>>().join(" | ");
    if comment.is_empty() {
        comment = format!("gatesim export of scenario {:?}", scenario.name);
    }
    let comment: String = comment.chars().take(COMMENT_MAX).collect();
    let batch = json!({ "Comment": comment, "Changes": changes });
    serde_json::to_string_pretty(&batch)
        .map(|s| s + "\n")
        .map_err(|e| ExportError::Broken { node: String::new(), message: format!("JSON: {e}") })
}

/// A DNS name in lower case with one trailing dot: labels of 1 to 63 ASCII letters, digits and
/// `-` (not at a label's ends), at most 253 characters in all; anything else is refused.
fn domain(node: &str, name: &str) -> Result<String, ExportError> {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if lower.is_empty() || lower.len() > 253 || !lower.split('.').all(label_ok) {
        return Err(ExportError::Refused {
            node: node.into(),
            message: format!("{name:?} is not a DNS name (labels of ASCII letters, digits and `-`, joined by `.`)"),
        });
    }
    Ok(lower + ".")
}

/// The record sets of one DNS node.
fn record_sets(scenario: &Scenario, dns: &Dns, zone: &str, so: &ScenarioOptions) -> Result<Vec<Value>, ExportError> {
    check_name(&dns.name).map_err(|why| ExportError::Refused {
        node: dns.name.clone(),
        message: format!("the name cannot be a DNS label: {why}"),
    })?;
    let name = domain(&dns.name, &format!("{}.{zone}", dns.name.replace('_', "-")))?;
    if dns.records.is_empty() {
        return Err(ExportError::Broken { node: dns.name.clone(), message: "has no records".into() });
    }
    if dns.routing == DnsRouting::Simple && dns.records.len() > 1 {
        return Err(ExportError::unsupported(
            &dns.name,
            "simple routing with several records",
            T,
            "gatesim answers the first record, a simple Route 53 record set answers all its values; keep one record",
        ));
    }
    let ttl = whole_secs(dns.ttl.0).filter(|&t| t <= 2_147_483_647).ok_or_else(|| {
        ExportError::unsupported(&dns.name, format!("ttl {} s", dns.ttl.0), T, "TTL is whole seconds")
    })?;
    let mut sets = Vec::new();
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    let mut geos: Vec<(Value, String)> = Vec::new();
    for r in &dns.records {
        let (kind, answer) = answer(dns, r, so)?;
        if let Some((other, t)) = kinds.iter().find(|(_, t)| *t != kind) {
            return Err(ExportError::unsupported(
                &dns.name,
                format!("records of types {t} ({other}) and {kind} ({})", r.target),
                T,
                "the records of one name share one type",
            ));
        }
        kinds.push((&r.target, kind));
        // The answer's fields, after the policy's in every record set of this record.
        let mut tail = Map::new();
        match answer {
            Answer::Values(v) => {
                tail.insert("TTL".into(), json!(ttl));
                tail.insert("ResourceRecords".into(), json!([{ "Value": v }]));
            }
            Answer::Alias { zone_id, dns_name } => {
                if dns.ttl.0 != ALIAS_TTL_S {
                    return Err(ExportError::unsupported(
                        &dns.name,
                        format!("ttl {} s on an alias record", dns.ttl.0),
                        T,
                        "an alias record answers with its target's TTL (60 s for a load balancer)",
                    ));
                }
                tail.insert(
                    "AliasTarget".into(),
                    json!({ "HostedZoneId": zone_id, "DNSName": dns_name, "EvaluateTargetHealth": r.evaluate_target_health }),
                );
            }
        }
        if dns.health_check.is_some() && r.health_check {
            let id = so.health_checks.get(&r.target).ok_or_else(|| {
                ExportError::Missing(
                    r.target.clone(),
                    T,
                    format!("the id of its Route 53 health check (give it with --health-check {}=ID)", r.target),
                )
            })?;
            let ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(ExportError::Refused {
                    node: r.target.clone(),
                    message: format!("health check id {id:?}: only ASCII letters, digits and `-`, at most 64"),
                });
            }
            tail.insert("HealthCheckId".into(), json!(id));
        }
        for (id, policy) in routing(scenario, dns, r, so)? {
            let mut set = Map::new();
            set.insert("Name".into(), json!(name));
            set.insert("Type".into(), json!(kind));
            if dns.routing != DnsRouting::Simple {
                set.insert("SetIdentifier".into(), json!(id));
            }
            if let Some(geo) = policy.get("GeoLocation") {
                if let Some(other) = geos.iter().find(|(g, _)| g == geo) {
                    return Err(ExportError::unsupported(
                        &dns.name,
                        format!("records {} and {id} for one location {geo}", other.1),
                        T,
                        "one geolocation record per location",
                    ));
                }
                geos.push((geo.clone(), id.clone()));
            }
            set.extend(policy);
            set.extend(tail.clone());
            sets.push(Value::Object(set));
        }
    }
    Ok(sets)
}

/// What a record answers.
enum Answer {
    /// An address or host name.
    Values(String),
    /// An alias to another AWS resource.
    Alias { zone_id: String, dns_name: String },
}

/// The record's type and answer, from [`ScenarioOptions::dns_targets`].
fn answer(dns: &Dns, r: &DnsRecord, so: &ScenarioOptions) -> Result<(&'static str, Answer), ExportError> {
    check_name(&r.target).map_err(|why| ExportError::Refused {
        node: dns.name.clone(),
        message: format!("record target {:?} cannot be a set identifier: {why}", r.target),
    })?;
    let given = so.dns_targets.get(&r.target).ok_or_else(|| {
        ExportError::Missing(
            r.target.clone(),
            T,
            format!(
                "its address or DNS name (give it with --dns-target {}=IP|HOSTNAME|alias:ZONEID:DNSNAME)",
                r.target
            ),
        )
    })?;
    let (kind, answer) = if let Some(alias) = given.strip_prefix("alias:") {
        let (zone_id, name) = alias.split_once(':').unwrap_or(("", alias));
        let ok = !zone_id.is_empty() && zone_id.len() <= 32 && zone_id.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            return Err(ExportError::Refused {
                node: r.target.clone(),
                message: format!("{given:?}: an alias is alias:HOSTEDZONEID:DNSNAME, the zone id letters and digits"),
            });
        }
        ("A", Answer::Alias { zone_id: zone_id.into(), dns_name: domain(&r.target, name)? })
    } else if let Ok(ip) = given.parse::<IpAddr>() {
        (if ip.is_ipv4() { "A" } else { "AAAA" }, Answer::Values(ip.to_string()))
    } else {
        ("CNAME", Answer::Values(domain(&r.target, given)?))
    };
    if r.evaluate_target_health && !matches!(answer, Answer::Alias { .. }) {
        return Err(ExportError::unsupported(
            &r.target,
            "evaluate_target_health",
            T,
            "Route 53 evaluates target health only for alias records (give --dns-target NODE=alias:ZONEID:DNSNAME)",
        ));
    }
    Ok((kind, answer))
}

/// Some fields of a record set, in the API's order.
type Fields = Map<String, Value>;

/// The record sets of one record: each one's `SetIdentifier` and routing-policy fields (one set,
/// identified by the target, but for a geolocation record: one per location it answers).
fn routing(
    scenario: &Scenario,
    dns: &Dns,
    r: &DnsRecord,
    so: &ScenarioOptions,
) -> Result<Vec<(String, Fields)>, ExportError> {
    let same = |f: &dyn Fn(&DnsRecord) -> bool| dns.records.iter().filter(|q| f(q)).count();
    let mut set = Map::new();
    match dns.routing {
        DnsRouting::Simple => {}
        DnsRouting::Weighted => {
            let w = r.weight;
            if !((0.0..=255.0).contains(&w) && w.fract() == 0.0) {
                return Err(ExportError::unsupported(
                    &r.target,
                    format!("weight {w}"),
                    T,
                    "Route 53 weights are whole, 0..=255",
                ));
            }
            set.insert("Weight".into(), json!(w as u64));
        }
        DnsRouting::Failover => {
            if same(&|q| q.role == r.role) > 1 {
                return Err(ExportError::unsupported(
                    &dns.name,
                    format!("several {:?} records", r.role),
                    T,
                    "a failover name has one PRIMARY and one SECONDARY record",
                ));
            }
            let role = match r.role {
                RecordRole::Primary => "PRIMARY",
                RecordRole::Secondary => "SECONDARY",
            };
            set.insert("Failover".into(), json!(role));
        }
        DnsRouting::Latency => {
            let region = scenario.topology.node(&r.target).and_then(Node::region).ok_or_else(|| {
                ExportError::Missing(r.target.clone(), T, "a region (latency records are per AWS region)".into())
            })?;
            let region_of = |q: &DnsRecord| scenario.topology.node(&q.target).and_then(Node::region);
            if same(&|q| region_of(q) == Some(region)) > 1 {
                return Err(ExportError::unsupported(
                    &dns.name,
                    format!("several records in region {region}"),
                    T,
                    "one latency record per region",
                ));
            }
            if !LATENCY_REGIONS.contains(&region) {
                return Err(ExportError::unsupported(
                    &r.target,
                    format!("latency record in region {region:?}"),
                    T,
                    "not a region Route 53 measures latency to (an AWS region name)",
                ));
            }
            set.insert("Region".into(), json!(region));
        }
        DnsRouting::Geolocation if r.locations.is_empty() => {
            set.insert("GeoLocation".into(), json!({ "CountryCode": "*" }));
        }
        DnsRouting::Geolocation => {
            let mut sets = Vec::new();
            for region in &r.locations {
                check_name(region).map_err(|why| ExportError::Refused {
                    node: r.target.clone(),
                    message: format!("client region {region:?}: {why}"),
                })?;
                let geo = so.geo.get(region).ok_or_else(|| {
                    ExportError::Missing(
                        r.target.clone(),
                        T,
                        format!(
                            "the Route 53 location of client region {region:?} (give it with --geo \
                             {region}=continent:EU|country:DE|subdivision:US-CA)"
                        ),
                    )
                })?;
                let mut one = Map::new();
                one.insert("GeoLocation".into(), location(&r.target, geo)?);
                sets.push((format!("{}/{region}", r.target), one));
            }
            return Ok(sets);
        }
    }
    Ok(vec![(r.target.clone(), set)])
}

/// Route 53's continents (`GeoLocationContinentCode`, API reference `GeoLocation`).
const CONTINENTS: [&str; 7] = ["AF", "AN", "AS", "EU", "OC", "NA", "SA"];

/// A `GeoLocation` from `continent:XX`, `country:XX` or `subdivision:XX-YYY`.
fn location(node: &str, code: &str) -> Result<Value, ExportError> {
    let upper = |s: &str, n: std::ops::RangeInclusive<usize>| {
        (n.contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())).then(|| s.to_ascii_uppercase())
    };
    let geo = match code.split_once(':') {
        Some(("continent", c)) => {
            upper(c, 2..=2).filter(|c| CONTINENTS.contains(&c.as_str())).map(|c| json!({ "ContinentCode": c }))
        }
        Some(("country", c)) => upper(c, 2..=2).map(|c| json!({ "CountryCode": c })),
        Some(("subdivision", cs)) => cs
            .split_once('-')
            .and_then(|(c, s)| Some(json!({ "CountryCode": upper(c, 2..=2)?, "SubdivisionCode": upper(s, 1..=3)? }))),
        _ => None,
    };
    geo.ok_or_else(|| ExportError::Refused {
        node: node.into(),
        message: format!(
            "{code:?} is not a Route 53 location (continent:AF|AN|AS|EU|OC|NA|SA, country:XX, subdivision:XX-YYY)"
        ),
    })
}

#[cfg(test)]
#[path = "route53_tests.rs"]
mod tests;
