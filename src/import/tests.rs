//! Unit tests of the importers: syntax errors with `file:line`, the include rule, hostile names,
//! what is listed, and inputs that must never panic.

use super::nginx_syntax::glob_match;
use super::*;
use crate::model::{Limiter, Node};
use proptest::prelude::*;
use std::path::Path;

fn nginx(text: &str) -> Result<Imported, ImportError> {
    import_str(text, Path::new("/nonexistent/t.conf"), Format::Nginx)
}

fn haproxy(text: &str) -> Result<Imported, ImportError> {
    import_str(text, Path::new("t.cfg"), Format::Haproxy)
}

fn err(r: Result<Imported, ImportError>) -> String {
    match r {
        Ok(i) => panic!("imported, expected an error: {:?}", i.scenario.topology.nodes),
        Err(e) => e.to_string(),
    }
}

fn ok(r: Result<Imported, ImportError>) -> Imported {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn listing(i: &Imported) -> String {
    i.notes.iter().map(|n| format!("{n}\n")).collect()
}

const NGINX: &str = "limit_req_zone $binary_remote_addr zone=z:1m rate=10r/s;
upstream app { server 10.0.0.1:80 weight=2; server 10.0.0.2:80 weight=2; }
server {
    listen 80;
    limit_req zone=z burst=5;
    location /api { proxy_pass http://app; }
    location /static { limit_req zone=z burst=1 nodelay; proxy_pass http://app; }
}
";

const HAPROXY: &str = "defaults
    mode http
    timeout connect 1s
frontend fe
    bind :80
    acl api path_beg /api
    use_backend app if api
backend app
    server app-0 10.0.0.1:80 check
    server app-1 10.0.0.2:80 check
";

#[test]
fn a_snippet_maps_zones_upstreams_and_inherited_limits() {
    let i = ok(nginx(NGINX));
    let Some(Node::Gateway(g)) = i.scenario.topology.node("gateway") else { panic!("no gateway") };
    assert_eq!(g.routes.len(), 2);
    let limits: Vec<String> =
        g.routes.iter().filter_map(|r| r.rate_limit.as_ref()).map(|l| l.algorithm.describe()).collect();
    // The server's limit_req is inherited by /api; /static has its own.
    assert_eq!(limits, ["limit_req 10r/s burst 5", "limit_req 10r/s burst 1 nodelay"]);
    let Some(Node::Service(s)) = i.scenario.topology.node("app-svc") else { panic!("no service") };
    assert_eq!(s.instances, 2);
}

#[test]
fn truncated_nginx_is_an_error_at_a_line() {
    let truncated = &NGINX[..NGINX.find("location /static").unwrap_or(0)];
    let e = err(nginx(truncated));
    assert!(e.contains("t.conf:") && e.contains("expected `}`"), "{e}");
    let e = err(nginx("server {\n listen 80;\n location / { proxy_pass http://a; }\n"));
    assert!(e.contains("block opened at line 1"), "{e}");
    let e = err(nginx("server {\n  location \"/a {\n  }\n}\n"));
    assert!(e.contains("t.conf:2: unterminated quoted string"), "{e}");
    let e = err(nginx("upstream a { server x; }\n}\n"));
    assert!(e.contains("t.conf:2: unexpected `}`"), "{e}");
    let e = err(nginx("upstream a { server x }"));
    assert!(e.contains("t.conf:1") && e.contains("expected `;`"), "{e}");
    let e = err(nginx("location \"/a\"x { }"));
    assert!(e.contains("after a quoted string"), "{e}");
}

#[test]
fn references_the_product_would_refuse_are_errors() {
    let e = err(nginx("server { location / { limit_req zone=nope; proxy_pass http://a; } }"));
    assert!(e.contains("t.conf:1: limit_req: zone \"nope\" is not declared"), "{e}");
    let e = err(nginx("limit_req_zone $remote_addr zone=z:1m rate=fast;"));
    assert!(e.contains("rate \"fast\""), "{e}");
    let e = err(nginx("upstream a { server x weight=0; }\nserver { location / { proxy_pass http://a; } }"));
    assert!(e.contains("t.conf:1") && e.contains("weight"), "{e}");
    let e = err(nginx(
        "limit_req_zone $remote_addr zone=z:1m rate=1r/s;\nserver { location / { limit_req zone=z; limit_req_status 200; proxy_pass http://a; } }",
    ));
    assert!(e.contains("t.conf:2") && e.contains("limit_req_status"), "{e}");
    let e = err(haproxy("frontend f\n  use_backend nope if { path_beg /a }\n"));
    assert!(e.contains("t.cfg:2: backend \"nope\" is not defined"), "{e}");
    let e = err(nginx("server { listen 80; }"));
    assert!(e.contains("nothing to import"), "{e}");
}

#[test]
fn unknown_directives_are_listed_not_fatal() {
    let text = NGINX.replace("listen 80;", "listen 80;\n    frobnicate on;\n    gzip on;");
    let i = ok(nginx(&text));
    let l = listing(&i);
    assert!(l.contains("t.conf:5: not mapped: frobnicate"), "{l}");
    assert!(l.contains("t.conf:6: ignored: gzip"), "{l}");
    assert!(l.contains("default: services"), "{l}");
    let text = HAPROXY.replace("    bind :80\n", "    bind :80\n    frobnicate on\n");
    let l = listing(&ok(haproxy(&text)));
    assert!(l.contains("t.cfg:6: not mapped: frobnicate on"), "{l}");
}

#[test]
fn haproxy_syntax_errors_name_the_line() {
    let e = err(haproxy("frontend f\n  acl a path_beg \"/x\n"));
    assert!(e.contains("t.cfg:2: unterminated quote"), "{e}");
    let e = err(haproxy("frontend f\n  use_backend b if { path_beg /x\nbackend b\n server s 1.2.3.4:80\n"));
    assert!(e.contains("t.cfg:2") && e.contains("not closed"), "{e}");
    let e = err(haproxy("  mode http\nfrontend f\n"));
    assert!(e.contains("t.cfg:1") && e.contains("outside any section"), "{e}");
    let e = err(haproxy("backend\n"));
    assert!(e.contains("t.cfg:1: backend: expected a name"), "{e}");
}

#[test]
fn haproxy_maps_acls_tables_checks_and_retries() {
    let text = format!(
        "{HAPROXY}    retries 5\n    option redispatch\n    balance leastconn\n    default-server inter 3s fall 4\n"
    )
    .replace(
        "    use_backend app if api\n",
        "    stick-table type ip size 1m expire 1m store http_req_rate(10s)\n    http-request track-sc0 src\n    http-request deny deny_status 429 if api { sc_http_req_rate(0) ge 20 }\n    use_backend app if api\n",
    );
    let i = ok(haproxy(&text));
    let Some(Node::Gateway(g)) = i.scenario.topology.node("fe") else { panic!("no gateway") };
    let rl = g.routes[0].rate_limit.as_ref().map(|r| r.algorithm.clone());
    assert_eq!(
        rl,
        Some(Limiter::HaproxyHttpReqRate { period_ms: 10_000, limit: 19, expire_ms: 60_000, deny_status: 429 })
    );
    let Some(Node::LoadBalancer(lb)) = i.scenario.topology.node("app") else { panic!("no balancer") };
    assert_eq!(lb.algorithm, Balance::HaproxyLeastConn);
    assert_eq!(lb.failover, Failover::HaproxyRetries { retries: 5, redispatch: true, connect_timeout_ms: 1000 });
    // default-server lines apply to the servers after them.
    assert_eq!(lb.health_check, Some(ActiveCheck { inter_ms: 2000, rise: 2, fall: 3, http: None }));
    // app-0, app-1: one service of two instances, named apart from the balancer.
    let Some(Node::Service(s)) = i.scenario.topology.node("app-svc") else { panic!("{:?}", i.scenario.topology.nodes) };
    assert_eq!(s.instances, 2);
}

#[test]
fn first_match_shadowing_and_unknown_conditions() {
    let text = "frontend f
    use_backend a if { path_beg /api }
    use_backend b if { path_beg /api/pay }
    use_backend c if { hdr(host) -i admin }
    default_backend c
backend a
    server a1 1.1.1.1:80
backend b
    server b1 1.1.1.2:80
backend c
    server c1 1.1.1.3:80
";
    let i = ok(haproxy(text));
    let Some(Node::Gateway(g)) = i.scenario.topology.node("f") else { panic!("no gateway") };
    // /api/pay never reaches b in HAProxy (the first rule takes it): one route /api -> a.
    let routes: Vec<(&str, &str)> = g.routes.iter().map(|r| (r.path_prefix.as_str(), r.upstream.as_str())).collect();
    assert_eq!(routes, [("/", "c"), ("/api", "a")]);
    assert!(listing(&i).contains("t.cfg:4: not mapped: use_backend c if { hdr(host) -i admin }"), "{}", listing(&i));
}

#[test]
fn hostile_names_are_renamed_or_refused_with_file_line() {
    let text = "upstream \"a;b{c}#d e\" { server 10.0.0.1; }\nserver { server_name \"gw\\nx\"; location / { proxy_pass http://a;b{c}#d e; } }";
    // The proxy_pass URL ends at the `;`: that upstream name cannot be written unquoted.
    assert!(nginx(text).is_err());
    let text = "upstream \"a;b{c}#d e\" { server 10.0.0.1; }\nserver { server_name \"gw\\nx\"; location / { proxy_pass \"http://a;b{c}#d e\"; } }";
    let i = ok(nginx(text));
    let names: Vec<&str> = i.scenario.topology.nodes.iter().map(|n| n.name()).collect();
    assert_eq!(names, ["clients", "gw-x", "a-b-c-d-e", "a-b-c-d-e-svc"]);
    for n in &names {
        assert!(crate::model::names::check_name(n).is_ok(), "{n}");
    }
    let l = listing(&i);
    assert!(l.contains("t.conf:1: renamed: \"a;b{c}#d e\" imported as \"a-b-c-d-e\""), "{l}");
    assert!(l.contains("t.conf:2: renamed: \"gw\\nx\" imported as \"gw-x\""), "{l}");
    let e = err(nginx("upstream \"{};\" { server x; }\nserver { location / { proxy_pass \"http://{};\"; } }"));
    assert!(e.contains("t.conf:1: name \"{};\" has no ASCII letter or digit"), "{e}");
    let e = err(nginx("upstream a { server x; }\nserver { location \"/a b\" { proxy_pass http://a; } }"));
    assert!(e.contains("t.conf:2: location \"/a b\" cannot be a gatesim route"), "{e}");
    // HAProxy: quoted and escaped names.
    let text = "frontend \"f#1\"\n  default_backend b\\ 1\nbackend \"b 1\"\n  server \"web;one\" 1.2.3.4:80\n  server 'x{y}' 1.2.3.5:80\n";
    let i = ok(haproxy(text));
    let names: Vec<&str> = i.scenario.topology.nodes.iter().map(|n| n.name()).collect();
    assert_eq!(names, ["clients", "f-1", "b-1", "web-one", "x-y"]);
    let e =
        err(haproxy("frontend f\n  acl a path_beg /a\\;b\n  use_backend b if a\nbackend b\n  server s 1.2.3.4:80\n"));
    assert!(e.contains("t.cfg:3") && e.contains("cannot be a gatesim route"), "{e}");
}

#[test]
fn names_that_collide_in_a_product_are_made_distinct() {
    let text = "upstream a-b { server x; }\nupstream A_B { server y; }\nserver { location /1 { proxy_pass http://a-b; } location /2 { proxy_pass http://A_B; } }";
    let i = ok(nginx(text));
    let names: Vec<&str> = i.scenario.topology.nodes.iter().map(|n| n.name()).collect();
    assert_eq!(names, ["clients", "gateway", "a-b", "A_B-2", "a-b-svc", "A_B-2-svc"]);
}

#[test]
fn detection_and_globs() {
    assert_eq!(detect(Path::new("x/haproxy.cfg"), ""), Some(Format::Haproxy));
    assert_eq!(detect(Path::new("site.conf"), ""), Some(Format::Nginx));
    assert_eq!(detect(Path::new("config"), HAPROXY), Some(Format::Haproxy));
    assert_eq!(detect(Path::new("config"), NGINX), Some(Format::Nginx));
    assert_eq!(detect(Path::new("config"), ""), None);
    assert!(glob_match("*.conf", "a.conf") && !glob_match("*.conf", "a.conf.bak"));
    assert!(glob_match("[a-c]?.conf", "b1.conf") && !glob_match("[!a-c]?.conf", "b1.conf"));
    assert!(glob_match("*", "x") && glob_match("a*b*c", "aXbYbc") && !glob_match("a*b*c", "aXbY"));
    assert!(glob_match("[", "[") && !glob_match("[a", "a"));
}

mod includes {
    use super::*;
    use std::fs;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    fn write(path: &Path, text: &str) {
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).unwrap_or_else(|e| panic!("{e}"));
        }
        fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }

    const MAIN: &str = "events {}\nhttp {\n    include conf.d/*.conf;\n    include upstreams.inc;\n}\n";

    #[test]
    fn globs_and_files_inside_the_directory_are_followed() {
        let d = dir();
        let root = d.path().join("etc");
        write(&root.join("nginx.conf"), MAIN);
        write(&root.join("upstreams.inc"), "upstream app { server 1.1.1.1; }\n");
        write(&root.join("conf.d/b.conf"), "server { location /b { proxy_pass http://app; } }\n");
        write(&root.join("conf.d/a.conf"), "server { location /a { proxy_pass http://app; } }\n");
        write(&root.join("conf.d/skip.txt"), "garbage {");
        let i = ok(import_file(&root.join("nginx.conf"), None));
        let Some(Node::Gateway(g)) = i.scenario.topology.node("gateway") else { panic!("no gateway") };
        // Sorted glob: a.conf's server is the gateway, b.conf's is listed.
        assert_eq!(g.routes[0].path_prefix, "/a");
        let l = listing(&i);
        assert!(l.contains("conf.d/b.conf:1: not mapped: server: a second server block"), "{l}");
    }

    fn refused(include: &str, setup: impl Fn(&Path)) -> String {
        let d = dir();
        let root = d.path().join("etc");
        write(&root.join("nginx.conf"), &format!("http {{\n    include {include};\n}}\n"));
        write(&d.path().join("x.conf"), "upstream evil { server 6.6.6.6; }\n");
        setup(d.path());
        err(import_file(&root.join("nginx.conf"), None))
    }

    #[test]
    fn paths_outside_the_directory_are_refused_with_file_line() {
        let e = refused("../x.conf", |_| {});
        assert!(e.contains("nginx.conf:2: include \"../x.conf\" resolves to") && e.contains("outside"), "{e}");
        let e = refused("../*.conf", |_| {});
        assert!(e.contains("nginx.conf:2") && e.contains("outside"), "{e}");
        let d = dir();
        write(&d.path().join("abs.conf"), "upstream evil { server 6.6.6.6; }\n");
        let abs = d.path().join("abs.conf");
        let e = refused(&abs.to_string_lossy(), |_| {});
        assert!(e.contains("nginx.conf:2") && e.contains("outside"), "{e}");
        #[cfg(unix)]
        {
            let e = refused("link.conf", |base| {
                std::os::unix::fs::symlink(base.join("x.conf"), base.join("etc/link.conf"))
                    .unwrap_or_else(|e| panic!("{e}"));
            });
            assert!(e.contains("nginx.conf:2") && e.contains("outside"), "{e}");
            let e = refused("sub/*.conf", |base| {
                std::os::unix::fs::symlink(base, base.join("etc/sub")).unwrap_or_else(|e| panic!("{e}"));
            });
            assert!(e.contains("nginx.conf:2") && e.contains("outside"), "{e}");
        }
    }

    #[test]
    fn missing_cyclic_and_deep_includes_are_errors() {
        let e = refused("missing.conf", |_| {});
        assert!(e.contains("nginx.conf:2: include \"missing.conf\"") && e.contains("cannot be opened"), "{e}");
        let e = refused("nginx.conf", |_| {});
        assert!(e.contains("nginx.conf:2") && e.contains("cycle"), "{e}");
        let e = refused("d0.conf", |base| {
            for i in 0..20 {
                write(&base.join(format!("etc/d{i}.conf")), &format!("include d{}.conf;\n", i + 1));
            }
        });
        assert!(e.contains("nest more than"), "{e}");
        // A glob that matches nothing is not an error in NGINX (and the import then has nothing).
        let e = refused("none/*.conf", |_| {});
        assert!(e.contains("nothing to import"), "{e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any bytes: an import or an error, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _nginx = nginx(&text).map(|_| ());
        let _haproxy = haproxy(&text).map(|_| ());
    }

    /// Configs made of the syntax's own characters, shuffled.
    #[test]
    fn syntax_soup_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
        "{", "}", ";", "\"", "'", "\\", "#", "\n", " ", "location", "/a", "proxy_pass", "http://u", "upstream", "u",
        "server", "limit_req", "zone=z", "if", "!", "||", "{ path_beg /x }", "use_backend", "backend", "frontend",
        "track-sc0", "sc_http_req_rate(0)", "gt", "1", "$", "${x}", "include", "*",
    ]), 0..60)) {
        let text: String = parts.concat();
        let _nginx = nginx(&text).map(|_| ());
        let _haproxy = haproxy(&text).map(|_| ());
    }
}

