//! The price table and the value of a request: what a run costs, and what its outages cost.
//!
//! The bundled figures ([`DEFAULT_SIZES`], [`DEFAULT_REGION_FACTORS`], [`PriceTable::bundled`])
//! are AWS on-demand list prices in us-east-1 (Linux, USD), each with the page it comes from and
//! when it was read; a scenario's `prices` override any of them (a negotiated rate, another
//! cloud). Prices change: check them before relying on a figure. A region's price is the
//! us-east-1 price times the region's factor (`Region.price_factor`, else the table's).
//!
//! How a run's figures become money is defined in `report::cost`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Instance-hour prices by size, USD (us-east-1, on demand), with their source.
pub const DEFAULT_SIZES: &[(&str, f64, &str)] = &[
    // EC2 Linux on demand, https://aws.amazon.com/ec2/pricing/on-demand/ (read 2025; m7g.large
    // confirmed at $0.0816 in June 2026).
    ("t3.medium", 0.0416, EC2),
    ("t3.large", 0.0832, EC2),
    ("c5.large", 0.085, EC2),
    ("c6g.large", 0.068, EC2),
    ("c7g.large", 0.0725, EC2),
    ("m5.large", 0.096, EC2),
    ("m5.xlarge", 0.192, EC2),
    ("m6i.large", 0.096, EC2),
    ("m7g.large", 0.0816, EC2),
    ("m7g.xlarge", 0.1632, EC2),
    ("r6g.large", 0.1008, EC2),
    // Fargate, https://aws.amazon.com/fargate/pricing/ (read 2025): $0.04048 per vCPU-hour and
    // $0.004445 per GB-hour, Linux x86.
    ("fargate-0.25vcpu-0.5gb", 0.25 * 0.04048 + 0.5 * 0.004445, FARGATE),
    ("fargate-0.5vcpu-1gb", 0.5 * 0.04048 + 0.004445, FARGATE),
    ("fargate-1vcpu-2gb", 0.04048 + 2.0 * 0.004445, FARGATE),
    ("fargate-2vcpu-4gb", 2.0 * 0.04048 + 4.0 * 0.004445, FARGATE),
    // RDS for PostgreSQL single-AZ, https://aws.amazon.com/rds/postgresql/pricing/ (db.t4g read
    // May 2026; db.r6g.large read 2025).
    ("db.t4g.small", 0.032, RDS),
    ("db.t4g.medium", 0.065, RDS),
    ("db.r6g.large", 0.225, RDS),
];

const EC2: &str = "https://aws.amazon.com/ec2/pricing/on-demand/";
const FARGATE: &str = "https://aws.amazon.com/fargate/pricing/";
const RDS: &str = "https://aws.amazon.com/rds/postgresql/pricing/";

/// Price of a region relative to us-east-1: m5.large on demand in the region over its us-east-1
/// price ($0.096), from <https://aws.amazon.com/ec2/pricing/on-demand/> (read 2025).
pub const DEFAULT_REGION_FACTORS: &[(&str, f64)] = &[
    ("us-east-1", 1.0),
    ("us-east-2", 1.0),
    ("us-west-2", 1.0),
    ("us-west-1", 0.112 / 0.096),
    ("ca-central-1", 0.107 / 0.096),
    ("eu-west-1", 0.107 / 0.096),
    ("eu-west-2", 0.111 / 0.096),
    ("eu-central-1", 0.115 / 0.096),
    ("ap-south-1", 0.101 / 0.096),
    ("ap-southeast-1", 0.12 / 0.096),
    ("ap-southeast-2", 0.12 / 0.096),
    ("ap-northeast-1", 0.124 / 0.096),
    ("sa-east-1", 0.153 / 0.096),
];

/// The scenario's price overrides: every field left out takes the bundled figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// Instance-hour prices by size, USD in us-east-1, added to (or replacing) the bundled ones.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub instance_hour: BTreeMap<String, f64>,
    /// Region price factors (us-east-1 = 1), added to (or replacing) the bundled ones.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub region_factor: BTreeMap<String, f64>,
    /// The size of a VM, container or self-hosted gateway that names none (bundled: m7g.large).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_size: Option<String>,
    /// The size of a data store copy that names none (bundled: db.r6g.large).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_store_size: Option<String>,
    /// A managed gateway, USD per million requests (bundled: $3.50, API Gateway REST APIs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_per_million: Option<f64>,
    /// A managed balancer, USD per hour (bundled: $0.0225, an application load balancer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balancer_hour: Option<f64>,
    /// A managed balancer, USD per capacity unit-hour (bundled: $0.008, ALB LCU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balancer_lcu_hour: Option<f64>,
    /// Responses sent to clients, USD per GB (bundled: $0.09, data transfer out to the internet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_egress_per_gb: Option<f64>,
    /// Traffic between regions, USD per GB (bundled: $0.02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inter_region_per_gb: Option<f64>,
    /// Serverless invocations, USD per million (bundled: $0.20, Lambda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless_per_million: Option<f64>,
    /// Serverless duration, USD per GB-second (bundled: $0.0000166667, Lambda x86).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless_gb_second: Option<f64>,
    /// A DNS zone, USD per month (bundled: $0.50, a Route 53 hosted zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_zone_month: Option<f64>,
    /// DNS queries, USD per million (bundled: $0.40, Route 53 standard queries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_per_million: Option<f64>,
    /// A health check, USD per month (bundled: $0.50, a Route 53 check of an AWS endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_month: Option<f64>,
    /// Backup storage, USD per GB-month (bundled: $0.095, RDS snapshots beyond the free share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_gb_month: Option<f64>,
}

