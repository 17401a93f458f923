//! A bounded load test of `redraw serve` on loopback, and a catalogue of bad requests.
//!
//! ```text
//! cargo run --release -p redraw-server --example load -- http://127.0.0.1:8642/ \
//!     [--clients 64] [--seconds 30] [--judge RUN PLAN]
//! ```
//!
//! `--clients` connections (HTTP/1.1 keep-alive, one per client) send requests back to back for
//! `--seconds`, then stop: 70 % `POST /api/evaluate` (a random preset, method and House size),
//! 10 % `GET /api/geometry` (the 2.3 MB county map), 20 % `POST /api/judge` (with `--judge`;
//! otherwise evaluate takes its share). It prints throughput, p50 and p99 latency per kind and
//! overall, and the error count (any status other than 200, or a broken connection).
//!
//! Then every request of a catalogue of bad ones must get its 4xx (oversized, streamed oversized,
//! malformed JSON and TOML, unknown fields, paths out of `--runs`, a foreign Host or Origin, no
//! Host, unknown path, wrong method), and the server must still answer afterwards. Exits non-zero
//! on any error or wrong answer. The client is a few lines of plain HTTP/1.1 over tokio so the
//! numbers are the server's, not a client library's.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const PRESETS: [&str; 9] = [
    "six-californias",
    "cal-3",
    "south-california",
    "jefferson-1941",
    "jefferson-expanded",
    "greater-idaho",
    "new-california",
    "west-coast-health-alliance",
    "west-coast-leaves",
];
const METHODS: [&str; 3] = ["huntington-hill", "webster", "hamilton"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Evaluate,
    Geometry,
    Judge,
}

struct Args {
    addr: String,
    clients: usize,
    seconds: u64,
    judge: Option<(String, String)>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut url = None;
    let mut a = Args { addr: String::new(), clients: 64, seconds: 30, judge: None };
    while let Some(x) = it.next() {
        match x.as_str() {
            "--clients" => a.clients = it.next().and_then(|v| v.parse().ok()).ok_or("--clients N")?,
            "--seconds" => a.seconds = it.next().and_then(|v| v.parse().ok()).ok_or("--seconds S")?,
            "--judge" => {
                let run = it.next().ok_or("--judge RUN PLAN")?;
                let plan = it.next().ok_or("--judge RUN PLAN")?;
                a.judge = Some((run, plan));
            }
            u if u.starts_with("http://") => url = Some(u.to_string()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let url = url.ok_or("give the server's URL, e.g. http://127.0.0.1:8642/")?;
    a.addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    if a.clients == 0 || a.seconds == 0 || a.seconds > 600 {
        return Err("--clients must be at least 1 and --seconds between 1 and 600".into());
    }
    Ok(a)
}

/// xorshift64*: enough randomness to mix requests, reproducible per client.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Response {
    status: u16,
    body: Vec<u8>,
}

/// Writes one request and reads one response on a kept-alive stream.
async fn roundtrip(stream: &mut BufReader<TcpStream>, request: &[u8]) -> std::io::Result<Response> {
    stream.get_mut().write_all(request).await?;
    read_response(stream).await
}

/// Reads one response: status line, headers, then a Content-Length or chunked body.
async fn read_response<R: tokio::io::AsyncRead + Unpin>(stream: &mut R) -> std::io::Result<Response> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        head.push(byte[0]);
        if head.len() > 64 * 1024 {
            return Err(std::io::Error::other("response headers too long"));
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.strip_prefix(name).and_then(|v| v.strip_prefix(':')).map(|v| v.trim().to_string())
        })
    };
    let mut body = Vec::new();
    if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        stream.read_exact(&mut body).await?;
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut line = Vec::new();
            while !line.ends_with(b"\r\n") {
                stream.read_exact(&mut byte).await?;
                line.push(byte[0]);
            }
            let n = usize::from_str_radix(String::from_utf8_lossy(&line).trim(), 16).unwrap_or(0);
            let mut chunk = vec![0u8; n + 2];
            stream.read_exact(&mut chunk).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        stream.read_to_end(&mut body).await?;
    }
    Ok(Response { status, body })
}

/// One request on a fresh connection, read while it is still being written: a server may answer
/// (413) before the body has arrived and close the connection, which a write-then-read client
/// would see only as a broken pipe.
async fn send_reading_early(addr: &str, raw: Vec<u8>) -> std::io::Result<Response> {
    let s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let (rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&raw).await;
        wr
    });
    let mut rd = BufReader::new(rd);
    let r = read_response(&mut rd).await;
    writer.abort();
    r
}

