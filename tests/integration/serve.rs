//! `fiscalsim serve`: the server as a process on loopback, its API, the download run by
//! the CLI, bad input, a load test and a real browser (headless Chromium).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::util::{fiscalsim, root};

const SWEEP: &str = "kazakhstan-2026-2040-sweep.toml";

/// A running server, killed when dropped.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("fiscalsim"))
        .current_dir(root())
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("fiscalsim serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(l) => l,
        Err(_) => {
            let _ = child.kill();
            panic!("the server printed no address within 120 s");
        }
    };
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .map(|a| a.trim_end_matches('/').to_string())
        .unwrap_or_else(|| panic!("no address in `{line}`"));
    Served { child, addr }
}

/// One HTTP request; returns (status, body).
fn request(addr: &str, method: &str, target: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn get_json(addr: &str, target: &str) -> serde_json::Value {
    let (status, body) = request(addr, "GET", target);
    assert_eq!(status, 200, "{target}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

/// A copy of `scenarios/` where a downloaded file can be saved beside the one it extends.
fn scenarios_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// Runs `args` with the CLI and returns standard output.
fn cli(args: &[&str]) -> String {
    let out = fiscalsim().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The statistic `stat` (column) of `variable` in `year` of a summary CSV.
fn stat_of(csv: &str, year: &str, variable: &str, stat: &str) -> f64 {
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = head.iter().position(|h| *h == stat).unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[1] == year && r[2] == variable)
        .map(|r| r[col].parse().unwrap())
        .unwrap()
}

const MOVE: &str = "policy.growth_spending_share.2032=0.35&structure.spending_multiplier=0.65";

#[test]
fn api_runs_levers_and_the_download_reproduces_the_numbers() {
    let s = serve(&[SWEEP_PATH, "--draws", "400"]);
    let info = get_json(&s.addr, "/api/levers");
    let addresses: Vec<&str> = info["levers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "policy.growth_spending_share.2032",
            "structure.spending_multiplier",
            "structure.efficiency"
        ]
    );
    assert_eq!(
        info["levers"][0]["value"], 0.25,
        "the scenario's own 2032 target"
    );
    let (page_status, page) = request(&s.addr, "GET", "/");
    assert_eq!(page_status, 200);
    assert!(page.contains("Download scenario") && !page.contains("src=\"http"));

    let base = get_json(&s.addr, "/api/run");
    let moved = get_json(&s.addr, &format!("/api/run?{MOVE}&draws=300"));
    assert_eq!(moved["draws"], 300);
    let svg = moved["charts"]["debt_gdp"].as_str().unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("baseline median"),
        "{svg:.200}"
    );
    assert!(
        moved["charts"]["real_growth"]
            .as_str()
            .unwrap()
            .contains("<svg")
    );
    assert_ne!(svg, base["charts"]["debt_gdp"].as_str().unwrap());
    // More growth spending with a larger multiplier: more growth than the scenario.
    let g = moved["figures"]["average_growth"].as_f64().unwrap();
    let g0 = moved["baseline"]["average_growth"].as_f64().unwrap();
    assert!(g > g0 + 1e-4, "{g} vs {g0}");
    assert_eq!(
        base["figures"], base["baseline"],
        "no lever moved: the baseline itself"
    );

    // The download, saved beside the scenario, run by the CLI: the same numbers.
    let (status, toml) = request(&s.addr, "GET", &format!("/api/scenario?{MOVE}&draws=300"));
    assert_eq!(status, 200, "{toml}");
    assert!(toml.contains(&format!("extends = \"{SWEEP}\"")), "{toml}");
    let dir = scenarios_copy();
    let file = dir.path().join("levers.toml");
    std::fs::write(&file, &toml).unwrap();
    let from_file = cli(&["run", file.to_str().unwrap(), "--mc"]);
    let from_set = cli(&[
        "run",
        SWEEP_PATH,
        "--draws",
        "300",
        "--seed",
        &moved["seed"].to_string(),
        "--set",
        "policy.growth_spending_share.2032=0.35",
        "--set",
        "structure.spending_multiplier=0.65",
    ]);
    assert_eq!(from_file, from_set, "the file is the --set run");
    let p50 = stat_of(&from_file, "2040", "debt_gdp", "p50");
    assert_eq!(moved["figures"]["debt_end"][0].as_f64().unwrap(), p50);
    let means: Vec<f64> = (2026..=2040)
        .map(|y| stat_of(&from_file, &y.to_string(), "real_growth", "mean"))
        .collect();
    assert_eq!(g, means.iter().sum::<f64>() / 15.0);
}

const SWEEP_PATH: &str = "scenarios/kazakhstan-2026-2040-sweep.toml";

#[test]
fn bad_requests_get_400_and_the_server_carries_on() {
    let s = serve(&[SWEEP_PATH, "--draws", "100"]);
    let cases = [
        (
            "GET",
            "/api/run?policy.revenue_gdp=0.2",
            400,
            "unknown lever",
        ),
        (
            "GET",
            "/api/run?structure.efficiency=1.5",
            400,
            "outside the lever's range",
        ),
        (
            "GET",
            "/api/run?structure.efficiency=abc",
            400,
            "not a number",
        ),
        ("GET", "/api/run?draws=200001", 400, "expected 1 to 200000"),
        ("GET", "/api/run?draws=-1", 400, "whole number"),
        (
            "GET",
            "/api/run?structure.efficiency=%zz",
            400,
            "percent-escape",
        ),
        ("GET", "/etc/passwd", 404, "no such page"),
        ("GET", "/../Cargo.toml", 404, "no such page"),
        ("POST", "/api/run", 405, "only GET"),
    ];
    for (method, target, status, message) in cases {
        let (got, body) = request(&s.addr, method, target);
        assert_eq!(got, status, "{target}: {body}");
        assert!(body.contains(message), "{target}: {body}");
    }
    let long = format!("/api/run?x={}", "a".repeat(9000));
    assert_eq!(request(&s.addr, "GET", &long).0, 414);
    assert_eq!(get_json(&s.addr, "/api/health")["ok"], true);
}

#[test]
fn bad_command_lines_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--lever", "structure.no_such_key=0:1"],
            "structure.no_such_key",
        ),
        (&["--lever", "structure.efficiency=0.9:0.5"], "LO < HI"),
        (&["--lever", "structure.efficiency=0.5"], "LO:HI"),
        (
            &["--lever", "policy.growth_spending_share@2030=0.1:0.3"],
            "one-year address",
        ),
        (
            &["--lever", "structure.efficiency=0.5:1.5"],
            "does not resolve at 1.5",
        ),
        (&["--draws", "0"], "draws"),
        (&["--draws", "200001"], "expected 1 to 200000"),
        (&["--set", "policy.revenue_gdp@2030=0.2"], "one-year"),
    ];
    for (extra, message) in cases {
        fiscalsim()
            .args(["serve", SWEEP_PATH, "--port", "0"])
            .args(*extra)
            .timeout(Duration::from_secs(120))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(*message));
    }
    // No [sweep] table and no --lever: nothing to move.
    fiscalsim()
        .args([
            "serve",
            "scenarios/kazakhstan-2026-2028.toml",
            "--port",
            "0",
        ])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no levers"));
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    fiscalsim()
        .args(["serve", SWEEP_PATH, "--draws", "50", "--port", &port])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("in use"));
}

