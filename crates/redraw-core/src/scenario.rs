//! Scenarios: new state lines drawn with whole counties, states leaving the union, coalitions.
//!
//! A [`Scenario`] is what a scenario file (TOML, documented in `data/scenarios/README.md` and the
//! commented presets next to it) deserializes to; it can also be built in code. Operations apply
//! in this order: `split` (a state becomes named parts, one part may keep the parent's name and
//! one part may take the `rest`), `new_state` (a state drawn from several states' counties),
//! `move` (counties join an existing or new state), then `secede` (states leave the union; the
//! remaining union and the departing bloc are both evaluated) and `coalition` (states reported
//! together). [`Scenario::resolve`] validates everything against the [`Dataset`] and returns a
//! [`ResolvedScenario`]: each county's resulting state, and the list of resulting states.
//!
//! Validation: unknown states and counties (with the closest names suggested), a county named
//! twice, counties of a split state left out, an empty new state, duplicate or clashing names;
//! a new or changed state that is not contiguous on the county adjacency is a warning, or an
//! error with [`ResolveOptions::strict_contiguity`].

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use crate::dataset::{CountyId, CountyLookupError, Dataset, StateId};

/// A county or state name in a scenario, with its byte span in the source file (0..0 when the
/// scenario was built in code).
pub type Name = Spanned<String>;

/// Wraps a name built in code.
pub fn name(s: impl Into<String>) -> Name {
    Spanned::new(0..0, s.into())
}

/// A scenario, as written in a scenario file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short identifier, e.g. `six-californias`.
    pub name: String,
    /// Human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the county lists come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<Split>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_state: Vec<NewState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge: Vec<Merge>,
    #[serde(default, rename = "move", skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<Move>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admit: Vec<Admit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secede: Vec<Bloc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coalition: Vec<Bloc>,
}

/// `[[split]]`: a state becomes named parts.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    pub state: Name,
    pub part: Vec<Part>,
}

/// `[[split.part]]`: one part of a split. A part named like the parent keeps the parent's
/// identity (its name, abbreviation and fiscal/overseas figures apply by county share anyway).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbr: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counties: Vec<Name>,
    /// This part takes every county of the parent not listed in another part.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rest: bool,
}

/// `[[new_state]]`: a state drawn from counties of one or more states (`counties.XX = [...]`)
/// and/or whole states (`states = ["ND", "SD"]`).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewState {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbr: Option<String>,
    /// Whole states of today that join the new state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<Name>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counties: BTreeMap<Name, Vec<Name>>,
}

/// `[[merge]]`: whole states of today become one state (`states = ["ND", "SD"]`); without a
/// `name` it is called after its members ("North Dakota and South Dakota").
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbr: Option<String>,
    pub states: Vec<Name>,
}

/// `[[admit]]`: a state that has no counties in the data. `territory` names Puerto Rico or an
/// Island Area (`PR`, `GU`, `VI`, `AS`, `MP`: staged census populations, land and IRS
/// collections where known) or `DC` (the District becomes a state); otherwise `name` and
/// `population` are required. Figures given here override staged ones.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Admit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub territory: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbr: Option<String>,
    /// Resident population, 2020 census.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<u64>,
    /// Resident population, 2010 census (default: the 2020 figure, with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_2010: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub land_sq_mi: Option<f64>,
    /// Presidential votes by election year: `votes.2020 = { dem = 1, rep = 2, total = 4 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub votes: BTreeMap<String, AdmitVotes>,
    /// The party assumed to win the state's electors and senators where it has no votes
    /// (`"D"` or `"R"`); without it the state is shown as not voting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lean: Option<String>,
    /// GDP in dollars (of the economy year), for the economic figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdp_usd: Option<f64>,
}

/// Votes of an admitted state in one election.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdmitVotes {
    pub dem: u64,
    pub rep: u64,
    /// All votes cast, third parties included (default: dem + rep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// `[[move]]`: counties (`counties.XX = [...]`) join the state `to`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub to: Name,
    pub counties: BTreeMap<Name, Vec<Name>>,
}

/// `[[secede]]` or `[[coalition]]`: a named bloc of states.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bloc {
    pub name: String,
    pub states: Vec<Name>,
}

/// A scenario that cannot be read or resolved. `file` and `line` are filled when known.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{}{message}", location(file, *line))]
    Invalid { file: Option<String>, line: Option<usize>, message: String },
    #[error("{note}; the scenario puts these counties in different states ({states}). {hint}")]
    DataUnavailable { note: String, states: String, hint: String },
}

fn location(file: &Option<String>, line: Option<usize>) -> String {
    match (file, line) {
        (Some(f), Some(l)) => format!("{f} line {l}: "),
        (Some(f), None) => format!("{f}: "),
        (None, Some(l)) => format!("line {l}: "),
        (None, None) => String::new(),
    }
}

