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
    assert!(csv.starts_with("measure,label,today,scenario,change\n"), "{csv}");
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
    assert_eq!(v["schema_version"], 1);
    let v = &v["scenarios"];
    assert_eq!(v.as_array().unwrap().len(), 10);
    assert_eq!(v[1]["new_states"], serde_json::json!(["Northern California", "Southern California"]));
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
    let rows = ap["apportionment"].as_array().unwrap();
    let ny = rows.iter().find(|r| r["state"] == "New York").unwrap();
    assert_eq!(ny["gain_to_win_a_seat"], 89);
    assert_eq!(ny["seats"], 26);
    assert!(rows.iter().all(|r| r["difference"] == 0));
    let pri = ok(&["apportion", "--year", "2010", "--priority", "--format", "csv", "--table", "priority"]);
    assert!(pri.starts_with("seat,state,state_seat,priority_value\n"), "{pri}");
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
    assert!(
        csv.contains("\nelectoral_college_2024_rep,Electoral College 2024 (census 2020): rep,312,312,0\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nelectoral_college_2024_dem,Electoral College 2024 (census 2020): dem,226,230,4\n"),
        "{csv}"
    );
    assert!(
        csv.contains(
            "\nlargest_population_per_senator_state,Largest population per senator: state,California,Texas,\n"
        ),
        "{csv}"
    );
    // "Federal taxes $bn" used to hold dollars; the three parts of California must add up to
    // California's IRS FY2023 gross collections, $568.98 bn.
    let csv = ok(&["scenario", "cal-3", "--format", "csv", "--table", "states"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "federal_taxes_usd_bn").unwrap();
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
    let csv = ok(&["scenario", "west-coast-health-alliance", "--format", "csv", "--table", "states"]);
    assert!(csv.starts_with("state,abbr,") && csv.lines().count() == 1, "{csv}");
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
    for p in list["scenarios"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let out = ok(&["scenario", name]);
        for line in out.lines() {
            assert!(line.chars().count() <= 100, "{name}: {} columns: {line}", line.chars().count());
        }
    }
    // The narrow view splits the state table; CSV keeps one wide table with every column.
    let out = ok(&["scenario", "cal-3"]);
    assert!(out.contains("— representation") && out.contains("— votes and money"), "{out}");
    let csv = ok(&["scenario", "cal-3", "--format", "csv", "--table", "states"]);
    assert!(csv.starts_with("state,abbr,status,population,land_sq_mi,senators,house_seats,house_seats_today,electoral_votes,electoral_votes_per_million,margin_pct_2016,margin_pct_2020,margin_pct_2024,federal_taxes_usd_bn,federal_balance_usd_bn\n"), "{csv}");
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
        csv.starts_with(
            "fips,county,state,pop_2020,pop_2010,land_sq_mi,neighbours,margin_pct_2012,margin_pct_2016,"
        ),
        "{csv}"
    );
}

