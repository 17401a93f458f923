//! The definitions section of every report: what each figure is, its sign convention, how ties
//! count, whether it can make a plan an "outlier", and where it comes from. The text is the
//! contract of `redraw_metrics` (each function's docs cite the same sources) and is tested
//! against the metrics' behaviour where a sentence makes a checkable claim. Each metric's
//! citation is its original source; `docs/metrics.md` is the audit behind them (the author's
//! formula, redraw's, every difference and tie convention against GerryChain and
//! redistmetrics, and the test in `redraw-metrics/tests/original_definitions.rs` that pins it).

use serde::Serialize;

use crate::judge::Judgement;

/// One definition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Definition {
    /// The metric key it defines (as in the judgement), or a concept (`percentile`, `ties`).
    pub key: String,
    pub name: String,
    pub definition: String,
    /// Sign convention; empty when the figure has no partisan direction.
    pub sign: String,
    /// How tied districts count.
    pub ties: String,
    /// Whether an extreme value can be called an "outlier" in the verdicts.
    pub outlier_language: bool,
    pub citation: String,
}

struct Def {
    key: &'static str,
    name: &'static str,
    definition: &'static str,
    sign: &'static str,
    ties: &'static str,
    outlier: bool,
    citation: &'static str,
}

const POS_D: &str =
    "Positive favours Democrats, negative favours Republicans (redraw's convention for every signed metric).";
const NO_TIE: &str = "A tied district is won by neither party.";