#[test]
fn load_test_on_loopback() {
    let s = serve(&[SWEEP_PATH, "--draws", "200"]);
    let (threads, per_thread) = (8, 12);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let addr = s.addr.clone();
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|k| {
                        let share = 0.15 + 0.25 * ((t * per_thread + k) % 11) as f64 / 10.0;
                        let target = format!("/api/run?policy.growth_spending_share.2032={share}");
                        let t0 = Instant::now();
                        let (status, body) = request(&addr, "GET", &target);
                        assert_eq!(status, 200, "{body:.300}");
                        assert!(body.contains("\"debt_end\""));
                        t0.elapsed()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut lat: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("no request failed"))
        .collect();
    assert_eq!(lat.len(), threads * per_thread, "no request lost");
    lat.sort();
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "serve load test: {} requests of 200 draws on {threads} connections in {:.2} s; \
         latency ms p50 {:.0}, p90 {:.0}, p99 {:.0}, max {:.0}",
        lat.len(),
        started.elapsed().as_secs_f64(),
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    );
}

/// Headless Chromium, if installed: `/usr/bin/chromium`, or `$CHROMIUM`.
fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `args`; kills it after 60 s.
fn run_chromium(bin: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    let out = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    out.expect("chromium finished within 60 s")
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s
        .find(start)
        .unwrap_or_else(|| panic!("no `{start}` in the page"));
    let rest = &s[i..];
    &rest[..rest.find(end).map_or(rest.len(), |j| j + end.len())]
}

