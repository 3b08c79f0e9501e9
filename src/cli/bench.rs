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
        description: String::new(),
        name: "clients".into(),
        region: None,
        pos: None,
        users: 100_000,
        traffic: Traffic::Constant { rate_rps },
        arrivals: Default::default(),
        keys: Default::default(),
        addresses: None,
        retry: None,
        routes: vec![],
        request_kb: 1.0,
        response_kb: 4.0,
    })
}

fn service(name: &str, instances: u32, concurrency: u32, queue_capacity: Option<u32>, mean_ms: f64) -> Node {
    Node::Service(Service {
        description: String::new(),
        name: name.into(),
        region: None,
        pos: None,
        instances,
        concurrency,
        queue_capacity,
        service_time: Dist::Exponential { mean_ms },
        error_rate: 0.0,
        answers: Vec::new(),
        autoscaling: None,
        deployment: Default::default(),
        health_status: 200,
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
        region_rtt: vec![],
    };
    let mut s = Scenario::new("bench: M/M/9, lambda 37/s, mu 5/s", topo);
    s.run.duration_s = requests as f64 / 37.0;
    s
}

/// The reference topology: clients -> gateway -> load balancer -> 3 services (4 instances each),
/// with link latencies and an upstream timeout, at 10,000 requests per second, in steady state.
pub fn reference_scenario(requests: u64) -> Scenario {
    let mut gw = crate::model::Gateway {
        description: String::new(),
        name: "gateway".into(),
        region: None,
        pos: None,
        processing: Dist::Constant { ms: 0.2 },
        routes: vec![],
        limits: vec![],
        hosting: Default::default(),
    };
    gw.routes.push(crate::model::Route {
        path_prefix: "/".into(),
        upstream: "lb".into(),
        timeout_ms: Some(2000.0),
        rate_limit: None,
        shared_limit: None,
        retry_policy: None,
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
        region_rtt: vec![],
    };
    let mut s = Scenario::new("bench: reference topology", topo);
    s.run.duration_s = requests as f64 / 10_000.0;
    s
}

/// The replay benchmark's scenario: a gateway with an NGINX `limit_req` per client key in front of
/// an NGINX smooth-weighted-round-robin balancer over three weighted backends.
pub fn replay_scenario() -> Scenario {
    let text = r#"Scenario(format_version: 1, name: "bench: trace replay through NGINX policies", run: (seed: 1, duration_s: 1.0),
        topology: (nodes: [
            Clients((name: "clients", traffic: Constant(rate_rps: 0.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/", upstream: "lb", timeout_ms: Some(5000.0),
                rate_limit: Some((algorithm: NginxLimitReq(rate: "50r/s", burst: 20, nodelay: true))))])),
            LoadBalancer((name: "lb", algorithm: NginxRoundRobin(), failover: NginxNextUpstream())),
            Service((name: "b0", instances: 1, concurrency: 64, service_time: Exponential(mean_ms: 5.0))),
            Service((name: "b1", instances: 1, concurrency: 64, service_time: Exponential(mean_ms: 5.0))),
            Service((name: "b2", instances: 1, concurrency: 64, service_time: Exponential(mean_ms: 5.0))),
        ], links: [(from: "clients", to: "gw"), (from: "gw", to: "lb"),
            (from: "lb", to: "b0", weight: 5.0), (from: "lb", to: "b1", weight: 1.0), (from: "lb", to: "b2", weight: 1.0)]))"#;
    crate::model::load::parse(text, std::path::Path::new("bench"))
        .unwrap_or_else(|_| Scenario::new("bench", Topology::default()))
}

/// Writes a trace of `lines` requests at 5,000 per second from 1,000 keys (some without a key), with
/// a backend outage in the middle; returns (requests file, outages file).
pub fn write_replay_trace(
    dir: &std::path::Path,
    lines: u64,
) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir)?;
    let requests = dir.join("requests.csv");
    let outages = dir.join("outages.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&requests)?);
    writeln!(w, "id,send_ms,client_key,path,service_ms")?;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..lines {
        x = crate::sim::rng::mix64(x);
        let key = x % 1100;
        let key = if key >= 1000 { String::new() } else { format!("k{key}") };
        writeln!(w, "r{i},{:.3},{key},/api/{},{}", i as f64 * 0.2, x % 7, 1 + (x >> 20) % 9)?;
    }
    w.flush()?;
    let mid = lines as f64 * 0.1;
    std::fs::write(&outages, format!("time_ms,backend,action\n{mid:.0},b1,down\n{:.0},b1,up\n", mid + 5000.0))?;
    Ok((requests, outages))
}

