//! Scenarios: presets, validation, the baseline's certified results, pooled data, the fast
//! split evaluator.

use redraw_core::evaluate::{compare, evaluate, EvalOptions, Party};
use redraw_core::scenario::{preset, presets, ResolveOptions, StateStatus};
use redraw_core::split::{SplitEvaluator, SplitOutcome};
use redraw_core::{CensusYear, Dataset, ElectionYear, Method, ResolvedScenario, Scenario, ScenarioError};

fn ds() -> &'static Dataset {
    Dataset::embedded()
}

fn resolve(text: &str) -> Result<ResolvedScenario, ScenarioError> {
    Scenario::from_toml(text, "test.toml")?.resolve(
        ds(),
        &ResolveOptions::default(),
        Some((text, "test.toml")),
    )
}

#[test]
fn baseline_reproduces_certified_electoral_votes() {
    let r = evaluate(ds(), &ResolvedScenario::baseline(ds()), &EvalOptions::default()).unwrap();
    let got: Vec<(u16, u32, u32)> =
        r.elections.iter().map(|e| (e.year, e.electoral_votes_dem, e.electoral_votes_rep)).collect();
    assert_eq!(got, vec![(2016, 232, 306), (2020, 306, 232), (2024, 226, 312)]);
    assert_eq!(
        r.elections.iter().map(|e| e.winner.unwrap()).collect::<Vec<_>>(),
        [Party::Rep, Party::Dem, Party::Rep]
    );
    assert_eq!(r.electoral_votes, 538);
    assert_eq!(r.senators, 100);
    let ca = r.states.iter().find(|s| s.abbr == "CA").unwrap();
    assert_eq!((ca.population, ca.apportionment_population, ca.house_seats), (39_538_223, 39_576_757, 52));
    // Malapportionment: California has 68.5 times Wyoming's population per senator.
    assert_eq!(r.malapportionment.largest_per_senator.state, "California");
    assert_eq!(r.malapportionment.smallest_per_senator.state, "Wyoming");
    assert!((r.malapportionment.senator_ratio - 39_538_223.0 / 576_851.0).abs() < 1e-9);
    assert_eq!(r.malapportionment.senate_majority_states, 26);
    assert!((0.17..0.18).contains(&r.malapportionment.senate_majority_min_share));
}

