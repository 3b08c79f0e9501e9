//! `gatesim import` as a user runs it: realistic configs that import and run, and failures that
//! name the file and line and exit 2.

use super::repo;
use std::path::{Path, PathBuf};
use std::process::Command;

fn gatesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gatesim")).args(args).output().unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}

fn write(path: &Path, text: &str) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

/// Imports `config` to a scenario file, then runs it.
fn import_and_run(config: &Path) -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("imported.ron");
    let (code, _, listing) = gatesim(&["import", s(config), "-o", s(&out)]);
    assert_eq!(code, 0, "{listing}");
    let (code, stdout, stderr) = gatesim(&["run", s(&out), "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let (code, stdout, stderr) = gatesim(&["run", s(&out)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("requests"), "{stdout}");
    listing
}

#[test]
fn a_realistic_nginx_conf_with_includes_imports_and_runs() {
    let conf = repo("tests/corpus/import/nginx/nginx.conf");
    let listing = import_and_run(&conf);
    for expected in [
        "conf.d/site.conf:38: not mapped: location: regular expression",
        "conf.d/upstreams.conf:9: not mapped: server: 10.0.1.99:8080 is a backup server",
        "nginx.conf:26: ignored: gzip",
        "default: services:",
    ] {
        assert!(listing.contains(expected), "{expected}\n{listing}");
    }
    // Without -o the scenario goes to stdout, in the format the loader reads.
    let (code, stdout, _) = gatesim(&["import", s(&conf)]);
    assert_eq!(code, 0);
    let scenario = gatesim::model::load::from_str(&stdout, Path::new("stdout.ron")).unwrap_or_else(|e| panic!("{e}"));
    let gateway = scenario.topology.node("shop.example.com");
    let Some(gatesim::model::Node::Gateway(g)) = gateway else { panic!("{stdout}") };
    let prefixes: Vec<&str> = g.routes.iter().map(|r| r.path_prefix.as_str()).collect();
    assert_eq!(prefixes, ["/api/catalog/", "/api/orders", "/login"]);
}

#[test]
fn a_realistic_haproxy_cfg_imports_and_runs() {
    let listing = import_and_run(&repo("tests/corpus/import/haproxy.cfg"));
    for expected in [
        "haproxy.cfg:39: not mapped: use_backend be_admin if is_admin",
        "haproxy.cfg:56: not mapped: server catalog-spare is backup",
        "haproxy.cfg:62: renamed: \"orders:a\" imported as \"orders-a\"",
    ] {
        assert!(listing.contains(expected), "{expected}\n{listing}");
    }
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// `etc/nginx.conf` with `body` inside `http { }`, and `x.conf` beside `etc`.
fn tree(body: &str) -> Tree {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("etc");
    write(&root.join("nginx.conf"), &format!("events {{}}\nhttp {{\n{body}\n}}\n"));
    write(&dir.path().join("x.conf"), "upstream evil { server 6.6.6.6; }\n");
    Tree { _dir: dir, root }
}

fn fails_at(t: &Tree, line: usize, what: &str) {
    let conf = t.root.join("nginx.conf");
    let (code, stdout, stderr) = gatesim(&["import", s(&conf)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains(&format!("{}:{line}:", conf.display())) && stderr.contains(what), "{stderr}");
}

#[test]
fn a_truncated_file_exits_2_with_file_line() {
    let full = std::fs::read_to_string(repo("tests/corpus/import/nginx/conf.d/site.conf")).unwrap_or_default();
    let t = tree("");
    let cut = &full[..full.find("location /api/orders").unwrap_or(0)];
    write(&t.root.join("nginx.conf"), cut);
    fails_at(&t, cut.lines().count(), "expected `}`");
    write(&t.root.join("nginx.conf"), "server {\n  location \"/a { proxy_pass http://a; }\n}\n");
    fails_at(&t, 2, "unterminated quoted string");
    let cfg = t.root.join("haproxy.cfg");
    write(&cfg, "frontend f\n  acl a path_beg '/x\n");
    let (code, _, stderr) = gatesim(&["import", s(&cfg)]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{}:2: unterminated quote", cfg.display())), "{stderr}");
}

#[test]
fn an_unknown_directive_is_listed_and_the_import_succeeds() {
    let t = tree("upstream a { server 1.1.1.1; }\nserver { frobnicate 1; location / { proxy_pass http://a; } }");
    let conf = t.root.join("nginx.conf");
    let (code, stdout, stderr) = gatesim(&["import", s(&conf)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Scenario("), "{stdout}");
    assert!(stderr.contains(&format!("{}:4: not mapped: frobnicate", conf.display())), "{stderr}");
}

#[test]
fn a_missing_include_exits_2_with_file_line() {
    fails_at(&tree("include conf.d/missing.conf;"), 3, "cannot be opened");
}

#[test]
fn includes_outside_the_directory_exit_2_with_file_line() {
    fails_at(&tree("include ../x.conf;"), 3, "outside the imported file's directory");
    let t = tree("");
    let abs = t.root.parent().map(|p| p.join("x.conf")).unwrap_or_default();
    write(&t.root.join("nginx.conf"), &format!("http {{\n  include {};\n}}\n", abs.display()));
    fails_at(&t, 2, "outside the imported file's directory");
    #[cfg(unix)]
    {
        let t = tree("include link.conf;");
        let target = t.root.parent().map(|p| p.join("x.conf")).unwrap_or_default();
        std::os::unix::fs::symlink(target, t.root.join("link.conf")).unwrap_or_else(|e| panic!("{e}"));
        fails_at(&t, 3, "outside the imported file's directory");
    }
}

#[test]
fn bad_invocations_exit_2() {
    let (code, _, stderr) = gatesim(&["import", "/no/such/nginx.conf"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/no/such/nginx.conf"), "{stderr}");
    let conf = repo("tests/corpus/import/haproxy.cfg");
    let (code, _, stderr) = gatesim(&["import", s(&conf), "-o", s(&conf)]);
    assert_eq!(code, 2);
    assert!(stderr.contains("same file as the input"), "{stderr}");
    // Forced to the wrong syntax: an error, not a panic.
    let (code, _, stderr) = gatesim(&["import", s(&conf), "--format", "nginx"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = gatesim(&["import", s(&conf), "--format", "envoy"]);
    assert_eq!(code, 2);
}

#[test]
fn the_format_is_detected_from_the_content() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let plain = dir.path().join("config");
    std::fs::copy(repo("tests/corpus/import/haproxy.cfg"), &plain).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) = gatesim(&["import", s(&plain)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("HaproxyLeastConn"), "{stdout}");
}

/// `name` on PATH or in the sbin directories (as the differential tests find it).
fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs the product's config check, or says it was skipped (CI=true requires the product).
fn product_accepts(name: &str, args: &[&str]) {
    let Some(bin) = find_binary(name) else {
        let msg = format!("SKIPPED: {name} not found (install Debian's {name} to check the import corpus with it)");
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "{msg}; CI=true requires it");
        eprintln!("{msg}");
        return;
    };
    let out = Command::new(&bin).args(args).output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{name} {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// Copies `from` into `to`, applying `edit` to each file's text.
fn copy_edited(from: &Path, to: &Path, edit: &dyn Fn(&str) -> String) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let p = entry.path();
        let target = to.join(entry.file_name());
        if p.is_dir() {
            copy_edited(&p, &target, edit);
        } else {
            write(&target, &edit(&std::fs::read_to_string(&p).unwrap_or_default()));
        }
    }
}

/// The hand-written corpus is what the real products accept (`nginx -t`, `haproxy -c`), once
/// the parts that need the machine (TLS certificates, system users, log and socket paths) are
/// taken out.
#[test]
fn the_corpus_is_accepted_by_the_real_products() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let work = dir.path().to_string_lossy().into_owned();
    let nginx_dir = dir.path().join("nginx");
    copy_edited(&repo("tests/corpus/import/nginx"), &nginx_dir, &|t| {
        t.replace("user  nginx;", "")
            .replace("/var/log/nginx/", &format!("{work}/"))
            .replace("/var/run/nginx.pid", &format!("{work}/nginx.pid"))
            .replace("listen 443 ssl http2;", "listen 127.0.0.1:8443 http2;")
            .replace("listen 80;", "listen 127.0.0.1:8080;")
            .lines()
            .filter(|l| !l.contains("ssl_certificate"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let conf = nginx_dir.join("nginx.conf");
    let log = dir.path().join("error.log");
    product_accepts("nginx", &["-e", s(&log), "-p", &work, "-t", "-c", s(&conf)]);
    let cfg = dir.path().join("haproxy.cfg");
    let text = std::fs::read_to_string(repo("tests/corpus/import/haproxy.cfg")).unwrap_or_default();
    let text: String = text
        .replace(" ssl crt /etc/haproxy/certs/site.pem alpn h2,http/1.1", "")
        .lines()
        .filter(|l| !l.contains("user haproxy") && !l.contains("group haproxy") && !l.contains("stats socket"))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&cfg, &text);
    product_accepts("haproxy", &["-c", "-f", s(&cfg)]);
}

#[test]
fn the_output_may_not_replace_an_included_file() {
    let t = tree("include conf.d/*.conf;");
    let inc = t.root.join("conf.d/site.conf");
    write(&inc, "upstream a { server 1.1.1.1; }\nserver { location / { proxy_pass http://a; } }\n");
    let conf = t.root.join("nginx.conf");
    let (code, _, stderr) = gatesim(&["import", s(&conf), "-o", s(&inc)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("same file as the input"), "{stderr}");
    let text = std::fs::read_to_string(&inc).unwrap_or_default();
    assert!(text.starts_with("upstream a"), "{text}");
}