fn request(method: &str, path: &str, host: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}");
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

async fn connect(addr: &str) -> std::io::Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    Ok(BufReader::with_capacity(1 << 16, s))
}

/// One client: requests back to back until the deadline; `(kind, latency, ok)` per request.
async fn client(id: usize, a: std::sync::Arc<Args>, deadline: Instant) -> Vec<(Kind, Duration, bool)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (id as u64 + 1).wrapping_mul(0x1000_0000_01B3));
    let mut out = Vec::new();
    let mut conn: Option<BufReader<TcpStream>> = None;
    while Instant::now() < deadline {
        let roll = rng.below(100);
        let kind = if roll < 10 {
            Kind::Geometry
        } else if roll < 30 && a.judge.is_some() {
            Kind::Judge
        } else {
            Kind::Evaluate
        };
        let req = match kind {
            Kind::Geometry => request("GET", "/api/geometry", &a.addr, "", b""),
            Kind::Judge => {
                let (run, plan) = a.judge.as_ref().expect("judge configured");
                let body = serde_json::json!({ "run": run, "plan": plan }).to_string();
                request("POST", "/api/judge", &a.addr, "", body.as_bytes())
            }
            Kind::Evaluate => {
                let body = serde_json::json!({
                    "scenario": PRESETS[rng.below(PRESETS.len())],
                    "method": METHODS[rng.below(METHODS.len())],
                    "house_size": 435 + 5 * rng.below(20),
                })
                .to_string();
                request("POST", "/api/evaluate", &a.addr, "", body.as_bytes())
            }
        };
        let t0 = Instant::now();
        let stream = match conn.as_mut() {
            Some(s) => s,
            None => match connect(&a.addr).await {
                Ok(s) => conn.insert(s),
                Err(_) => {
                    out.push((kind, t0.elapsed(), false));
                    continue;
                }
            },
        };
        let ok = match roundtrip(stream, &req).await {
            Ok(r) => r.status == 200 && !r.body.is_empty(),
            Err(_) => {
                conn = None;
                false
            }
        };
        out.push((kind, t0.elapsed(), ok));
    }
    out
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