#[test]
fn every_preset_resolves_and_covers_its_parents_exactly_once() {
    let ds = ds();
    for p in presets() {
        let sc = p.scenario();
        let r = p.resolve(ds, &ResolveOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        // Every county of the country sits in exactly one resulting state.
        let mut count = vec![0u32; ds.counties.len()];
        for s in &r.states {
            for &c in &s.counties {
                count[c as usize] += 1;
                assert_eq!(r.states[r.county_state[c as usize] as usize].name, s.name);
            }
        }
        assert!(count.iter().all(|&n| n == 1), "{}", p.id);
        // Explicit lists name each county of a split parent at most once and, without a `rest`
        // part, every county of the parent.
        for split in &sc.split {
            let parent = ds.state_by_name(split.state.get_ref()).unwrap();
            let mut named: Vec<u32> = split
                .part
                .iter()
                .flat_map(|part| part.counties.iter())
                .map(|n| ds.find_county(parent, n.get_ref()).unwrap())
                .collect();
            let n = named.len();
            named.sort_unstable();
            named.dedup();
            assert_eq!(named.len(), n, "{}: a county is listed twice", p.id);
            if !split.part.iter().any(|x| x.rest) {
                assert_eq!(
                    named,
                    ds.states[parent].counties,
                    "{}: lists must cover {}",
                    p.id,
                    split.state.get_ref()
                );
            }
        }
    }
    let six = preset("six-californias").unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
    let new: Vec<&str> =
        six.states.iter().filter(|s| s.status == StateStatus::New).map(|s| s.name.as_str()).collect();
    assert_eq!(new.len(), 6);
    assert!(six.state_index("California").is_none(), "California is gone");
    let sizes: Vec<usize> = six.states[six.states.len() - 6..].iter().map(|s| s.counties.len()).collect();
    assert_eq!(sizes, [14, 13, 8, 14, 4, 5]);
    assert_eq!(six.county_state(ds, "06037").unwrap().name, "West California");
    let cal3 = preset("cal-3").unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
    let ca = &cal3.states[cal3.state_index("CA").unwrap()];
    assert_eq!((ca.name.as_str(), ca.status, ca.counties.len()), ("California", StateStatus::Changed, 6));
}

#[test]
fn split_parts_add_up_to_the_parent_and_unchanged_states_keep_official_figures() {
    let ds = ds();
    let opts = EvalOptions::default();
    let r = preset("six-californias").unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
    let c = compare(ds, &r, &opts).unwrap();
    let parts: Vec<_> = c.scenario.states.iter().filter(|s| s.status == StateStatus::New).collect();
    assert_eq!(parts.iter().map(|s| s.population).sum::<u64>(), 39_538_223);
    let app: u64 = parts.iter().map(|s| s.apportionment_population).sum();
    assert!(app.abs_diff(39_576_757) <= 3, "rounding only: {app}");
    assert_eq!(c.scenario.house_size, 435);
    assert_eq!(c.scenario.states.iter().map(|s| s.house_seats).sum::<u32>(), 435);
    assert_eq!(c.scenario.senators, 110);
    assert_eq!(c.scenario.electoral_votes, 548);
    for s in c.scenario.states.iter().filter(|s| s.status == StateStatus::Unchanged && !s.is_district) {
        let b = c.baseline.states.iter().find(|b| b.name == s.name).unwrap();
        assert_eq!(s.apportionment_population, b.apportionment_population, "{}", s.name);
    }
    // Fiscal shares add up.
    let irs: f64 = parts.iter().map(|s| s.irs_collections_usd).sum();
    let ca = c.baseline.states.iter().find(|s| s.abbr == "CA").unwrap();
    assert!((irs - ca.irs_collections_usd).abs() < 1.0);
    assert!((ca.irs_collections_usd - 568_978_229e3).abs() < 1.0);
    let bal: f64 = parts.iter().map(|s| s.federal_balance_usd.unwrap()).sum();
    assert!((bal - 342.0 * 39_538_223.0).abs() < 1.0);
}

#[test]
fn secession_and_coalitions() {
    let ds = ds();
    let r = preset("west-coast-leaves").unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
    let e = evaluate(ds, &r, &EvalOptions::default()).unwrap();
    assert_eq!(e.union_states, 47);
    assert_eq!(e.senators, 94);
    assert_eq!(e.electoral_votes, 435 + 94 + 3);
    let bloc = &e.blocs[0];
    assert!(bloc.seceded);
    assert_eq!(bloc.population, 39_538_223 + 4_237_256 + 7_705_281);
    assert_eq!(bloc.electoral_votes, 0);
    assert!(e.elections.iter().all(|x| x.electoral_votes_total == 532));
    let w = preset("west-coast-health-alliance").unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
    let e = evaluate(ds, &w, &EvalOptions::default()).unwrap();
    let b = &e.blocs[0];
    assert!(!b.seceded);
    assert_eq!(b.members, ["California", "Oregon", "Washington", "Hawaii"]);
    assert_eq!(b.senators, 8);
    // 2024 electoral votes: CA 54, OR 8, WA 12, HI 4.
    assert_eq!(b.electoral_votes, 78);
    assert_eq!(b.elections[2].electoral_votes_dem, 78);
}

#[test]
fn validation_errors_are_clear() {
    let err = |t: &str| resolve(t).unwrap_err().to_string();
    let e = err("name = \"x\"\n[[new_state]]\nname = \"A\"\ncounties.CA = [\"Los Angelos\"]\n");
    assert!(
        e.contains("line 4") && e.contains("Los Angelos") && e.contains("did you mean Los Angeles County"),
        "{e}"
    );
    let e = err("name = \"x\"\n[[new_state]]\nname = \"A\"\ncounties.CA = [\"Modoc\"]\n[[new_state]]\nname = \"B\"\ncounties.CA = [\"Modoc County\"]\n");
    assert!(e.contains("line 7") && e.contains("assigned twice"), "{e}");
    let e = err("name = \"x\"\n[[split]]\nstate = \"DE\"\n[[split.part]]\nname = \"North\"\ncounties = [\"New Castle\"]\n[[split.part]]\nname = \"South\"\ncounties = [\"Sussex\"]\n");
    assert!(e.contains("left out") && e.contains("Kent County"), "{e}");
    let e = err("name = \"x\"\n[[split]]\nstate = \"DE\"\n[[split.part]]\nname = \"North\"\ncounties = []\n[[split.part]]\nname = \"South\"\nrest = true\n");
    assert!(e.contains("empty"), "{e}");
    let e = err("name = \"x\"\n[[new_state]]\nname = \"Texas\"\ncounties.OK = [\"Cimarron\"]\n");
    assert!(e.contains("duplicate state name"), "{e}");
    let e = err("name = \"x\"\n[[new_state]]\nname = \"A\"\ncounties.ZZ = [\"Cimarron\"]\n");
    assert!(e.contains("unknown state `ZZ`"), "{e}");
    let e = err("name = \"x\"\n[[new_state]]\nname = \"A\"\ncounties.VA = [\"Richmond\"]\n");
    assert!(e.contains("ambiguous") && e.contains("Richmond city"), "{e}");
    // Unknown keys name the line and the field.
    let e = err("name = \"x\"\n[[split]]\nstate = \"CA\"\nparts = []\n");
    assert!(e.contains("test.toml") && e.contains("line 4") && e.contains("parts"), "{e}");
    let e = err("name = \"x\"\ntitle = 3\n");
    assert!(e.contains("line 2"), "{e}");
}

#[test]
fn non_contiguous_states_warn_or_fail_by_flag() {
    // Los Angeles and Modoc are far apart.
    let text = "name = \"x\"\n[[new_state]]\nname = \"Far\"\ncounties.CA = [\"Los Angeles\", \"Modoc\"]\n";
    let r = resolve(text).unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("Far is not contiguous: 2 pieces")), "{:?}", r.warnings);
    let sc = Scenario::from_toml(text, "t").unwrap();
    let e = sc.resolve(ds(), &ResolveOptions { strict_contiguity: true }, None).unwrap_err().to_string();
    assert!(e.contains("not contiguous"), "{e}");
    // Every preset except New California (whose remaining California is four pieces) is contiguous.
    for p in presets() {
        let r = p.resolve(ds(), &ResolveOptions::default()).unwrap();
        assert_eq!(r.warnings.is_empty(), p.id != "new-california", "{}: {:?}", p.id, r.warnings);
    }
}

