//! Kubernetes manifests: a small scenario -> the exact YAML, and every refusal.

use super::*;
use crate::export::{ExportOptions, export};
use crate::model::load;
use std::path::Path;

/// Clients -> gateway -> service `api` (deployment `{deploy}`, autoscaling `{auto}`) and
/// service `web` (a container with a default readiness probe).
fn scenario(deploy: &str, auto: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    format_version: 1, name: "k", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "users", traffic: Constant(rate_rps: 1.0))),
            Gateway((name: "gw", routes: [(path_prefix: "/api", upstream: "api"), (path_prefix: "/web", upstream: "web")])),
            Service((name: "api", instances: 2, concurrency: 4, service_time: Constant(ms: 1.0),
                autoscaling: {auto}, deployment: {deploy})),
            Service((name: "web", instances: 1, service_time: Constant(ms: 1.0), deployment: Container((readiness: ())))),
        ],
        links: [(from: "users", to: "gw"), (from: "gw", to: "api"), (from: "gw", to: "web")],
    ),
)"#
    );
    load::parse(&text, Path::new("k.ron")).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const FARGATE: &str = r#"Container((size: "fargate-0.25vcpu-0.5gb", liveness: (period: "5s", failure_threshold: 2), readiness: (timeout: "2s", success_threshold: 2, initial_delay: "4s")))"#;
const HPA: &str = "(min_replicas: 2, max_replicas: 5, target_utilization: 0.6)";

fn options(images: &[(&str, &str)]) -> ExportOptions {
    ExportOptions {
        header: vec!["exported by a test".into()],
        scenario: ScenarioOptions {
            images: images.iter().map(|(s, i)| (s.to_string(), i.to_string())).collect(),
            ..ScenarioOptions::default()
        },
        ..ExportOptions::default()
    }
}

fn k8s(sc: &Scenario, o: &ExportOptions) -> Result<String, ExportError> {
    export(sc, None, Target::Kubernetes, o)
}

#[test]
fn deployment_service_and_hpa_as_the_model_says() {
    let sc = scenario(FARGATE, HPA);
    let text = k8s(&sc, &options(&[("api", "reg.example/api:1"), ("web", "reg.example/web:2")])).unwrap();
    let api = r#"# exported by a test
apiVersion: "apps/v1"
kind: "Deployment"
metadata:
  name: "api"
  labels:
    "app.kubernetes.io/name": "api"
    "app.kubernetes.io/managed-by": "gatesim"
spec:
  replicas: 2
  selector:
    matchLabels:
      "app.kubernetes.io/name": "api"
  template:
    metadata:
      labels:
        "app.kubernetes.io/name": "api"
    spec:
      containers:
        - name: "api"
          image: "reg.example/api:1"
          ports:
            - name: "http"
              containerPort: 8080
          resources:
            requests:
              cpu: "250m"
              memory: "512Mi"
            limits:
              cpu: "250m"
              memory: "512Mi"
          livenessProbe:
            httpGet:
              path: "/healthz"
              port: "http"
            initialDelaySeconds: 0
            periodSeconds: 5
            timeoutSeconds: 1
            successThreshold: 1
            failureThreshold: 2
          readinessProbe:
            httpGet:
              path: "/healthz"
              port: "http"
            initialDelaySeconds: 4
            periodSeconds: 10
            timeoutSeconds: 2
            successThreshold: 2
            failureThreshold: 3
---
apiVersion: "v1"
kind: "Service"
metadata:
  name: "api"
  labels:
    "app.kubernetes.io/name": "api"
    "app.kubernetes.io/managed-by": "gatesim"
spec:
  selector:
    "app.kubernetes.io/name": "api"
  ports:
    - name: "http"
      port: 8080
      targetPort: "http"
---
apiVersion: "autoscaling/v2"
kind: "HorizontalPodAutoscaler"
metadata:
  name: "api"
  labels:
    "app.kubernetes.io/name": "api"
    "app.kubernetes.io/managed-by": "gatesim"
spec:
  scaleTargetRef:
    apiVersion: "apps/v1"
    kind: "Deployment"
    name: "api"
  minReplicas: 2
  maxReplicas: 5
  metrics:
    - type: "Resource"
      resource:
        name: "cpu"
        target:
          type: "Utilization"
          averageUtilization: 60
---
"#;
    assert!(text.starts_with(api), "{text}");
    // The second service: Kubernetes' probe defaults as the model keeps them, no resources.
    let web = &text[api.len()..];
    assert!(web.contains("image: \"reg.example/web:2\""), "{web}");
    assert!(!web.contains("resources:") && !web.contains("livenessProbe"), "{web}");
    assert!(web.contains("periodSeconds: 10\n            timeoutSeconds: 1\n            successThreshold: 1\n            failureThreshold: 3\n"), "{web}");
    assert_eq!(text.matches("\n---\n").count(), 4, "api: 3 objects, web: 2");
}

#[test]
fn a_default_image_a_namespace_and_controller_flags() {
    let auto = "(min_replicas: 1, max_replicas: 3, sync_period_s: 30, downscale_stabilization_s: 120)";
    let sc = scenario(FARGATE, auto);
    let mut o = options(&[("web", "reg.example/web:2")]);
    o.scenario.default_image = Some("reg.example/all:3".into());
    o.scenario.namespace = Some("shop".into());
    let text = k8s(&sc, &o).unwrap();
    assert!(text.contains("image: \"reg.example/all:3\""), "{text}");
    assert!(text.contains("image: \"reg.example/web:2\""), "{text}");
    assert_eq!(text.matches("  namespace: \"shop\"\n").count(), 5, "{text}");
    assert!(text.contains("averageUtilization: 80"), "the model's default target");
    assert!(
        text.contains(
            "annotations:\n    \"gatesim/controller-flags\": \"--horizontal-pod-autoscaler-sync-period=30s --horizontal-pod-autoscaler-downscale-stabilization=120s\""
        ),
        "{text}"
    );
}

