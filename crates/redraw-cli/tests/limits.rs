//! The resource policy (ARCHITECTURE.md, "Resource policy"; `redraw_graph::limits`) checked
//! end to end: every reader is fed a 3 GB sparse file (all zeros, as `/dev/zero` or a damaged
//! download gives), and where it makes sense a valid beginning followed by 3 GB of zeros, through
//! the real `redraw` binary in a child process. Each must fail with a clear error (exit 1) while
//! the child's peak resident memory, measured by the kernel (`wait4`), stays under the cap the
//! policy promises. Before the policy, these aborted on allocation or grew to gigabytes.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cap every reader promises on a file it refuses: it reads a few buffers, not the file.
const CAP_MB: u64 = 64;
const SPARSE: u64 = 3 << 30;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A file of `prefix` followed by zeros up to 3 GB, without using disk space (sparse).
fn sparse(path: &Path, prefix: &[u8]) -> PathBuf {
    sparse_of(path, prefix, SPARSE)
}

fn sparse_of(path: &Path, prefix: &[u8], len: u64) -> PathBuf {
    std::fs::write(path, prefix).unwrap();
    std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(len).unwrap();
    path.to_path_buf()
}

/// Under the 2 GiB JSON cap, so the reader starts reading and must stop at the first NUL.
const UNDER_JSON_CAP: u64 = 3 << 29;

