//! The JSON API in process (no sockets): every endpoint's answers, the guard's refusals, and
//! split jobs with progress and cancellation. The CLI-equality tests (the API answers the bytes
//! `redraw scenario`/`map`/`judge` print) are in `redraw-cli/tests/serve.rs`, where the binary is.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use futures_util::StreamExt as _;
use http_body_util::BodyExt as _;
use redraw_server::{app_state, router, Config};
use tower::ServiceExt as _;

const HOST: &str = "127.0.0.1:8642";

fn app() -> (axum::Router, redraw_server::AppState) {
    let addr: SocketAddr = HOST.parse().unwrap();
    let state = app_state(&Config { addr, runs: None }).unwrap();
    (router(state.clone(), addr), state)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).header(header::HOST, HOST).body(Body::empty()).unwrap()
}

fn post(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn error_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["error"].as_str().unwrap_or_else(|| panic!("no error in {body}")).to_string()
}

#[tokio::test]
async fn presets_and_geometry() {
    let (app, _) = app();
    let (s, body) = send(&app, get("/api/presets")).await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["schema_version"], 1);
    let ids: Vec<&str> = v["presets"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    let lib: Vec<&str> = redraw_core::scenario::presets().iter().map(|p| p.id).collect();
    assert_eq!(ids, lib);
    assert_eq!(
        v["presets"][1]["toml"].as_str().unwrap(),
        redraw_core::scenario::preset("cal-3").unwrap().toml
    );

    let (s, body) = send(&app, get("/api/geometry")).await;
    assert_eq!(s, StatusCode::OK);
    let g: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((g["width"].as_f64(), g["height"].as_f64()), (Some(960.0), Some(600.0)));
    assert_eq!(g["states"].as_array().unwrap().len(), 51);
    let counties = g["counties"].as_array().unwrap();
    assert_eq!(counties.len(), 3143, "the 2020 county set");
    assert_eq!(g["features"].as_array().unwrap().len(), 3142, "us-atlas polygons (Valdez-Cordova is one)");
    // Los Angeles: its own polygon, in California, 10,014,009 people in 2020.
    let la = counties.iter().find(|c| c["fips"] == "06037").unwrap();
    assert_eq!(la["toml_name"], "Los Angeles");
    assert_eq!(la["pop2020"], 10_014_009);
    let ca = &g["states"][la["state"].as_u64().unwrap() as usize];
    assert_eq!((ca["abbr"].as_str(), ca["house_seats"].as_u64()), (Some("CA"), Some(52)));
    // Chugach and Copper River share one polygon; Falls Church has none at this scale.
    let f = |fips: &str| counties.iter().find(|c| c["fips"] == fips).unwrap()["feature"].clone();
    assert_eq!(f("02063"), f("02066"));
    assert!(f("51610").is_null());
    // 331,108,434 / 435.
    assert_eq!(g["ideal_seat_population"], 761_169);
    assert!(g["state_lines"].as_str().unwrap().len() > 10_000);

    let (s, body) = send(&app, get("/api/counties?state=OR")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["counties"].as_array().unwrap().len(),
        36
    );
    let (s, body) = send(&app, get("/api/counties?state=New+York")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains("\"Kings County\""));
    let (s, body) = send(&app, get("/api/counties?state=New%20Mexico")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for (q, needle) in [
        ("state=Narnia", "unknown state `Narnia`"),
        ("", "give the state"),
        ("county=x", "unknown query parameter"),
        ("state=%zz", "malformed"),
    ] {
        let (s, body) = send(&app, get(&format!("/api/counties?{q}"))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert!(error_of(&body).contains(needle), "{q}: {body}");
    }
}

#[tokio::test]
async fn evaluate_answers_the_library_report() {
    let (app, _) = app();
    let (s, body) = send(&app, post("/api/evaluate", r#"{"scenario":"cal-3"}"#)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let ds = redraw_core::Dataset::embedded();
    let resolved = redraw_core::scenario::preset("cal-3").unwrap().resolve(ds, &Default::default()).unwrap();
    let cmp = redraw_core::evaluate::compare(ds, &resolved, &Default::default()).unwrap();
    assert_eq!(body, cmp.to_json());
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    // Cal 3: 52 states, and the certified 2024 result under today's map.
    assert_eq!(v["scenario"]["union_states"], 52);
    assert_eq!(v["baseline"]["elections"][2]["electoral_votes_rep"], 312);

    // The panel's view: the same report without the sectors, per-rule electors and votes, compact.
    let full = v.clone();
    let (s, panel) = send(&app, post("/api/evaluate", r#"{"scenario":"cal-3","view":"panel"}"#)).await;
    assert_eq!(s, StatusCode::OK, "{panel}");
    assert!(panel.len() * 3 < body.len(), "panel view {} bytes, full {}", panel.len(), body.len());
    let mut want = full;
    for side in ["baseline", "scenario"] {
        for st in want[side]["states"].as_array_mut().unwrap() {
            st["economy"].as_object_mut().unwrap().remove("sectors").expect("sectors in the full report");
            for e in st["elections"].as_array_mut().unwrap() {
                let e = e.as_object_mut().unwrap();
                assert!(e.remove("by_rule").is_some() && e.remove("votes").is_some());
            }
        }
        want[side]["economy"].as_object_mut().unwrap().remove("sectors");
        for e in want[side]["elections"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("popular");
        }
    }
    assert_eq!(serde_json::from_str::<serde_json::Value>(&panel).unwrap(), want);
    let (s, err) = send(&app, post("/api/evaluate", r#"{"scenario":"cal-3","view":"tiny"}"#)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(err.contains("view: `tiny` is not a view (full or panel)"), "{err}");

    // Options as the CLI's flags.
    let (s, body) = send(
        &app,
        post(
            "/api/evaluate",
            r#"{"scenario":"cal-3","method":"webster","house_size":600,"election_years":[2020]}"#,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["scenario"]["house_size"], 600);
    assert_eq!(v["scenario"]["method"], "webster");
    assert_eq!(v["scenario"]["elections"].as_array().unwrap().len(), 1);

    for (body, needle) in [
        (r#"{"scenario":"cal3"}"#, "did you mean `cal-3`"),
        (r#"{"scenario":"cal-3","method":"borda"}"#, "unknown method `borda`"),
        (r#"{"scenario":"cal-3","census":2000}"#, "not a census year"),
        (r#"{"scenario":"cal-3","election_years":[2008]}"#, "not an election year"),
        (r#"{"scenario":"cal-3","house_size":"huge"}"#, "not a house size"),
        (r#"{"scenario":"cal-3","ec_rule":"borda"}"#, "unknown allocation rule"),
        (r#"{"scenario":"cal-3","election_years":[]}"#, "at least one"),
        (r#"{"scenario":"cal-3","house_size":10}"#, "10"),
        (r#"{"scenario":"cal-3","toml":"x"}"#, "not both"),
        (r#"{}"#, "give `scenario`"),
        (r#"{"scenario":"cal-3","colour":"red"}"#, "unknown field `colour`"),
        (r#"{"scenario":"cal-3""#, "line 1 column"),
        ("", "empty"),
        (r#""cal-3""#, "invalid type"),
    ] {
        let (s, answer) = send(&app, post("/api/evaluate", body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let e = error_of(&answer);
        assert!(e.contains(needle), "{body}: {e}");
    }
}

#[tokio::test]
async fn scenario_files_give_the_cli_messages() {
    let (app, _) = app();
    // Malformed TOML: the parser's message, naming the file as the CLI names it.
    let bad = "name = \"x\"\n[[split]\nstate = \"CA\"\n";
    let req = serde_json::json!({"toml": bad, "file_name": "mine.toml"}).to_string();
    let (s, answer) = send(&app, post("/api/evaluate", &req)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let expected = redraw_core::Scenario::from_toml(bad, "mine.toml").unwrap_err().to_string();
    assert_eq!(error_of(&answer), expected);
    assert!(expected.starts_with("mine.toml: ") && expected.contains("line 2"), "{expected}");
    // An unknown county: the resolver's message with the line.
    let bad = "name = \"x\"\n[[move]]\nto = \"ID\"\ncounties.OR = [\"Malhuer\"]\n";
    let req = serde_json::json!({"toml": bad, "file_name": "idaho.toml"}).to_string();
    let (s, answer) = send(&app, post("/api/resolve", &req)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let e = error_of(&answer);
    assert!(e.starts_with("idaho.toml line 4: ") && e.contains("Malheur"), "{e}");
    // A good file resolves: every county's resulting state.
    let good = redraw_core::scenario::preset("greater-idaho").unwrap().toml;
    let req = serde_json::json!({"toml": good}).to_string();
    let (s, answer) = send(&app, post("/api/resolve", &req)).await;
    assert_eq!(s, StatusCode::OK, "{answer}");
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let states = v["resolved"]["states"].as_array().unwrap();
    let ds = redraw_core::Dataset::embedded();
    let malheur = ds.county_by_fips("41045").unwrap() as usize;
    let s_idx = v["resolved"]["county_state"][malheur].as_u64().unwrap() as usize;
    assert_eq!(states[s_idx]["name"], "Idaho");
}

#[tokio::test]
async fn map_svg_is_the_library_map() {
    let (app, _) = app();
    let (s, body) = send(&app, post("/api/map.svg", r#"{"scenario":"greater-idaho"}"#)).await;
    assert_eq!(s, StatusCode::OK);
    let ds = redraw_core::Dataset::embedded();
    let resolved =
        redraw_core::scenario::preset("greater-idaho").unwrap().resolve(ds, &Default::default()).unwrap();
    let svg = redraw_geo::scenario_map::scenario_map_svg(ds, &resolved, None, false).unwrap();
    assert_eq!(body, svg);
    assert!(body.contains("Greater Idaho"));
    // The Electoral College map (`redraw map --ec 2020`).
    let (s, body) = send(&app, post("/api/map.svg", r#"{"scenario":"greater-idaho","ec":2020}"#)).await;
    assert_eq!(s, StatusCode::OK);
    let ec = redraw_geo::scenario_map::ec_map_svg(
        ds,
        &resolved,
        redraw_core::ElectionYear::Y2020,
        Default::default(),
        None,
    )
    .unwrap();
    assert_eq!(body, ec);
    let (s, _) = send(&app, post("/api/map.svg", r#"{"scenario":"greater-idaho","ec":2000}"#)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_guard_refuses_foreign_hosts_origins_and_big_bodies() {
    let (app, _) = app();
    let with = |host: Option<&str>, origin: Option<&str>| {
        let mut b = Request::get("/api/presets");
        if let Some(h) = host {
            b = b.header(header::HOST, h);
        }
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::empty()).unwrap()
    };
    assert_eq!(send(&app, with(Some("evil.example:8642"), None)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, with(Some("127.0.0.1:9999"), None)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, with(None, None)).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(send(&app, with(Some(HOST), Some("https://evil.example"))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, with(Some(HOST), Some("null"))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&app, with(Some("localhost:8642"), Some("http://localhost:8642"))).await.0,
        StatusCode::OK
    );
    // The page and its assets are guarded too.
    assert_eq!(
        send(&app, Request::get("/").header(header::HOST, "evil.example:8642").body(Body::empty()).unwrap())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Too big, with a Content-Length...
    let big = "x".repeat(redraw_server::guard::MAX_BODY + 1);
    let (s, answer) = send(&app, post("/api/evaluate", &big)).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(error_of(&answer).contains("larger than"));
    // ...and streamed without one.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let req = Request::post("/api/evaluate")
        .header(header::HOST, HOST)
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    // Unknown paths are JSON 404s; the security headers are on every answer.
    let r = app.clone().oneshot(get("/api/nope")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let (s, body) = send(&app, get("/")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("/assets/js/main.js"));
    for (path, _, _) in redraw_server::assets::ASSETS {
        assert_eq!(send(&app, get(&format!("/assets/{path}"))).await.0, StatusCode::OK, "{path}");
    }
    assert_eq!(send(&app, get("/assets/../Cargo.toml")).await.0, StatusCode::NOT_FOUND);
}

async fn wait_state(app: &axum::Router, id: u64, want: &str) -> serde_json::Value {
    for _ in 0..600 {
        let (_, body) = send(app, get(&format!("/api/splits/{id}"))).await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if v["state"] == want {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never reached {want}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_jobs_report_progress_and_place_the_map() {
    let (app, _) = app();
    let req = r#"{"state":"CA","parts":3,"samples":200,"chains":2,"thin":2,"burn_in":10,"scenario":"cal-3","label":"Cal 3 as drawn"}"#;
    let (s, body) = send(&app, post("/api/splits", req)).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let job: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(job["total"], 200);
    let r = app.clone().oneshot(get(job["events"].as_str().unwrap())).await.unwrap();
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut stream = r.into_body().into_data_stream();
    let mut text = String::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(60), stream.next()).await.unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
    assert!(text.contains("event: progress"), "{text}");
    let result = text.split("event: result\ndata: ").nth(1).expect("a result event").lines().next().unwrap();
    let doc: serde_json::Value = serde_json::from_str(result).unwrap();
    assert_eq!(doc["your_map"], "your-map");
    let summary = &doc["summary"];
    assert_eq!(summary["samples"], 200);
    assert_eq!(summary["invariants_checked"], 200);
    // The user's map first, then the matching preset (Cal 3 again): the same outcome.
    let props = summary["proposals"].as_array().unwrap();
    assert_eq!(props[0]["title"], "Cal 3 as drawn");
    assert_eq!(props[1]["id"], "cal-3");
    assert_eq!(props[0]["outcome"], props[1]["outcome"]);
    let hist = doc["histograms"].as_array().unwrap();
    assert!(hist.len() >= 8 && hist.iter().all(|h| h["svg"].as_str().unwrap().starts_with("<svg")));
    // The finished job can still be polled.
    let v = wait_state(&app, job["id"].as_u64().unwrap(), "done").await;
    assert_eq!(v["done"], 200);
    assert!(v["result"]["summary"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_cancels_its_job() {
    let (app, state) = app();
    let req = r#"{"state":"TX","parts":4,"samples":20000,"chains":2,"thin":1000,"burn_in":0}"#;
    let (s, body) = send(&app, post("/api/splits", req)).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_u64().unwrap();
    let r = app.clone().oneshot(get(&format!("/api/splits/{id}/events"))).await.unwrap();
    let mut stream = r.into_body().into_data_stream();
    let first = tokio::time::timeout(Duration::from_secs(30), stream.next()).await.unwrap().unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: progress"));
    // The client goes away: dropping the body is what hyper does when the socket closes.
    drop(stream);
    let v = wait_state(&app, id, "cancelled").await;
    assert!(v["done"].as_u64().unwrap() < 20_000, "{v}");
    assert!(v["error"].as_str().unwrap().starts_with("cancelled after"), "{v}");
    // Other requests were answered all along, and DELETE cancels a job too.
    let (s, body) = send(&app, post("/api/splits", req)).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let id2 = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_u64().unwrap();
    let r = app
        .clone()
        .oneshot(
            Request::delete(format!("/api/splits/{id2}"))
                .header(header::HOST, HOST)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    wait_state(&app, id2, "cancelled").await;
    drop(state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_requests_are_bounded() {
    let (app, _) = app();
    for (body, needle) in [
        (r#"{"state":"CA","parts":1}"#, "parts must be between 2"),
        (r#"{"state":"CA","parts":3,"samples":1000000}"#, "samples must be between"),
        (r#"{"state":"CA","parts":3,"tolerance":1.5}"#, "tolerance"),
        (r#"{"state":"CA","parts":3,"chains":0}"#, "chains"),
        (r#"{"state":"ZZ","parts":3}"#, "unknown state"),
        (r#"{"state":"CA","parts":3,"toml":"[[split]"}"#, "scenario.toml"),
    ] {
        let (s, answer) = send(&app, post("/api/splits", body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(error_of(&answer).contains(needle), "{body}: {answer}");
    }
    assert_eq!(send(&app, get("/api/splits/999")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(send(&app, get("/api/splits/abc")).await.0, StatusCode::BAD_REQUEST);
    // At most two jobs at once; a third is told to wait. (Nobody follows these, so the
    // watchdog cancels them after a few seconds; DELETE stops them now.)
    let long = r#"{"state":"TX","parts":4,"samples":20000,"chains":2,"thin":1000}"#;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (s, body) = send(&app, post("/api/splits", long)).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{body}");
        ids.push(serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_u64().unwrap());
    }
    let (s, answer) = send(&app, post("/api/splits", long)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    for id in ids {
        let req = Request::delete(format!("/api/splits/{id}"))
            .header(header::HOST, HOST)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, req).await.0, StatusCode::OK);
        wait_state(&app, id, "cancelled").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_job_is_cancelled() {
    let (app, _) = app();
    let long = r#"{"state":"TX","parts":4,"samples":20000,"chains":2,"thin":1000}"#;
    let (s, body) = send(&app, post("/api/splits", long)).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_u64().unwrap();
    // Nobody listens or polls: after the abandon delay the watchdog cancels it.
    tokio::time::sleep(Duration::from_secs(redraw_server::splits::LIMITS.abandon_after_s + 2)).await;
    let (_, body) = send(&app, get(&format!("/api/splits/{id}"))).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["state"], "cancelled", "{v}");
}

#[tokio::test]
async fn runs_are_off_without_the_flag() {
    let (app, _) = app();
    let (s, body) = send(&app, get("/api/runs")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["enabled"], false);
    let (s, _) = send(&app, post("/api/judge", r#"{"run":"x","plan":"y.csv"}"#)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