/// Every key of a JSON document, recursively.
fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                keys(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

fn is_snake(k: &str) -> bool {
    k.starts_with(|c: char| c.is_ascii_lowercase())
        && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn json_is_snake_case_and_versioned_everywhere() {
    // Some commands keyed their JSON by display labels ("Gain to win a seat", "2016 margin"),
    // others by snake_case, and none said which layout it was.
    for args in [
        &["scenario", "west-coast-leaves", "--format", "json"][..],
        &["scenario", "six-californias", "--format", "json", "--table", "states"],
        &["scenarios", "--format", "json"],
        &["counties", "--state", "RI", "--format", "json"],
        &["apportion", "--margins", "--priority", "--format", "json"],
        &["scenario", "cal-3", "--format", "json", "--table", "list"],
    ] {
        let doc: serde_json::Value = serde_json::from_str(&ok(args)).unwrap();
        assert_eq!(doc["schema_version"], 1, "{args:?}");
        let mut ks = Vec::new();
        keys(&doc, &mut ks);
        let bad: Vec<&String> = ks.iter().filter(|k| !is_snake(k)).collect();
        assert!(bad.is_empty(), "{args:?}: keys that are not snake_case: {bad:?}");
    }
    // The scenario report holds the malapportionment extremes as objects, not tuples.
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", "cal-3", "--format", "json"])).unwrap();
    assert_eq!(doc["baseline"]["malapportionment"]["largest_per_senator"]["state"], "California");
    assert_eq!(doc["scenario"]["malapportionment"]["largest_per_senator"]["state"], "Texas");
    assert_eq!(doc["options"]["house_size"], 435);
    assert_eq!(doc["name"], "cal-3");
}

#[test]
fn the_cli_report_is_the_library_report() {
    // One type and one function make the scenario JSON, so `redraw serve` and the Python
    // package return the same document as the CLI.
    let ds = redraw_core::Dataset::embedded();
    let p = redraw_core::scenario::preset("six-californias").unwrap();
    let report = redraw_core::scenario_report(
        ds,
        &p.scenario(),
        None,
        &Default::default(),
        &redraw_core::evaluate::EvalOptions::default(),
    )
    .unwrap();
    assert_eq!(ok(&["scenario", "six-californias", "--format", "json"]), report.to_json());
}

#[test]
fn csv_is_one_table_per_run_and_tables_can_be_listed() {
    // `--format csv` printed several tables separated by `# name` lines, which pandas cannot read.
    let o = redraw(&["scenario", "cal-3", "--format", "csv"]);
    assert!(o.status.success());
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(!csv.contains('#') && !csv.contains("\n\n"), "{csv}");
    let width = csv.lines().next().unwrap().split(',').count();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    assert!(rdr.records().all(|r| r.unwrap().len() == width), "a rectangular table");
    let note = String::from_utf8_lossy(&o.stderr);
    assert!(note.contains("--table") && note.contains("states"), "{note}");
    let list = ok(&["scenario", "west-coast-leaves", "--table", "list", "--format", "csv"]);
    let names: Vec<String> =
        csv::Reader::from_reader(list.as_bytes()).records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(names, ["national", "states", "blocs", "economy", "fiscal", "electoral_rules"], "{list}");
    let blocs = ok(&["scenario", "west-coast-leaves", "--table", "blocs", "--format", "csv"]);
    assert!(
        blocs.starts_with("bloc,kind,members,population,") && blocs.contains("West Coast,seceded,"),
        "{blocs}"
    );
    let e = fails(&["scenario", "cal-3", "--table", "blocs"]);
    assert!(e.contains("national, states, parent_states_today"), "{e}");
}

#[test]
fn a_territory_is_suggested_as_a_territory() {
    // `PR` used to get "did you mean Arkansas?".
    let e = fails(&["counties", "--state", "PR"]);
    assert!(e.contains("Puerto Rico (territory)") && !e.contains("Arkansas"), "{e}");
    let e = fails(&["split", "Guam", "--into", "2"]);
    assert!(e.contains("Guam (territory)"), "{e}");
    let f =
        temp("pr.toml", "name = \"pr\"\n[[new_state]]\nname = \"Boricua\"\ncounties.PR = [\"San Juan\"]\n");
    let e = fails(&["scenario", f.to_str().unwrap()]);
    assert!(e.contains("pr.toml line 4") && e.contains("Puerto Rico (territory)"), "{e}");
    // A nonsense abbreviation gets no far-fetched guess; a near miss gets every close one.
    let e = fails(&["counties", "--state", "QQ"]);
    assert!(!e.contains("did you mean"), "{e}");
    let e = fails(&["counties", "--state", "CF"]);
    assert!(e.contains("California (CA)") && e.contains("Colorado (CO)"), "{e}");
}

#[test]
fn human_numbers_are_rounded() {
    // Quantiles of seat counts printed as `52.050`.
    let out = ok(&["split", "CA", "--into", "3", "--samples", "400", "--seed", "3"]);
    for line in out.lines().filter(|l| l.starts_with("House seats of the new states")) {
        assert!(!line.contains(".050") && !line.contains(".000"), "{line}");
    }
}

#[test]
fn economy_fiscal_and_rules_tables_for_people_and_programs() {
    let out = ok(&["scenario", "west-coast-health-alliance"]);
    assert!(out.contains("West Coast Health Alliance") && out.contains("Rest of the union"), "{out}");
    assert!(out.contains("Deficit-neutral") && out.contains("What the balances say"), "{out}");
    assert!(out.contains("Limits of the data:") && out.contains("countries' GDP"), "{out}");
    let fiscal = ok(&["scenario", "west-coast-health-alliance", "--table", "fiscal", "--format", "csv"]);
    assert!(fiscal.contains("One fiscal year only"), "{fiscal}");
    let csv = ok(&["scenario", "west-coast-health-alliance", "--table", "economy", "--format", "csv"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |k: &str| h.iter().position(|x| x == k).unwrap_or_else(|| panic!("{k} in {h:?}"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let bloc = rows.iter().find(|r| &r[col("kind")] == "coalition").unwrap();
    let rest = rows.iter().find(|r| &r[col("kind")] == "rest of the union").unwrap();
    let us = rows.iter().find(|r| &r[col("kind")] == "nation").unwrap();
    let f = |r: &csv::StringRecord, k: &str| r[col(k)].parse::<f64>().unwrap();
    assert!((f(bloc, "gdp_usd_bn") + f(rest, "gdp_usd_bn") - f(us, "gdp_usd_bn")).abs() < 1e-6);
    assert!((f(us, "gdp_usd_bn") - 23_178.655004).abs() < 1e-6);
    assert!(f(bloc, "information_share_of_national") > 0.35);
    let rules = ok(&["scenario", "cal-3", "--table", "electoral_rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&rules).unwrap();
    let prop = v["electoral_rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == 2020 && r["rule"] == "proportional")
        .unwrap();
    assert_eq!((prop["today_dem"].as_u64(), prop["today_rep"].as_u64()), (Some(276), Some(262)));
}

#[test]
fn elections_house_sizes_and_allocation_rules_from_the_command_line() {
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", "cal-3", "--election-year", "2012", "--format", "json"]))
            .unwrap();
    assert_eq!(j["baseline"]["elections"][0]["electoral_votes_dem"], 332);
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", "cal-3", "--election-year", "all", "--format", "json"]))
            .unwrap();
    assert_eq!(j["options"]["election_years"], serde_json::json!([2012, 2016, 2020, 2024]));
    let o = redraw(&["scenario", "cal-3", "--election-year", "2008"]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "a usage error: {e}");
    assert!(e.contains("2000 census") && e.contains("available: 2012, 2016, 2020, 2024"), "{e}");
    let j: serde_json::Value = serde_json::from_str(&ok(&[
        "scenario",
        "six-californias",
        "--house-size",
        "wyoming",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(j["baseline"]["house_size"], 573);
    assert_eq!(j["options"]["house_rule"], "wyoming");
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", "cal-3", "--ec-rule", "proportional", "--format", "json"]))
            .unwrap();
    assert_eq!(j["baseline"]["elections"][1]["electoral_votes_dem"], 276);
    let e = fails(&["scenario", "cal-3", "--ec-rule", "district"]);
    assert!(e.contains("unavailable") && e.contains("ME"), "{e}");
    let e = fails(&["scenario", "cal-3", "--economy-year", "2022"]);
    assert!(e.contains("2017–2021"), "{e}");
}

#[test]
fn territories_and_merges_from_a_scenario_file() {
    let f = temp(
        "pr51.toml",
        "name = \"pr51\"\ntitle = \"Puerto Rico, the 51st state\"\n[[admit]]\nterritory = \"PR\"\n",
    );
    let o = redraw(&["scenario", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Puerto Rico has no presidential votes") && err.contains("not voting"), "{err}");
    assert!(out.contains("Puerto Rico") && out.contains("no vote"), "{out}");
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", f.to_str().unwrap(), "--format", "json"])).unwrap();
    let pr = j["scenario"]["states"].as_array().unwrap().iter().find(|s| s["abbr"] == "PR").unwrap();
    assert_eq!(pr["house_seats"], 4);
    assert_eq!(pr["admitted"], true);
    let f =
        temp("dakota.toml", "name = \"dakota\"\n[[merge]]\nstates = [\"ND\", \"SD\"]\nname = \"Dakota\"\n");
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["scenario", f.to_str().unwrap(), "--format", "json"])).unwrap();
    assert_eq!(j["scenario"]["senators"], 98);
    let f = temp("bad-admit.toml", "name = \"x\"\n[[admit]]\nterritory = \"Narnia\"\n");
    let e = fails(&["scenario", f.to_str().unwrap()]);
    assert!(e.contains("bad-admit.toml line 3") && e.contains("unknown territory `Narnia`"), "{e}");
}