impl Prices {
    /// Whether nothing is overridden (left out of saved files).
    pub fn is_default(&self) -> bool {
        *self == Prices::default()
    }
}

/// Every price resolved: the bundled table with the scenario's overrides applied.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTable {
    /// Instance-hour prices by size, USD in us-east-1.
    pub instance_hour: BTreeMap<String, f64>,
    /// Region factors.
    pub region_factor: BTreeMap<String, f64>,
    /// See [`Prices::default_size`].
    pub default_size: String,
    /// See [`Prices::default_store_size`].
    pub default_store_size: String,
    /// See [`Prices::gateway_per_million`].
    pub gateway_per_million: f64,
    /// See [`Prices::balancer_hour`].
    pub balancer_hour: f64,
    /// See [`Prices::balancer_lcu_hour`].
    pub balancer_lcu_hour: f64,
    /// See [`Prices::internet_egress_per_gb`].
    pub internet_egress_per_gb: f64,
    /// See [`Prices::inter_region_per_gb`].
    pub inter_region_per_gb: f64,
    /// See [`Prices::serverless_per_million`].
    pub serverless_per_million: f64,
    /// See [`Prices::serverless_gb_second`].
    pub serverless_gb_second: f64,
    /// See [`Prices::dns_zone_month`].
    pub dns_zone_month: f64,
    /// See [`Prices::dns_per_million`].
    pub dns_per_million: f64,
    /// See [`Prices::health_check_month`].
    pub health_check_month: f64,
    /// See [`Prices::backup_gb_month`].
    pub backup_gb_month: f64,
}

impl PriceTable {
    /// The bundled figures, with their sources:
    /// - API Gateway REST APIs $3.50 per million (first 333 million),
    ///   <https://aws.amazon.com/api-gateway/pricing/> (read 2025);
    /// - ALB $0.0225 per hour and $0.008 per LCU-hour,
    ///   <https://aws.amazon.com/elasticloadbalancing/pricing/> (read 2025);
    /// - data transfer out to the internet $0.09/GB (first 10 TB) and between regions $0.02/GB,
    ///   <https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer> (read 2025);
    /// - Lambda $0.20 per million requests and $0.0000166667 per GB-second (x86),
    ///   <https://aws.amazon.com/lambda/pricing/> (read 2025);
    /// - Route 53 $0.50 per hosted zone-month, $0.40 per million standard queries, $0.50 per
    ///   health check-month (AWS endpoint), <https://aws.amazon.com/route53/pricing/> (read 2025);
    /// - RDS backup storage $0.095 per GB-month, <https://aws.amazon.com/rds/postgresql/pricing/>.
    pub fn bundled() -> PriceTable {
        PriceTable {
            instance_hour: DEFAULT_SIZES.iter().map(|(s, p, _)| ((*s).to_owned(), *p)).collect(),
            region_factor: DEFAULT_REGION_FACTORS.iter().map(|(r, f)| ((*r).to_owned(), *f)).collect(),
            default_size: "m7g.large".into(),
            default_store_size: "db.r6g.large".into(),
            gateway_per_million: 3.50,
            balancer_hour: 0.0225,
            balancer_lcu_hour: 0.008,
            internet_egress_per_gb: 0.09,
            inter_region_per_gb: 0.02,
            serverless_per_million: 0.20,
            serverless_gb_second: 0.000_016_666_7,
            dns_zone_month: 0.50,
            dns_per_million: 0.40,
            health_check_month: 0.50,
            backup_gb_month: 0.095,
        }
    }

