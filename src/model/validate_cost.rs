//! Validation of deployment kinds, hosting, the price table and the business figures (see
//! `model::deploy` and `model::cost`).

use super::cost::{Business, PriceTable};
use super::deploy::{Deployment, Hosting, Probe};
use super::topology_index::TopologyIndex;
use super::validate::Checker;
use super::{Node, NodeKind, Scenario};

/// Lambda's memory range, MB (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html>).
const LAMBDA_MEMORY_MB: std::ops::RangeInclusive<u32> = 128..=10_240;

/// Every problem of deployments, hosting, prices and business figures.
pub(super) fn check(c: &mut Checker<'_>, s: &Scenario, index: &TopologyIndex<'_>) {
    let table = PriceTable::with(&s.prices);
    check_prices(c, s);
    for r in &s.topology.regions {
        if let Some(f) = r.price_factor
            && !(f.is_finite() && f > 0.0)
        {
            c.error(None, format!("region {}: price_factor must be a number > 0, got {f}", r.name));
        }
    }
    let factor_of = |region: Option<&str>| -> Result<f64, String> {
        table.factor(&s.topology, region).ok_or_else(|| {
            let name = region.unwrap_or_default();
            format!(
                "region \"{name}\" has no price: set `price_factor` on the region (1.0 prices it like \
                 us-east-1) or add it to `prices.region_factor`"
            )
        })
    };
    for node in &s.topology.nodes {
        let name = node.name();
        let factor = factor_of(node.region());
        if let Err(why) = &factor
            && !matches!(node, Node::Clients(_) | Node::Dns(_))
        {
            c.error(Some(name), why.clone());
        }
        let f = factor.unwrap_or(1.0);
        match node {
            Node::Service(svc) => {
                check_deployment(c, index, name, &svc.deployment, svc.autoscaling.is_some());
                if !matches!(svc.deployment, Deployment::Serverless(_))
                    && let Err(why) = table.hourly(svc.deployment.size(), f)
                {
                    c.error(Some(name), why);
                }
            }
            Node::Gateway(g) => check_hosting(c, &table, name, &g.hosting, f),
            Node::LoadBalancer(b) => check_hosting(c, &table, name, &b.hosting, f),
            Node::DataStore(ds) => {
                if let Err(why) = table.store_hourly(ds.size.as_deref(), f) {
                    c.error(Some(name), why);
                }
                for r in &ds.replicas {
                    if let Err(why) = factor_of(Some(&r.region)) {
                        c.error(Some(name), format!("replica in {}: {why}", r.region));
                    }
                }
                if !(ds.data_gb.is_finite() && ds.data_gb >= 0.0) {
                    c.error(Some(name), format!("data_gb must be a number >= 0, got {}", ds.data_gb));
                }
            }
            Node::Clients(p) => {
                for (field, v) in [("request_kb", p.request_kb), ("response_kb", p.response_kb)] {
                    if !(v.is_finite() && (0.0..=1e9).contains(&v)) {
                        c.error(Some(name), format!("{field} must be a number from 0 to 1e9, got {v}"));
                    }
                }
            }
            Node::Dns(_) => {}
        }
    }
    if let Some(b) = &s.business {
        check_business(c, b);
    }
}

fn check_prices(c: &mut Checker<'_>, s: &Scenario) {
    let p = &s.prices;
    let bad = |v: f64| !(v.is_finite() && v >= 0.0);
    for (size, v) in &p.instance_hour {
        if bad(*v) {
            c.error(None, format!("prices.instance_hour[{size}] must be a price >= 0, got {v}"));
        }
    }
    for (region, v) in &p.region_factor {
        if !(v.is_finite() && *v > 0.0) {
            c.error(None, format!("prices.region_factor[{region}] must be a number > 0, got {v}"));
        }
    }
    let scalars = [
        ("gateway_per_million", p.gateway_per_million),
        ("balancer_hour", p.balancer_hour),
        ("balancer_lcu_hour", p.balancer_lcu_hour),
        ("internet_egress_per_gb", p.internet_egress_per_gb),
        ("inter_region_per_gb", p.inter_region_per_gb),
        ("serverless_per_million", p.serverless_per_million),
        ("serverless_gb_second", p.serverless_gb_second),
        ("dns_zone_month", p.dns_zone_month),
        ("dns_per_million", p.dns_per_million),
        ("health_check_month", p.health_check_month),
        ("backup_gb_month", p.backup_gb_month),
    ];
    for (field, v) in scalars {
        if let Some(v) = v
            && bad(v)
        {
            c.error(None, format!("prices.{field} must be a price >= 0, got {v}"));
        }
    }
    let table = PriceTable::with(p);
    for (field, size) in [("default_size", &table.default_size), ("default_store_size", &table.default_store_size)] {
        if !table.instance_hour.contains_key(size) {
            c.error(None, format!("prices.{field}: no price for instance size \"{size}\" in prices.instance_hour"));
        }
    }
}