#[test]
fn every_truncation_of_valid_configs_never_panics() {
    let big_haproxy = format!(
        "{HAPROXY}    balance first\nfrontend g\n  http-request set-var(txn.r) str(r0) if {{ path_beg '/x' }}\n  http-request track-sc0 req.hdr(x-api-key) table app if {{ var(txn.r) -m str r0 }}\n  http-request deny deny_status 429 if {{ var(txn.r) -m str r0 }} {{ sc_http_req_rate(0) gt 3 }}\n  use_backend app if !{{ var(txn.r) -m found }} || {{ var(txn.r) -m str r0 }}\n"
    );
    for (text, format) in [(NGINX, Format::Nginx), (big_haproxy.as_str(), Format::Haproxy)] {
        for (i, _) in text.char_indices() {
            let _result = import_str(&text[..i], Path::new("t"), format).map(|_| ());
        }
    }
}

/// `s` as an NGINX double-quoted string.
fn nginx_quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `s` as an HAProxy double-quoted word.
fn haproxy_quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A hostile name in an upstream, server name, backend or server: imported under a name that
    /// follows the name rule, or refused at its file and line; never a panic.
    #[test]
    fn hostile_names_become_valid_names_or_errors_at_a_line(name in "[a-z;{}#\"' \\n\\t\\\\$.:_-]{1,20}") {
        let text = format!(
            "upstream {q} {{ server 10.0.0.1; }}\nserver {{ server_name {q};\n location / {{ proxy_pass {u}; }} }}\n",
            q = nginx_quoted(&name),
            u = nginx_quoted(&format!("http://{name}")),
        );
        check_names(nginx(&text), "t.conf:")?;
        let text = format!(
            "frontend {q}\n  default_backend {q}\nbackend {q}\n  server {q} 10.0.0.1:80\n",
            q = haproxy_quoted(&name),
        );
        check_names(haproxy(&text), "t.cfg:")?;
    }
}