impl Scenario {
    /// Parses a scenario file. `file` names it in error messages. Unknown keys are errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        toml::from_str(text).map_err(|e| ScenarioError::Parse {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// The scenario as a TOML scenario file (without comments), e.g. to save a sampled split.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario always serializes")
    }

    /// Resolves the scenario against the dataset. `source` (the file text and name) turns spans
    /// into line numbers in errors; pass `None` for scenarios built in code.
    pub fn resolve(
        &self,
        ds: &Dataset,
        opts: &ResolveOptions,
        source: Option<(&str, &str)>,
    ) -> Result<ResolvedScenario, ScenarioError> {
        Resolver { ds, source }.resolve(self, opts)
    }
}

/// Options for [`Scenario::resolve`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ResolveOptions {
    /// Make a non-contiguous new or changed state an error instead of a warning.
    pub strict_contiguity: bool,
}

/// How a resulting state relates to today's map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StateStatus {
    /// Same counties as today.
    Unchanged,
    /// An existing state that gained or lost counties.
    Changed,
    /// A state that does not exist today.
    New,
}

/// One state of the resulting map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResolvedState {
    pub name: String,
    pub abbr: String,
    pub status: StateStatus,
    /// The existing state this one continues (for unchanged and changed states).
    pub original: Option<StateId>,
    /// Existing states that contributed counties.
    pub parents: Vec<StateId>,
    pub counties: Vec<CountyId>,
    /// False for states that secede.
    pub in_union: bool,
    /// True only for the District of Columbia, unchanged.
    pub is_district: bool,
    /// Figures of a state admitted without counties (`[[admit]]` of a territory or of a state
    /// the user describes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admitted: Option<AdmittedFigures>,
}

/// The figures of an admitted state that has no counties in the data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdmittedFigures {
    /// The territory's abbreviation when it is one of the staged territories.
    pub territory: Option<String>,
    /// Resident population by census (2010, 2020).
    pub population: [u64; 2],
    pub land_m2: Option<u64>,
    /// Votes by [`crate::ElectionYear`] index; `None` where none were given.
    pub votes: [Option<crate::Votes>; crate::dataset::N_ELECTIONS],
    pub lean: Option<crate::evaluate::Party>,
    pub irs_collections_usd: Option<f64>,
    pub gdp_usd: Option<f64>,
}

/// A named bloc in the resolved map (indices into [`ResolvedScenario::states`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResolvedBloc {
    pub name: String,
    pub members: Vec<usize>,
}

/// A scenario applied to the dataset: every county's resulting state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResolvedScenario {
    pub name: String,
    pub title: String,
    /// The scenario file's `description` and `source`, carried into reports.
    pub description: Option<String>,
    pub source: Option<String>,
    pub states: Vec<ResolvedState>,
    /// Index into `states` for each county (by [`CountyId`]).
    pub county_state: Vec<u16>,
    pub seceded: Vec<ResolvedBloc>,
    pub coalitions: Vec<ResolvedBloc>,
    /// Non-fatal findings (e.g. a non-contiguous new state).
    pub warnings: Vec<String>,
}

impl ResolvedScenario {
    /// Today's map: every state unchanged.
    pub fn baseline(ds: &Dataset) -> ResolvedScenario {
        let states = ds
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| ResolvedState {
                name: s.name.clone(),
                abbr: s.abbr.clone(),
                status: StateStatus::Unchanged,
                original: Some(i),
                parents: vec![i],
                counties: s.counties.clone(),
                in_union: true,
                is_district: s.is_district(),
                admitted: None,
            })
            .collect();
        ResolvedScenario {
            name: "baseline".into(),
            title: "Today's map".into(),
            description: None,
            source: None,
            states,
            county_state: ds.counties.iter().map(|c| c.state as u16).collect(),
            seceded: Vec::new(),
            coalitions: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The resulting state of a county, by FIPS code.
    pub fn county_state(&self, ds: &Dataset, fips: &str) -> Option<&ResolvedState> {
        ds.county_by_fips(fips).map(|c| &self.states[self.county_state[c as usize] as usize])
    }

    /// `(county FIPS, resulting state name)` for every county.
    pub fn assignments<'a>(&'a self, ds: &'a Dataset) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        ds.counties
            .iter()
            .zip(&self.county_state)
            .map(move |(c, &s)| (c.fips.as_str(), self.states[s as usize].name.as_str()))
    }

    /// Index of a resulting state by name or abbreviation (case-insensitive).
    pub fn state_index(&self, name: &str) -> Option<usize> {
        let n = name.trim();
        self.states.iter().position(|s| s.name.eq_ignore_ascii_case(n) || s.abbr.eq_ignore_ascii_case(n))
    }
}

