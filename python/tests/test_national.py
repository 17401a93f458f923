"""New state lines from Python equal the command line's JSON, number for number."""

import pytest

import redraw
from conftest import cli_error, cli_json


@pytest.mark.parametrize(
    "preset,options,flags",
    [
        ("six-californias", {}, []),
        ("cal-3", {"method": "webster", "house_size": 600}, ["--method", "webster", "--house-size", "600"]),
        ("greater-idaho", {"census": 2010, "election_years": [2020]}, ["--census", "2010", "--election-year", "2020"]),
        ("west-coast-leaves", {}, []),
    ],
)
def test_scenario_equals_cli_json(cli, preset, options, flags):
    py = redraw.scenario(preset, **options)
    assert py == cli_json(cli, "scenario", preset, "--format", "json", *flags)


def test_scenario_real_figures_and_frame():
    d = redraw.scenario("six-californias")
    # Today's map: 100 senators, 538 electors, 2020 pledged result 306-232.
    assert d["baseline"]["senators"] == 100 and d["baseline"]["electoral_votes"] == 538
    e2020 = next(e for e in d["baseline"]["elections"] if e["year"] == 2020)
    assert (e2020["electoral_votes_dem"], e2020["electoral_votes_rep"]) == (306, 232)
    # Six states instead of California: 10 more senators.
    assert d["scenario"]["senators"] == 110
    pd = pytest.importorskip("pandas")
    frame = redraw.scenario("six-californias", as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert frame.loc[("baseline", "CA"), "house_seats"] == 52
    assert frame.loc["scenario"]["house_seats"].sum() == 435
    assert "2020_electoral_votes_dem" in frame.columns


def test_scenario_from_toml_text_and_file(tmp_path, cli):
    toml = redraw.scenarios()["cal-3"]
    path = tmp_path / "mine.toml"
    path.write_text(toml)
    from_file = redraw.scenario(str(path))
    assert from_file == cli_json(cli, "scenario", path, "--format", "json")
    from_text = redraw.scenario(toml)
    assert from_text["scenario"] == from_file["scenario"]


def test_scenario_errors_carry_the_cli_message(cli):
    with pytest.raises(redraw.RedrawError) as e:
        redraw.scenario("six-californa")
    assert str(e.value) == cli_error(cli, "scenario", "six-californa")
    assert "did you mean `six-californias`" in str(e.value)


def test_apportion_official_2020_and_margins(cli):
    a = redraw.apportion(margins=True)
    assert sum(a["seats"].values()) == 435
    assert a["seats"] == a["official"]
    # New York missed seat 435 by 89 people.
    assert a["margins"]["New York"]["to_gain"] == 89
    rows = _rows(cli_json(cli, "apportion", "--margins", "--format", "json"))
    by_state = {r["state"]: r for r in rows}
    assert len(by_state) == 50
    for state, seats in a["seats"].items():
        assert by_state[state]["seats"] == seats
        assert by_state[state]["gain_to_win_a_seat"] == a["margins"][state]["to_gain"]
        assert by_state[state]["could_lose"] == a["margins"][state]["can_lose"]
        assert by_state[state]["quota"] == a["quotas"][state]


def _rows(doc):
    """The rows of the CLI's apportionment table, keys in snake_case (the table is a bare list
    of rows, or sits in a schema-versioned document)."""
    if isinstance(doc, dict):
        doc = next(v for v in doc.values() if isinstance(v, list) and v and isinstance(v[0], dict))
    snake = lambda k: "".join(c if c.isalnum() else "_" for c in k.lower()).strip("_")  # noqa: E731
    return [{snake(k): v for k, v in r.items()} for r in doc]


def test_apportion_own_populations_and_frame():
    pd = pytest.importorskip("pandas")
    pops = {"A": 1_000_000, "B": 2_345_678, "C": 345_678, "D": 1}
    hh = redraw.apportion(pops, 10)
    assert sum(hh["seats"].values()) == 10 and hh["seats"]["D"] == 1
    frame = redraw.apportion(pd.Series(pops), 10, "hamilton", as_frame=True)
    assert list(frame.index) == list(pops) and frame["seats"].sum() == 10
    with pytest.raises(redraw.RedrawError, match="constitutional minimum"):
        redraw.apportion(pops, 3)