/// Replays a generated trace of `lines` requests and prints requests per second.
fn bench_replay(lines: u64) {
    let dir = std::env::temp_dir().join(format!("gatesim-bench-{}", std::process::id()));
    let files = match write_replay_trace(&dir, lines) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: could not write the benchmark trace in {}: {e}", dir.display());
            return;
        }
    };
    let decisions = dir.join("decisions.csv");
    let scenario = replay_scenario();
    let start = Instant::now();
    let result = crate::sim::replay::replay(
        &scenario,
        crate::sim::replay::ReplayFiles { requests: &files.0, outages: Some(&files.1), decisions: Some(&decisions) },
    );
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(r) => out(&format!(
            "{:<40} {:>6.2} s  {:>6.2} M requests/s  (a {}-line trace read twice, {} decisions written)\n",
            "bench: trace replay, NGINX policies",
            secs,
            r.requests as f64 / secs / 1e6,
            lines,
            r.requests
        )),
        Err(e) => eprintln!("error: {e}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The reference topology with a timeline on it: a limit tightened on the gateway in two stages,
/// a latency fault on one instance, a 5xx alarm (CloudWatch) and a latency alarm (Prometheus), and
/// an automatic rollback when the first fires. What a timeline costs is the difference from
/// [`reference_scenario`].
pub fn timeline_scenario(requests: u64) -> Scenario {
    use crate::model::{
        Act, Action, Alarm, AlarmRule, At, Change, Event, Fault, FaultKind, Metric, ParamValue, Response, Rollout,
        Setting, Span, Stage, Trigger,
    };
    let mut s = reference_scenario(requests);
    s.name = "bench: reference topology with a timeline".into();
    let third = At::Offset(Span(s.run.duration_s / 3.0));
    s.timeline = vec![
        Event::Change(Change {
            name: "tighten".into(),
            at: Some(third),
            node: "gateway".into(),
            set: vec![Setting { path: "routes[/].timeout_ms".into(), value: ParamValue(serde_json::json!(150.0)) }],
            rollout: Rollout::Staged {
                stages: vec![Stage { share: 0.2, duration: Span(s.run.duration_s / 10.0) }],
                by: Default::default(),
            },
            rollback_at: None,
        }),
        Event::Fault(Fault {
            name: "slow-instance".into(),
            at: third,
            duration: Some(Span(s.run.duration_s / 3.0)),
            end: None,
            target: "payments-1".into(),
            kind: FaultKind::Latency { added: Dist::Exponential { mean_ms: 30.0 } },
        }),
        Event::Alarm(Alarm {
            name: "5xx".into(),
            metric: Metric::Share5xx,
            scope: Default::default(),
            threshold: 0.01,
            comparison: Default::default(),
            rule: AlarmRule::CloudWatch {
                period: Span(10.0),
                evaluation_periods: 3,
                datapoints_to_alarm: None,
                treat_missing_data: Default::default(),
            },
        }),
        Event::Alarm(Alarm {
            name: "p99".into(),
            metric: Metric::LatencyP99Ms,
            scope: Default::default(),
            threshold: 200.0,
            comparison: Default::default(),
            rule: AlarmRule::Prometheus {
                interval: Span(10.0),
                window: Span(10.0),
                hold: Span(20.0),
                keep_firing_for: Span(0.0),
            },
        }),
        Event::Action(Action {
            name: "auto-rollback".into(),
            trigger: Trigger::Alarm("5xx".into()),
            response: Response::Automatic { delay: Span(5.0) },
            act: Act::Rollback("tighten".into()),
        }),
    ];
    s
}

/// The text of a scenario of about `nodes` nodes, laid out as a person writes one (a field a line):
/// populations send to gateways, each gateway to a load balancer, each balancer to its share of the
/// services; a rate-limit change on one gateway in ten (at most 5,000) and a fault on as many
/// services; and one service in a hundred with a problem (`concurrency: 0`), so that `lint` looks
/// up the line of each.
pub fn lint_text(nodes: usize) -> String {
    use std::fmt::Write;
    let fronts = (nodes / 100).max(1);
    let services = nodes.saturating_sub(3 * fronts).max(fronts);
    let per = services / fronts;
    let mut t = String::with_capacity(nodes * 200);
    let mut links = String::new();
    t.push_str("Scenario(\n    format_version: 1,\n    name: \"bench: lint\",\n");
    t.push_str("    run: (seed: 1, duration_s: 60.0),\n    topology: (\n        regions: [(name: \"r1\")],\n        nodes: [\n");
    for i in 0..fronts {
        let _ = write!(
            t,
            "            Clients((\n                name: \"c{i}\",\n                region: \"r1\",\n                users: 1000,\n                traffic: Constant(rate_rps: 10.0),\n            )),\n            Gateway((\n                name: \"g{i}\",\n                region: \"r1\",\n                routes: [(path_prefix: \"/\", upstream: \"l{i}\", rate_limit: (key: Client, algorithm: NginxLimitReq(rate: \"100r/s\", burst: 20)))],\n            )),\n            LoadBalancer((\n                name: \"l{i}\",\n                region: \"r1\",\n                algorithm: NginxRoundRobin(),\n            )),\n"
        );
        let _ =
            write!(links, "            (from: \"c{i}\", to: \"g{i}\"),\n            (from: \"g{i}\", to: \"l{i}\"),\n");
        for j in 0..per {
            let concurrency = if (i * per + j) % 100 == 99 { 0 } else { 8 };
            let _ = write!(
                t,
                "            Service((\n                name: \"s{i}-{j}\",\n                region: \"r1\",\n                instances: 2,\n                concurrency: {concurrency},\n                service_time: Exponential(mean_ms: 20.0),\n            )),\n"
            );
            let _ = writeln!(links, "            (from: \"l{i}\", to: \"s{i}-{j}\"),");
        }
    }
    t.push_str("        ],\n        links: [\n");
    t.push_str(&links);
    t.push_str("        ],\n    ),\n    timeline: [\n");
    for i in (0..fronts).step_by(10).take(5000) {
        let _ = write!(
            t,
            "        Change((\n            name: \"tighten-{i}\",\n            at: 30.0,\n            node: \"g{i}\",\n            set: [(path: \"routes[/].rate_limit.algorithm.rate\", value: \"50r/s\")],\n        )),\n        Fault((\n            name: \"down-{i}\",\n            at: 10.0,\n            duration: \"10s\",\n            target: \"s{i}-0-1\",\n            kind: Down,\n        )),\n"
        );
    }
    t.push_str("    ],\n)\n");
    t
}

/// Parses and validates [`lint_text`] of a tenth of `nodes` and of `nodes`, and prints both times
/// and their ratio (10 for a linear cost).
fn bench_lint(nodes: usize) {
    let mut times = Vec::new();
    for n in [nodes / 10, nodes] {
        let text = lint_text(n);
        let start = Instant::now();
        let scenario = match crate::model::load::parse(&text, std::path::Path::new("bench.ron")) {
            Ok(s) => s,
            Err(e) => return eprintln!("error: the lint benchmark's scenario does not load: {e}"),
        };
        let parsed = start.elapsed().as_secs_f64();
        let problems = crate::model::validate::validate(&scenario, Some(&text));
        let secs = start.elapsed().as_secs_f64();
        out(&format!(
            "{:<40} {:>6.2} s  (parse {:.2} s; {} nodes, {} links, {} timeline entries, {} problems, {:.1} MB of text)\n",
            format!("bench: lint, {} nodes", scenario.topology.nodes.len()),
            secs,
            parsed,
            scenario.topology.nodes.len(),
            scenario.topology.links.len(),
            scenario.timeline.len(),
            problems.len(),
            text.len() as f64 / 1e6,
        ));
        times.push(secs);
    }
    if let [small, large] = times[..] {
        out(&format!("bench: lint, ten times the nodes took {:.1} times as long\n", large / small.max(1e-9)));
    }
}

/// One hour at 10,000 requests per second through three regions: users in each region resolve
/// a latency-routed DNS name (Route 53 checks every 10 s) to their region's gateway, balancer and
/// service, which reads and writes a database with its primary in us-east-1 and asynchronous
/// replicas in the other two; us-east-1 fails for 10 minutes at 20 minutes.
pub fn regions_text() -> String {
    let mut nodes = String::new();
    let mut links = String::new();
    for (i, r) in ["us-east-1", "us-west-2", "eu-west-1"].iter().enumerate() {
        nodes.push_str(&format!(
            r#"Clients((name: "users-{i}", region: "{r}", users: 200000, traffic: Constant(rate_rps: {rate:.1}))),
Gateway((name: "gw-{i}", region: "{r}", routes: [(path_prefix: "/", upstream: "lb-{i}", timeout_ms: 2000.0)])),
LoadBalancer((name: "lb-{i}", region: "{r}", algorithm: EnvoyLeastRequest())),
Service((name: "api-{i}", region: "{r}", instances: 8, concurrency: 16, queue_capacity: 256, service_time: Exponential(mean_ms: 8.0))),
"#,
            rate = 10_000.0 / 3.0
        ));
        links.push_str(&format!(
            r#"(from: "users-{i}", to: "dns"), (from: "dns", to: "gw-{i}", latency: Constant(ms: 10.0)), (from: "gw-{i}", to: "lb-{i}"), (from: "lb-{i}", to: "api-{i}"), (from: "api-{i}", to: "db"),
"#
        ));
    }
    format!(
        r#"Scenario(format_version: 1, name: "bench: 3 regions, DNS failover, 1 h at 10,000 r/s", run: (seed: 1, duration_s: 3600.0),
  topology: (regions: [(name: "us-east-1"), (name: "us-west-2"), (name: "eu-west-1")],
    nodes: [{nodes}
      Dns((name: "dns", routing: Latency, records: [(target: "gw-0"), (target: "gw-1"), (target: "gw-2")], ttl: "30s",
           health_check: (interval: "10s", failure_threshold: 3))),
      DataStore((name: "db", region: "us-east-1", replicas: [(region: "us-west-2"), (region: "eu-west-1")],
                 replication: Async(lag: LogNormal(median_ms: 100.0, p99_ms: 800.0)), failover: (detect: "1m", promote: "30s"))),
    ],
    links: [{links}]),
  timeline: [Fault((name: "east", at: 1200.0, duration: "10m", target: "us-east-1", kind: Down))])"#
    )
}

