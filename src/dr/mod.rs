//! Disaster recovery strategies applied to the user's own design (`gatesim dr`).
//!
//! The four classic strategies are those of the AWS whitepaper "Disaster Recovery of Workloads on
//! AWS: Recovery in the Cloud", section "Disaster recovery options in the cloud"
//! (<https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/disaster-recovery-options-in-the-cloud.html>),
//! ordered by the whitepaper from the cheapest and slowest to recover to the dearest and
//! fastest. [`apply`] turns any valid scenario into each of them; [`table`] simulates every one
//! facing the same region outage and reads cost, RTO, RPO and users impacted from the reports;
//! [`chart`] draws them (cost against RTO, RPO as marker area).
//!
//! # What [`apply`] does
//! 1. **Primary region P**: the region of the node the first client population reaches first
//!    (through a DNS node, its primary record's target, else its first record's); nodes without a
//!    region are placed in P; a topology without regions gets P = `us-east-1`, declared.
//! 2. **Primary site**: the gateways, load balancers and services in P reachable from the client
//!    populations, and the data stores their services call. Every strategy but
//!    [`Strategy::AsDesigned`] starts from the design stripped to that site: DNS nodes removed
//!    (each population links straight to what its DNS name answered first), compute nodes outside
//!    P removed (with the routes and rules naming them), replicas and promotion of the stores
//!    removed, and the user's timeline reduced to its traffic events.
//! 3. **Recovery region S**: [`DrOptions::to`], else the declared region nearest to P by
//!    round-trip time ([`crate::model::Topology::rtt_ms`]), else the nearest region of the bundled
//!    table ([`crate::model::regions`]).
//! 4. **Copies**: every site node is copied to S (name `<name>-<S>`, made unique), with its links
//!    among the copies and to the same data stores, drawn below the originals.
//! 5. **DNS**: a Route 53 name between each client population and each entry node: failover
//!    (the original primary, the copy secondary) for the first three strategies, weighted (equal
//!    weights) for active/active; both records health-checked ([`Assumptions`]).
//! 6. **Per strategy** (the user's instance counts are full capacity; copies are declared at full
//!    capacity and an action at 0 s scales them down, because a service that receives traffic
//!    must have instances and a scale action may not exceed its `instances`):
//!    - backup and restore: copies at 0 instances, stores without replicas but with backups
//!      copied to S (`restore_to`) and restored there; an alarm (share of 5xx, CloudWatch)
//!      scales every copy to full capacity, serving after the time to provision the
//!      infrastructure from code;
//!    - pilot light: copies at 0 instances, each store replicated asynchronously to S with
//!      promotion; the alarm scales the copies up, serving after instances start from prepared
//!      images;
//!    - warm standby: copies at a reduced scale, replica and promotion; the alarm scales them to
//!      full after the instances' startup;
//!    - multi-site active/active: full copies serving half the traffic (weighted DNS), replica
//!      and fast promotion;
//!    - as designed: the user's scenario, unchanged but for the fault (its own faults are
//!      replaced by it) and the run settings.
//!
//!    Every strategy meets the same fault: region P down at [`DrOptions::fault_at_s`] for
//!    [`DrOptions::fault_for_s`], with the scenario's SLO (the defaults when it sets none). The
//!    generated scenario's `description` states the strategy's assumptions.
//!
//! # What [`table`] measures
//! Each strategy's scenario is validated and run twice on the same seed: with the fault (RTO,
//! RPO, users impacted, failed requests and the outage cost, read from the report with
//! [`crate::report::run_row`]) and without it (the steady state, whose infrastructure cost per
//! month is the strategy's cost). See `docs/dr.md`.

mod chart;
mod names;
mod site;
mod table;
#[cfg(test)]
mod tests;
mod transform;

pub use chart::{chart, chart_titled, check_path as check_chart_path, svg};
pub use table::{DrRow, Rpo, measure, notes, rows_text, table, table_with};
pub use transform::{apply, regions, steady_state};

use serde::{Deserialize, Serialize};

/// A disaster recovery strategy, or the design as the user wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Strategy {
    /// The user's design unchanged, facing the same fault.
    AsDesigned,
    /// Backup and restore.
    BackupRestore,
    /// Pilot light.
    PilotLight,
    /// Warm standby.
    WarmStandby,
    /// Multi-site active/active.
    ActiveActive,
}