#[test]
fn pooled_data_fails_only_when_a_scenario_needs_it() {
    let ds = ds();
    // Splitting Alaska: results exist only statewide.
    let ak = "name = \"ak\"\n[[split]]\nstate = \"AK\"\n[[split.part]]\nname = \"South Alaska\"\ncounties = [\"Kenai Peninsula\"]\n[[split.part]]\nname = \"Alaska\"\nrest = true\n";
    let r = resolve(ak).unwrap();
    let e = evaluate(ds, &r, &EvalOptions::default()).unwrap_err().to_string();
    assert!(e.contains("Alaska 2016 presidential results") && e.contains("South Alaska"), "{e}");
    // No year has borough results, so the hint must not send the user to `--election-year 2020,2024`
    // (which used to be suggested and then failed the same way for 2020).
    assert!(e.contains("exist for none of the election years") && !e.contains("--election-year"), "{e}");
    // Connecticut split: 2016 and 2020 work, 2024 does not.
    let ct = "name = \"ct\"\n[[split]]\nstate = \"CT\"\n[[split.part]]\nname = \"West Connecticut\"\ncounties = [\"Fairfield\", \"Litchfield\"]\n[[split.part]]\nname = \"Connecticut\"\nrest = true\n";
    let r = resolve(ct).unwrap();
    let e = evaluate(ds, &r, &EvalOptions::default()).unwrap_err().to_string();
    assert!(e.contains("Connecticut 2024") && e.contains("--election-year 2012,2016,2020"), "{e}");
    let ok =
        EvalOptions { elections: vec![ElectionYear::Y2016, ElectionYear::Y2020], ..EvalOptions::default() };
    let rep = evaluate(ds, &r, &ok).unwrap();
    assert_eq!(rep.elections.len(), 2);
    // Kalawao with Maui: moving Kalawao alone breaks every year; Hawaii whole is fine.
    let kal = "name = \"k\"\n[[new_state]]\nname = \"Molokai\"\ncounties.HI = [\"Kalawao\"]\n";
    let e = evaluate(ds, &resolve(kal).unwrap(), &EvalOptions::default()).unwrap_err().to_string();
    assert!(e.contains("Kalawao"), "{e}");
    // Chugach and Copper River apart: 2010 census fails, 2020 census works.
    let ch = "name = \"c\"\n[[move]]\nto = \"WA\"\ncounties.AK = [\"Chugach\"]\n";
    let r = resolve(ch).unwrap();
    let y2016 = EvalOptions { elections: vec![], ..EvalOptions::default() };
    assert!(evaluate(ds, &r, &y2016).is_ok());
    let e =
        evaluate(ds, &r, &EvalOptions { census: Some(CensusYear::Y2010), ..y2016 }).unwrap_err().to_string();
    assert!(e.contains("Chugach") && e.contains("2010"), "{e}");
    // Greater Idaho keeps Alaska and Connecticut whole: all years work.
    assert!(compare(
        ds,
        &preset("greater-idaho").unwrap().resolve(ds, &Default::default()).unwrap(),
        &EvalOptions::default()
    )
    .is_ok());
}