fn check_names(r: Result<Imported, ImportError>, file: &str) -> Result<(), TestCaseError> {
    match r {
        Ok(i) => {
            for n in &i.scenario.topology.nodes {
                prop_assert!(crate::model::names::check_name(n.name()).is_ok(), "{}", n.name());
            }
        }
        Err(e) => {
            let e = e.to_string();
            prop_assert!(e.contains(file), "{}", e);
        }
    }
    Ok(())
}

#[test]
fn duplicate_locations_are_refused_as_nginx_refuses_them() {
    let e = err(nginx(
        "upstream a { server x; }\nserver {\n location /a { proxy_pass http://a; }\n location /a { proxy_pass http://a; }\n}",
    ));
    assert!(e.contains("t.conf:4: duplicate location \"/a\" (also at line 3)"), "{e}");
    let i = ok(nginx(
        "upstream a { server x; }\nserver {\n location = /a { proxy_pass http://a; }\n location /a { proxy_pass http://a; }\n}",
    ));
    assert!(listing(&i).contains("t.conf:4: not mapped: location: /a is imported once"), "{}", listing(&i));
}

#[test]
fn listen_sections_and_defaults_route_too() {
    let text = "defaults\n  mode http\n  timeout server 1m\n  default_backend b\nlisten web\n  acl slow path_beg /report\n  http-request set-timeout server 5m if slow\n  server w-0 1.1.1.1:80 weight 3\n  server w-1 1.1.1.2:80 weight 3\n";
    let i = ok(haproxy(text));
    let Some(Node::Gateway(g)) = i.scenario.topology.node("web-gw") else { panic!("{:?}", i.scenario.topology.nodes) };
    let routes: Vec<(&str, Option<f64>)> = g.routes.iter().map(|r| (r.path_prefix.as_str(), r.timeout_ms)).collect();
    assert_eq!(routes, [("/", Some(60_000.0)), ("/report", Some(300_000.0))]);
    let text = "defaults\n  mode http\n  default_backend b\nfrontend f\n  bind :80\nbackend b\n  server s 1.1.1.1:80\n";
    let i = ok(haproxy(text));
    assert!(i.scenario.topology.node("b").is_some());
}

