//! Global routing and data: the DNS node (Route 53 semantics) and the data store with replicas in
//! regions.
//!
//! # DNS ([`Dns`])
//! Client populations link to a DNS node; the DNS node links to the entry points its records name
//! (gateways or balancers). A client does not cross the DNS node per request: it resolves the name,
//! keeps the answer for the record's TTL, and sends its requests straight to the answer over the
//! DNS node's link to it (plus the latency between the client's region and the target's). How the
//! answer is chosen follows Route 53's routing policies
//! (<https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html>):
//! - `Simple`: the first record.
//! - `Failover`: the primary while it is healthy, else the secondary; when both are unhealthy
//!   Route 53 answers as if both were healthy (the primary).
//! - `Weighted`: a healthy record drawn by weight; when none is healthy, any record by weight.
//! - `Latency`: the healthy record whose region is nearest (lowest RTT) to the client's region.
//! - `Geolocation`: the healthy record whose `locations` list the client's region, else the
//!   record with no `locations` (the default); no answer when neither is healthy (the client
//!   cannot resolve: its requests fail as unreachable).
//!
//! Health checks follow Route 53's
//! (<https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html>):
//! checkers in several regions probe each checked record's target every `interval` (30 s or 10 s),
//! each with its own phase (they are not coordinated); a checker changes its view after
//! `failure_threshold` consecutive results of the other kind; the record is healthy while more
//! than 18% of the checkers see it healthy. A dead target answers a check at once (connection
//! refused), so with 8 checkers, an interval of 30 s and a threshold of 3, the record turns
//! unhealthy 60 to 90 s after its target dies, by the checkers' phases. With
//! `evaluate_target_health` the record also takes its target's health: unhealthy as soon as no
//! instance behind the target is up (an alias to a load balancer with no healthy targets).
//!
//! Resolvers: the population's users are spread over resolver caches; each cache keeps its answer
//! for the TTL, so after a failover clients keep reaching the old answer until their cache
//! expires (at most one TTL later). A share `ignore_ttl_share` of the caches ignores the TTL and
//! keeps its first answer for the whole run (old JVMs, some resolvers and devices).
//!
//! # Data store ([`DataStore`])
//! A primary in the store's region and replicas in others. Every request a service linked to the
//! store serves makes one call to it: a write with probability `write_share`, else a read. A read
//! goes to the nearest live copy; a write to the primary, which commits it; with `Sync`
//! replication the write also waits for the farthest replica's round trip and a replica is never
//! behind, with `Async` each committed write reaches the replicas `lag` later (drawn per write).
//! When the primary's region fails, the writes committed but not yet replicated are lost: **RPO
//! (measured)** is the age of the oldest of them at the failure, with their count. Promotion makes
//! the nearest live replica primary `detect + promote` after the failure; until then writes fail.
//! Without replicas, `backups` restore the store `restore` after the failure, losing every write
//! since the last backup: in the backups' `restore_to` region when the primary's region is
//! still down (a cross-region backup copy), else in its own region once it is back.

use super::{Dist, Span};
use serde::{Deserialize, Serialize};

/// A DNS name with its records (Route 53-like global routing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    /// Unique name.
    pub name: String,
    /// What it is and why, in the user's words (kept by a save, as a file's comments are not).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Not used: DNS is global. Kept so every node has the same common fields.
    #[serde(default)]
    pub region: Option<String>,
    /// Canvas position.
    #[serde(default)]
    pub pos: Option<[f32; 2]>,
    /// How the answer is chosen.
    #[serde(default)]
    pub routing: DnsRouting,
    /// The records: each names an entry point (a gateway or a load balancer) the DNS node links to.
    pub records: Vec<DnsRecord>,
    /// How long a resolver keeps an answer.
    #[serde(default = "default_ttl")]
    pub ttl: Span,
    /// Route 53 health checks of the records' targets; none: every record is healthy (unless it
    /// evaluates its target's health).
    #[serde(default)]
    pub health_check: Option<HealthCheck53>,
    /// Share of resolver caches that ignore the TTL and keep their first answer, 0 to 1.
    #[serde(default)]
    pub ignore_ttl_share: f64,
}

fn default_ttl() -> Span {
    Span(60.0)
}

/// Route 53 routing policies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DnsRouting {
    /// One record (the first).
    Simple,
    /// Primary while healthy, else secondary.
    #[default]
    Failover,
    /// Drawn by weight among the healthy records.
    Weighted,
    /// The nearest healthy record to the client's region.
    Latency,
    /// By the client's region, else the default record.
    Geolocation,
}

/// A failover record's role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordRole {
    /// Answered while healthy.
    #[default]
    Primary,
    /// Answered when the primary is unhealthy.
    Secondary,
}