#[test]
fn methods_house_sizes_and_census_years_change_the_figures() {
    let ds = ds();
    let base = ResolvedScenario::baseline(ds);
    let web = evaluate(
        ds,
        &base,
        &EvalOptions { method: Method::Webster, house_size: 600, ..EvalOptions::default() },
    )
    .unwrap();
    assert_eq!(web.states.iter().map(|s| s.house_seats).sum::<u32>(), 600);
    assert_eq!(web.electoral_votes, 600 + 100 + 3);
    let c2010 =
        evaluate(ds, &base, &EvalOptions { census: Some(CensusYear::Y2010), ..EvalOptions::default() })
            .unwrap();
    let ca = c2010.states.iter().find(|s| s.abbr == "CA").unwrap();
    assert_eq!((ca.population, ca.house_seats), (37_253_956, 53));
    // With 2010 seats in 2024 the result differs from the certified one (TX 38 -> 36 etc.).
    assert_ne!(c2010.elections[2].electoral_votes_rep, 312);
    let e = evaluate(ds, &base, &EvalOptions { house_size: 49, ..EvalOptions::default() })
        .unwrap_err()
        .to_string();
    assert!(e.contains("49") && e.contains("50 states"), "{e}");
}

#[test]
fn split_evaluator_agrees_with_the_full_evaluation() {
    let ds = ds();
    let opts = EvalOptions::default();
    for id in ["cal-3", "six-californias", "south-california", "new-california"] {
        let r = preset(id).unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
        let full = evaluate(ds, &r, &opts).unwrap();
        let parts: Vec<usize> = (0..r.states.len())
            .filter(|&i| r.states[i].parents == [ds.state_by_name("CA").unwrap()])
            .collect();
        let mut ev = SplitEvaluator::new(ds, "CA", parts.len(), opts.clone()).unwrap();
        let assignment: Vec<u32> = ev
            .counties()
            .iter()
            .map(|&c| parts.iter().position(|&p| p == r.county_state[c as usize] as usize).unwrap() as u32)
            .collect();
        let mut out = SplitOutcome::default();
        ev.evaluate(&assignment, &mut out).unwrap();
        for (k, &p) in parts.iter().enumerate() {
            assert_eq!(out.part_population[k], full.states[p].population, "{id}");
            assert_eq!(out.part_house_seats[k], full.states[p].house_seats, "{id}");
            assert_eq!(out.part_electoral_votes[k], full.states[p].electoral_votes, "{id}");
        }
        for (a, b) in out.elections.iter().zip(&full.elections) {
            assert_eq!(
                (a.electoral_votes_dem, a.electoral_votes_rep),
                (b.electoral_votes_dem, b.electoral_votes_rep),
                "{id}"
            );
            assert_eq!((a.senate_dem, a.senate_rep), (b.senate_dem, b.senate_rep), "{id}");
        }
        assert_eq!(out.senators, full.senators);
    }
    // Alaska has no borough results in any year: its splits are scored on population, House
    // and electoral votes, with every election left out and said so (it used to be refused).
    let mut ak = SplitEvaluator::new(ds, "AK", 2, opts.clone()).unwrap();
    assert_eq!(ak.skipped().iter().map(|(y, _)| y.year()).collect::<Vec<_>>(), [2016, 2020, 2024]);
    assert!(ak.skipped()[0].1.contains("state house districts"));
    let n = ak.counties().len();
    let mut a = vec![0u32; n];
    a[0] = 1;
    let mut out = SplitOutcome::default();
    ak.evaluate(&a, &mut out).unwrap();
    assert!(out.elections.is_empty());
    assert_eq!(out.part_population.iter().sum::<u64>(), 733_391);
    // Connecticut loses only 2024 (planning regions).
    let ct = SplitEvaluator::new(ds, "CT", 2, opts.clone()).unwrap();
    assert_eq!(ct.skipped().iter().map(|(y, _)| y.year()).collect::<Vec<_>>(), [2024]);
    assert_eq!(ct.elections(), [ElectionYear::Y2016, ElectionYear::Y2020]);
    let mut tx = SplitEvaluator::new(ds, "TX", 2, opts).unwrap();
    let bad = vec![5u32; tx.counties().len()];
    assert!(tx.evaluate(&bad, &mut SplitOutcome::default()).is_err());
}

