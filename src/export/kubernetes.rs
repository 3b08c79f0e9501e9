//! Kubernetes manifests for the scenario's container services: per service an `apps/v1`
//! Deployment (replicas = `instances`, the model's probes as `httpGet` probes), a `v1` Service and,
//! when the service autoscales, an `autoscaling/v2` HorizontalPodAutoscaler. The documents are
//! joined with `---`. Mapping, refusals and validation: `docs/export/kubernetes.md`.
//!
//! - **Names**: [`dns_label`] of the node's name (lower case, `.`/`_` to `-`); a name that does not
//!   map is refused, and two services with one mapping are a [`ExportError::Collision`].
//! - **Image**: the model has none; it comes from [`ScenarioOptions::images`] or
//!   [`ScenarioOptions::default_image`], and a service without one is refused
//!   ([`ExportError::Missing`]): no placeholder is invented.
//! - **Deployment kinds**: `Container` only. A VM service is refused (the model says it runs on
//!   virtual machines, whose start, billing and lack of probes a pod does not share: make it a
//!   `Container` to export it); a serverless function is not a Kubernetes workload. Nodes other
//!   than services (clients, gateways, balancers, DNS, data stores) are not written.
//! - **Resources**: only a `fargate-<cpu>vcpu-<mem>gb` size states a pod's CPU and memory; it
//!   becomes equal requests and limits. Other sizes name a machine, not a pod's share: no
//!   `resources` are written, and an autoscaled service (whose HPA needs a CPU request to compute
//!   a utilisation) is refused.
//! - **HPA**: CPU `averageUtilization` = the model's target (whole percent), `minReplicas`,
//!   `maxReplicas`, and **no `behavior`**: the engine simulates the legacy path (largest
//!   recommendation of the downscale-stabilization window, scale-up capped at
//!   `max(2 * current, 4)`), which is the controller's path for an HPA without `behavior`
//!   (`src/policy/autoscale.rs`). The sync period and the downscale stabilization are
//!   kube-controller-manager flags, not HPA fields: when the model's differ from the controller's
//!   defaults (15 s, 300 s) the HPA carries the flags it assumes in the annotation
//!   `gatesim/controller-flags`.

use super::scenario::{dns_label, whole_secs};
use super::{ExportError, ExportOptions, ScenarioOptions, Target};
use crate::model::names::collision_key;
use crate::model::{Autoscaling, Container, Deployment, Node, Probe, Scenario, Service};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const T: Target = Target::Kubernetes;

/// The label every object of a service carries, and the Service's and HPA's selector.
const APP_LABEL: &str = "app.kubernetes.io/name";

/// Writes the manifests of every service of `scenario` (a multi-document YAML stream).
pub fn write(scenario: &Scenario, o: &ExportOptions) -> Result<String, ExportError> {
    let so = &o.scenario;
    if let Some(ns) = &so.namespace {
        dns_label(ns, ns)?;
    }
    if so.container_port == 0 {
        return Err(ExportError::Refused { node: String::new(), message: "container port 0".into() });
    }
    super::path("probe path", &so.probe_path)?;
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut docs = Vec::new();
    for node in &scenario.topology.nodes {
        let Node::Service(svc) = node else { continue };
        let container = match &svc.deployment {
            Deployment::Container(c) => c,
            Deployment::Vm { .. } => {
                return Err(ExportError::unsupported(
                    &svc.name,
                    "deployment Vm",
                    T,
                    "the service runs on virtual machines; model it as a Container (with its probes) to export it",
                ));
            }
            Deployment::Serverless(_) => {
                return Err(ExportError::unsupported(
                    &svc.name,
                    "deployment Serverless",
                    T,
                    "a function is not a Kubernetes workload",
                ));
            }
        };
        let name = dns_label(&svc.name, &svc.name)?;
        if let Some(first) = seen.insert(collision_key(&svc.name), &svc.name) {
            return Err(ExportError::Collision {
                first: first.into(),
                second: svc.name.clone(),
                message: format!("both would be the Kubernetes objects named {name:?}"),
            });
        }
        docs.push(deployment(svc, container, &name, so)?);
        docs.push(service(&name, so));
        if let Some(a) = &svc.autoscaling {
            docs.push(hpa(svc, container, a, &name, so)?);
        }
    }
    if docs.is_empty() {
        return Err(ExportError::Nothing(T, "the scenario has no service to write".into()));
    }
    Ok(docs.iter().map(super::yaml::to_yaml).collect::<Vec<_>>().join("---\n"))
}

/// `metadata` of a service's object.
fn metadata(name: &str, so: &ScenarioOptions) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(ns) = &so.namespace {
        m.insert("namespace".into(), json!(ns));
    }
    m.insert("labels".into(), json!({ APP_LABEL: name, "app.kubernetes.io/managed-by": "gatesim" }));
    Value::Object(m)
}

fn deployment(svc: &Service, c: &Container, name: &str, so: &ScenarioOptions) -> Result<Value, ExportError> {
    let image = image(svc, so)?;
    let mut container = Map::new();
    container.insert("name".into(), json!(name));
    container.insert("image".into(), json!(image));
    container.insert("ports".into(), json!([{ "name": "http", "containerPort": so.container_port }]));
    if let Some((cpu, memory)) = resources(c.size.as_deref()) {
        let r = json!({ "cpu": cpu, "memory": memory });
        container.insert("resources".into(), json!({ "requests": r, "limits": r }));
    }
    if let Some(p) = &c.liveness {
        if p.success_threshold != 1 {
            return Err(ExportError::unsupported(
                &svc.name,
                format!("liveness success_threshold {}", p.success_threshold),
                T,
                "Kubernetes requires successThreshold 1 for a liveness probe",
            ));
        }
        container.insert("livenessProbe".into(), probe(&svc.name, "liveness", p, so)?);
    }
    if let Some(p) = &c.readiness {
        container.insert("readinessProbe".into(), probe(&svc.name, "readiness", p, so)?);
    }
    Ok(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, so),
        "spec": {
            "replicas": svc.instances,
            "selector": { "matchLabels": { APP_LABEL: name } },
            "template": {
                "metadata": { "labels": { APP_LABEL: name } },
                "spec": { "containers": [Value::Object(container)] },
            },
        },
    }))
}