/// The catalogue of bad requests: (description, raw request, expected status).
fn catalogue(a: &Args) -> Vec<(String, Vec<u8>, u16)> {
    let host = &a.addr;
    let port = host.rsplit(':').next().unwrap_or("80");
    let run = a.judge.as_ref().map_or("nc", |(r, _)| r.as_str());
    let mut c: Vec<(String, Vec<u8>, u16)> = Vec::new();
    let big = vec![b' '; 2 * 1024 * 1024];
    c.push(("2 MiB body".into(), request("POST", "/api/evaluate", host, "", &big), 413));
    // Streamed (chunked) past the cap, with no Content-Length to refuse up front.
    let mut chunked =
        format!("POST /api/evaluate HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n").into_bytes();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
        chunked.extend(std::iter::repeat_n(b' ', 64 * 1024));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    c.push(("1.25 MiB chunked body".into(), chunked, 413));
    let post = |what: &str, path: &str, body: &str, want: u16| {
        (what.to_string(), request("POST", path, host, "", body.as_bytes()), want)
    };
    c.push(post("malformed JSON", "/api/evaluate", "{\"scenario\": ", 400));
    c.push(post("JSON of the wrong shape", "/api/evaluate", "[1, 2, 3]", 400));
    c.push(post("unknown field", "/api/evaluate", r#"{"scenario":"cal-3","colour":"red"}"#, 400));
    c.push(post("malformed TOML", "/api/evaluate", r#"{"toml":"name = \"x\"\n[[split]\n"}"#, 400));
    c.push(post(
        "unknown county",
        "/api/evaluate",
        r#"{"toml":"name = \"x\"\n[[move]]\nto = \"ID\"\ncounties.OR = [\"Nowhere\"]\n"}"#,
        400,
    ));
    c.push(post("unknown preset", "/api/evaluate", r#"{"scenario":"cal-4"}"#, 400));
    c.push(post("House of 10", "/api/evaluate", r#"{"scenario":"cal-3","house_size":10}"#, 400));
    c.push(post("split of 1 part", "/api/splits", r#"{"state":"CA","parts":1}"#, 400));
    c.push(post("too many samples", "/api/splits", r#"{"state":"CA","parts":3,"samples":100000000}"#, 400));
    let j = |p: &str| serde_json::json!({ "run": run, "plan": p }).to_string();
    c.push(post("plan ../", "/api/judge", &j("../../../../etc/passwd"), 403));
    c.push(post("plan absolute", "/api/judge", &j("/etc/passwd"), 403));
    c.push(post("plan nested ..", "/api/judge", &j(&format!("{run}/../../x.csv")), 403));
    c.push(post("plan backslashes", "/api/judge", &j("..\\..\\x.csv"), 403));
    c.push(post("run ..", "/api/judge", &serde_json::json!({"run": "..", "plan": "x.csv"}).to_string(), 403));
    c.push((
        "foreign Host (DNS rebinding)".into(),
        request("GET", "/api/presets", &format!("evil.example:{port}"), "", b""),
        403,
    ));
    c.push(("foreign Host on the page".into(), request("GET", "/", "evil.example", "", b""), 403));
    c.push((
        "foreign Origin".into(),
        request(
            "POST",
            "/api/evaluate",
            host,
            "Origin: https://evil.example\r\n",
            br#"{"scenario":"cal-3"}"#,
        ),
        403,
    ));
    c.push((
        "cross-site fetch".into(),
        request("POST", "/api/evaluate", host, "Sec-Fetch-Site: cross-site\r\n", br#"{"scenario":"cal-3"}"#),
        403,
    ));
    c.push(("no Host".into(), b"GET /api/presets HTTP/1.1\r\n\r\n".to_vec(), 400));
    c.push(("unknown path".into(), request("GET", "/api/nope", host, "", b""), 404));
    c.push(("asset path with ..".into(), request("GET", "/assets/../Cargo.toml", host, "", b""), 404));
    c.push(("wrong method".into(), request("DELETE", "/api/presets", host, "", b""), 405));
    c
}

#[tokio::main]
async fn main() {
    let a = match parse_args() {
        Ok(a) => std::sync::Arc::new(a),
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "load: {} clients for {} s against http://{}/ (evaluate 70 %, geometry 10 %, judge {})",
        a.clients,
        a.seconds,
        a.addr,
        if a.judge.is_some() { "20 %" } else { "off: evaluate 90 %" }
    );
    let start = Instant::now();
    let deadline = start + Duration::from_secs(a.seconds);
    let tasks: Vec<_> = (0..a.clients).map(|i| tokio::spawn(client(i, a.clone(), deadline))).collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let errors = all.iter().filter(|r| !r.2).count();
    let mut failed = errors > 0;
    println!("{:<10} {:>9} {:>9} {:>9} {:>9}", "kind", "requests", "req/s", "p50 ms", "p99 ms");
    for kind in [Kind::Evaluate, Kind::Geometry, Kind::Judge] {
        let mut lat: Vec<Duration> = all.iter().filter(|r| r.0 == kind).map(|r| r.1).collect();
        if lat.is_empty() {
            continue;
        }
        lat.sort();
        println!(
            "{:<10} {:>9} {:>9.0} {:>9.1} {:>9.1}",
            format!("{kind:?}").to_lowercase(),
            lat.len(),
            lat.len() as f64 / elapsed,
            pct(&lat, 0.5),
            pct(&lat, 0.99)
        );
    }
    let mut lat: Vec<Duration> = all.iter().map(|r| r.1).collect();
    lat.sort();
    println!(
        "{:<10} {:>9} {:>9.0} {:>9.1} {:>9.1}",
        "all",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    println!("errors: {errors}  (elapsed {elapsed:.1} s)");

    println!("\nbad requests:");
    for (what, raw, want) in catalogue(&a) {
        let got = send_reading_early(&a.addr, raw).await;
        let (status, note) = match got {
            Ok(r) => {
                let text = String::from_utf8_lossy(&r.body).into_owned();
                let msg = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_string))
                    .unwrap_or_default();
                (r.status, msg)
            }
            Err(e) => (0, format!("no answer: {e}")),
        };
        let ok = status == want;
        failed |= !ok;
        let note: String = note.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(90).collect();
        println!("  {} {status} (want {want})  {what}: {note}", if ok { "ok  " } else { "FAIL" });
    }
    let alive = async {
        let mut s = connect(&a.addr).await?;
        roundtrip(&mut s, &request("GET", "/api/info", &a.addr, "", b"")).await
    }
    .await;
    let alive = alive.is_ok_and(|r| r.status == 200);
    println!("server still serving: {}", if alive { "yes" } else { "NO" });
    if failed || !alive {
        std::process::exit(1);
    }
}
