//! `gatesim bench`: engine speed on two fixed scenarios, one replicate on one thread.
//! Criterion benchmarks (`cargo bench`) measure the same scenarios with statistics; this command
//! gives a quick figure on any machine with a release binary.

use super::{EXIT_OK, out};
use crate::model::{Clients, Dist, Link, Node, Scenario, Service, Topology, Traffic};
use crate::sim::{engine::Simulation, plan};
use std::time::Instant;

/// A client population sending `rate_rps` for `duration_s` to `first`.
fn clients(rate_rps: f64) -> Node {
    Node::Clients(Clients {
        name: "clients".into(),
        region: None,
        pos: None,
        users: 100_000,
        traffic: Traffic::Constant { rate_rps },
        arrivals: Default::default(),
        keys: Default::default(),
        routes: vec![],
    })
}

fn service(name: &str, instances: u32, concurrency: u32, queue_capacity: Option<u32>, mean_ms: f64) -> Node {
    Node::Service(Service {
        name: name.into(),
        region: None,
        pos: None,
        instances,
        concurrency,
        queue_capacity,
        service_time: Dist::Exponential { mean_ms },
        error_rate: 0.0,
    })
}

fn link(from: &str, to: &str, ms: f64) -> Link {
    Link { from: from.into(), to: to.into(), latency: Dist::Constant { ms }, weight: 1.0 }
}

/// One M/M/c station: lambda 37/s, mu 5/s, c 9 (the DESIGN's reference measurement).
pub fn mmc_scenario(requests: u64) -> Scenario {
    let topo = Topology {
        regions: vec![],
        nodes: vec![clients(37.0), service("station", 1, 9, None, 200.0)],
        links: vec![link("clients", "station", 0.0)],
    };
    let mut s = Scenario::new("bench: M/M/9, lambda 37/s, mu 5/s", topo);
    s.run.duration_s = requests as f64 / 37.0;
    s
}

/// The reference topology: clients -> gateway -> load balancer -> 3 services (4 instances each),
/// with link latencies and an upstream timeout, at 10,000 requests per second, in steady state.
pub fn reference_scenario(requests: u64) -> Scenario {
    let mut gw = crate::model::Gateway {
        name: "gateway".into(),
        region: None,
        pos: None,
        processing: Dist::Constant { ms: 0.2 },
        routes: vec![],
    };
    gw.routes.push(crate::model::Route {
        path_prefix: "/".into(),
        upstream: "lb".into(),
        timeout_ms: Some(2000.0),
        rate_limit: None,
    });
    let topo = Topology {
        regions: vec![],
        nodes: vec![
            clients(10_000.0),
            Node::Gateway(gw),
            Node::with_defaults(crate::model::NodeKind::LoadBalancer, "lb"),
            // The balancer sends each of the 12 instances 833 r/s: utilisation 52%, 78% and 26%.
            service("orders", 4, 32, Some(256), 20.0),
            service("payments", 4, 32, Some(256), 30.0),
            service("accounts", 4, 32, Some(256), 10.0),
        ],
        links: vec![
            link("clients", "gateway", 5.0),
            link("gateway", "lb", 0.5),
            link("lb", "orders", 0.5),
            link("lb", "payments", 0.5),
            link("lb", "accounts", 0.5),
        ],
    };
    let mut s = Scenario::new("bench: reference topology", topo);
    s.run.duration_s = requests as f64 / 10_000.0;
    s
}

/// Runs both scenarios once and prints requests and events per second.
pub fn bench(requests: u64) -> u8 {
    out(&format!("one replicate, one thread, {requests} requests each\n"));
    for scenario in [mmc_scenario(requests), reference_scenario(requests)] {
        let plan = plan::compile(&scenario);
        let start = Instant::now();
        let rec = Simulation::new(&plan, 0).run();
        let secs = start.elapsed().as_secs_f64();
        let sent: u64 = rec.outcomes.iter().sum();
        out(&format!(
            "{:<40} {:>6.2} s  {:>6.2} M requests/s  {:>6.2} M events/s  ({} events)\n",
            scenario.name,
            secs,
            sent as f64 / secs / 1e6,
            rec.events as f64 / secs / 1e6,
            rec.events
        ));
    }
    if let Some(kib) = peak_rss_kib() {
        out(&format!("peak resident memory of this process: {:.1} MiB\n", kib as f64 / 1024.0));
    }
    EXIT_OK
}

/// The process's peak resident set size (Linux `VmHWM`), if the platform tells.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
