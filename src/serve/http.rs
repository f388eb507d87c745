//! The HTTP side of `serve` (hyper 1 on tokio): the routes, the token, the Host check, the
//! headers every answer carries, and the bounds (connections, request size, requests per
//! second).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

use super::{exposition, Options, Shared, Token, MAX_CONNECTIONS};

/// The Content-Security-Policy of every answer: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
/// The cookie the `?token=` link sets.
pub const COOKIE: &str = "hosp_token";
/// Longest request head (request line and headers) read.
const MAX_HEAD: usize = 16 * 1024;
/// Longest request target (path and query).
const MAX_URI: usize = 2048;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// A token bucket: `rate` requests a second, bursts of twice that.
struct Limiter {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    fn new(rate: u32) -> Limiter {
        let rate = rate.max(1) as f64;
        Limiter {
            rate,
            state: Mutex::new((2.0 * rate, Instant::now())),
        }
    }

    fn take(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (tokens, at) = *s;
        let tokens =
            (tokens + now.duration_since(at).as_secs_f64() * self.rate).min(2.0 * self.rate);
        match tokens >= 1.0 {
            true => {
                *s = (tokens - 1.0, now);
                true
            }
            false => {
                *s = (tokens, now);
                false
            }
        }
    }
}

/// What the routes need.
pub struct App {
    token: Token,
    /// Accepted `Host` values (lower case, with the port).
    hosts: Vec<String>,
    shared: Arc<Shared>,
    registry: Registry,
    limiter: Limiter,
}

impl App {
    pub fn new(opts: &Options, bound: SocketAddr, shared: Arc<Shared>, registry: Registry) -> App {
        let port = bound.port();
        let ip = match bound.ip() {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        };
        let mut hosts = vec![format!("{ip}:{port}"), format!("localhost:{port}")];
        for h in &opts.allowed_hosts {
            let h = h.to_ascii_lowercase();
            match h.contains(':') && !h.ends_with(']') {
                true => hosts.push(h),
                false => {
                    hosts.push(format!("{h}:{port}"));
                    hosts.push(h);
                }
            }
        }
        App {
            token: opts.token.clone(),
            hosts,
            shared,
            registry,
            limiter: Limiter::new(opts.max_rps),
        }
    }

    fn host_ok(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    /// The token a request carries, from its cookie or `Authorization: Bearer`.
    fn authorised(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if bearer.is_some_and(|t| self.token.matches(t.trim())) {
            return true;
        }
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| k == COOKIE && self.token.matches(v))
    }

    fn route(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        if !self.limiter.take() {
            return text(StatusCode::TOO_MANY_REQUESTS, "too many requests\n");
        }
        if req.method() != Method::GET {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "GET only\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET"));
            return r;
        }
        let has_body = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
            || req.headers().contains_key(header::TRANSFER_ENCODING);
        if has_body {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "a GET has no body\n");
        }
        if req.uri().to_string().len() > MAX_URI {
            return text(StatusCode::URI_TOO_LONG, "request target too long\n");
        }
        let path = req.uri().path();
        if path == "/healthz" {
            return text(StatusCode::OK, "ok\n");
        }
        if !self.host_ok(req.headers()) {
            return text(
                StatusCode::FORBIDDEN,
                "this Host is not the address serve listens on (add it with --allowed-host)\n",
            );
        }
        // the link printed at the start: the token becomes a cookie, and leaves the address bar
        if path == "/" {
            let given = req.uri().query().and_then(|q| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == "token")
                    .map(|(_, v)| v)
            });
            if let Some(given) = given {
                if !self.token.matches(given) {
                    return text(StatusCode::UNAUTHORIZED, "wrong token\n");
                }
                let mut r = text(StatusCode::SEE_OTHER, "");
                r.headers_mut()
                    .insert(header::LOCATION, HeaderValue::from_static("/"));
                let cookie = format!(
                    "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                    self.token.expose()
                );
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                return r;
            }
        }
        if !self.authorised(req.headers()) {
            let mut r = text(
                StatusCode::UNAUTHORIZED,
                "a token is needed: open the link serve printed, or send Authorization: Bearer\n",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
        let read =
            |l: &std::sync::RwLock<String>| l.read().unwrap_or_else(|e| e.into_inner()).clone();
        match path {
            "/" => body(StatusCode::OK, "text/html; charset=utf-8", INDEX.into()),
            "/app.js" => body(
                StatusCode::OK,
                "text/javascript; charset=utf-8",
                SCRIPT.into(),
            ),
            "/app.css" => body(StatusCode::OK, "text/css; charset=utf-8", STYLE.into()),
            "/api/snapshot" => json(read(&self.shared.snapshot_json)),
            "/api/panel" => json(read(&self.shared.panel_json)),
            "/metrics" => {
                let accept = req
                    .headers()
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok());
                let (out, kind) =
                    exposition::encode(&self.registry, exposition::wants_openmetrics(accept));
                body(StatusCode::OK, kind, out)
            }
            _ => text(StatusCode::NOT_FOUND, "not found\n"),
        }
    }
}

fn json(s: String) -> Response<Full<Bytes>> {
    if s == "null" {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the first poll is not done yet\n",
        );
    }
    body(StatusCode::OK, "application/json", s)
}

fn body(status: StatusCode, kind: &'static str, s: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(s)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r
}

fn text(status: StatusCode, s: &'static str) -> Response<Full<Bytes>> {
    body(status, "text/plain; charset=utf-8", s.into())
}

/// The headers every answer carries.
fn secure(h: &mut HeaderMap) {
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

async fn handle(
    req: Request<Incoming>,
    app: Arc<App>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut r = app.route(&req);
    // a body sent anyway is not read past a few bytes: the connection closes after the answer
    if !req.body().is_end_stream() {
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    secure(r.headers_mut());
    Ok(r)
}

/// Accepts connections (at most [`MAX_CONNECTIONS`] at once) until `done` says so; checked
/// every 100 ms.
pub async fn serve(
    listener: std::net::TcpListener,
    app: Arc<App>,
    done: impl Fn() -> bool,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return Ok(()),
            },
            _ = tick.tick() => {
                if done() { return Ok(()); }
                continue;
            }
        };
        let (stream, _) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                // out of descriptors and the like: try again shortly
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
            _ = tick.tick() => {
                if done() { return Ok(()); }
                continue;
            }
        };
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, Arc::clone(&app)));
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .max_buf_size(MAX_HEAD)
                .serve_connection(TokioIo::new(stream), service);
            // a slow or idle client is cut after a minute
            let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
            drop(permit);
        });
    }
}
