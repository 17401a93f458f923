//! `redraw serve` end to end over real sockets: the API answers exactly what the CLI prints for
//! the same input (scenario reports, maps, judgements, error messages), and refuses what it
//! must (foreign Host or Origin, oversized or malformed bodies, paths out of `--runs`) while it
//! keeps serving.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn data_dir() -> PathBuf {
    std::env::var_os("REDRAW_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn redraw(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_redraw")).args(args).env("NO_COLOR", "1").output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `redraw serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_redraw"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = Vec::new();
        let mut out = child.stdout.take().unwrap();
        let mut b = [0u8; 1];
        while out.read(&mut b).unwrap() == 1 && b[0] != b'\n' {
            line.push(b[0]);
        }
        let line = String::from_utf8(line).unwrap();
        let port = line
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|_| panic!("{line}"));
        Server { child, port }
    }

    /// One HTTP/1.1 request; `host` overrides the Host header (None: none at all).
    fn raw(
        &self,
        method: &str,
        path: &str,
        host: Option<&str>,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
        if let Some(h) = host {
            req.push_str(&format!("Host: {h}\r\n"));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        // A server may answer (413) before reading the whole body and close the connection: the
        // body is written from another thread while this one reads the answer.
        let mut w = s.try_clone().unwrap();
        let body = body.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = w.write_all(&body);
        });
        let mut resp = Vec::new();
        let _ = s.read_to_end(&mut resp);
        let _ = writer.join();
        let text = String::from_utf8_lossy(&resp).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no response: {text:?}"));
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn post(&self, path: &str, json: &serde_json::Value) -> (u16, String) {
        self.raw(
            "POST",
            path,
            Some(&self.host()),
            &[("Content-Type", "application/json")],
            json.to_string().as_bytes(),
        )
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.raw("GET", path, Some(&self.host()), &[], b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn error_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["error"].as_str().unwrap().to_string()
}

#[test]
fn the_api_answers_what_the_cli_prints() {
    let server = Server::start(&[]);
    // Every preset: the same bytes as `redraw scenario NAME --format json`.
    for p in redraw_core::scenario::presets() {
        let (ok, cli, err) = redraw(&["scenario", p.id, "--format", "json"]);
        assert!(ok, "{err}");
        let (status, api) = server.post("/api/evaluate", &serde_json::json!({ "scenario": p.id }));
        assert_eq!(status, 200, "{api}");
        assert_eq!(api, cli, "{}", p.id);
    }
    // With the flags.
    let (ok, cli, err) = redraw(&[
        "scenario",
        "six-californias",
        "--method",
        "webster",
        "--house-size",
        "600",
        "--census",
        "2010",
        "--election-year",
        "2020,2016",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let req = serde_json::json!({"scenario": "six-californias", "method": "webster", "house_size": 600, "census": 2010, "election_years": [2020, 2016]});
    assert_eq!(server.post("/api/evaluate", &req).1, cli);
    let (ok, cli, err) = redraw(&[
        "scenario",
        "cal-3",
        "--house-size",
        "wyoming",
        "--ec-rule",
        "proportional",
        "--election-year",
        "all",
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let req = serde_json::json!({"scenario": "cal-3", "house_size": "wyoming", "ec_rule": "proportional", "election_years": "all"});
    assert_eq!(server.post("/api/evaluate", &req).1, cli);

    // A scenario file, and the same text sent to the API.
    let dir = tmp("files");
    let file = dir.join("mine.toml");
    let text = "name = \"mine\"\ntitle = \"Eastern Oregon joins Idaho, Jefferson forms\"\n\n[[new_state]]\nname = \"Jefferson\"\ncounties.OR = [\"Curry\", \"Josephine\"]\ncounties.CA = [\"Del Norte\", \"Siskiyou\"]\n\n[[move]]\nto = \"ID\"\ncounties.OR = [\"Malheur\", \"Harney\"]\n";
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();
    let (ok, cli, err) = redraw(&["scenario", path, "--format", "json"]);
    assert!(ok, "{err}");
    let (status, api) = server.post("/api/evaluate", &serde_json::json!({ "toml": text, "file_name": path }));
    assert_eq!(status, 200);
    assert_eq!(api, cli);
    // The map download is `redraw map`'s file, byte for byte.
    let svg = dir.join("mine.svg");
    let (ok, _, err) = redraw(&["map", path, "-o", svg.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (status, api_svg) =
        server.post("/api/map.svg", &serde_json::json!({ "toml": text, "file_name": path }));
    assert_eq!(status, 200);
    assert_eq!(api_svg, std::fs::read_to_string(&svg).unwrap());

    // Bad files: the CLI's own message (after `error: `), as a 400.
    for (name, bad) in [
        ("syntax.toml", "name = \"x\"\n[[split]\nstate = \"CA\"\n"),
        ("county.toml", "name = \"x\"\n[[move]]\nto = \"ID\"\ncounties.OR = [\"Malhuer\"]\n"),
        ("left-out.toml", "name = \"x\"\n[[split]]\nstate = \"CA\"\n[[split.part]]\nname = \"South\"\ncounties = [\"San Diego\"]\n"),
        ("key.toml", "name = \"x\"\ncolour = \"red\"\n"),
    ] {
        let f = dir.join(name);
        std::fs::write(&f, bad).unwrap();
        let fp = f.to_str().unwrap();
        let (ok, _, err) = redraw(&["scenario", fp]);
        assert!(!ok);
        let cli_msg = err.trim_end().strip_prefix("error: ").unwrap_or_else(|| panic!("{err}"));
        let (status, api) = server.post("/api/evaluate", &serde_json::json!({ "toml": bad, "file_name": fp }));
        assert_eq!(status, 400, "{name}: {api}");
        assert_eq!(error_of(&api), cli_msg, "{name}");
    }
}

#[test]
fn bad_requests_get_the_right_4xx_and_the_server_keeps_serving() {
    let server = Server::start(&[]);
    let host = server.host();
    let json = [("Content-Type", "application/json")];
    let preset = br#"{"scenario":"cal-3"}"#;
    // DNS rebinding: a foreign name resolving to us.
    assert_eq!(server.raw("POST", "/api/evaluate", Some("evil.example"), &json, preset).0, 403);
    assert_eq!(server.raw("GET", "/", Some(&format!("evil.example:{}", server.port)), &[], b"").0, 403);
    assert_eq!(server.raw("GET", "/api/presets", None, &[], b"").0, 400);
    // Cross-site requests.
    let evil = [("Content-Type", "application/json"), ("Origin", "https://evil.example")];
    assert_eq!(server.raw("POST", "/api/evaluate", Some(&host), &evil, preset).0, 403);
    let fetch = [("Content-Type", "application/json"), ("Sec-Fetch-Site", "cross-site")];
    assert_eq!(server.raw("POST", "/api/evaluate", Some(&host), &fetch, preset).0, 403);
    // Oversized and malformed bodies.
    let big = vec![b'x'; 2 * 1024 * 1024];
    let (status, body) = server.raw("POST", "/api/evaluate", Some(&host), &json, &big);
    assert_eq!(status, 413, "{body}");
    let (status, body) = server.raw("POST", "/api/evaluate", Some(&host), &json, b"{\"scenario\": ");
    assert_eq!(status, 400);
    assert!(error_of(&body).contains("EOF while parsing"), "{body}");
    // Still serving.
    let (status, body) = server.raw("POST", "/api/evaluate", Some(&host), &json, preset);
    assert_eq!(status, 200);
    assert!(body.contains("\"union_states\": 52"));
    assert_eq!(server.raw("GET", "/api/runs", Some(&host), &[], b"").0, 200);
    assert_eq!(server.raw("GET", "/no/such/page", Some(&host), &[], b"").0, 404);
    assert_eq!(server.raw("DELETE", "/api/presets", Some(&host), &[], b"").0, 405);
}

/// A small NC ensemble written by `redraw ensemble`, with the graph, a plan and the VTD shapes
/// copied beside it (the manifest records the graph's original path, outside `--runs`).
fn nc_runs(root: &Path) -> PathBuf {
    let graph = data_dir().join("graphs/bench/NC.json");
    let run = root.join("nc");
    let (ok, _, err) = redraw(&[
        "ensemble",
        "--graph",
        graph.to_str().unwrap(),
        "--pop",
        "TOTAL_POP",
        "--assignment",
        "district",
        "--tol",
        "0.02",
        "--steps",
        "200",
        "--chains",
        "2",
        "--seed",
        "3",
        "--election",
        "COMP=DEM_VOTES,REP_VOTES",
        "--county-prefix",
        "5",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(ok, "the NC bench graph is needed (set REDRAW_DATA_DIR): {err}");
    std::fs::copy(&graph, run.join("NC.json")).unwrap();
    std::fs::copy(data_dir().join("plans/NC_cd_2022_vtds.csv"), root.join("NC_cd_2022_vtds.csv")).unwrap();
    std::fs::copy(data_dir().join("shapes/NC_2020_vtd.topojson"), root.join("NC_2020_vtd.topojson")).unwrap();
    run
}

/// The JSON paths where `a` and `b` differ, with both values (short).
fn json_diff(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                json_diff(
                    &x.get(k).cloned().unwrap_or(Value::Null),
                    &y.get(k).cloned().unwrap_or(Value::Null),
                    &format!("{path}/{k}"),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                json_diff(u, v, &format!("{path}/{i}"), out);
            }
        }
        _ if a != b => {
            let short = |v: &Value| v.to_string().chars().take(160).collect::<String>();
            out.push(format!("{path}: {} vs {}", short(a), short(b)));
        }
        _ => {}
    }
}

#[test]
fn judging_through_the_api_equals_the_cli_and_stays_inside_runs() {
    let base = tmp("runs");
    let root = base.join("runs");
    std::fs::create_dir_all(&root).unwrap();
    let run = nc_runs(&root);
    std::fs::write(base.join("secret.csv"), "GEOID,district\n").unwrap();
    let server = Server::start(&["--runs", root.to_str().unwrap()]);

    let (status, body) = server.get("/api/runs");
    assert_eq!(status, 200, "{body}");
    let runs: serde_json::Value = serde_json::from_str(&body).unwrap();
    let nc = runs["runs"].as_array().unwrap().iter().find(|r| r["path"] == "nc").expect("the nc run");
    assert_eq!(nc["graph"], "nc/NC.json", "the graph is found inside --runs by name and SHA-256");
    assert!(nc["problem"].is_null(), "{nc}");
    let plans: Vec<&str> =
        nc["plans"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(plans, vec!["column:district", "NC_cd_2022_vtds.csv"]);

    let plan = root.join("NC_cd_2022_vtds.csv");
    let report_dir = base.join("cli-report");
    let (ok, cli, err) = redraw(&[
        "judge",
        "--graph",
        run.join("NC.json").to_str().unwrap(),
        "--plan",
        plan.to_str().unwrap(),
        "--ensemble",
        run.to_str().unwrap(),
        "--shapes",
        root.join("NC_2020_vtd.topojson").to_str().unwrap(),
        "--report",
        report_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let (status, body) =
        server.post("/api/judge", &serde_json::json!({"run": "nc", "plan": "NC_cd_2022_vtds.csv"}));
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut cli: serde_json::Value = serde_json::from_str(&cli).unwrap();
    // The API's judgement is redraw judge's, through the same redraw_judge::evaluate: the whole
    // document (compactness from the polygons, the VAP section, county names, definitions) but
    // the provenance, which names how each was called and the files as each saw them.
    let mut api = doc["judgement"].clone();
    let (api_prov, cli_prov) = (api["provenance"].take(), cli["provenance"].take());
    // The polygons' path as each read it: relative to --runs, and as typed.
    let (api_src, cli_src) = (api["compactness"]["source"].take(), cli["compactness"]["source"].take());
    assert_eq!(api_src, "NC_2020_vtd.topojson (2666 units matched to the graph)");
    assert!(cli_src.as_str().unwrap().ends_with(api_src.as_str().unwrap()), "{cli_src}");
    let mut diffs = Vec::new();
    json_diff(&api, &cli, "", &mut diffs);
    assert!(
        diffs.is_empty(),
        "the API's judgement differs from redraw judge's at: {:?}",
        &diffs[..diffs.len().min(8)]
    );
    assert!(
        api["compactness"].is_object() && api["representation"].is_null() == cli["representation"].is_null()
    );
    let sha = |p: &serde_json::Value, role: &str| -> String {
        p["inputs"].as_array().unwrap().iter().find(|f| f["role"] == role).unwrap()["sha256"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for role in ["graph", "plan", "shapes", "run statistics", "run assignments"] {
        assert_eq!(sha(&api_prov, role), sha(&cli_prov, role), "{role}");
    }
    assert_eq!(api_prov["inputs"][0]["path"], "nc/NC.json", "paths relative to --runs");
    assert_eq!(api_prov["command_line"][1], "POST /api/judge");
    let names: Vec<&str> =
        doc["plots"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(
        names.iter().any(|n| n.starts_with("boxplot_"))
            && names.iter().any(|n| n.starts_with("hist_"))
            && names.iter().any(|n| n.starts_with("trace_")),
        "{names:?}"
    );
    let map = doc["map"].as_str().expect("a map: the VTD shapes are beside the run");
    // The judge's map: districts shaded by winner and margin, district numbers, county lines.
    assert!(
        map.contains("Plan NC_cd_2022_vtds.csv")
            && map.contains("shaded by the winner and two-party margin of COMP")
            && map.contains(">14</text>")
            && map.contains("dashed lines: county borders"),
        "{}",
        &map[..400]
    );
    assert_eq!(
        map,
        std::fs::read_to_string(report_dir.join("plan_map.svg")).unwrap(),
        "the CLI report's map"
    );
    // The chains' own starting plan, a column of the graph.
    let (status, body) =
        server.post("/api/judge", &serde_json::json!({"run": "nc", "plan": "column:district", "map": false}));
    assert_eq!(status, 200, "{body}");

    // Paths out of --runs: 403, however they are written.
    let outside = base.join("secret.csv");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, root.join("link.csv")).unwrap();
        // A link to the parent: `up/secret.csv` leaves the root (`up/runs/nc` would come back in,
        // which is fine: what counts is where the resolved path lies).
        std::os::unix::fs::symlink(&base, root.join("up")).unwrap();
    }
    let mut attempts = vec![
        ("nc", "../secret.csv".to_string()),
        ("nc", outside.to_str().unwrap().to_string()),
        ("nc", "nc/../../secret.csv".to_string()),
        ("../runs/nc", "NC_cd_2022_vtds.csv".to_string()),
        ("/etc", "NC_cd_2022_vtds.csv".to_string()),
    ];
    if cfg!(unix) {
        attempts.push(("nc", "link.csv".to_string()));
        attempts.push(("nc", "up/secret.csv".to_string()));
    }
    for (run, plan) in attempts {
        let (status, body) = server.post("/api/judge", &serde_json::json!({ "run": run, "plan": plan }));
        assert_eq!(status, 403, "{run} {plan}: {}", &body[..body.len().min(300)]);
        assert!(error_of(&body).contains("outside the runs directory"), "{body}");
    }
    let (status, _) = server.post("/api/judge", &serde_json::json!({"run": "missing", "plan": "x.csv"}));
    assert_eq!(status, 404);
    // The symlink out of the root is not listed as a run either.
    let (_, body) = server.get("/api/runs");
    let runs: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1, "{runs}");
}