/// Runs `redraw args` to completion and returns (exit code, stderr, peak RSS in MB) as the
/// kernel accounted it for that child alone.
// The child is reaped by wait4 (which also reports its peak memory), not by Child::wait.
#[allow(clippy::zombie_processes)]
fn measured(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, u64) {
    let child = Command::new(env!("CARGO_BIN_EXE_redraw"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let mut status = 0;
    // SAFETY: plain FFI call with valid pointers to locals; the child is ours and not yet reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) { Some(libc::WEXITSTATUS(status)) } else { None };
    // Linux reports ru_maxrss in kilobytes.
    (code, reader.join().unwrap(), usage.ru_maxrss as u64 / 1024)
}

fn check(name: &str, args: &[&std::ffi::OsStr], expect: &str) {
    let (code, err, mb) = measured(args);
    eprintln!("{name}: exit {code:?}, peak {mb} MB: {}", err.lines().next().unwrap_or(""));
    assert_eq!(code, Some(1), "{name}: a clear error, not a crash or success: {err}");
    assert!(err.contains(expect), "{name}: expected {expect:?} in: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert!(mb < CAP_MB, "{name}: peak RSS {mb} MB, the policy promises under {CAP_MB} MB");
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

const NOT_TEXT: &str = "not a text file: NUL byte";

#[test]
fn every_reader_refuses_a_3_gb_sparse_file_within_its_memory_cap() {
    let d = tmpdir("sparse");
    let p = |name: &str| d.join(name);
    let small_graph = p("g.json");
    std::fs::write(
        &small_graph,
        r#"{"nodes": [{"id": 0, "GEOID": "a", "POP": 5, "d": 1}, {"id": 1, "GEOID": "b", "POP": 5, "d": 2}],
            "adjacency": [[{"id": 1}], [{"id": 0}]]}"#,
    )
    .unwrap();

    // Graph readers: networkx / rdabase JSON (sniffed), edge-list CSV, attribute CSV, plan CSV.
    // JSON documents are read whole within a 2 GiB cap: 3 GB is refused by its length, 1.5 GB
    // after the first buffer (its first NUL).
    let too_big = "redraw reads for a JSON graph";
    for (file, prefix) in [("zeros.json", &b""[..]), ("prefix.json", br#"{"nodes": [{"id": 0}"#)] {
        let f = sparse(&p(file), prefix);
        check(file, &[os("graph"), os("info"), f.as_os_str()], too_big);
        let f = sparse_of(&p(&format!("under-{file}")), prefix, UNDER_JSON_CAP);
        check(file, &[os("graph"), os("info"), f.as_os_str()], NOT_TEXT);
    }
    let rda = sparse(&p("XX_graph.json"), br#"{"a": ["b"], "b": ["a"#);
    check("rdabase", &[os("graph"), os("info"), rda.as_os_str()], too_big);
    let rda = sparse_of(&p("YY_graph.json"), br#"{"a": ["b"], "b": ["a"#, UNDER_JSON_CAP);
    check("rdabase", &[os("graph"), os("info"), rda.as_os_str()], NOT_TEXT);
    for (file, prefix) in [("zeros.csv", &b""[..]), ("edges.csv", &b"a,b\nb,c\n"[..])] {
        let f = sparse(&p(file), prefix);
        check(file, &[os("graph"), os("info"), f.as_os_str()], NOT_TEXT);
    }
    let edges = p("e.csv");
    std::fs::write(&edges, "a,b\n").unwrap();
    let attrs = sparse(&p("attrs.csv"), b"GEOID,POP\na,1\n");
    check(
        "attributes",
        &[os("graph"), os("info"), edges.as_os_str(), os("--data"), attrs.as_os_str()],
        NOT_TEXT,
    );
    let plan = sparse(&p("plan.csv"), b"GEOID,district\na,1\n");
    check(
        "plan",
        &[os("graph"), os("info"), small_graph.as_os_str(), os("--plan"), plan.as_os_str()],
        NOT_TEXT,
    );

    // National inputs: a scenario file and a populations file.
    let toml = sparse(&p("s.toml"), b"name = \"x\"\n");
    check("scenario", &[os("scenario"), toml.as_os_str()], "redraw reads for a scenario file");
    let pops = sparse(&p("pops.csv"), b"state,population\nA,5\n");
    check(
        "populations",
        &[os("apportion"), os("--populations"), pops.as_os_str()],
        "redraw reads for a populations file",
    );

    // Shapes: GeoJSON, TopoJSON, shapefile (.shp and .dbf), zip.
    let out = p("out.json");
    for (file, prefix) in [
        ("z.geojson", &b""[..]),
        ("p.geojson", &br#"{"type":"FeatureCollection","features":["#[..]),
        ("t.topojson", &br#"{"type":"Topology","arcs":[[[0,0],"#[..]),
    ] {
        let build = |f: &Path, expect: &str| {
            check(
                file,
                &[
                    os("graph"),
                    os("build"),
                    f.as_os_str(),
                    os("--id"),
                    os("id"),
                    os("--out"),
                    out.as_os_str(),
                ],
                expect,
            )
        };
        build(&sparse(&p(file), prefix), "redraw reads for a GeoJSON or TopoJSON file");
        build(&sparse_of(&p(&format!("under-{file}")), prefix, UNDER_JSON_CAP), NOT_TEXT);
    }
    let shp = sparse(&p("big.shp"), b"");
    sparse(&p("big.dbf"), b"");
    check(
        "shapefile",
        &[os("graph"), os("build"), shp.as_os_str(), os("--id"), os("id"), os("--out"), out.as_os_str()],
        "shapefile",
    );
    let zip = sparse(&p("big.zip"), b"");
    check(
        "zip",
        &[os("graph"), os("build"), zip.as_os_str(), os("--id"), os("id"), os("--out"), out.as_os_str()],
        "not a readable zip archive",
    );

    // A run directory: a complete run, then its manifest, stats.csv and assignments.bin each
    // replaced by a sparse file in turn (judge and plot), and a checkpoint (resume).
    let run = p("run");
    let ok = Command::new(env!("CARGO_BIN_EXE_redraw"))
        .args(["ensemble", "--graph"])
        .arg(&small_graph)
        .args(["--pop", "POP", "--assignment", "d", "--tol", "0.5", "--steps", "5", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let judge = |what: &str, expect: &str| {
        check(
            what,
            &[
                os("judge"),
                os("--graph"),
                small_graph.as_os_str(),
                os("--plan"),
                os("d"),
                os("--ensemble"),
                run.as_os_str(),
            ],
            expect,
        )
    };
    for (file, expect) in [
        ("manifest.json", "redraw reads for a manifest"),
        ("assignments.bin", "corrupt assignments header"),
        ("stats.csv", NOT_TEXT),
    ] {
        let keep = std::fs::read(run.join(file)).unwrap();
        // assignments.bin keeps its real 32-byte header, which then disagrees with the length.
        let prefix = if file == "assignments.bin" { &keep[..32] } else { &b""[..] };
        sparse(&run.join(file), prefix);
        judge(file, expect);
        if file == "stats.csv" {
            check(
                "plot",
                &[
                    os("plot"),
                    run.as_os_str(),
                    os("--kind"),
                    os("trace"),
                    os("--stat"),
                    os("cut_edges"),
                    os("-o"),
                    p("t.svg").as_os_str(),
                ],
                NOT_TEXT,
            );
        }
        std::fs::write(run.join(file), keep).unwrap();
    }
    // A checkpoint: the run made "running" again, with a 3 GB chains/chain-00000.ckpt.
    let m = std::fs::read_to_string(run.join("manifest.json")).unwrap();
    std::fs::write(run.join("manifest.json"), m.replace("\"complete\"", "\"running\"")).unwrap();
    std::fs::create_dir_all(run.join("chains")).unwrap();
    sparse(&run.join("chains/chain-00000.ckpt"), b"RDRWCKP2");
    check(
        "checkpoint",
        &[
            os("ensemble"),
            os("--graph"),
            small_graph.as_os_str(),
            os("--pop"),
            os("POP"),
            os("--assignment"),
            os("d"),
            os("--tol"),
            os("0.5"),
            os("--steps"),
            os("5"),
            os("--out"),
            run.as_os_str(),
            os("--resume"),
        ],
        "corrupt checkpoint",
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// `/dev/zero` itself (no length to check up front) for the whole-file and the streamed readers.
#[test]
fn dev_zero_is_refused_at_once() {
    let zero = os("/dev/zero");
    check("graph info /dev/zero", &[os("graph"), os("info"), zero], NOT_TEXT);
    check("scenario /dev/zero", &[os("scenario"), zero], NOT_TEXT);
    check("apportion /dev/zero", &[os("apportion"), os("--populations"), zero], NOT_TEXT);
}