#[test]
fn real_browser_moves_a_lever() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but Chromium is not installed (.ci/run installs Debian's `chromium`)"
        );
        eprintln!("SKIPPED real_browser_moves_a_lever: Chromium not found (install `chromium`)");
        return;
    };
    let s = serve(&[SWEEP_PATH, "--draws", "500"]);
    let profile = tempfile::tempdir().unwrap();
    let url = format!("http://{}/", s.addr);
    let first = run_chromium(&bin, profile.path(), &["--dump-dom"], &url);
    assert!(first.contains("data-state=\"ready\""), "{first:.2000}");
    assert!(first.contains("data-generation=\"1\""));
    let fan0 = between(
        &first,
        "<div class=\"chart panel\" id=\"chart-debt_gdp\">",
        "</svg>",
    );
    assert!(
        fan0.contains("<svg") && fan0.contains("baseline median"),
        "{fan0:.500}"
    );
    let figs0 = between(&first, "<table id=\"figures\">", "</table>");
    assert!(figs0.contains("average real growth 2026–2040"), "{figs0}");
    assert!(
        figs0.contains("±0.00 pp"),
        "unmoved levers equal the scenario: {figs0}"
    );

    // Move two sliders (the page's hash sets them and fires their input events).
    let moved = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#{MOVE}"),
    );
    assert!(moved.contains("data-state=\"ready\""), "{moved:.2000}");
    assert!(!moved.contains("data-generation=\"1\""), "the page re-ran");
    let fan1 = between(
        &moved,
        "<div class=\"chart panel\" id=\"chart-debt_gdp\">",
        "</svg>",
    );
    assert_ne!(fan0, fan1, "the fan chart changed");
    let figs1 = between(&moved, "<table id=\"figures\">", "</table>");
    assert_ne!(figs0, figs1, "the key figures changed");
    assert!(figs1.contains("+0."), "growth rose: {figs1}");
    let marker = "id=\"download\" class=\"button\" href=\"";
    let after = &moved[moved.find(marker).expect("the download link") + marker.len()..];
    let href = after[..after.find('"').unwrap()].replace("&amp;", "&");
    assert!(
        href.contains("policy.growth_spending_share.2032=0.35"),
        "{href}"
    );
    let (status, toml) = request(&s.addr, "GET", &href);
    assert_eq!(status, 200, "{toml}");
    let dir = scenarios_copy();
    let file = dir.path().join("from-the-page.toml");
    std::fs::write(&file, &toml).unwrap();
    let csv = cli(&["run", file.to_str().unwrap(), "--mc", "--vars", "debt_gdp"]);
    let api = get_json(
        &s.addr,
        href.replacen("/api/scenario", "/api/run", 1).as_str(),
    );
    assert_eq!(
        stat_of(&csv, "2040", "debt_gdp", "p50"),
        api["figures"]["debt_end"][0].as_f64().unwrap()
    );

    if let Some(dir) = std::env::var_os("SERVE_SCREENSHOTS") {
        for (name, u) in [
            ("page.png", url.clone()),
            ("moved.png", format!("{url}#{MOVE}")),
        ] {
            let shot = Path::new(&dir).join(name);
            let arg = format!("--screenshot={}", shot.display());
            run_chromium(&bin, profile.path(), &[&arg, "--window-size=1280,1500"], &u);
            assert!(shot.is_file(), "{}", shot.display());
        }
    }
}