struct Resolver<'a> {
    ds: &'a Dataset,
    source: Option<(&'a str, &'a str)>,
}

impl Resolver<'_> {
    fn err(&self, span: Option<std::ops::Range<usize>>, message: String) -> ScenarioError {
        let (file, line) = match (self.source, span) {
            (Some((text, file)), Some(sp)) if sp.end > 0 => {
                (Some(file.to_string()), Some(text[..sp.start.min(text.len())].matches('\n').count() + 1))
            }
            (Some((_, file)), _) => (Some(file.to_string()), None),
            _ => (None, None),
        };
        ScenarioError::Invalid { file, line, message }
    }

    fn state(&self, n: &Name, what: &str) -> Result<StateId, ScenarioError> {
        self.ds.state_by_name(n.get_ref()).ok_or_else(|| {
            self.err(
                Some(n.span()),
                format!(
                    "{what}: unknown state `{}` ({})",
                    n.get_ref(),
                    self.ds.unknown_state_hint(n.get_ref())
                ),
            )
        })
    }

    fn county(&self, st: StateId, n: &Name, what: &str) -> Result<CountyId, ScenarioError> {
        self.ds
            .find_county(st, n.get_ref())
            .map_err(|e: CountyLookupError| self.err(Some(n.span()), format!("{what}: {e}")))
    }

    fn resolve(&self, sc: &Scenario, opts: &ResolveOptions) -> Result<ResolvedScenario, ScenarioError> {
        let ds = self.ds;
        let mut out = ResolvedScenario::baseline(ds);
        out.name = sc.name.clone();
        out.title = sc.title.clone().unwrap_or_else(|| sc.name.clone());
        out.description = sc.description.clone();
        out.source = sc.source.clone();
        // Where each county was named, to report double assignments.
        let mut named: HashMap<CountyId, String> = HashMap::new();
        let mut claim =
            |c: CountyId, ctx: String, span: std::ops::Range<usize>| -> Result<(), ScenarioError> {
                if let Some(prev) = named.get(&c) {
                    return Err(self.err(
                        Some(span),
                        format!(
                            "{} ({}) is assigned twice: in {prev} and in {ctx}",
                            ds.counties[c as usize].name, ds.states[ds.counties[c as usize].state].abbr
                        ),
                    ));
                }
                named.insert(c, ctx);
                Ok(())
            };
        let new_index = |out: &mut ResolvedScenario,
                         nm: &Name,
                         abbr: &Option<String>,
                         keep: Option<StateId>| {
            if let Some(orig) = keep {
                return Ok(orig);
            }
            let clash = out.states.iter().any(|s| {
                (s.name.eq_ignore_ascii_case(nm.get_ref()) || s.abbr.eq_ignore_ascii_case(nm.get_ref()))
                    && (!s.counties.is_empty() || s.status == StateStatus::New)
            });
            if nm.get_ref().trim().is_empty() {
                return Err(self.err(Some(nm.span()), "a new state needs a name (it is blank)".to_string()));
            }
            if clash {
                return Err(self.err(
                    Some(nm.span()),
                    format!("duplicate state name `{}`: every new state needs a distinct name", nm.get_ref()),
                ));
            }
            let ab = match abbr {
                Some(a) => {
                    // A postal-style code: it labels table rows and names the state in
                    // `[[move]]`, `[[secede]]` and `[[coalition]]` lists.
                    if a.is_empty() || a.len() > 5 || !a.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(self.err(
                            Some(nm.span()),
                            format!(
                                "abbr `{a}` of `{}`: expected 1 to 5 letters or digits (e.g. \"SOC\")",
                                nm.get_ref()
                            ),
                        ));
                    }
                    if out.states.iter().any(|s| s.abbr.eq_ignore_ascii_case(a)) {
                        return Err(self.err(Some(nm.span()), format!("abbreviation `{a}` is already used")));
                    }
                    a.clone()
                }
                None => make_abbr(nm.get_ref(), &out.states),
            };
            out.states.push(ResolvedState {
                name: nm.get_ref().trim().to_string(),
                abbr: ab,
                status: StateStatus::New,
                original: None,
                parents: Vec::new(),
                counties: Vec::new(),
                in_union: true,
                is_district: false,
                admitted: None,
            });
            Ok(out.states.len() - 1)
        };

        // ---- splits
        let mut split_done: Vec<StateId> = Vec::new();
        for (si, sp) in sc.split.iter().enumerate() {
            let parent = self.state(&sp.state, &format!("split[{si}].state"))?;
            if split_done.contains(&parent) {
                return Err(
                    self.err(Some(sp.state.span()), format!("{} is split twice", ds.states[parent].name))
                );
            }
            split_done.push(parent);
            if sp.part.len() < 2 {
                return Err(
                    self.err(Some(sp.state.span()), format!("split[{si}]: a split needs at least two parts"))
                );
            }
            if sp.part.iter().filter(|p| p.rest).count() > 1 {
                return Err(
                    self.err(Some(sp.state.span()), format!("split[{si}]: only one part may take the rest"))
                );
            }
            let pst = &ds.states[parent];
            let mut targets = Vec::new();
            for (pi, part) in sp.part.iter().enumerate() {
                let keep = (part.name.get_ref().eq_ignore_ascii_case(&pst.name)
                    || part.name.get_ref().eq_ignore_ascii_case(&pst.abbr))
                .then_some(parent);
                if keep.is_some() && targets.contains(&parent) {
                    return Err(self.err(
                        Some(part.name.span()),
                        format!("duplicate part name `{}`", part.name.get_ref()),
                    ));
                }
                let t = new_index(&mut out, &part.name, &part.abbr, keep)?;
                targets.push(t);
                if part.counties.is_empty() && !part.rest {
                    return Err(self.err(
                        Some(part.name.span()),
                        format!(
                            "split[{si}].part[{pi}] `{}` is empty: list its counties or set rest = true",
                            part.name.get_ref()
                        ),
                    ));
                }
            }
            // Parent counties start unassigned; parts claim them.
            let mut assigned: HashMap<CountyId, usize> = HashMap::new();
            for (pi, part) in sp.part.iter().enumerate() {
                for n in &part.counties {
                    let c =
                        self.county(parent, n, &format!("split[{si}].part[{pi}] `{}`", part.name.get_ref()))?;
                    claim(c, format!("part `{}`", part.name.get_ref()), n.span())?;
                    assigned.insert(c, targets[pi]);
                }
            }
            let rest = sp.part.iter().position(|p| p.rest).map(|i| targets[i]);
            let mut left_out = Vec::new();
            for &c in &pst.counties {
                match (assigned.get(&c), rest) {
                    (Some(&t), _) => out.county_state[c as usize] = t as u16,
                    (None, Some(t)) => out.county_state[c as usize] = t as u16,
                    (None, None) => left_out.push(ds.counties[c as usize].name.clone()),
                }
            }
            if !left_out.is_empty() {
                return Err(self.err(
                    Some(sp.state.span()),
                    format!(
                        "split of {}: {} count{} left out of every part: {} (add them to a part or give one part rest = true)",
                        pst.name,
                        left_out.len(),
                        if left_out.len() == 1 { "y is" } else { "ies are" },
                        left_out.join(", ")
                    ),
                ));
            }
            if rest.is_some() && pst.counties.iter().all(|c| assigned.contains_key(c)) {
                let p = sp.part.iter().find(|p| p.rest).expect("rest");
                return Err(self.err(
                    Some(p.name.span()),
                    format!("part `{}` is empty: every county is listed elsewhere", p.name.get_ref()),
                ));
            }
        }
        // ---- new states
        let mut merged: Vec<StateId> = Vec::new();
        for (ni, ns) in sc.new_state.iter().enumerate() {
            let t = new_index(&mut out, &ns.name, &ns.abbr, None)?;
            let mut count = 0;
            for st_name in &ns.states {
                let st = self.state(st_name, &format!("new_state[{ni}].states"))?;
                for &c in &ds.states[st].counties {
                    claim(c, format!("new state `{}`", ns.name.get_ref()), st_name.span())?;
                    out.county_state[c as usize] = t as u16;
                    count += 1;
                }
                merged.push(st);
            }
            for (st_name, list) in &ns.counties {
                let st = self.state(st_name, &format!("new_state[{ni}].counties"))?;
                for n in list {
                    let c = self.county(st, n, &format!("new_state[{ni}] `{}`", ns.name.get_ref()))?;
                    claim(c, format!("new state `{}`", ns.name.get_ref()), n.span())?;
                    out.county_state[c as usize] = t as u16;
                    count += 1;
                }
            }
            if count == 0 {
                return Err(self.err(
                    Some(ns.name.span()),
                    format!("new state `{}` has no counties", ns.name.get_ref()),
                ));
            }
        }
        // ---- merges
        for (gi, mg) in sc.merge.iter().enumerate() {
            if mg.states.len() < 2 {
                return Err(self.err(
                    mg.states.first().map(|n| n.span()),
                    format!("merge[{gi}]: a merge needs at least two states"),
                ));
            }
            let mut members = Vec::new();
            for n in &mg.states {
                let st = self.state(n, &format!("merge[{gi}].states"))?;
                if members.contains(&st) {
                    return Err(
                        self.err(Some(n.span()), format!("merge[{gi}]: `{}` is listed twice", n.get_ref()))
                    );
                }
                members.push(st);
            }
            let default_name = {
                let names: Vec<&str> = members.iter().map(|&m| ds.states[m].name.as_str()).collect();
                match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                    _ => names.join(""),
                }
            };
            let nm =
                mg.name.clone().unwrap_or_else(|| Spanned::new(mg.states[0].span(), default_name.clone()));
            let t = new_index(&mut out, &nm, &mg.abbr, None)?;
            for (&st, n) in members.iter().zip(&mg.states) {
                for &c in &ds.states[st].counties {
                    claim(c, format!("merge `{}`", nm.get_ref()), n.span())?;
                    out.county_state[c as usize] = t as u16;
                }
                merged.push(st);
            }
        }
        // ---- moves
        for (mi, mv) in sc.moves.iter().enumerate() {
            let t = out.state_index(mv.to.get_ref()).ok_or_else(|| {
                self.err(
                    Some(mv.to.span()),
                    format!(
                        "move[{mi}].to: unknown state `{}` ({}); a move goes to a state of today or one created by [[split]] or [[new_state]]",
                        mv.to.get_ref(),
                        result_state_hint(ds, &out, mv.to.get_ref())
                    ),
                )
            })?;
            for (st_name, list) in &mv.counties {
                let st = self.state(st_name, &format!("move[{mi}].counties"))?;
                for n in list {
                    let c = self.county(st, n, &format!("move[{mi}]"))?;
                    claim(c, format!("move to `{}`", mv.to.get_ref()), n.span())?;
                    out.county_state[c as usize] = t as u16;
                }
            }
        }
        // ---- rebuild county lists, statuses; drop states left empty
        for s in out.states.iter_mut() {
            s.counties.clear();
            s.parents.clear();
        }
        for (c, &s) in out.county_state.iter().enumerate() {
            out.states[s as usize].counties.push(c as CountyId);
        }
        for s in out.states.iter_mut() {
            let mut parents: Vec<StateId> =
                s.counties.iter().map(|&c| ds.counties[c as usize].state).collect();
            parents.dedup();
            parents.sort_unstable();
            parents.dedup();
            s.parents = parents;
            if let Some(o) = s.original {
                s.status = if s.counties == ds.states[o].counties {
                    StateStatus::Unchanged
                } else {
                    StateStatus::Changed
                };
                s.is_district = ds.states[o].is_district() && s.status == StateStatus::Unchanged;
            }
        }
        if let Some(s) = out.states.iter().find(|s| s.status == StateStatus::New && s.counties.is_empty()) {
            return Err(self.err(None, format!("new state `{}` ends up with no counties", s.name)));
        }
        // A state that gives up every county by moves or new states ceases to exist; say so,
        // since it then appears in no scenario table (only among the parent states of today).
        // A split state is replaced by its parts on purpose and needs no warning.
        let split_states: Vec<StateId> =
            sc.split.iter().filter_map(|sp| ds.state_by_name(sp.state.get_ref())).collect();
        for s in out.states.iter().filter(|s| s.counties.is_empty()) {
            if let Some(o) = s.original.filter(|o| !split_states.contains(o) && !merged.contains(o)) {
                let lost = if ds.states[o].is_district() {
                    "its 3 electoral votes are gone"
                } else {
                    "its 2 senators and House seats are gone"
                };
                out.warnings.push(format!(
                    "{} gives up all its counties and no longer exists ({lost})",
                    ds.states[o].name
                ));
            }
        }
        let keep: Vec<bool> =
            out.states.iter().map(|s| !s.counties.is_empty() || s.admitted.is_some()).collect();
        let mut remap = vec![u16::MAX; out.states.len()];
        let mut k = 0u16;
        for (i, &kp) in keep.iter().enumerate() {
            if kp {
                remap[i] = k;
                k += 1;
            }
        }
        let mut i = 0;
        out.states.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        for s in out.county_state.iter_mut() {
            *s = remap[*s as usize];
        }
        // ---- admitted states
        for (ai, ad) in sc.admit.iter().enumerate() {
            self.admit(ai, ad, &mut out)?;
        }
        // ---- blocs
        let bloc = |b: &Bloc, what: &str, out: &ResolvedScenario| -> Result<ResolvedBloc, ScenarioError> {
            let mut members = Vec::new();
            for n in &b.states {
                let i = out.state_index(n.get_ref()).ok_or_else(|| {
                    self.err(
                        Some(n.span()),
                        format!(
                            "{what} `{}`: unknown state `{}` ({})",
                            b.name,
                            n.get_ref(),
                            result_state_hint(ds, out, n.get_ref())
                        ),
                    )
                })?;
                if members.contains(&i) {
                    return Err(self.err(
                        Some(n.span()),
                        format!("{what} `{}`: `{}` listed twice", b.name, n.get_ref()),
                    ));
                }
                members.push(i);
            }
            if members.is_empty() {
                return Err(self.err(None, format!("{what} `{}` has no states", b.name)));
            }
            Ok(ResolvedBloc { name: b.name.clone(), members })
        };
        for b in &sc.secede {
            let rb = bloc(b, "secede", &out)?;
            for &m in &rb.members {
                if !out.states[m].in_union {
                    return Err(self.err(None, format!("{} secedes twice", out.states[m].name)));
                }
                out.states[m].in_union = false;
            }
            out.seceded.push(rb);
        }
        for b in &sc.coalition {
            let rb = bloc(b, "coalition", &out)?;
            // A coalition is reported with its seats in the union; a seceded member would add
            // its people and money but none of its seats, a mixture that means nothing.
            if let Some(&m) = rb.members.iter().find(|&&m| !out.states[m].in_union) {
                return Err(self.err(
                    None,
                    format!(
                        "coalition `{}`: {} has seceded; a coalition groups states of the union (leave it out, or list it in the seceding bloc only)",
                        b.name, out.states[m].name
                    ),
                ));
            }
            out.coalitions.push(rb);
        }
        if out.states.iter().filter(|s| s.in_union && !s.is_district).count() == 0 {
            return Err(self.err(None, "no state is left in the union".into()));
        }
        // ---- contiguity of new and changed states
        for s in &out.states {
            if s.status == StateStatus::Unchanged {
                continue;
            }
            let pieces = pieces(ds, &out.county_state, &s.counties);
            if pieces.len() > 1 {
                let desc: Vec<String> = pieces
                    .iter()
                    .map(|p| {
                        let first = &ds.counties[p[0] as usize];
                        format!(
                            "{} count{} around {}",
                            p.len(),
                            if p.len() == 1 { "y" } else { "ies" },
                            first.name
                        )
                    })
                    .collect();
                let msg =
                    format!("{} is not contiguous: {} pieces ({})", s.name, pieces.len(), desc.join("; "));
                if opts.strict_contiguity {
                    return Err(self.err(None, msg));
                }
                out.warnings.push(msg);
            }
        }
        Ok(out)
    }
}