/// One record: an answer the DNS name can give.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// The gateway or load balancer it answers with (a node the DNS node links to).
    pub target: String,
    /// Weighted routing: relative weight (0 to 255 in Route 53).
    #[serde(default = "one_f64")]
    pub weight: f64,
    /// Failover routing: primary or secondary.
    #[serde(default)]
    pub role: RecordRole,
    /// Geolocation routing: the client regions it answers; empty for the default record.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Whether the DNS node's health check probes this record's target.
    #[serde(default = "yes")]
    pub health_check: bool,
    /// Whether the record also takes its target's health (no instance up behind it: unhealthy).
    #[serde(default)]
    pub evaluate_target_health: bool,
}

fn one_f64() -> f64 {
    1.0
}

fn yes() -> bool {
    true
}

/// A Route 53 health check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck53 {
    /// `RequestInterval`: 30 s (default) or 10 s.
    #[serde(default = "default_interval")]
    pub interval: Span,
    /// `FailureThreshold`: consecutive results a checker needs to change its view, 1 to 10.
    #[serde(default = "default_threshold")]
    pub failure_threshold: u32,
    /// The regions the checkers run in (Route 53 has 8; all by default).
    #[serde(default = "default_checkers")]
    pub checkers: Vec<String>,
}

fn default_interval() -> Span {
    Span(30.0)
}

fn default_threshold() -> u32 {
    3
}

/// Route 53's health-checker regions (the Developer Guide's list).
pub const CHECKER_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

fn default_checkers() -> Vec<String> {
    CHECKER_REGIONS.iter().map(|r| (*r).to_owned()).collect()
}

impl Default for HealthCheck53 {
    fn default() -> Self {
        HealthCheck53 { interval: default_interval(), failure_threshold: 3, checkers: default_checkers() }
    }
}

/// Route 53: a record is healthy while more than this share of its checkers report it healthy.
pub const HEALTHY_SHARE: f64 = 0.18;

/// A data store: a primary and replicas in regions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataStore {
    /// Unique name.
    pub name: String,
    /// What it is and why, in the user's words (kept by a save, as a file's comments are not).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The primary's region.
    #[serde(default)]
    pub region: Option<String>,
    /// Canvas position.
    #[serde(default)]
    pub pos: Option<[f32; 2]>,
    /// Replicas, each in a region.
    #[serde(default)]
    pub replicas: Vec<Replica>,
    /// How writes reach the replicas.
    #[serde(default)]
    pub replication: Replication,
    /// Share of the calls that are writes, 0 to 1.
    #[serde(default = "default_write_share")]
    pub write_share: f64,
    /// Time a read takes at the copy that serves it.
    #[serde(default = "default_read")]
    pub read: Dist,
    /// Time a write takes at the primary (before any synchronous replication).
    #[serde(default = "default_write")]
    pub write: Dist,
    /// Automatic promotion of a replica when the primary is lost; none: writes fail until the
    /// primary's region is back.
    #[serde(default)]
    pub failover: Option<Promotion>,
    /// Scheduled backups (backup and restore), used when no replica can be promoted.
    #[serde(default)]
    pub backups: Option<Backups>,
    /// Size of each copy (the primary and every replica) in the price table; none: the table's
    /// default store size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Size of the data, GB (priced as backup storage when `backups` are taken; default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub data_gb: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn default_write_share() -> f64 {
    0.1
}

fn default_read() -> Dist {
    Dist::Constant { ms: 2.0 }
}

fn default_write() -> Dist {
    Dist::Constant { ms: 5.0 }
}

/// A replica.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    /// Its region.
    pub region: String,
}

/// How writes reach the replicas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Replication {
    /// A write commits when every replica has it: nothing is lost, each write waits for the
    /// farthest replica's round trip.
    Sync,
    /// A write commits at the primary and reaches the replicas `lag` later.
    Async {
        /// Replication lag, drawn per write.
        lag: Dist,
    },
}

impl Default for Replication {
    fn default() -> Self {
        Replication::Async { lag: Dist::Constant { ms: 100.0 } }
    }
}

/// Promotion of a replica when the primary is lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// From the failure to the decision to promote.
    pub detect: Span,
    /// From the decision to a primary taking writes.
    pub promote: Span,
}

/// Scheduled backups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backups {
    /// Time between backups (the first at the start of the run).
    pub every: Span,
    /// From the failure to the restored store taking writes.
    pub restore: Span,
    /// A region holding a copy of every backup (AWS Backup's cross-region copy): when the
    /// primary's region is lost, the store is restored there; none: it can only be restored in
    /// its own region, once that region is back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_to: Option<String>,
}