const DEFS: &[Def] = &[
    Def {
        key: "percentile",
        name: "Percentile and verdict",
        definition: "The plan's mid-rank percentile among the ensemble's plans: the share of neutral plans with a \
            strictly smaller value plus half the share with exactly the same value (50 = the median). Each verdict \
            states the percentile and its direction, e.g. \"more Democratic seats than 98.5% of neutral plans\". \
            Bands: typical inside the middle 80% (percentile between 10 and 90); then outside the middle 80%, 95% \
            and 99%.",
        sign: "",
        ties: "Plans with exactly the plan's value count half (mid-rank).",
        outlier: false,
        citation: "On comparing an enacted plan with an ensemble of neutral plans: Herschlag, Kang, Luo, Graves, \
            Bangia, Ravier and Mattingly (2020), \"Quantifying Gerrymandering in North Carolina\", Statistics and \
            Public Policy 7(1); DeFord, Duchin and Solomon (2021).",
    },
    Def {
        key: "outlier",
        name: "Outlier",
        definition: "Only partisan metrics (those computed from election results: seats, efficiency gap, \
            mean-median, partisan bias and its statewide variant, declination, partisan Gini, responsiveness) can \
            make a plan an \"outlier\": \
            outside the middle 95% of the neutral ensemble, or an \"extreme outlier\" outside the middle 99%. Cut \
            edges, split counties, population deviation, compactness and the minority-population counts are \
            described only as typical or as outside the middle 80/95/99% of neutral plans, because an unusual \
            value of those (a more compact plan, fewer split counties) is not evidence of partisan intent.",
        sign: "",
        ties: "",
        outlier: false,
        citation: "",
    },
    Def {
        key: "ties",
        name: "Tied districts",
        definition: "A district is won by the party with strictly more votes; a district with exactly equal Democratic \
            and Republican votes is won by neither party. This is the rule of the ensemble's stats.csv \
            (NAME_dem_seats), and every metric below follows it, for the plan and for every neutral plan. Peers \
            differ: GerryChain uses the same rule for seats and the partisan bias but gives a tied district to the \
            second party listed in its efficiency gap; redistmetrics gives a tie to the Democrat in its seat counts \
            and declination and to the Republican in its efficiency gap; Warrington's declination code gives it to \
            the Republican. Each metric's entry says where this matters.",
        sign: "",
        ties: NO_TIE,
        outlier: false,
        citation: "docs/run-format.md (stats.csv).",
    },
    Def {
        key: "dem_seats",
        name: "Democratic seats",
        definition: "Districts where the Democratic candidate(s) of the election have strictly more votes than the \
            Republican ones, the votes of the plan's units summed by district.",
        sign: "More seats favour Democrats.",
        ties: "A tied district is won by neither party (as in GerryChain); redistmetrics' part_dseats counts it as \
            a Democratic seat.",
        outlier: true,
        citation: "The plurality rule of single-member districts; docs/run-format.md (stats.csv NAME_dem_seats).",
    },
    Def {
        key: "efficiency_gap",
        name: "Efficiency gap",
        definition: "(Republican wasted votes − Democratic wasted votes) / all two-party votes. The loser of a district \
            wastes all its votes; the winner wastes its votes beyond half of the district's two-party votes \
            (Stephanopoulos and McGhee's wasted votes). Computed from wasted votes district by district, not from \
            the simplified form (seat margin − 2 × vote margin), which equals it only when every district has the \
            same turnout. redistmetrics' part_egap counts floor(total/2) + 1 votes as needed to win, a difference \
            of at most one vote per district.",
        sign: "Positive favours Democrats (Republicans waste more). Stephanopoulos and McGhee write the opposite \
            sign (a positive gap disadvantages Democrats); redraw negates it. GerryChain's efficiency_gap equals \
            redraw's with the Democratic party listed first; redistmetrics' part_egap is the negation.",
        ties: "A tie has no winner: each party wastes half its votes there (the average of the two ways of breaking \
            the tie), so the district adds nothing to the gap. The authors give no rule; GerryChain gives the tie to \
            the second party listed (the Republican when Democrats are listed first) and redistmetrics to the \
            Republican, so each of them moves the gap by about half the tied votes over all votes.",
        outlier: true,
        citation: "Stephanopoulos and McGhee (2015), \"Partisan Gerrymandering and the Efficiency Gap\", 82 University \
            of Chicago Law Review 831.",
    },
    Def {
        key: "mean_median",
        name: "Mean-median difference",
        definition: "The median district's Democratic share of the two-party vote minus the mean of the district shares \
            (unweighted, as the authors define it: the statewide vote-weighted share is not used; the median of an \
            even number of districts is the mean of the middle two).",
        sign: "Positive favours Democrats. McDonald and Best and Wang write mean − median, positive when the party \
            is disadvantaged; redraw reports median − mean of the Democratic shares, which is GerryChain's \
            mean_median (Democrats first) and the negation of redistmetrics' part_mean_median.",
        ties: "Not affected by ties (no district has to be won), here, in GerryChain and in redistmetrics.",
        outlier: true,
        citation: "McDonald and Best (2015), \"Unfair Partisan Gerrymanders in Politics and Law: A Diagnostic Applied \
            to Six Cases\", Election Law Journal 14(4); Wang (2016), \"Three Tests for Practical Evaluation of Partisan \
            Gerrymandering\", 68 Stanford Law Review 1263.",
    },
    Def {
        key: "partisan_bias",
        name: "Partisan bias (Gelman-King)",
        definition: "Shift every district's Democratic share by the same amount (uniform partisan swing) until the \
            average district vote (the unweighted mean of the district shares, the authors' horizontal axis) is \
            exactly 50%; the bias is the Democratic share of seats then, minus one half: the share of districts \
            whose Democratic share is above the mean district share, minus one half. This is GerryChain's \
            partisan_bias. Earlier redraw reports swung the statewide vote-weighted share instead, now \
            statewide_bias.",
        sign: "Positive favours Democrats (as in GerryChain with Democrats listed first); redistmetrics' part_bias \
            is the negation.",
        ties: "A district exactly at 50% after the swing (at the mean district share) is won by neither party, as in \
            GerryChain and redistmetrics (both need a share strictly above one half).",
        outlier: true,
        citation: "Gelman and King (1994), \"A Unified Method of Evaluating Electoral Systems and Redistricting Plans\", \
            American Journal of Political Science 38(2); Grofman and King (2007), \"The Future of Partisan Symmetry \
            as a Judicial Test for Partisan Gerrymandering after LULAC v. Perry\", Election Law Journal 6(1); Katz, \
            King and Rosenblatt (2020), \"Theoretical Foundations and Empirical Evaluations of Partisan Fairness in \
            District-Based Democracies\", APSR 114(1).",
    },
    Def {
        key: "statewide_bias",
        name: "Seats bias at 50% statewide vote",
        definition: "A variant of the partisan bias: the uniform swing moves the statewide (vote-weighted) Democratic \
            share, rather than the average district share, to exactly 50%; the bias is the Democratic share of seats \
            then, minus one half. It equals the partisan bias when every district has the same turnout and differs \
            when turnout differs. Neither GerryChain nor redistmetrics computes it.",
        sign: POS_D,
        ties: "A district exactly at 50% after the swing is won by neither party.",
        outlier: true,
        citation: "The \"simple bias\" at a 50% statewide vote reviewed by Nagle (2015), \"Measures of Partisan Bias for \
            Legislating Fair Elections\", Election Law Journal 14(4); the partisan bias of Gelman and King (1994) \
            with the statewide vote in place of the average district vote.",
    },
    Def {
        key: "declination",
        name: "Declination (Warrington)",
        definition: "Sort districts by Democratic share. θ_R = atan((1 − 2ȳ_R)/(r/N)) and θ_D = atan((2ȳ_D − 1)/(d/N)), \
            where ȳ_R, ȳ_D are the mean Democratic shares of the r Republican-won and d Democratic-won districts of N; \
            the declination is 2(θ_R − θ_D)/π, between −1 and 1. Undefined when one party wins every district. \
            redistmetrics' part_decl halves the tangent arguments and gives values 30–45% smaller in size; redraw \
            reports Warrington's definition (tested against his published code).",
        sign: "Positive favours Democrats. Warrington's published sign is the opposite (positive favours \
            Republicans); redraw reports his value negated.",
        ties: "A tied district belongs to neither side and is left out (of N too). Warrington's code counts it as a \
            Republican win, redistmetrics as a Democratic one; GerryChain has no declination.",
        outlier: true,
        citation: "Warrington (2018), \"Quantifying Gerrymandering Using the Vote Distribution\", Election Law Journal \
            17(1), 39–57.",
    },
    Def {
        key: "partisan_gini",
        name: "Partisan Gini",
        definition: "The area between the uniform-swing seats-votes curve and its reflection through (50%, 50%): 0 for a \
            perfectly symmetric curve. The curve swings the statewide (vote-weighted) share, as GerryChain's \
            partisan_gini does; each of the curve's steps is 1/number of districts high.",
        sign: "Unsigned: it measures asymmetry, not which party gains.",
        ties: "Not affected by ties: the area does not depend on who wins a district exactly at a step. \
            redistmetrics has no partisan Gini.",
        outlier: true,
        citation: "Grofman (1983), \"Measures of Bias and Proportionality in Seats-Votes Relationships\", Political \
            Methodology 9; Definition 1 of DeFord, Dhamankar, Duchin et al., \"Implementing Partisan Symmetry: Problems \
            and Paradoxes\", Political Analysis (online 2 December 2021), arXiv:2008.06930 (GerryChain's \
            partisan_gini).",
    },
    Def {
        key: "responsiveness",
        name: "Responsiveness",
        definition: "The slope of the uniform-swing seats-votes curve at the observed vote: every district's share is \
            moved half a point up and half a point down, and the change in Democratic seat share is divided by the \
            one-point window. redistmetrics' part_resp evaluates the same quotient around a chosen average district \
            vote, 50% by default, so its default is a different point of the curve; GerryChain has no \
            responsiveness.",
        sign: "Unsigned: higher means more seats change hands for a small swing.",
        ties: "A district exactly at 50% after the swing is won by neither party (redistmetrics also needs a share \
            strictly above one half).",
        outlier: true,
        citation: "Tufte (1973), \"The Relationship between Seats and Votes in Two-Party Systems\", APSR 67(2) (the \
            swing ratio); as the slope of the seats-votes curve, Gelman and King (1994) and Katz, King and \
            Rosenblatt (2020).",
    },
    Def {
        key: "cut_edges",
        name: "Cut edges",
        definition: "Pairs of adjacent units (edges of the graph the ensemble was drawn on) whose units lie in different \
            districts. Fewer cut edges means shorter, simpler district borders on this graph.",
        sign: "",
        ties: "",
        outlier: false,
        citation: "DeFord, Duchin and Solomon (2021), \"Recombination: A Family of Markov Chains for Redistricting\", \
            Harvard Data Science Review 3(1).",
    },
    Def {
        key: "county_splits",
        name: "Split counties",
        definition: "Counties whose units lie in two or more districts (a county is the first five characters of a \
            unit's GEOID unless another column is given). This is redistmetrics' splits_admin; its splits_total \
            counts the pieces of split counties instead.",
        sign: "",
        ties: "",
        outlier: false,
        citation: "redistmetrics splits_admin (Kenny, McCartan, Fifield and Imai, redistmetrics R package).",
    },
    Def {
        key: "max_pop_deviation",
        name: "Population deviation",
        definition: "The largest |district population − ideal| / ideal over districts, where ideal = total population / \
            number of districts. The table also gives each district's signed deviation. (The \"overall range\" \
            courts also quote, (largest − smallest district) / ideal, is in the JSON as population.range.)",
        sign: "",
        ties: "",
        outlier: false,
        citation: "Wesberry v. Sanders, 376 U.S. 1 (1964); Karcher v. Daggett, 462 U.S. 725 (1983) (congressional \
            districts as nearly equal in population as practicable).",
    },
    Def {
        key: "mean_polsby_popper",
        name: "Polsby-Popper score",
        definition: "4π·area/perimeter² of a district (1 for a disc). Areas are equal-area on the authalic sphere \
            (each unit projected with a Lambert azimuthal equal-area projection centred on it), perimeters are \
            great-circle lengths; a district's perimeter is its units' perimeters minus twice the borders they share. \
            The mean and the minimum over districts are compared with the ensemble's.",
        sign: "",
        ties: "",
        outlier: false,
        citation: "Polsby and Popper (1991), \"The Third Criterion: Compactness as a Procedural Safeguard against \
            Partisan Gerrymandering\", Yale Law & Policy Review 9(2).",
    },
    Def {
        key: "reock",
        name: "Reock score",
        definition: "A district's area divided by the area of the smallest circle containing it (1 for a disc). On \
            the sphere the circle is the smallest spherical cap holding the district's vertices, found as the \
            minimum enclosing circle in a Lambert azimuthal equal-area projection re-centred on that circle until \
            it stops moving (there the cap is a disc of the same area). An independent computation with shapely \
            and pyproj (bench/compactness) agrees to 1e-6.",
        sign: "",
        ties: "",
        outlier: false,
        citation: "Reock (1961), \"A Note: Measuring Compactness as a Requirement of Legislative Apportionment\", \
            Midwest Journal of Political Science 5(1).",
    },
    Def {
        key: "representation",
        name: "Minority voting-age population",
        definition: "A group's share of a district's voting-age population (VAP): the group's VAP summed over the \
            district's units divided by the total VAP. \"Majority\" districts have a share strictly above 50%; the \
            \"40% or more\" count is a common screening level for districts where a group may be able to elect its \
            candidates. \"Majority-minority\" counts districts where everyone but non-Hispanic white residents \
            together exceed 50%. These are census counts, not findings under Section 2 of the Voting Rights Act, \
            which turn on racially polarised voting and the totality of circumstances. In the rdabase data the Black, \
            Asian and Native columns count people of that race alone or in combination, so groups overlap and \
            shares do not add up to 100%.",
        sign: "",
        ties: "A share of exactly 50% is not a majority; exactly 40% counts as 40% or more.",
        outlier: false,
        citation: "Thornburg v. Gingles, 478 U.S. 30 (1986); Bartlett v. Strickland, 556 U.S. 1 (2009) (a numerical \
            majority of the voting-age population).",
    },
    Def {
        key: "convergence",
        name: "Convergence diagnostics",
        definition: "Rank-normalised split R-hat and bulk and tail effective sample sizes of each diagnosed statistic \
            across chains. The ensemble is trusted when R-hat ≤ 1.01 and both effective sample sizes are at least \
            400; otherwise every percentile is provisional.",
        sign: "",
        ties: "",
        outlier: false,
        citation: "Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), \"Rank-Normalization, Folding, and \
            Localization: An Improved R-hat for Assessing Convergence of MCMC\", Bayesian Analysis 16(2).",
    },
];