fn check_hosting(c: &mut Checker<'_>, table: &PriceTable, name: &str, h: &Hosting, factor: f64) {
    if let Hosting::Instances { count, size } = h {
        if *count == 0 {
            c.error(Some(name), "hosting: Instances needs a count >= 1".into());
        }
        if let Err(why) = table.hourly(size.as_deref(), factor) {
            c.error(Some(name), format!("hosting: {why}"));
        }
    }
}

fn check_deployment(c: &mut Checker<'_>, index: &TopologyIndex<'_>, name: &str, d: &Deployment, autoscaled: bool) {
    match d {
        Deployment::Vm { .. } => {}
        Deployment::Container(k) => {
            for (which, probe) in [("liveness", &k.liveness), ("readiness", &k.readiness)] {
                if let Some(p) = probe {
                    check_probe(c, name, which, p);
                }
            }
            if let Some(p) = &k.liveness
                && p.success_threshold != 1
            {
                c.error(
                    Some(name),
                    format!(
                        "liveness probe: success_threshold must be 1 (Kubernetes refuses any other), got {}",
                        p.success_threshold
                    ),
                );
            }
            if !(k.restart.0.is_finite() && (0.0..=86_400.0).contains(&k.restart.0)) {
                c.error(Some(name), format!("container restart must be from 0 to 24 h, got {}", k.restart));
            }
        }
        Deployment::Serverless(f) => {
            if f.concurrency_limit == 0 {
                c.error(
                    Some(name),
                    "serverless concurrency_limit must be >= 1 (0 would throttle every request)".into(),
                );
            }
            if f.concurrency_limit > super::limits::MAX_INSTANCES {
                c.error(
                    Some(name),
                    format!(
                        "serverless concurrency_limit {} is above the largest supported, {}",
                        f.concurrency_limit,
                        super::limits::MAX_INSTANCES
                    ),
                );
            }
            if !LAMBDA_MEMORY_MB.contains(&f.memory_mb) {
                c.error(
                    Some(name),
                    format!("serverless memory_mb must be from 128 to 10240 (Lambda's range), got {}", f.memory_mb),
                );
            }
            if !(f.keep_warm.0.is_finite() && (0.0..=86_400.0).contains(&f.keep_warm.0)) {
                c.error(Some(name), format!("serverless keep_warm must be from 0 to 24 h, got {}", f.keep_warm));
            }
            c.dist(name, "serverless cold_start", &f.cold_start);
            if autoscaled {
                c.error(
                    Some(name),
                    "a serverless function scales itself: remove `autoscaling` (its limit is concurrency_limit)".into(),
                );
            }
            for (_, link) in index.links_to(name) {
                if index.node(&link.from).map(Node::kind) == Some(NodeKind::LoadBalancer) {
                    c.error(
                        Some(name),
                        format!(
                            "a serverless function is reached by a gateway route or a client, not from a load \
                             balancer's pool (link {} -> {name}): the platform places each request",
                            link.from
                        ),
                    );
                }
            }
        }
    }
}

fn check_probe(c: &mut Checker<'_>, name: &str, which: &str, p: &Probe) {
    for (field, v) in [("period", p.period), ("timeout", p.timeout)] {
        if !(v.0.is_finite() && v.0 > 0.0 && v.0 <= 3600.0) {
            c.error(Some(name), format!("{which} probe: {field} must be > 0 and at most 1 h, got {v}"));
        }
    }
    if !(p.initial_delay.0.is_finite() && (0.0..=86_400.0).contains(&p.initial_delay.0)) {
        c.error(Some(name), format!("{which} probe: initial_delay must be from 0 to 24 h, got {}", p.initial_delay));
    }
    for (field, v) in [("failure_threshold", p.failure_threshold), ("success_threshold", p.success_threshold)] {
        if !(1..=1000).contains(&v) {
            c.error(Some(name), format!("{which} probe: {field} must be from 1 to 1000, got {v}"));
        }
    }
}

fn check_business(c: &mut Checker<'_>, b: &Business) {
    if !(b.value_per_request_usd.is_finite() && b.value_per_request_usd >= 0.0) {
        c.error(None, format!("business.value_per_request_usd must be >= 0, got {}", b.value_per_request_usd));
    }
    if let Some(sla) = &b.sla {
        if !(sla.monthly_fee_usd.is_finite() && sla.monthly_fee_usd >= 0.0) {
            c.error(None, format!("business.sla.monthly_fee_usd must be >= 0, got {}", sla.monthly_fee_usd));
        }
        for t in &sla.credits {
            if !(t.below > 0.0 && t.below <= 1.0 && (0.0..=1.0).contains(&t.credit)) {
                c.error(
                    None,
                    format!(
                        "business.sla.credits: `below` must be in (0, 1] and `credit` in [0, 1], got below {} credit {}",
                        t.below, t.credit
                    ),
                );
            }
        }
    }
}