#[test]
fn a_backend_chosen_at_run_time_is_listed_and_the_default_applies() {
    let text =
        "frontend f\n  use_backend %[req.hdr(host),lower]\n  default_backend b\nbackend b\n  server s 1.1.1.1:80\n";
    let i = ok(haproxy(text));
    assert!(i.scenario.topology.node("b").is_some());
    assert!(listing(&i).contains("t.cfg:2: not mapped: use_backend %[req.hdr(host),lower]"), "{}", listing(&i));
}

#[test]
fn a_listen_section_with_its_own_stick_table() {
    let text = "listen web\n  stick-table type ip size 1k expire 10s store http_req_rate(1s)\n  http-request track-sc0 src\n  http-request deny deny_status 429 if { sc0_http_req_rate gt 5 }\n  server w 1.1.1.1:80\n";
    let i = ok(haproxy(text));
    let Some(Node::Gateway(g)) = i.scenario.topology.node("web-gw") else { panic!("{:?}", i.scenario.topology.nodes) };
    let rl = g.routes[0].rate_limit.as_ref().map(|r| r.algorithm.clone());
    assert_eq!(
        rl,
        Some(Limiter::HaproxyHttpReqRate { period_ms: 1000, limit: 5, expire_ms: 10_000, deny_status: 429 })
    );
}