/// Runs one replicate of `scenario` on this thread and prints its speed under `label`.
fn measure(label: &str, scenario: &Scenario) {
    let plan = plan::compile(scenario);
    let start = Instant::now();
    let rec = Simulation::new(&plan, 0).run();
    let secs = start.elapsed().as_secs_f64();
    let sent: u64 = rec.outcomes.iter().sum();
    out(&format!(
        "{label:<40} {:>6.2} s  {:>6.2} M requests/s  {:>6.2} M events/s  ({sent} requests, {} events)\n",
        secs,
        sent as f64 / secs / 1e6,
        rec.events as f64 / secs / 1e6,
        rec.events
    ));
}

/// Runs [`regions_text`] once and prints its speed.
fn bench_regions() {
    match crate::model::load::from_str(&regions_text(), std::path::Path::new("bench-regions.ron")) {
        Ok(s) => measure("bench: 3 regions, DNS, 1 h at 10k r/s", &s),
        Err(e) => eprintln!("error: the regions benchmark's scenario does not load: {e}"),
    }
}

/// Runs the scenarios once and prints requests and events per second, then the trace replay and
/// the lint of a large file.
pub fn bench(requests: u64, replay_lines: u64, lint_nodes: usize, regions: bool) -> u8 {
    out(&format!("one replicate, one thread, {requests} requests each\n"));
    for scenario in [mmc_scenario(requests), reference_scenario(requests), timeline_scenario(requests)] {
        measure(&scenario.name, &scenario);
    }
    if replay_lines > 0 {
        bench_replay(replay_lines);
    }
    if regions {
        bench_regions();
    }
    if lint_nodes > 0 {
        bench_lint(lint_nodes);
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