fn refused(sc: &Scenario, o: &ExportOptions) -> ExportError {
    match k8s(sc, o) {
        Ok(text) => panic!("expected a refusal, got\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn vm_and_serverless_services_are_not_exported() {
    let o = options(&[("api", "i"), ("web", "i")]);
    let e = refused(&scenario("Vm(size: \"m5.large\")", "None"), &o);
    assert!(matches!(&e, ExportError::Unsupported { node, .. } if node == "api"), "{e}");
    assert!(e.to_string().contains("Container"), "{e}");
    let e = refused(&scenario("Serverless(())", "None"), &o);
    assert!(
        matches!(&e, ExportError::Unsupported { node, policy, .. } if node == "api" && policy.contains("Serverless"))
    );
}

#[test]
fn no_image_is_invented_and_a_hostile_one_is_refused() {
    let sc = scenario(FARGATE, "None");
    let e = refused(&sc, &options(&[("web", "w")]));
    assert!(
        matches!(&e, ExportError::Missing(node, Target::Kubernetes, what) if node == "api" && what.contains("--image api="))
    );
    for image in ["a b", "a\"b", "a\nkind: Secret", "x#y", "x{y}", "x;y", ""] {
        let e = refused(&sc, &options(&[("api", image), ("web", "w")]));
        assert!(matches!(&e, ExportError::Refused { node, .. } if node == "api"), "{image:?}: {e}");
    }
}

#[test]
fn what_kubernetes_cannot_express_is_refused() {
    let o = options(&[("api", "i"), ("web", "i")]);
    let cases = [
        // Whole seconds only.
        (r#"Container((liveness: (period: "1500ms")))"#, "None", "period"),
        (r#"Container((readiness: (timeout: "0s")))"#, "None", "timeout"),
        // Kubernetes requires successThreshold 1 for liveness.
        ("Container((liveness: (success_threshold: 2)))", "None", "liveness success_threshold"),
        // An HPA on CPU needs a CPU request, which only a Fargate size states.
        (r#"Container((size: "m5.large"))"#, HPA, "autoscaling"),
        ("Container(())", HPA, "autoscaling"),
        (FARGATE, "(max_replicas: 3, target_utilization: 0.655)", "target_utilization"),
    ];
    for (deploy, auto, policy) in cases {
        let e = refused(&scenario(deploy, auto), &o);
        assert!(
            matches!(&e, ExportError::Unsupported { node, policy: p, .. } if node == "api" && p.contains(policy)),
            "{deploy} {auto}: {e}"
        );
    }
}

#[test]
fn hostile_and_colliding_names_are_refused() {
    let o = options(&[]);
    let mut o_all = o.clone();
    o_all.scenario.default_image = Some("i".into());
    for new in ["a;", "a}", "a{", "a#x", "a b", "a\"", "a'", "a\n", "a\\", "5xx", "a_", "é", &"a".repeat(64)] {
        let mut sc = scenario(FARGATE, "None");
        sc.topology.rename("api", new);
        let e = refused(&sc, &o_all);
        assert!(matches!(&e, ExportError::Refused { node, .. } if node == new), "{new:?}: {e}");
    }
    for ns in ["a b", "shop\n", "Shop!", "-x"] {
        let mut o = o_all.clone();
        o.scenario.namespace = Some(ns.into());
        assert!(matches!(refused(&scenario(FARGATE, "None"), &o), ExportError::Refused { .. }), "{ns:?}");
    }
    let mut o = o_all.clone();
    o.scenario.probe_path = "/h\"ealth".into();
    assert!(matches!(refused(&scenario(FARGATE, "None"), &o), ExportError::Refused { .. }));
    // `Web.v1` and `web_v1` would both be `web-v1`.
    let mut sc = scenario(FARGATE, "None");
    sc.topology.rename("api", "Web.v1");
    sc.topology.rename("web", "web_v1");
    let e = refused(&sc, &o_all);
    assert!(
        matches!(&e, ExportError::Collision { first, second, .. } if first == "Web.v1" && second == "web_v1"),
        "{e}"
    );
}

#[test]
fn names_map_to_dns_labels() {
    let mut sc = scenario(FARGATE, "None");
    sc.topology.rename("api", "Orders_V2.api");
    let mut o = options(&[]);
    o.scenario.default_image = Some("i".into());
    let text = k8s(&sc, &o).unwrap();
    assert!(text.contains("  name: \"orders-v2-api\"\n"), "{text}");
    assert!(text.contains("- name: \"orders-v2-api\"\n"), "{text}");
}

#[test]
fn a_hostile_header_stays_a_comment() {
    let mut o = options(&[("api", "i"), ("web", "i")]);
    o.header = vec!["from \"x.ron\"\n---\nkind: Secret # {;}".into()];
    let text = k8s(&scenario(FARGATE, "None"), &o).unwrap();
    assert!(text.starts_with("# from \"x.ron\" --- kind: Secret # {;}\napiVersion: \"apps/v1\"\n"), "{text}");
}
