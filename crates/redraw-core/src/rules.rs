//! Rules that a scenario can change besides state lines: how big the House is
//! ([`HouseRule`]) and how each state's electors are allocated ([`EcRule`]), with the facts
//! they need (the National Popular Vote Interstate Compact's members, Maine's and Nebraska's
//! published district electors).

use crate::dataset::ElectionYear;

/// How the size of the House is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseRule {
    /// A fixed number of seats (435 by law since 1911; `--house-size N`).
    #[default]
    Fixed,
    /// The Wyoming rule: one seat per as many people as the least populous state has, i.e.
    /// round(total apportionment population / smallest state's).
    Wyoming,
    /// The cube-root rule: round(total apportionment population ^ (1/3)).
    CubeRoot,
}

impl HouseRule {
    pub fn id(self) -> &'static str {
        match self {
            HouseRule::Fixed => "fixed",
            HouseRule::Wyoming => "wyoming",
            HouseRule::CubeRoot => "cube-root",
        }
    }

    /// The House size under this rule for the apportionment populations of the states that
    /// share the House (`fixed` is returned unchanged for [`HouseRule::Fixed`]).
    pub fn size(self, fixed: u32, populations: &[u64]) -> u32 {
        let total: f64 = populations.iter().map(|&p| p as f64).sum();
        match self {
            HouseRule::Fixed => fixed,
            HouseRule::Wyoming => match populations.iter().copied().filter(|&p| p > 0).min() {
                Some(min) => (total / min as f64).round().max(populations.len() as f64) as u32,
                None => fixed,
            },
            HouseRule::CubeRoot => total.cbrt().round().max(populations.len() as f64) as u32,
        }
    }

    pub fn describe(self, fixed: u32) -> String {
        match self {
            HouseRule::Fixed => format!("{fixed} seats"),
            HouseRule::Wyoming => "Wyoming rule (total population / smallest state's, rounded)".into(),
            HouseRule::CubeRoot => "cube-root rule (total population ^ 1/3, rounded)".into(),
        }
    }
}

/// How a state's electors are allocated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EcRule {
    /// Today's rule: the statewide plurality winner takes every elector; Maine and Nebraska
    /// cast their published district electors (when unchanged and casting the electors they
    /// actually cast).
    #[default]
    WinnerTakeAll,
    /// Each state's electors split in proportion to the two-party (D, R) vote, by largest
    /// remainders so that the state's electors add up.
    Proportional,
    /// Maine and Nebraska's method in every state: two electors to the statewide winner and
    /// one to the winner of each congressional district. Needs presidential results by
    /// district, which the data has only where they are published (Maine, Nebraska) or
    /// trivial (states with one district, and DC).
    CongressionalDistrict,
    /// The National Popular Vote Interstate Compact with its members of today: once members
    /// hold a majority of the electoral votes, their electors go to the national popular vote
    /// winner; until then every state keeps winner-take-all.
    Npvic,
}

impl EcRule {
    pub const ALL: [EcRule; 4] =
        [EcRule::WinnerTakeAll, EcRule::Proportional, EcRule::CongressionalDistrict, EcRule::Npvic];

    pub fn id(self) -> &'static str {
        match self {
            EcRule::WinnerTakeAll => "winner-take-all",
            EcRule::Proportional => "proportional",
            EcRule::CongressionalDistrict => "district",
            EcRule::Npvic => "npvic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EcRule::WinnerTakeAll => "Winner-take-all (today; ME, NE by district)",
            EcRule::Proportional => "Proportional to the two-party vote",
            EcRule::CongressionalDistrict => "Congressional district (ME/NE method everywhere)",
            EcRule::Npvic => "National Popular Vote compact (current members)",
        }
    }

    /// A label short enough for a table column.
    pub fn short_label(self) -> &'static str {
        match self {
            EcRule::WinnerTakeAll => "Winner-take-all",
            EcRule::Proportional => "Proportional",
            EcRule::CongressionalDistrict => "District (ME/NE)",
            EcRule::Npvic => "NPV compact",
        }
    }

    /// Parses an identifier (case-insensitive; `wta`, `cd`, `npv` accepted).
    pub fn parse(s: &str) -> Option<EcRule> {
        let s = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match s.as_str() {
            "winner-take-all" | "wta" | "today" => EcRule::WinnerTakeAll,
            "proportional" | "prop" => EcRule::Proportional,
            "district" | "congressional-district" | "cd" | "maine-nebraska" => EcRule::CongressionalDistrict,
            "npvic" | "npv" | "national-popular-vote" => EcRule::Npvic,
            _ => return None,
        })
    }

    /// The rule in one sentence, for reports.
    pub fn rule_text(self) -> &'static str {
        match self {
            EcRule::WinnerTakeAll => "Winner-take-all: the statewide plurality winner (of D and R) takes every elector; Maine and Nebraska cast their published district electors when unchanged and casting the electors they actually cast.",
            EcRule::Proportional => "Proportional: each state's electors are split between D and R in proportion to their share of the two-party vote, by largest remainders (third parties get none); DC's 3 likewise.",
            EcRule::CongressionalDistrict => "Congressional district: 2 electors to the statewide winner and 1 per district to the district winner. Presidential results by congressional district are not in the data (county results cannot be cut along district lines), so the rule is available only for Maine and Nebraska (published results), states with a single district, and DC; the national total is unavailable.",
            EcRule::Npvic => "National Popular Vote compact: the members of today (17 states and DC: CA, CO, CT, DE, DC, HI, IL, ME, MD, MA, MN, NJ, NM, NY, OR, RI, VT, WA) give their electors to the national popular vote winner once they hold a majority of all electoral votes; below that, winner-take-all. A state drawn from members' counties only is a member; admitted territories are not.",
        }
    }
}

/// Members of the National Popular Vote Interstate Compact as enacted by 2024 (Maine's law of
/// April 2024 was the latest), 17 states and DC holding 209 electoral votes after the 2020
/// census. Source: the compact's status as published by National Popular Vote, Inc., and the
/// enacting statutes.
pub const NPVIC_MEMBERS: [&str; 18] = [
    "CA", "CO", "CT", "DE", "DC", "HI", "IL", "ME", "MD", "MA", "MN", "NJ", "NM", "NY", "OR", "RI", "VT",
    "WA",
];

/// Published Maine/Nebraska electoral votes `(dem, rep)` by year (certified results).
pub fn published_district_electors(abbr: &str, year: ElectionYear) -> Option<(u32, u32)> {
    match (abbr, year) {
        ("ME", ElectionYear::Y2012) => Some((4, 0)),
        ("ME", _) => Some((3, 1)),
        ("NE", ElectionYear::Y2012) | ("NE", ElectionYear::Y2016) => Some((0, 5)),
        ("NE", _) => Some((1, 4)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_size_rules() {
        // 2020: 331,108,434 apportionment population; Wyoming 577,719.
        let pops = [331_108_434 - 577_719, 577_719];
        assert_eq!(HouseRule::Wyoming.size(435, &pops), 573);
        assert_eq!(HouseRule::CubeRoot.size(435, &pops), 692);
        assert_eq!(HouseRule::Fixed.size(435, &pops), 435);
    }

    #[test]
    fn rules_parse() {
        for r in EcRule::ALL {
            assert_eq!(EcRule::parse(r.id()), Some(r));
        }
        assert_eq!(EcRule::parse("NPV"), Some(EcRule::Npvic));
        assert_eq!(EcRule::parse("banzhaf"), None);
    }
}