impl Resolver<'_> {
    /// `[[admit]]`: a territory, DC, or a state the user describes, joins the union.
    fn admit(&self, ai: usize, ad: &Admit, out: &mut ResolvedScenario) -> Result<(), ScenarioError> {
        let ds = self.ds;
        let what = format!("admit[{ai}]");
        let span = ad.territory.as_ref().or(ad.name.as_ref()).map(|n| n.span());
        let lean = match ad.lean.as_deref().map(str::trim) {
            None => None,
            Some(l) if l.eq_ignore_ascii_case("D") || l.eq_ignore_ascii_case("dem") => {
                Some(crate::evaluate::Party::Dem)
            }
            Some(l) if l.eq_ignore_ascii_case("R") || l.eq_ignore_ascii_case("rep") => {
                Some(crate::evaluate::Party::Rep)
            }
            Some(l) => {
                return Err(self.err(span, format!("{what}.lean: expected \"D\" or \"R\", found `{l}`")));
            }
        };
        let mut votes: [Option<crate::Votes>; crate::dataset::N_ELECTIONS] = Default::default();
        for (y, v) in &ad.votes {
            let ey =
                y.trim().parse::<u16>().ok().and_then(crate::ElectionYear::from_year).ok_or_else(|| {
                    self.err(
                        span.clone(),
                        format!(
                            "{what}.votes.{y}: not an election year in the data (expected one of {})",
                            crate::ElectionYear::ALL
                                .iter()
                                .map(|e| e.year().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            let total = v.total.unwrap_or(v.dem + v.rep);
            if total < v.dem + v.rep {
                return Err(self.err(
                    span.clone(),
                    format!("{what}.votes.{y}: total {total} is below dem + rep = {}", v.dem + v.rep),
                ));
            }
            votes[ey as usize] = Some(crate::Votes { dem: v.dem, rep: v.rep, total });
        }
        if let Some(p) = ad.population {
            if p == 0 {
                return Err(self.err(span, format!("{what}.population must be positive")));
            }
        }
        if let Some(l) = ad.land_sq_mi {
            if !(l.is_finite() && l > 0.0) {
                return Err(self.err(span, format!("{what}.land_sq_mi must be a positive number")));
            }
        }
        if let Some(g) = ad.gdp_usd {
            if !(g.is_finite() && g >= 0.0) {
                return Err(
                    self.err(span, format!("{what}.gdp_usd must be a non-negative number of dollars"))
                );
            }
        }
        let land =
            |staged: Option<u64>| ad.land_sq_mi.map(|l| (l * 2_589_988.110336).round() as u64).or(staged);
        let terr = ad.territory.as_ref().map(|t| t.get_ref().trim().to_string());
        if let Some(t) = terr
            .as_deref()
            .filter(|t| t.eq_ignore_ascii_case("DC") || t.eq_ignore_ascii_case("District of Columbia"))
        {
            // The District becomes a state: 2 senators and House seats by apportionment, and no
            // longer the 23rd Amendment's 3 electors.
            let i = out.states.iter().position(|s| s.is_district).ok_or_else(|| {
                self.err(
                    span.clone(),
                    format!("{what}: `{t}`: the District of Columbia is not unchanged in this map"),
                )
            })?;
            if ad.population.is_some()
                || ad.population_2010.is_some()
                || !ad.votes.is_empty()
                || ad.land_sq_mi.is_some()
            {
                return Err(self.err(
                    span,
                    format!("{what}: the District's population, land and votes come from its county data; give only name and abbr"),
                ));
            }
            let s = &mut out.states[i];
            s.is_district = false;
            s.status = StateStatus::Changed;
            if let Some(n) = &ad.name {
                s.name = n.get_ref().trim().to_string();
            }
            if let Some(a) = &ad.abbr {
                s.abbr = a.clone();
            }
            out.warnings.push(format!(
                "{} is admitted as a state: 2 senators and House seats by apportionment instead of the District's 3 electoral votes",
                out.states[i].name
            ));
            return Ok(());
        }
        let staged = match &terr {
            Some(t) => Some(crate::dataset::territory(t).and_then(|tt| ds.territories.iter().find(|x| x.abbr == tt.abbr)).ok_or_else(|| {
                let hint = if ds.state_by_name(t).is_some() {
                    format!("`{t}` is a state already")
                } else {
                    "expected PR, GU, VI, AS, MP or DC; for another place give `name` and `population` instead".to_string()
                };
                self.err(span.clone(), format!("{what}.territory: unknown territory `{t}` ({hint})"))
            })?),
            None => None,
        };
        let name = match (&ad.name, staged) {
            (Some(n), _) => n.clone(),
            (None, Some(t)) => Spanned::new(span.clone().unwrap_or(0..0), t.name.clone()),
            (None, None) => {
                return Err(self.err(
                    span,
                    format!("{what}: give `territory` (PR, GU, VI, AS, MP, DC) or a `name` and `population`"),
                ));
            }
        };
        let p20 = ad.population.or(staged.map(|t| t.resident[1])).ok_or_else(|| {
            self.err(
                Some(name.span()),
                format!("{what} `{}`: `population` (2020 census) is required", name.get_ref()),
            )
        })?;
        let p10 = match (ad.population_2010, staged, ad.population) {
            (Some(p), _, _) => p,
            (None, Some(t), None) => t.resident[0],
            _ => {
                out.warnings.push(format!(
                    "{}: no 2010 population given (population_2010); the 2020 figure is used for the 2010 census",
                    name.get_ref()
                ));
                p20
            }
        };
        if out.states.iter().any(|s| s.name.eq_ignore_ascii_case(name.get_ref().trim())) {
            return Err(self.err(Some(name.span()), format!("duplicate state name `{}`", name.get_ref())));
        }
        let abbr = match (&ad.abbr, staged) {
            (Some(a), _) => {
                if a.is_empty() || a.len() > 5 || !a.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(self.err(
                        Some(name.span()),
                        format!("{what}.abbr `{a}`: expected 1 to 5 letters or digits"),
                    ));
                }
                a.clone()
            }
            (None, Some(t)) => t.abbr.clone(),
            (None, None) => make_abbr(name.get_ref(), &out.states),
        };
        if out.states.iter().any(|s| s.abbr.eq_ignore_ascii_case(&abbr)) {
            return Err(self.err(Some(name.span()), format!("abbreviation `{abbr}` is already used")));
        }
        let missing: Vec<String> = crate::ElectionYear::ALL
            .iter()
            .filter(|e| votes[**e as usize].is_none())
            .map(|e| e.year().to_string())
            .collect();
        if !missing.is_empty() {
            out.warnings.push(format!(
                "{} has no presidential votes for {} ({}); {}",
                name.get_ref(),
                missing.join(", "),
                if staged.is_some() { "territories do not vote for president" } else { "none were given" },
                match lean {
                    Some(p) => format!(
                        "its electors and senators are assumed to go to the {} (lean = \"{}\")",
                        if p == crate::evaluate::Party::Dem { "Democrat" } else { "Republican" },
                        p.letter()
                    ),
                    None =>
                        "its electors are shown as not voting (give lean = \"D\" or \"R\" to assume a winner)"
                            .to_string(),
                }
            ));
        }
        out.states.push(ResolvedState {
            name: name.get_ref().trim().to_string(),
            abbr,
            status: StateStatus::New,
            original: None,
            parents: Vec::new(),
            counties: Vec::new(),
            in_union: true,
            is_district: false,
            admitted: Some(AdmittedFigures {
                territory: staged.map(|t| t.abbr.clone()),
                population: [p10, p20],
                land_m2: land(staged.and_then(|t| t.land_m2)),
                votes,
                lean,
                irs_collections_usd: staged
                    .and_then(|t| t.irs_collections_kusd_2023)
                    .map(|k| k as f64 * 1000.0),
                gdp_usd: ad.gdp_usd,
            }),
        });
        Ok(())
    }
}

/// Why a name matches no state of a (partly) resolved map: a territory is named as one, a near
/// miss gets the closest resulting states.
fn result_state_hint(ds: &Dataset, out: &ResolvedScenario, q: &str) -> String {
    if crate::dataset::territory(q).is_some() {
        return ds.unknown_state_hint(q);
    }
    let cands: Vec<(String, String, String)> = out
        .states
        .iter()
        .filter(|s| !s.counties.is_empty() || s.status == StateStatus::New)
        .map(|s| (s.name.clone(), s.abbr.clone(), s.name.clone()))
        .collect();
    let best = crate::dataset::near_misses(q, &cands);
    if best.is_empty() {
        "no state of the map has that name or abbreviation".into()
    } else {
        format!("did you mean {}?", best.join(" or "))
    }
}

/// Connected pieces of a set of counties, ignoring counties that have no neighbour at all
/// (Hawaii's single-county islands), which can never be contiguous with anything.
fn pieces(ds: &Dataset, county_state: &[u16], counties: &[CountyId]) -> Vec<Vec<CountyId>> {
    let Some(&c0) = counties.first() else { return Vec::new() };
    let target = county_state[c0 as usize];
    let mut seen: HashMap<CountyId, bool> = HashMap::new();
    let mut out = Vec::new();
    for &c in counties {
        if seen.contains_key(&c) || ds.adjacency.neighbors(c).is_empty() {
            continue;
        }
        let mut comp = vec![c];
        seen.insert(c, true);
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &y in ds.adjacency.neighbors(x) {
                if county_state[y as usize] == target && !seen.contains_key(&y) {
                    seen.insert(y, true);
                    comp.push(y);
                    stack.push(y);
                }
            }
        }
        out.push(comp);
    }
    out
}

/// An abbreviation for a new state: its initials, else its first letters, made unique.
fn make_abbr(name: &str, states: &[ResolvedState]) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let initials: String = words.iter().filter_map(|w| w.chars().next()).collect::<String>().to_uppercase();
    let letters: String = name.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_uppercase();
    let mut cands = vec![initials.clone()];
    if words.len() == 1 {
        cands.insert(0, letters.chars().take(2).collect());
    }
    cands.push(letters.chars().take(3).collect());
    cands.push(letters.chars().take(4).collect());
    for n in 2..100 {
        cands.push(format!("{initials}{n}"));
    }
    let used = |a: &str| states.iter().any(|s| s.abbr.eq_ignore_ascii_case(a));
    cands.into_iter().find(|a| a.len() >= 2 && !used(a)).unwrap_or_else(|| letters.clone())
}

/// A built-in preset: its identifier and scenario file text (a commented TOML example).
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub id: &'static str,
    pub toml: &'static str,
}

