//! gatesim: design API-gateway topologies and simulate them before a change ships.
//!
//! The library is the whole simulator; the `gatesim` binary (CLI and, with the `gui` feature, the
//! desktop app) is a thin layer over it. Data flows one way:
//!
//! ```text
//! .ron file --model::load--> Scenario --sim::plan::compile--> Plan --sim::engine--> Recorder --report::build--> Report
//! ```
//!
//! A three-node topology, built in code and run:
//!
//! ```
//! use gatesim::model::{Clients, Dist, Link, Node, Scenario, Service, Topology, Traffic};
//!
//! let topology = Topology {
//!     regions: vec![],
//!     nodes: vec![
//!         Node::Clients(Clients {
//!             name: "users".into(), description: "the app's users".into(), region: None, pos: None, users: 100,
//!             traffic: Traffic::Constant { rate_rps: 50.0 },
//!             arrivals: Default::default(), keys: Default::default(), addresses: None, retry: None,
//!             routes: vec![], request_kb: 1.0, response_kb: 4.0,
//!         }),
//!         Node::Service(Service {
//!             name: "api".into(), description: String::new(), region: None, pos: None, instances: 2, concurrency: 4,
//!             queue_capacity: Some(100), service_time: Dist::Exponential { mean_ms: 20.0 },
//!             error_rate: 0.0, answers: vec![], autoscaling: None, deployment: Default::default(),
//!             health_status: 200,
//!         }),
//!     ],
//!     links: vec![Link { from: "users".into(), to: "api".into(),
//!                        latency: Dist::Constant { ms: 1.0 }, weight: 1.0 }],
//!     region_rtt: vec![],
//! };
//! let mut scenario = Scenario::new("doc example", topology);
//! scenario.run.duration_s = 10.0;
//! let report = gatesim::sim::run(&scenario, &Default::default())?;
//! assert!(report.summary.requests > 400.0);
//! assert_eq!(report.summary.success_rate, 1.0);
//! # Ok::<(), gatesim::sim::RunError>(())
//! ```

pub mod cli;
pub mod dr;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod import;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod report;
pub mod sim;
