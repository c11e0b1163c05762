//! The HTTP API of `fiscalsim serve`, as a pure function from a request (method, URL) to
//! a response, so that it is tested without a network. No part of a request names a
//! file: the scenario is the one given on the command line.
//!
//! - `GET /`: the page.
//! - `GET /api/levers`: the scenario, its levers and the limits (JSON).
//! - `GET /api/run?ADDRESS=VALUE&...&draws=N&client=C&gen=G`: runs the Monte Carlo at
//!   those lever values (levers not given keep their start value) and returns the fan
//!   charts (SVG) and key figures (JSON).
//! - `GET /api/scenario?ADDRESS=VALUE&...&draws=N`: the scenario file of those values.
//!
//! Mistakes are answered with HTTP 400 and `{"error": "..."}`.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::json;

use super::session::Session;
use crate::error::Error;

/// The longest request URL accepted, in bytes.
pub(crate) const MAX_URL: usize = 8 * 1024;
/// The page, one self-contained file.
pub(crate) const PAGE: &str = include_str!("page.html");
/// Clients whose latest generation is remembered (then forgotten all at once).
const MAX_CLIENTS: usize = 10_000;

/// A response: status, content type, extra headers and body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// Extra headers (name, value).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    fn json(status: u16, v: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json; charset=utf-8",
            headers: Vec::new(),
            body: v.to_string().into_bytes(),
        }
    }

    /// A JSON error `{"error": message}` with `status`.
    pub(crate) fn error(status: u16, message: &str) -> Response {
        Response::json(status, &json!({ "error": message }))
    }
}

/// What the server shares between its worker threads.
#[derive(Debug)]
pub(crate) struct State {
    /// The scenario served.
    pub session: Session,
    /// Latest generation seen per client: an older request is not run.
    latest: Mutex<HashMap<String, u64>>,
    /// One Monte Carlo at a time (each uses every core).
    compute: Mutex<()>,
}

impl State {
    /// The state of a server of `session`.
    pub(crate) fn new(session: Session) -> State {
        State {
            session,
            latest: Mutex::new(HashMap::new()),
            compute: Mutex::new(()),
        }
    }

    /// Records `generation` for `client`; false when a newer generation was seen already.
    fn note(&self, client: &str, generation: u64) -> bool {
        let mut m = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_CLIENTS && !m.contains_key(client) {
            m.clear();
        }
        let slot = m.entry(client.to_string()).or_insert(generation);
        *slot = (*slot).max(generation);
        *slot == generation
    }

    fn is_latest(&self, client: &str, generation: u64) -> bool {
        let m = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        m.get(client).is_none_or(|g| *g <= generation)
    }
}