impl Strategy {
    /// Every strategy, in table order.
    pub const ALL: [Strategy; 5] = [
        Strategy::AsDesigned,
        Strategy::BackupRestore,
        Strategy::PilotLight,
        Strategy::WarmStandby,
        Strategy::ActiveActive,
    ];

    /// The four classic strategies, from the cheapest to the fastest.
    pub const CLASSIC: [Strategy; 4] =
        [Strategy::BackupRestore, Strategy::PilotLight, Strategy::WarmStandby, Strategy::ActiveActive];

    /// Its name in tables: `pilot light`.
    pub fn label(self) -> &'static str {
        match self {
            Strategy::AsDesigned => "as designed",
            Strategy::BackupRestore => "backup and restore",
            Strategy::PilotLight => "pilot light",
            Strategy::WarmStandby => "warm standby",
            Strategy::ActiveActive => "active/active",
        }
    }

    /// Its file name without extension: `pilot-light`.
    pub fn file_stem(self) -> &'static str {
        match self {
            Strategy::AsDesigned => "as-designed",
            Strategy::BackupRestore => "backup-restore",
            Strategy::PilotLight => "pilot-light",
            Strategy::WarmStandby => "warm-standby",
            Strategy::ActiveActive => "active-active",
        }
    }

    /// What it is, in one line, after the AWS whitepaper "Disaster Recovery of Workloads on AWS"
    /// (<https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/disaster-recovery-options-in-the-cloud.html>).
    pub fn summary(self) -> &'static str {
        match self {
            Strategy::AsDesigned => "the design as written, facing the same region outage",
            Strategy::BackupRestore => {
                "data backed up to the recovery region, infrastructure deployed from code after the disaster (RPO and RTO in hours)"
            }
            Strategy::PilotLight => {
                "data replicated live, core infrastructure provisioned but switched off until failover (RPO and RTO in tens of minutes)"
            }
            Strategy::WarmStandby => {
                "a scaled-down but fully functional copy always running, scaled up on failover (RPO and RTO in minutes)"
            }
            Strategy::ActiveActive => {
                "the workload runs at full capacity in both regions and serves from both (RPO near zero, RTO near zero)"
            }
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The figures a strategy's transformation assumes. They are stated in each generated scenario's
/// description and in `docs/dr.md` with their sources; change them here to test other figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assumptions {
    /// Route 53 health check `RequestInterval`, s (10 or 30; default 10, "fast" checks).
    pub health_check_interval_s: f64,
    /// Route 53 health check `FailureThreshold` (default 3).
    pub health_check_threshold: u32,
    /// TTL of the DNS records, s (default 60).
    pub ttl_s: f64,
    /// The recovery alarm: share of answers with a 5xx status above this (default 0.05), ...
    pub alarm_share_5xx: f64,
    /// ... in one CloudWatch period of this length, s (default 60).
    pub alarm_period_s: f64,
    /// Backup and restore: time between backups, s (default 3600).
    pub backup_every_s: f64,
    /// Backup and restore: from the primary's loss to the restored store taking writes, s
    /// (default 2700: 45 minutes).
    pub restore_s: f64,
    /// Backup and restore: from the alarm to the copies serving, s: infrastructure deployed from
    /// code, instances launched and configured (default 1800).
    pub provision_s: f64,
    /// Pilot light: from the alarm to the copies serving, s: instances started from prepared
    /// images (default 600).
    pub pilot_start_s: f64,
    /// Warm standby: share of each service's instances running in the copy (rounded up, at least
    /// 1; default 0.25).
    pub warm_share: f64,
    /// Warm standby: from the alarm to the added instances serving, s (default 180).
    pub warm_start_s: f64,
    /// Pilot light and warm standby: from the primary's loss to the decision to promote the
    /// replica, s (default 120).
    pub promote_detect_s: f64,
    /// Pilot light and warm standby: from the decision to the promoted replica taking writes, s
    /// (default 180).
    pub promote_s: f64,
    /// Active/active: detection before promotion, s (default 30).
    pub fast_detect_s: f64,
    /// Active/active: promotion, s (default 30).
    pub fast_promote_s: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            health_check_interval_s: 10.0,
            health_check_threshold: 3,
            ttl_s: 60.0,
            alarm_share_5xx: 0.05,
            alarm_period_s: 60.0,
            backup_every_s: 3600.0,
            restore_s: 2700.0,
            provision_s: 1800.0,
            pilot_start_s: 600.0,
            warm_share: 0.25,
            warm_start_s: 180.0,
            promote_detect_s: 120.0,
            promote_s: 180.0,
            fast_detect_s: 30.0,
            fast_promote_s: 30.0,
        }
    }
}

