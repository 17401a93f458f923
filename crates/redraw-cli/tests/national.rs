//! The national-model commands end to end: real figures on good input, clear errors (non-zero
//! exit, no panic, nothing on stdout) on bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

fn redraw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redraw")).args(args).env("NO_COLOR", "1").output().expect("run redraw")
}

fn ok(args: &[&str]) -> String {
    let o = redraw(args);
    assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Runs a failing command; returns stderr after checking the exit code, no panic, no stdout.
fn fails(args: &[&str]) -> String {
    let o = redraw(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{args:?} should fail cleanly: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(o.stdout.is_empty(), "{args:?} printed partial output");
    err
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redraw-national-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn six_californias_side_by_side() {
    let out = ok(&["scenario", "six-californias"]);
    assert!(out.contains("Six Californias"), "{out}");
    assert!(
        out.contains("D 232 – R 306 (R)")
            && out.contains("D 306 – R 232 (D)")
            && out.contains("D 226 – R 312 (R)")
    );
    for s in [
        "Jefferson",
        "North California",
        "Silicon Valley",
        "Central California",
        "West California",
        "South California",
    ] {
        assert!(out.contains(s), "{s} missing");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", "six-californias", "--format", "json"])).unwrap();
    assert_eq!(json["baseline"]["elections"][2]["electoral_votes_rep"], 312);
    assert_eq!(json["scenario"]["senators"], 110);
    assert_eq!(json["scenario"]["electoral_votes"], 548);
    let csv = ok(&["scenario", "cal-3", "--format", "csv"]);
    assert!(csv.starts_with("# national\nMeasure,Today,Scenario,Change\n"), "{csv}");
    let md = ok(&["scenario", "cal-3", "--format", "markdown", "--method", "webster", "--house-size", "600"]);
    assert!(md.contains("| Measure |") && md.contains("Webster with 600 seats"));
}

#[test]
fn export_round_trips() {
    let dir = std::env::temp_dir().join(format!("redraw-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mine.toml");
    let f = file.to_str().unwrap();
    let o = redraw(&["scenario", "greater-idaho", "--export", f]);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(&file).unwrap().contains("[[move]]"));
    assert_eq!(
        ok(&["scenario", f, "--format", "json"]),
        ok(&["scenario", "greater-idaho", "--format", "json"])
    );
    assert!(ok(&["scenario", "cal-3", "--export", "-"]).contains("Proposition 9"));
    // Exporting onto an existing file (perhaps an edited scenario) used to overwrite it silently.
    std::fs::write(&file, "# my edits\n").unwrap();
    let e = fails(&["scenario", "cal-3", "--export", f]);
    assert!(e.contains("exists") && e.contains("--force"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# my edits\n");
    assert!(redraw(&["scenario", "cal-3", "--export", f, "--force"]).status.success());
    assert!(std::fs::read_to_string(&file).unwrap().contains("Proposition 9"));
}

#[test]
fn scenarios_counties_apportion() {
    let list = ok(&["scenarios", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 9);
    assert_eq!(v[1]["New states"], serde_json::json!(["Northern California", "Southern California"]));
    // CSV used to embed the JSON array (`"[""Northern California"",...]"`).
    let csv = ok(&["scenarios", "--format", "csv"]);
    assert!(
        csv.contains("\ncal-3,Cal 3 (2018 Proposition 9),52,Northern California; Southern California\n"),
        "{csv}"
    );
    let ri = ok(&["counties", "--state", "RI", "--format", "csv"]);
    assert_eq!(ri.lines().count(), 6, "{ri}");
    assert!(ri.contains("44007,Providence County,RI,660741"));
    let ap: serde_json::Value =
        serde_json::from_str(&ok(&["apportion", "--margins", "--format", "json"])).unwrap();
    let rows = ap.as_array().unwrap();
    let ny = rows.iter().find(|r| r["State"] == "New York").unwrap();
    assert_eq!(ny["Gain to win a seat"], 89);
    assert_eq!(ny["Seats"], 26);
    assert!(rows.iter().all(|r| r["Difference"] == 0));
    let pri = ok(&["apportion", "--year", "2010", "--priority", "--format", "csv"]);
    let last = pri.lines().last().unwrap();
    // 2010: seat 435 was Minnesota's 8th; North Carolina's 14th would have been seat 436.
    assert!(last.starts_with("435,Minnesota,8,"), "{pri}");
    let pops = temp("pops.csv", "state,population\nA,6000\nB,6000\nC,2000\n");
    let h10 = ok(&[
        "apportion",
        "--populations",
        pops.to_str().unwrap(),
        "--method",
        "hamilton",
        "--house-size",
        "10",
        "--format",
        "csv",
    ]);
    let c = h10.lines().find(|l| l.starts_with("C,2000,1.428")).unwrap();
    assert!(c.ends_with(",2"), "{h10}");
    let h11 = ok(&[
        "apportion",
        "--populations",
        pops.to_str().unwrap(),
        "--method",
        "hamilton",
        "--house-size",
        "11",
        "--format",
        "csv",
    ]);
    assert!(h11.lines().any(|l| l.starts_with("C,2000,") && l.ends_with(",1")), "Alabama paradox: {h11}");
}

#[test]
fn bad_input_gets_clear_errors() {
    let e = fails(&["scenario", "six-californiaz"]);
    assert!(e.contains("did you mean `six-californias`"), "{e}");
    let e = fails(&["scenario", "nope"]);
    assert!(!e.contains("did you mean") && e.contains("Presets: six-californias"), "{e}");
    let unknown_key = temp("key.toml", "name = \"x\"\n[[split]]\nstate = \"CA\"\nparts = []\n");
    let e = fails(&["scenario", unknown_key.to_str().unwrap()]);
    assert!(e.contains("key.toml") && e.contains("line 4") && e.contains("unknown field `parts`"), "{e}");
    let malformed = temp("bad.toml", "name = \"x\"\n[[new_state]\n");
    let e = fails(&["scenario", malformed.to_str().unwrap()]);
    assert!(e.contains("bad.toml") && e.contains("line 2"), "{e}");
    let county =
        temp("county.toml", "name = \"x\"\n\n[[new_state]]\nname = \"A\"\ncounties.CA = [\"Los Angelos\"]\n");
    let e = fails(&["scenario", county.to_str().unwrap()]);
    assert!(e.contains("county.toml line 5") && e.contains("Los Angeles County"), "{e}");
    let ak = temp(
        "ak.toml",
        "name = \"ak\"\n[[split]]\nstate = \"AK\"\n[[split.part]]\nname = \"Juneau State\"\ncounties = [\"Juneau\"]\n[[split.part]]\nname = \"Alaska\"\nrest = true\n",
    );
    let e = fails(&["scenario", ak.to_str().unwrap()]);
    assert!(e.contains("Alaska 2016 presidential results"), "{e}");
    let far = temp(
        "far.toml",
        "name = \"far\"\n[[new_state]]\nname = \"Far\"\ncounties.CA = [\"Los Angeles\", \"Modoc\"]\n",
    );
    let o = redraw(&["scenario", far.to_str().unwrap()]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stderr).contains("not contiguous"));
    let e = fails(&["scenario", far.to_str().unwrap(), "--strict-contiguity"]);
    assert!(e.contains("Far is not contiguous"), "{e}");
    let e = fails(&["scenario", "cal-3", "--house-size", "40"]);
    assert!(e.contains("40") && e.contains("52 states"), "{e}");
    let e = fails(&["apportion", "--house-size", "49"]);
    assert!(e.contains("49") && e.contains("50 states"), "{e}");
    let e = fails(&["counties", "--state", "XX"]);
    assert!(e.contains("unknown state `XX`"), "{e}");
    let neg = temp("neg.csv", "state,population\nA,100\nB,-5\n");
    let e = fails(&["apportion", "--populations", neg.to_str().unwrap()]);
    assert!(e.contains("neg.csv line 3") && e.contains("population"), "{e}");
    let missing = temp("missing.csv", "state,population\nA,100\nB,\n");
    let e = fails(&["apportion", "--populations", missing.to_str().unwrap()]);
    assert!(e.contains("missing.csv line 3"), "{e}");
    let o = redraw(&["scenario", "cal-3", "--method", "banzhaf"]);
    assert_eq!(o.status.code(), Some(2), "clap usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown method `banzhaf`"));
}

#[test]
fn scenario_csv_holds_plain_numbers_in_the_units_of_its_headers() {
    let csv = ok(&["scenario", "cal-3", "--format", "csv"]);
    // Composite cells used to be embedded JSON (`"{""dem"":232,...}"`); now one figure per row.
    assert!(!csv.contains('{'), "{csv}");
    assert!(csv.contains("\nElectoral College 2024 (census 2020): rep,312,312,0\n"), "{csv}");
    assert!(csv.contains("\nElectoral College 2024 (census 2020): dem,226,230,4\n"), "{csv}");
    assert!(csv.contains("\nLargest population per senator: state,California,Texas,\n"), "{csv}");
    // "Federal taxes $bn" used to hold dollars; the three parts of California must add up to
    // California's IRS FY2023 gross collections, $568.98 bn.
    let mut lines = csv.lines().skip_while(|l| *l != "# states").skip(1);
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "Federal taxes $bn").unwrap();
    let total: f64 = lines
        .take_while(|l| !l.is_empty())
        .map(|l| l.split(',').nth(col).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((total - 568.978).abs() < 0.01, "{total}");
}

#[test]
fn a_coalition_prints_no_empty_state_table() {
    let out = ok(&["scenario", "west-coast-health-alliance"]);
    assert!(out.contains("gaining/losing House seats): none"), "{out}");
    assert!(!out.contains("State  Abbr"), "lone header of an empty table: {out}");
    assert!(out.contains("West Coast Health Alliance  coalition"), "{out}");
    // CSV keeps its shape: the states table is there, header only.
    let csv = ok(&["scenario", "west-coast-health-alliance", "--format", "csv"]);
    assert!(csv.contains("# states\nState,Abbr,"), "{csv}");
}

#[test]
fn apportion_population_files_are_read_strictly() {
    // `A,1,000` used to be read as a state named `A,1` with 0 people.
    let commas = temp("commas.csv", "state,population\nA,1,000\nB,2000\n");
    let e = fails(&["apportion", "--populations", commas.to_str().unwrap(), "--house-size", "3"]);
    assert!(e.contains("commas.csv line 2") && e.contains("thousands separators"), "{e}");
    // A quoted name may hold a comma.
    let quoted = temp("quoted.csv", "state,population\n\"Washington, D.C.\",689545\nB,2000\n");
    let out =
        ok(&["apportion", "--populations", quoted.to_str().unwrap(), "--house-size", "3", "--format", "csv"]);
    assert!(out.contains("\"Washington, D.C.\",689545,"), "{out}");
    // --year means the official populations; with your own file it used to be ignored silently.
    let pops = temp("pops2.csv", "state,population\nA,6000\nB,6000\n");
    let o = redraw(&["apportion", "--populations", pops.to_str().unwrap(), "--year", "2010"]);
    assert_eq!(o.status.code(), Some(2), "conflicting options are a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--year"));
    // A House too large to compute is refused, not an out-of-memory abort.
    for cmd in [
        &["apportion", "--house-size", "4000000000"][..],
        &["scenario", "cal-3", "--house-size", "4000000000"],
    ] {
        let e = fails(cmd);
        assert!(e.contains("4000000000") && e.contains("at most 100000"), "{e}");
    }
    // An unknown state gets the closest name.
    let e = fails(&["counties", "--state", "Califrnia"]);
    assert!(e.contains("did you mean California?"), "{e}");
}

#[test]
fn the_default_report_fits_a_100_column_terminal() {
    // The state tables were about 200 columns wide and the rules lines longer still.
    let list: serde_json::Value = serde_json::from_str(&ok(&["scenarios", "--format", "json"])).unwrap();
    for p in list.as_array().unwrap() {
        let name = p["Name"].as_str().unwrap();
        let out = ok(&["scenario", name]);
        for line in out.lines() {
            assert!(line.chars().count() <= 100, "{name}: {} columns: {line}", line.chars().count());
        }
    }
    // The narrow view splits the state table; CSV keeps one wide table with every column.
    let out = ok(&["scenario", "cal-3"]);
    assert!(out.contains("— representation") && out.contains("— votes and money"), "{out}");
    let csv = ok(&["scenario", "cal-3", "--format", "csv"]);
    assert!(csv.contains("\n# states\nState,Abbr,Status,Population,Land sq mi,Senators,House,House today,EV,EV per million,2016 margin,2020 margin,2024 margin,Federal taxes $bn,Federal balance $bn\n"), "{csv}");
}

#[test]
fn the_preset_listing_fits_a_100_column_terminal() {
    // The one-line table ran to about 180 columns (Six Californias' new states alone are 98).
    let out = ok(&["scenarios"]);
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
    assert!(
        out.contains("six-californias") && out.contains("Silicon") && out.contains("55 states after"),
        "{out}"
    );
}

#[test]
fn a_state_county_listing_fits_a_100_column_terminal() {
    // California's listing was 122 columns wide.
    let out = ok(&["counties", "--state", "CA"]);
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    assert!(out.contains("06037  Los Angeles County") && out.contains("presidential margin"), "{out}");
    let csv = ok(&["counties", "--state", "CA", "--format", "csv"]);
    assert!(
        csv.starts_with("FIPS,County,State,Pop 2020,Pop 2010,Land sq mi,Neighbours,2016 margin,"),
        "{csv}"
    );
}