/// Answers one request.
pub(crate) fn handle(state: &State, method: &str, url: &str) -> Response {
    if url.len() > MAX_URL {
        return Response::error(414, &format!("the URL is longer than {MAX_URL} bytes"));
    }
    if method != "GET" && method != "HEAD" {
        return Response::error(405, "only GET is served");
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let params = match parse_query(query) {
        Ok(p) => p,
        Err(e) => return Response::error(400, &e),
    };
    match path {
        "/" | "/index.html" => Response {
            status: 200,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: PAGE.as_bytes().to_vec(),
        },
        "/api/levers" => levers(state),
        "/api/run" => run(state, &params),
        "/api/scenario" => download(state, &params),
        "/api/health" => Response::json(200, &json!({ "ok": true })),
        _ => Response::error(404, &format!("no such page `{path}`: try / or /api/levers")),
    }
}

fn levers(state: &State) -> Response {
    let s = &state.session;
    Response::json(
        200,
        &json!({
            "scenario": s.base.name,
            "file": s.file_name,
            "currency": s.base.currency,
            "years": [s.base.years.first(), s.base.years.last()],
            "draws": s.draws,
            "max_draws": super::session::MAX_DRAWS,
            "seed": s.base.montecarlo.seed,
            "variables": s.variables(),
            "levers": s.levers,
            "baseline": s.baseline_figures,
        }),
    )
}

/// Lever values, draws, client and generation of a request.
struct Choice {
    values: Vec<f64>,
    draws: u64,
    client: Option<(String, u64)>,
}

fn choice(state: &State, params: &[(String, String)]) -> Result<Choice, String> {
    let s = &state.session;
    let mut c = Choice {
        values: s.levers.iter().map(|l| l.value).collect(),
        draws: s.draws,
        client: None,
    };
    let (mut client, mut generation) = (None, None);
    for (k, v) in params {
        let num = || {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{k}={v}`: not a number"))
        };
        match k.as_str() {
            "draws" => {
                c.draws = v.trim().parse().map_err(|_| {
                    format!(
                        "`draws={v}`: give a whole number from 1 to {}",
                        super::session::MAX_DRAWS
                    )
                })?
            }
            "client" => client = Some(v.chars().take(64).collect::<String>()),
            "gen" => {
                generation = Some(
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("`gen={v}`: not a whole number"))?,
                )
            }
            _ => match s.levers.iter().position(|l| l.address == *k) {
                Some(i) => c.values[i] = num()?,
                None => {
                    let names: Vec<&str> = s.levers.iter().map(|l| l.address.as_str()).collect();
                    return Err(format!(
                        "unknown lever `{k}`: the levers are {}",
                        names.join(", ")
                    ));
                }
            },
        }
    }
    c.client = client.zip(generation);
    Ok(c)
}

fn run(state: &State, params: &[(String, String)]) -> Response {
    let c = match choice(state, params) {
        Ok(c) => c,
        Err(e) => return Response::error(400, &e),
    };
    if let Some((client, generation)) = &c.client
        && !state.note(client, *generation)
    {
        return superseded(*generation);
    }
    let _guard = state.compute.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((client, generation)) = &c.client
        && !state.is_latest(client, *generation)
    {
        return superseded(*generation);
    }
    match state.session.run(&c.values, c.draws) {
        Ok(out) => {
            let mut v = serde_json::to_value(&out).unwrap_or_default();
            v["generation"] = json!(c.client.map(|c| c.1));
            v["charts"] = out
                .charts
                .iter()
                .map(|(k, svg)| (k.clone(), json!(svg)))
                .collect::<serde_json::Map<_, _>>()
                .into();
            Response::json(200, &v)
        }
        Err(e) => error_response(&e),
    }
}

fn superseded(generation: u64) -> Response {
    Response::error(
        409,
        &format!("request {generation} was superseded by a newer one"),
    )
}

fn error_response(e: &Error) -> Response {
    let status = if e.exit_code() == 2 { 400 } else { 500 };
    Response::error(status, &e.to_string())
}

fn download(state: &State, params: &[(String, String)]) -> Response {
    let c = match choice(state, params) {
        Ok(c) => c,
        Err(e) => return Response::error(400, &e),
    };
    match super::download::scenario_toml(&state.session, &c.values, c.draws) {
        Ok(text) => {
            let stem = state.session.file_name.trim_end_matches(".toml");
            Response {
                status: 200,
                content_type: "application/toml; charset=utf-8",
                headers: vec![(
                    "Content-Disposition",
                    format!("attachment; filename=\"{}-levers.toml\"", safe_name(stem)),
                )],
                body: text.into_bytes(),
            }
        }
        Err(e) => error_response(&e),
    }
}

fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Splits and percent-decodes a query string `a=1&b=2`.
fn parse_query(q: &str) -> Result<Vec<(String, String)>, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(byte.ok_or_else(|| format!("bad percent-escape in `{s}`"))?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("`{s}` is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let q = parse_query("a=1&policy.x.2032=0.3&b=%41%2b+c").unwrap();
        assert_eq!(q[1], ("policy.x.2032".into(), "0.3".into()));
        assert_eq!(q[2], ("b".into(), "A+ c".into()));
        assert!(parse_query("a=%4").is_err());
        assert!(parse_query("a=%ff").is_err());
    }

    fn state() -> State {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/kazakhstan-2026-2040-sweep.toml");
        State::new(Session::new(&path, &[], &[], 20).unwrap())
    }

    #[test]
    fn an_older_generation_is_superseded() {
        let st = state();
        let ok = handle(&st, "GET", "/api/run?client=a&gen=5");
        assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
        let old = handle(&st, "GET", "/api/run?client=a&gen=3");
        assert_eq!(old.status, 409);
        assert!(String::from_utf8_lossy(&old.body).contains("superseded"));
        // another page, and requests without a generation, are not affected
        assert_eq!(handle(&st, "GET", "/api/run?client=b&gen=1").status, 200);
        assert_eq!(handle(&st, "GET", "/api/run").status, 200);
        assert_eq!(handle(&st, "GET", "/api/run?client=a&gen=6").status, 200);
    }

    #[test]
    fn the_page_is_self_contained() {
        let st = state();
        let page = handle(&st, "GET", "/");
        let text = String::from_utf8_lossy(&page.body);
        assert_eq!(page.status, 200);
        for external in ["src=", "http://", "https://", "@import", "url("] {
            assert!(
                !text.contains(external),
                "the page refers outside: {external}"
            );
        }
    }
}