/// How the strategies are built and run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrOptions {
    /// The recovery region; none: the declared region nearest to the primary, else the nearest
    /// of the bundled RTT table.
    pub to: Option<String>,
    /// When the primary region fails, s (default 900: 15 minutes, time for the steady state).
    pub fault_at_s: f64,
    /// How long it stays down, s (default 7200: longer than every strategy's recovery, so the
    /// region's return never ends an outage a strategy has not recovered from).
    pub fault_for_s: f64,
    /// The faulted run's length, s (default 5400: 75 minutes after the fault, enough for the
    /// slowest assumed recovery, 45 minutes, and the SLO's hold of 5 minutes).
    pub duration_s: f64,
    /// Replicates of the faulted run; none: the scenario's.
    pub replicates: Option<u32>,
    /// Seed of every run; none: the scenario's (the same for all strategies).
    pub seed: Option<u64>,
    /// The steady-state run (no fault, one replicate) that prices the strategy, s (default 600).
    pub steady_duration_s: f64,
    /// The figures the strategies assume.
    pub assumptions: Assumptions,
}

impl Default for DrOptions {
    fn default() -> Self {
        DrOptions {
            to: None,
            fault_at_s: 900.0,
            fault_for_s: 7200.0,
            duration_s: 5400.0,
            replicates: None,
            seed: None,
            steady_duration_s: 600.0,
            assumptions: Assumptions::default(),
        }
    }
}

/// Why a strategy could not be built or measured.
#[derive(Debug, thiserror::Error)]
pub enum DrError {
    /// The scenario has no client population.
    #[error("the scenario has no client population: there is no traffic to recover")]
    NoClients,
    /// A population reaches nothing in the primary region.
    #[error(
        "client population \"{clients}\" reaches no gateway, load balancer or service in the primary region {primary}"
    )]
    NoEntry {
        /// The population.
        clients: String,
        /// The primary region.
        primary: String,
    },
    /// A population sends straight to a service: no DNS record can fail it over.
    #[error(
        "client population \"{clients}\" sends straight to service \"{service}\": a Route 53 record answers with a gateway or a load balancer; put one in front of it"
    )]
    EntryIsService {
        /// The population.
        clients: String,
        /// The service.
        service: String,
    },
    /// No recovery region could be chosen.
    #[error(
        "no recovery region for {primary}: the scenario declares no other region with a round-trip time to it and the bundled table does not know it; give one with --to and its RTT in topology.region_rtt"
    )]
    NoSecondary {
        /// The primary region.
        primary: String,
    },
    /// The recovery region asked for is the primary.
    #[error("the recovery region {0} is the primary region: choose another")]
    SameRegion(String),
    /// No round-trip time between the two regions.
    #[error(
        "no round-trip time between {a} and {b}: the bundled table does not have it; add it to the topology, e.g. region_rtt: [(a: \"{a}\", b: \"{b}\", rtt_ms: 70.0)]"
    )]
    NoRtt {
        /// The primary.
        a: String,
        /// The recovery region.
        b: String,
    },
    /// An option is out of range.
    #[error("{0}")]
    Options(String),
    /// The scenario built for a strategy does not validate.
    #[error("{strategy}: the scenario built for it is invalid:\n  {}", .problems.join("\n  "))]
    Invalid {
        /// The strategy.
        strategy: Strategy,
        /// Each problem, with its node.
        problems: Vec<String>,
    },
    /// A run failed.
    #[error("{strategy}: {message}")]
    Run {
        /// The strategy.
        strategy: Strategy,
        /// What the simulator said.
        message: String,
    },
    /// The chart could not be written.
    #[error("{0}")]
    Chart(String),
}
