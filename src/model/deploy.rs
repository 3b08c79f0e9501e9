//! How a service runs (its deployment kind) and how gateways and balancers are hosted: what the
//! engine simulates of each, and what the price table charges for it.
//!
//! # Deployment kinds ([`Deployment`])
//! - `Vm`: virtual machines. An instance runs from the start (or from its scale-up) to the end of
//!   the run (or its scale-down); it is billed for that time at its size's hourly price.
//! - `Container`: pods under Kubernetes (with the service's HPA if any), billed like instances of
//!   their size, with the kubelet's probes
//!   (<https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/>):
//!   a probe runs every `period` from `initial_delay` after the container starts; it fails when
//!   the instance refuses the connection (down), answers a status of 400 or more (an error fault),
//!   or answers later than `timeout` (added latency); after `failure_threshold` consecutive
//!   failures a **liveness** probe has the container killed: it leaves the balancers at once,
//!   the requests it holds finish (SIGTERM and the grace period), and it runs again `restart`
//!   later (plus the back-off below), serving once ready; a **readiness** probe takes the
//!   pod out of the balancers (no new requests, those it holds finish) until `success_threshold`
//!   consecutive successes. A restarted container is not ready until its readiness probe passes
//!   (without one, as soon as it runs). Restarts of a container that keeps failing wait
//!   Kubernetes' crash-loop back-off: 10 s doubled per restart, at most 5 minutes, reset after
//!   10 minutes of running without a restart. A timeline fault is a condition of the instance's
//!   environment (a bad dependency, a broken host): a restart does not clear it.
//! - `Serverless`: a function (AWS Lambda semantics,
//!   <https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>). Each request takes
//!   an execution environment that serves one request at a time: a warm idle one if there is one
//!   (the most recently used), else a new one, whose **cold start** (`cold_start`, drawn per start)
//!   is added to that request only; when `concurrency_limit` environments are busy the request is
//!   **throttled** (429, `TooManyRequestsException`). An environment idle for `keep_warm` is
//!   reclaimed. The service's `instances`, `concurrency`, `queue_capacity` and `autoscaling` do not
//!   apply. Billed per invocation and per GB-second of duration (cold starts included, as Lambda
//!   bills the init phase since 2025-08-01) at `memory_mb`.

use super::{Dist, Span};
use serde::{Deserialize, Serialize};

/// How a service's instances run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Deployment {
    /// Virtual machines of a size.
    Vm {
        /// Instance size in the price table (`m7g.large`); none: the table's default size.
        #[serde(default)]
        size: Option<String>,
    },
    /// Containers (pods) with probes.
    Container(Container),
    /// A function with cold starts and a concurrency limit.
    Serverless(Serverless),
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment::Vm { size: None }
    }
}

impl Deployment {
    /// Whether this is the default (a VM of the default size), left out of saved files.
    pub fn is_default(&self) -> bool {
        *self == Deployment::default()
    }

    /// The priced size of a VM or container, if named.
    pub fn size(&self) -> Option<&str> {
        match self {
            Deployment::Vm { size } => size.as_deref(),
            Deployment::Container(c) => c.size.as_deref(),
            Deployment::Serverless(_) => None,
        }
    }

    /// A word for the kind: `vm`, `container`, `serverless`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Deployment::Vm { .. } => "vm",
            Deployment::Container(_) => "container",
            Deployment::Serverless(_) => "serverless",
        }
    }
}

/// Pods with probes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// Size in the price table (a node size, or a Fargate task size such as `fargate-1vcpu-2gb`);
    /// none: the table's default size.
    #[serde(default)]
    pub size: Option<String>,
    /// The liveness probe: failing it has the container restarted.
    #[serde(default)]
    pub liveness: Option<Probe>,
    /// The readiness probe: failing it takes the pod out of the balancers.
    #[serde(default)]
    pub readiness: Option<Probe>,
    /// From a kill to the restarted container running again (image present, process start).
    #[serde(default = "default_restart")]
    pub restart: Span,
}

fn default_restart() -> Span {
    Span::secs(10.0)
}

/// A Kubernetes probe (`periodSeconds`, `timeoutSeconds`, `failureThreshold`, `successThreshold`,
/// `initialDelaySeconds`; the defaults are Kubernetes').
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// `periodSeconds` (default 10 s).
    #[serde(default = "default_period")]
    pub period: Span,
    /// `timeoutSeconds` (default 1 s).
    #[serde(default = "default_timeout")]
    pub timeout: Span,
    /// `failureThreshold` (default 3).
    #[serde(default = "default_failures")]
    pub failure_threshold: u32,
    /// `successThreshold` (default 1; must be 1 for liveness).
    #[serde(default = "default_successes")]
    pub success_threshold: u32,
    /// `initialDelaySeconds` (default 0).
    #[serde(default)]
    pub initial_delay: Span,
}

fn default_period() -> Span {
    Span::secs(10.0)
}
fn default_timeout() -> Span {
    Span::secs(1.0)
}
fn default_failures() -> u32 {
    3
}
fn default_successes() -> u32 {
    1
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            period: default_period(),
            timeout: default_timeout(),
            failure_threshold: 3,
            success_threshold: 1,
            initial_delay: Span::default(),
        }
    }
}

/// A function (AWS Lambda semantics).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Serverless {
    /// Duration of a cold start (the init phase), drawn per new environment.
    #[serde(default = "default_cold_start")]
    pub cold_start: Dist,
    /// Environments that may serve at once (reserved concurrency); the excess is throttled (429).
    #[serde(default = "default_limit")]
    pub concurrency_limit: u32,
    /// How long an idle environment stays warm before it is reclaimed.
    #[serde(default = "default_keep_warm")]
    pub keep_warm: Span,
    /// Memory, MB (priced per GB-second).
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
}

fn default_cold_start() -> Dist {
    Dist::LogNormal { median_ms: 250.0, p99_ms: 1200.0 }
}
fn default_limit() -> u32 {
    1000
}
fn default_keep_warm() -> Span {
    Span::secs(600.0)
}
fn default_memory() -> u32 {
    512
}

impl Default for Serverless {
    fn default() -> Self {
        Serverless {
            cold_start: default_cold_start(),
            concurrency_limit: default_limit(),
            keep_warm: default_keep_warm(),
            memory_mb: default_memory(),
        }
    }
}

/// How a gateway or a load balancer is run, and so priced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Hosting {
    /// A managed service: a gateway is priced per million requests (AWS API Gateway), a balancer
    /// per hour and per capacity unit (an application load balancer).
    #[default]
    Managed,
    /// Self-run on instances (NGINX, HAProxy, Envoy, Kong on VMs), priced per instance-hour.
    Instances {
        /// How many.
        count: u32,
        /// Size in the price table; none: the table's default size.
        #[serde(default)]
        size: Option<String>,
    },
}

impl Hosting {
    /// Whether this is the default (managed), left out of saved files.
    pub fn is_default(&self) -> bool {
        *self == Hosting::Managed
    }
}