/// The service's image: its own, else the default; refused when there is none, or when it holds
/// characters no image reference has (whitespace, quotes, control characters, ...).
fn image<'o>(svc: &Service, so: &'o ScenarioOptions) -> Result<&'o str, ExportError> {
    let Some(image) = so.images.get(&svc.name).or(so.default_image.as_ref()) else {
        return Err(ExportError::Missing(
            svc.name.clone(),
            T,
            format!("a container image (give one with --image {}=IMAGE, or --image IMAGE for all)", svc.name),
        ));
    };
    let ok = !image.is_empty()
        && image.len() <= 255
        && image.chars().all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c));
    if !ok {
        return Err(ExportError::Refused {
            node: svc.name.clone(),
            message: format!("image {image:?}: an image reference has only ASCII letters, digits and ._-/:@"),
        });
    }
    Ok(image)
}

/// CPU and memory of a `fargate-<cpu>vcpu-<mem>gb` size (`"250m"`, `"512Mi"`).
fn resources(size: Option<&str>) -> Option<(String, String)> {
    let rest = size?.strip_prefix("fargate-")?;
    let (cpu, mem) = rest.split_once("vcpu-")?;
    let mem = mem.strip_suffix("gb")?;
    let cpu_m = cpu.parse::<f64>().ok()? * 1000.0;
    let mem_mi = mem.parse::<f64>().ok()? * 1024.0;
    let whole = |v: f64| (v.is_finite() && v >= 1.0 && v.fract() == 0.0).then_some(v as u64);
    Some((format!("{}m", whole(cpu_m)?), format!("{}Mi", whole(mem_mi)?)))
}

/// A probe as the model states it, every field written (the model's defaults are Kubernetes').
fn probe(node: &str, which: &str, p: &Probe, so: &ScenarioOptions) -> Result<Value, ExportError> {
    let secs = |field: &str, v: f64, min: u64| -> Result<u64, ExportError> {
        whole_secs(v).filter(|&s| s >= min).ok_or_else(|| {
            ExportError::unsupported(
                node,
                format!("{which} probe {field} {v} s"),
                T,
                format!("Kubernetes takes whole seconds, at least {min}"),
            )
        })
    };
    if p.failure_threshold == 0 || p.success_threshold == 0 {
        return Err(ExportError::unsupported(node, format!("{which} probe threshold 0"), T, "thresholds are >= 1"));
    }
    Ok(json!({
        "httpGet": { "path": so.probe_path, "port": "http" },
        "initialDelaySeconds": secs("initial_delay", p.initial_delay.0, 0)?,
        "periodSeconds": secs("period", p.period.0, 1)?,
        "timeoutSeconds": secs("timeout", p.timeout.0, 1)?,
        "successThreshold": p.success_threshold,
        "failureThreshold": p.failure_threshold,
    }))
}

fn service(name: &str, so: &ScenarioOptions) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, so),
        "spec": {
            "selector": { APP_LABEL: name },
            "ports": [{ "name": "http", "port": so.container_port, "targetPort": "http" }],
        },
    })
}

fn hpa(svc: &Service, c: &Container, a: &Autoscaling, name: &str, so: &ScenarioOptions) -> Result<Value, ExportError> {
    if resources(c.size.as_deref()).is_none() {
        return Err(ExportError::unsupported(
            &svc.name,
            "autoscaling",
            T,
            "an HPA on CPU utilisation needs a CPU request, and only a fargate-<cpu>vcpu-<mem>gb size states one",
        ));
    }
    let percent = a.target_utilization * 100.0;
    if !(percent >= 1.0 && (percent - percent.round()).abs() < 1e-9) {
        return Err(ExportError::unsupported(
            &svc.name,
            format!("target_utilization {}", a.target_utilization),
            T,
            "averageUtilization is a whole percent, at least 1",
        ));
    }
    if a.min_replicas == 0 || a.max_replicas < a.min_replicas {
        return Err(ExportError::Broken {
            node: svc.name.clone(),
            message: format!("autoscaling min_replicas {} / max_replicas {}", a.min_replicas, a.max_replicas),
        });
    }
    let mut meta = metadata(name, so);
    let mut flags = Vec::new();
    if a.sync_period_s != 15 {
        flags.push(format!("--horizontal-pod-autoscaler-sync-period={}s", a.sync_period_s));
    }
    if a.downscale_stabilization_s != 300 {
        flags.push(format!("--horizontal-pod-autoscaler-downscale-stabilization={}s", a.downscale_stabilization_s));
    }
    if !flags.is_empty()
        && let Some(m) = meta.as_object_mut()
    {
        m.insert("annotations".into(), json!({ "gatesim/controller-flags": flags.join(" ") }));
    }
    Ok(json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta,
        "spec": {
            "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": name },
            "minReplicas": a.min_replicas,
            "maxReplicas": a.max_replicas,
            "metrics": [{
                "type": "Resource",
                "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": percent.round() as u64 } },
            }],
        },
    }))
}

#[cfg(test)]
#[path = "kubernetes_tests.rs"]
mod tests;
