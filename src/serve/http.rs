//! The HTTP side of `fiscalsim serve` (tiny_http): binding, worker threads, and each
//! request answered by [`super::api::handle`] with panics caught, so that no request
//! takes the server down.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;

use super::api::{self, Response, State};
use crate::error::{Error, Result};

/// The largest request body read (the API takes none; a larger one is refused).
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// Worker threads answering requests (the Monte Carlo itself runs one at a time, on
/// every core).
pub(crate) const WORKERS: usize = 4;

/// A bound server, not yet answering.
pub(crate) struct Server {
    inner: Arc<tiny_http::Server>,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Server({})", self.addr)
    }
}

/// Binds `host:port` (port 0: any free port). A port in use is a user error.
pub(crate) fn bind(host: IpAddr, port: u16) -> Result<Server> {
    let listener = TcpListener::bind((host, port)).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "the port is in use (another server?): choose another with --port, or --port 0 \
                 for any free port"
                    .to_string()
            }
            _ => e.to_string(),
        };
        Error::usage("--port", format!("cannot listen on {host}:{port}: {why}"))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let inner = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| Error::Internal(format!("cannot start the server: {e}")))?;
    Ok(Server {
        inner: Arc::new(inner),
        addr,
    })
}

/// Answers requests on [`WORKERS`] threads until the process ends.
pub(crate) fn serve(server: Server, state: Arc<State>) {
    let threads: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (srv, st) = (Arc::clone(&server.inner), Arc::clone(&state));
            std::thread::spawn(move || {
                while let Ok(rq) = srv.recv() {
                    answer(rq, &st);
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

fn answer(rq: tiny_http::Request, state: &State) {
    let res = if rq.body_length().unwrap_or(0) > MAX_BODY {
        Response::error(
            413,
            &format!("the request body is larger than {MAX_BODY} bytes"),
        )
    } else {
        let (method, url) = (rq.method().to_string(), rq.url().to_string());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            api::handle(state, &method, &url)
        }))
        .unwrap_or_else(|_| Response::error(500, "internal error (a bug): the request failed"))
    };
    let mut out = tiny_http::Response::from_data(res.body).with_status_code(res.status);
    let headers = [
        ("Content-Type", res.content_type.to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ];
    for (k, v) in headers.into_iter().chain(res.headers) {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            out.add_header(h);
        }
    }
    let _ = rq.respond(out);
}