#[test]
fn the_documented_example_resolves() {
    // The TOML block of data/scenarios/README.md is a working scenario.
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/scenarios/README.md"));
    let start = readme.find("```toml\n").unwrap() + 8;
    let end = start + readme[start..].find("```").unwrap();
    let r = resolve(&readme[start..end]).unwrap();
    let e = evaluate(ds(), &r, &EvalOptions::default()).unwrap();
    // +South California, +Jefferson, ND + SD merge, +Puerto Rico, +Atlantis, WA and OR leave.
    assert_eq!(e.union_states, 50 + 2 - 1 + 2 - 2);
    assert!(r.state_index("Dakota").is_some() && r.state_index("PR").is_some());
    assert_eq!(e.blocs.len(), 2);
    assert_eq!(r.states[r.state_index("ID").unwrap()].status, StateStatus::Changed);
}

#[test]
fn scenarios_round_trip_through_toml_and_whole_states_can_merge() {
    let ds = ds();
    for p in presets() {
        let sc = p.scenario();
        let text = sc.to_toml();
        let again =
            Scenario::from_toml(&text, "roundtrip").unwrap_or_else(|e| panic!("{}: {e}\n{text}", p.id));
        let a = sc.resolve(ds, &ResolveOptions::default(), None).unwrap();
        let b = again.resolve(ds, &ResolveOptions::default(), None).unwrap();
        assert_eq!(a.county_state, b.county_state, "{}", p.id);
        assert_eq!(
            a.states.iter().map(|s| &s.name).collect::<Vec<_>>(),
            b.states.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
    // Rhode Island joins Massachusetts entirely: 49 states, RI disappears, MA is changed.
    let r = resolve("name = \"m\"\n[[move]]\nto = \"MA\"\ncounties.RI = [\"Bristol\", \"Kent\", \"Newport\", \"Providence\", \"Washington\"]\n").unwrap();
    assert!(r.state_index("RI").is_none());
    let e = evaluate(ds, &r, &EvalOptions::default()).unwrap();
    assert_eq!(e.union_states, 49);
    let ma = e.states.iter().find(|s| s.abbr == "MA").unwrap();
    assert_eq!(ma.status, StateStatus::Changed);
    assert_eq!(ma.population, 7_029_917 + 1_097_379);
    assert_eq!(e.states.iter().map(|s| s.house_seats).sum::<u32>(), 435);
}

#[test]
fn unknown_state_keys_name_their_line() {
    let e = resolve("name = \"x\"\n\n[[move]]\nto = \"ID\"\ncounties.ORR = [\"Baker\"]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 5") && e.contains("unknown state `ORR`") && e.contains("Oregon"), "{e}");
}

#[test]
fn a_state_that_gives_up_every_county_is_reported_gone() {
    // Moving all of Rhode Island into Wyoming used to drop Rhode Island without a word.
    let text = "name = \"ri\"\n[[move]]\nto = \"WY\"\ncounties.RI = [\"Bristol\", \"Kent\", \"Newport\", \"Providence\", \"Washington\"]\n";
    let r = resolve(text).unwrap();
    assert!(r.states.iter().all(|s| s.name != "Rhode Island"));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("Rhode Island gives up all its counties") && w.contains("2 senators")),
        "{:?}",
        r.warnings
    );
    let rep = evaluate(ds(), &r, &EvalOptions::default()).unwrap();
    assert_eq!(rep.senators, 98);
    // The District of Columbia folded into Maryland loses its 3 electoral votes.
    let dc = "name = \"dc\"\n[[move]]\nto = \"MD\"\ncounties.DC = [\"District of Columbia\"]\n";
    let r = resolve(dc).unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("District of Columbia") && w.contains("3 electoral votes")),
        "{:?}",
        r.warnings
    );
    assert_eq!(evaluate(ds(), &r, &EvalOptions::default()).unwrap().electoral_votes, 535);
}