    /// The bundled table with `p`'s overrides.
    pub fn with(p: &Prices) -> PriceTable {
        let mut t = PriceTable::bundled();
        t.instance_hour.extend(p.instance_hour.iter().map(|(k, v)| (k.clone(), *v)));
        t.region_factor.extend(p.region_factor.iter().map(|(k, v)| (k.clone(), *v)));
        if let Some(s) = &p.default_size {
            t.default_size = s.clone();
        }
        if let Some(s) = &p.default_store_size {
            t.default_store_size = s.clone();
        }
        let scalars = [
            (&mut t.gateway_per_million, p.gateway_per_million),
            (&mut t.balancer_hour, p.balancer_hour),
            (&mut t.balancer_lcu_hour, p.balancer_lcu_hour),
            (&mut t.internet_egress_per_gb, p.internet_egress_per_gb),
            (&mut t.inter_region_per_gb, p.inter_region_per_gb),
            (&mut t.serverless_per_million, p.serverless_per_million),
            (&mut t.serverless_gb_second, p.serverless_gb_second),
            (&mut t.dns_zone_month, p.dns_zone_month),
            (&mut t.dns_per_million, p.dns_per_million),
            (&mut t.health_check_month, p.health_check_month),
            (&mut t.backup_gb_month, p.backup_gb_month),
        ];
        for (slot, value) in scalars {
            if let Some(v) = value {
                *slot = v;
            }
        }
        t
    }

    /// USD per hour of one instance of `size` (the default size when `None`) in a region of
    /// price factor `factor`.
    pub fn hourly(&self, size: Option<&str>, factor: f64) -> Result<f64, String> {
        let size = size.unwrap_or(&self.default_size);
        self.instance_hour.get(size).map(|p| p * factor).ok_or_else(|| {
            format!(
                "no price for instance size \"{size}\": expected one of {} (or add it to prices.instance_hour)",
                self.instance_hour.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// The price factor of `region` in `topo` (no region: 1, us-east-1's): the region's own
    /// `price_factor`, else the table's; none when neither prices it (validation refuses that).
    pub fn factor(&self, topo: &super::Topology, region: Option<&str>) -> Option<f64> {
        let Some(name) = region else { return Some(1.0) };
        topo.regions
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.price_factor)
            .or_else(|| self.region_factor.get(name).copied())
    }

    /// USD per hour of one data store copy of `size` (the default store size when `None`).
    pub fn store_hourly(&self, size: Option<&str>, factor: f64) -> Result<f64, String> {
        self.hourly(Some(size.unwrap_or(&self.default_store_size)), factor)
    }
}

/// What a request and an outage are worth to the business: the outage cost of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Business {
    /// What one failed legitimate request costs (lost revenue, support), USD.
    #[serde(default)]
    pub value_per_request_usd: f64,
    /// The SLA the service sells, whose credits an outage costs.
    #[serde(default)]
    pub sla: Option<Sla>,
}

/// A service-level agreement with credits by monthly availability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// What customers pay per month, USD: credits are shares of it.
    pub monthly_fee_usd: f64,
    /// Credit tiers: the credit of the lowest tier whose `below` the month's availability is
    /// under. Default: AWS API Gateway's SLA (<https://aws.amazon.com/api-gateway/sla/>): under
    /// 99.95% 10%, under 99.0% 25%, under 95.0% 100%.
    #[serde(default = "default_credits")]
    pub credits: Vec<SlaCredit>,
}

/// One SLA credit tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaCredit {
    /// Monthly availability (0 to 1) under which this tier applies.
    pub below: f64,
    /// Share of the monthly fee credited (0 to 1).
    pub credit: f64,
}

fn default_credits() -> Vec<SlaCredit> {
    vec![
        SlaCredit { below: 0.9995, credit: 0.10 },
        SlaCredit { below: 0.99, credit: 0.25 },
        SlaCredit { below: 0.95, credit: 1.0 },
    ]
}

impl Sla {
    /// The credit share owed for a month of availability `a`: the largest credit among the
    /// tiers whose `below` is above `a` (0 when none).
    pub fn credit(&self, a: f64) -> f64 {
        self.credits.iter().filter(|t| a < t.below).map(|t| t.credit).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_bundled_figures_and_add_sizes() {
        let mut p = Prices::default();
        p.instance_hour.insert("m5.large".into(), 0.05);
        p.instance_hour.insert("my.box".into(), 1.5);
        p.inter_region_per_gb = Some(0.01);
        let t = PriceTable::with(&p);
        assert_eq!(t.hourly(Some("m5.large"), 2.0), Ok(0.1));
        assert_eq!(t.hourly(Some("my.box"), 1.0), Ok(1.5));
        assert_eq!(t.hourly(None, 1.0), Ok(0.0816));
        assert_eq!(t.inter_region_per_gb, 0.01);
        assert_eq!(t.internet_egress_per_gb, 0.09);
        assert!(t.hourly(Some("m99.huge"), 1.0).unwrap_err().contains("m99.huge"));
    }

    #[test]
    fn sla_credit_is_the_deepest_tier_reached() {
        let sla = Sla { monthly_fee_usd: 1000.0, credits: default_credits() };
        assert_eq!(sla.credit(0.9999), 0.0);
        assert_eq!(sla.credit(0.9990), 0.10);
        assert_eq!(sla.credit(0.98), 0.25);
        assert_eq!(sla.credit(0.5), 1.0);
    }
}