#[test]
fn huge_configs_are_refused_not_slow() {
    let mut text = String::from("upstream a { server x; }\nserver {\n");
    for i in 0..=MAX_ROUTES {
        text.push_str(&format!("location /r{i} {{ proxy_pass http://a; }}\n"));
    }
    text.push('}');
    let e = err(nginx(&text));
    assert!(e.contains("more than the 5000"), "{e}");
    let mut text = String::from("frontend f\n  default_backend b\n");
    for i in 0..3000 {
        text.push_str(&format!("  use_backend b if {{ path_beg /r{i} }}\n"));
    }
    text.push_str("backend b\n  server s 1.1.1.1:80\n");
    let e = err(haproxy(&text));
    assert!(e.contains("t.cfg:1:") && e.contains("evaluations"), "{e}");
}

#[test]
fn server_flags_and_valued_parameters_are_told_apart() {
    let text = "frontend f\n  default_backend b\nbackend b\n  server s 1.1.1.1:443 ssl verify none no-check-ssl sni str(x) check inter 700 ws auto\n";
    let i = ok(haproxy(text));
    let Some(Node::LoadBalancer(lb)) = i.scenario.topology.node("b") else { panic!("no balancer") };
    assert_eq!(lb.health_check, Some(ActiveCheck { inter_ms: 700, rise: 2, fall: 3, http: None }));
}

#[test]
fn a_stats_listen_section_first_is_not_the_gateway() {
    let text = format!("listen stats\n  bind :8404\n  stats enable\n  stats uri /stats\n{HAPROXY}");
    let i = ok(haproxy(&text));
    assert!(i.scenario.topology.node("fe").is_some(), "{:?}", i.scenario.topology.nodes);
    assert!(listing(&i).contains("t.cfg:1: ignored: a listen section without servers"), "{}", listing(&i));
}

#[test]
fn a_location_that_never_matches_is_listed() {
    let i = ok(nginx(
        "upstream a { server x; }\nserver {\n location api { proxy_pass http://a; }\n location / { proxy_pass http://a; }\n}",
    ));
    assert!(listing(&i).contains("t.conf:3: not mapped: location: location \"api\" never matches"), "{}", listing(&i));
}
