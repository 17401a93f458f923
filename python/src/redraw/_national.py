"""New state lines: scenarios and House apportionment."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _redraw

Populations = Union[Mapping[str, int], Sequence[int], Sequence[Tuple[str, int]], Any]


def _pandas():
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("as_frame=True needs pandas: pip install pandas") from e
    return pandas


def scenarios() -> Dict[str, str]:
    """The built-in scenario presets: ``{id: scenario TOML}`` (``redraw scenarios``)."""
    return dict(_redraw.presets())


def _load(target: str) -> Tuple[str, Optional[str]]:
    """``(text, display name)`` for a file or TOML text, ``(preset id, None)`` otherwise; the
    same rule as ``redraw scenario NAME|FILE``, plus TOML given as a string."""
    looks_like_file = target.endswith(".toml") or "/" in target or "\\" in target
    if "\n" in target or ("=" in target and not looks_like_file):
        return target, "<string>"
    if os.path.isfile(target) or looks_like_file:
        try:
            with open(target, encoding="utf-8") as f:
                return f.read(), target
        except OSError as e:
            raise _redraw.RedrawError(f"cannot read scenario file {target}\n  caused by: {e}") from None
    return target, None


def scenario(
    name_or_toml: str,
    *,
    census: Optional[int] = None,
    election_years: Optional[Iterable[int]] = None,
    method: str = "huntington-hill",
    house_size: int = 435,
    strict_contiguity: bool = False,
    as_frame: bool = False,
) -> Any:
    """Evaluates a scenario against today's map, side by side.

    ``name_or_toml`` is a preset id (see :func:`scenarios`), a scenario file path, or scenario
    TOML text. Returns the dict that ``redraw scenario NAME --format json`` prints
    (``{"baseline": ..., "scenario": ..., "rules": [...]}``), built from the same library type,
    so its keys follow the command line's. With ``as_frame=True`` returns a pandas DataFrame of
    states indexed by ``(map, abbr)``, ``map`` being ``"baseline"`` or ``"scenario"``, with
    each election flattened into ``{year}_...`` columns.

    Resolver warnings (e.g. a non-contiguous new state) are issued as ``UserWarning``.
    """
    target, toml_name = _load(name_or_toml)
    years = None if election_years is None else [int(y) for y in election_years]
    text, warns = _redraw.scenario_json(
        target, toml_name, census, years, method, int(house_size), bool(strict_contiguity)
    )
    for w in warns:
        warnings.warn(w, UserWarning, stacklevel=2)
    result = json.loads(text)
    if not as_frame:
        return result
    return _scenario_frame(result)


def _flatten(prefix: str, value: Any, out: Dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}_{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        out[prefix] = value
    else:
        out[prefix] = value


def _scenario_frame(result: Dict[str, Any]):
    pd = _pandas()
    rows: List[Dict[str, Any]] = []
    for which in ("baseline", "scenario"):
        for state in result[which]["states"]:
            row: Dict[str, Any] = {"map": which}
            for key, value in state.items():
                if key == "elections":
                    for e in value:
                        year = e.get("year")
                        for k, v in e.items():
                            if k != "year":
                                _flatten(f"{year}_{k}", v, row)
                else:
                    _flatten(key, value, row)
            rows.append(row)
    return pd.DataFrame(rows).set_index(["map", "abbr"])


def _populations(populations: Populations, year: int) -> Tuple[List[str], List[int], Optional[List[int]]]:
    if populations is None:
        rows = _redraw.official_populations(int(year))
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    if hasattr(populations, "index") and hasattr(populations, "to_numpy"):  # pandas Series
        return [str(i) for i in populations.index], [int(v) for v in populations.to_numpy()], None
    if isinstance(populations, Mapping):
        return [str(k) for k in populations], [int(v) for v in populations.values()], None
    items = list(populations)
    if items and isinstance(items[0], (tuple, list)):
        return [str(a) for a, _ in items], [int(b) for _, b in items], None
    return [str(i) for i in range(len(items))], [int(v) for v in items], None


def apportion(
    populations: Populations = None,
    seats: int = 435,
    method: str = "huntington-hill",
    *,
    year: int = 2020,
    margins: bool = False,
    as_frame: bool = False,
) -> Any:
    """Apportions ``seats`` House seats among states.

    ``populations``: a ``{state: population}`` mapping, a pandas Series indexed by state, a
    sequence of ``(state, population)`` pairs or of populations (states named ``"0"``,
    ``"1"``, ...), or ``None`` for the official apportionment populations of ``year`` (2000,
    2010 or 2020). ``method``: huntington-hill (the law since 1941), webster, hamilton,
    jefferson, adams, dean.

    Returns a dict ``{"method", "house_size", "seats": {state: seats}, "quotas": {state: quota},
    "priority": [{"seat", "state", "state_seat", "priority"}], "margins": {state: {"to_gain",
    "can_lose"}}}`` (``margins`` only when asked: people to gain for one more seat / that can be
    lost keeping every seat), plus ``"official"`` seats when the populations are official. With
    ``as_frame=True`` a pandas DataFrame indexed by state.
    """
    names, pops, official = _populations(populations, year)
    raw = json.loads(_redraw.apportion_json(pops, int(seats), method, bool(margins)))
    out: Dict[str, Any] = {
        "method": raw["method"],
        "house_size": raw["house_size"],
        "seats": dict(zip(names, raw["seats"])),
        "quotas": dict(zip(names, raw["quotas"])),
        "priority": [dict(p, state=names[p["state"]]) for p in raw["priority"]],
    }
    if official is not None:
        out["official"] = dict(zip(names, official))
    if margins:
        out["margins"] = dict(zip(names, raw["margins"]))
    if not as_frame:
        return out
    pd = _pandas()
    frame = pd.DataFrame(
        {"population": pops, "quota": raw["quotas"], "seats": raw["seats"]}, index=pd.Index(names, name="state")
    )
    if official is not None:
        frame["official"] = official
        frame["difference"] = frame["seats"] - frame["official"]
    if margins:
        frame["to_gain"] = pd.array([m["to_gain"] for m in raw["margins"]], dtype="Int64")
        frame["can_lose"] = pd.array([m["can_lose"] for m in raw["margins"]], dtype="Int64")
    return frame