#[test]
fn a_move_to_an_unknown_state_says_how_to_create_one() {
    let text = "name = \"m\"\n[[move]]\nto = \"Idahoo\"\ncounties.OR = [\"Malheur\"]\n";
    let e = resolve(text).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("did you mean Idaho?") && e.contains("[[new_state]]"), "{e}");
}

#[test]
fn blank_names_and_malformed_abbreviations_are_refused() {
    let part = |name: &str, abbr: &str| {
        format!("name = \"x\"\n[[split]]\nstate = \"CA\"\n[[split.part]]\nname = \"{name}\"\n{abbr}counties = [\"San Diego\"]\n[[split.part]]\nname = \"California\"\nrest = true\n")
    };
    // A blank name used to be reported as a "duplicate state name ``".
    let e = resolve(&part("  ", "")).unwrap_err().to_string();
    assert!(e.contains("line 5") && e.contains("blank") && !e.contains("duplicate"), "{e}");
    // An empty or spaced abbreviation used to be accepted and printed as an empty cell.
    for bad in ["", "S C", "TOOLONG"] {
        let e = resolve(&part("South", &format!("abbr = \"{bad}\"\n"))).unwrap_err().to_string();
        assert!(e.contains("1 to 5 letters or digits"), "{bad}: {e}");
    }
    let r = resolve(&part("South", "abbr = \"SO1\"\n")).unwrap();
    assert!(r.states.iter().any(|s| s.abbr == "SO1"));
}

#[test]
fn a_coalition_cannot_hold_a_seceded_state() {
    // It used to count California's people and taxes but none of its seats.
    let text = "name = \"x\"\n[[secede]]\nname = \"Cal\"\nstates = [\"CA\"]\n[[coalition]]\nname = \"SW\"\nstates = [\"CA\", \"NV\", \"AZ\"]\n";
    let e = resolve(text).unwrap_err().to_string();
    assert!(e.contains("coalition `SW`") && e.contains("California has seceded"), "{e}");
}

#[test]
fn county_codes_without_leading_zeros_resolve() {
    // "6059" (a FIPS code a spreadsheet stripped) and "059" (the county part) are Orange County;
    // both were refused with unrelated suggestions.
    for code in ["06059", "6059", "059", "59"] {
        let text = format!("name = \"x\"\n[[new_state]]\nname = \"Q\"\ncounties.CA = [\"{code}\"]\n");
        let r = resolve(&text).unwrap_or_else(|e| panic!("{code}: {e}"));
        let q = r.states.iter().find(|s| s.name == "Q").unwrap();
        assert_eq!(q.counties.len(), 1);
        assert_eq!(ds().counties[q.counties[0] as usize].fips, "06059", "{code}");
    }
    // Another state's code says whose it is.
    let e = resolve("name = \"x\"\n[[new_state]]\nname = \"Q\"\ncounties.CA = [\"41001\"]\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 4") && e.contains("Baker County, Oregon"), "{e}");
}