macro_rules! preset {
    ($id:literal) => {
        Preset {
            id: $id,
            toml: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/scenarios/", $id, ".toml")),
        }
    };
}

/// The built-in presets, from `../shared/reference/proposals.md`.
pub fn presets() -> &'static [Preset] {
    const P: &[Preset] = &[
        preset!("six-californias"),
        preset!("cal-3"),
        preset!("south-california"),
        preset!("jefferson-1941"),
        preset!("jefferson-expanded"),
        preset!("greater-idaho"),
        preset!("new-california"),
        preset!("west-coast-health-alliance"),
        preset!("west-coast-leaves"),
        preset!("texas-five"),
    ];
    P
}

/// A preset by identifier (case-insensitive).
pub fn preset(id: &str) -> Option<&'static Preset> {
    presets().iter().find(|p| p.id.eq_ignore_ascii_case(id.trim()))
}

impl Preset {
    /// The preset parsed (presets are valid by test).
    pub fn scenario(&self) -> Scenario {
        Scenario::from_toml(self.toml, &format!("preset {}", self.id)).expect("presets parse (tested)")
    }
    /// Resolves the preset against the dataset.
    pub fn resolve(&self, ds: &Dataset, opts: &ResolveOptions) -> Result<ResolvedScenario, ScenarioError> {
        let file = format!("preset {}", self.id);
        self.scenario().resolve(ds, opts, Some((self.toml, &file)))
    }
}