fn def(d: &Def) -> Definition {
    Definition {
        key: d.key.into(),
        name: d.name.into(),
        definition: d.definition.into(),
        sign: d.sign.into(),
        ties: d.ties.into(),
        outlier_language: d.outlier,
        citation: d.citation.into(),
    }
}

/// Every definition redraw has, in report order.
pub fn all() -> Vec<Definition> {
    DEFS.iter().map(def).collect()
}

/// The definitions a judgement needs: the concepts, then the metrics it reports.
pub fn for_judgement(j: &Judgement) -> Vec<Definition> {
    let mut present: Vec<&str> = vec!["percentile", "outlier", "ties", "convergence"];
    for e in &j.elections {
        present.extend(e.metrics.iter().map(|m| m.metric.as_str()));
    }
    for m in &j.structure {
        present.push(match m.metric.as_str() {
            "split_counties" => "county_splits",
            "max_pop_dev" => "max_pop_deviation",
            "min_polsby_popper" => "mean_polsby_popper",
            other => other,
        });
    }
    present.push("max_pop_deviation");
    if j.compactness.is_some() {
        present.extend(["mean_polsby_popper", "reock"]);
    }
    if j.representation.is_some() {
        present.push("representation");
    }
    DEFS.iter().filter(|d| present.contains(&d.key)).map(def).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partisan_definition_allows_outlier_words_and_only_those() {
        for d in all() {
            let partisan = matches!(
                d.key.as_str(),
                "dem_seats"
                    | "efficiency_gap"
                    | "mean_median"
                    | "partisan_bias"
                    | "statewide_bias"
                    | "declination"
                    | "partisan_gini"
                    | "responsiveness"
            );
            assert_eq!(d.outlier_language, partisan, "{}", d.key);
        }
    }

    #[test]
    fn claims_match_the_metrics() {
        use redraw_metrics::ElectionResults;
        // "A tie has no winner … adds nothing to the gap", "won by neither party".
        let e = ElectionResults::new(vec![50.0, 70.0], vec![50.0, 30.0]).unwrap();
        let f = ElectionResults::new(vec![70.0], vec![30.0]).unwrap();
        assert_eq!(e.dem_seats(), 1.0);
        assert!((e.efficiency_gap() * 200.0 - f.efficiency_gap() * 100.0).abs() < 1e-12);
        // Declination sign: packing Democrats is negative (favours Republicans).
        let p = ElectionResults::new(vec![30.0, 30.0, 70.0], vec![70.0, 70.0, 30.0]).unwrap();
        assert!(p.declination().unwrap() < 0.0);
        let text = all().into_iter().find(|d| d.key == "declination").unwrap();
        assert!(text.sign.contains("Positive favours Democrats"));
        // "until the average district vote … is exactly 50%": unequal turnout separates the
        // partisan bias (mean district share 0.575: three of four districts above it) from the
        // statewide variant (statewide share 0.8: one of four).
        let u = ElectionResults::new(vec![900.0, 60.0, 60.0, 20.0], vec![100.0, 40.0, 40.0, 80.0]).unwrap();
        assert!((u.partisan_bias() - 0.25).abs() < 1e-12 && (u.statewide_bias() + 0.25).abs() < 1e-12);
        let bias = all().into_iter().find(|d| d.key == "partisan_bias").unwrap();
        assert!(
            bias.definition.contains("average district vote") && bias.citation.contains("Gelman and King")
        );
        // Every partisan metric states its tie rule and cites a source.
        for d in all().into_iter().filter(|d| d.outlier_language) {
            assert!(!d.ties.is_empty() && !d.citation.is_empty(), "{}", d.key);
        }
    }
}
