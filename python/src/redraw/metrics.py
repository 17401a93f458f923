"""Partisan and compactness metrics on numpy arrays, named as in ``gerrychain.metrics``.

Every partisan function takes per-district vote totals ``dem`` and ``rep``: 1-D arrays for one
plan (returns a float) or 2-D ``(plans, districts)`` arrays for an ensemble (returns one value
per plan, computed in Rust with the GIL released). ``Run.votes(name)`` gives those arrays for
a run. A GerryChain ``ElectionResults`` (e.g. ``partition["PRES"]``) is accepted in place of
``dem`` (with ``rep`` omitted): its first party plays the Democrats' part, so the sign is
GerryChain's.

Signs are redraw's: positive favours Democrats (the first party). Definitions equal
GerryChain 1.0's (tested against it on real plans). A district tied exactly is won by neither
party, as in GerryChain and in a run's stats.csv; on a tie only the efficiency gap differs
(GerryChain gives the tie to the second party, redraw to neither; real vote counts do not tie).
``partisan_bias`` is Gelman and King's (the share of districts above the *mean district*
share, minus 1/2), which is also GerryChain's and redraw's reports'; the variant that swings the
*statewide* vote-weighted share to 50% is :func:`partisan_bias_statewide` (``statewide_bias``
in redraw's reports). docs/metrics.md audits every metric against its original paper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

from . import _redraw

if TYPE_CHECKING:
    import numpy as np

ArrayLike = Any
Result = Union[float, Any]  # a float for one plan, a float64 array for many

__all__ = [
    "efficiency_gap",
    "mean_median",
    "partisan_bias",
    "partisan_gini",
    "wasted_votes",
    "polsby_popper",
    "partisan_bias_statewide",
    "declination",
    "declination_redistmetrics",
    "dem_seats",
    "responsiveness",
]


def _votes(dem: ArrayLike, rep: Optional[ArrayLike]) -> Tuple[np.ndarray, np.ndarray]:
    import numpy as np

    if rep is None:
        election = getattr(dem, "election", None)
        if election is None or not hasattr(dem, "votes"):
            raise TypeError("give per-district votes (dem, rep), or a GerryChain ElectionResults alone")
        first, second = election.parties[0], election.parties[1]
        return (np.asarray(dem.votes(first), dtype=np.float64), np.asarray(dem.votes(second), dtype=np.float64))
    return np.ascontiguousarray(dem, dtype=np.float64), np.ascontiguousarray(rep, dtype=np.float64)


def _metric(name: str, dem: ArrayLike, rep: Optional[ArrayLike]) -> Result:
    d, r = _votes(dem, rep)
    return _redraw.partisan_metric(name, d, r)


def efficiency_gap(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """(wasted Republican − wasted Democratic votes) / total votes. Positive favours Democrats."""
    return _metric("efficiency_gap", dem, rep)


def mean_median(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Median minus mean of the district Democratic shares. Positive favours Democrats."""
    return _metric("mean_median", dem, rep)


def partisan_bias(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Gelman and King's partisan bias (also GerryChain's): the share of districts whose
    Democratic share is above the mean district share, minus 1/2. Positive favours Democrats."""
    return _metric("mean_share_bias", dem, rep)


def partisan_bias_statewide(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Seats bias at 50%: the Democratic seat share minus 1/2 when the statewide
    (vote-weighted) Democratic share is swung uniformly to exactly 50% (``statewide_bias`` in
    redraw's reports). Positive favours Democrats."""
    return _metric("statewide_bias", dem, rep)


def partisan_gini(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Partisan Gini: area between the seats-votes curve and its reflection (unsigned)."""
    return _metric("partisan_gini", dem, rep)


def declination(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Warrington's (2018) declination scaled to [-1, 1]; positive favours Democrats (Warrington's
    published sign is the opposite). NaN when one party wins every district; a tied district is
    left out."""
    return _metric("declination", dem, rep)


def declination_redistmetrics(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """redistmetrics' declination (``part_decl``), which halves Warrington's tangent arguments
    (values 30-45% smaller in size), in redraw's sign (positive favours Democrats). For
    comparison with studies made with redist; reports use :func:`declination`."""
    return _metric("declination_redistmetrics", dem, rep)


def dem_seats(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Districts the Democrat wins (strictly more votes; a tie is won by neither party, as in a
    run's stats.csv)."""
    return _metric("dem_seats", dem, rep)


def responsiveness(dem: ArrayLike, rep: Optional[ArrayLike] = None) -> Result:
    """Slope of the uniform-swing seats-votes curve at the observed statewide share (seat share
    per unit of vote share, bandwidth 0.01)."""
    return _metric("responsiveness", dem, rep)


def wasted_votes(dem: ArrayLike, rep: ArrayLike) -> Tuple[Any, Any]:
    """Wasted votes ``(dem, rep)`` of each race, elementwise (scalars or arrays): the loser
    wastes every vote, the winner the votes beyond half the race's total; a tie (won by neither
    party) wastes half of each party's votes, so it adds nothing to the efficiency gap."""
    import numpy as np

    d = np.asarray(dem, dtype=np.float64)
    r = np.asarray(rep, dtype=np.float64)
    half = (d + r) / 2.0
    wd = np.where(d > r, d - half, np.where(r > d, d, half / 2.0))
    wr = np.where(r > d, r - half, np.where(d > r, r, half / 2.0))
    if wd.ndim == 0:
        return float(wd), float(wr)
    return wd, wr


def polsby_popper(area: ArrayLike, perimeter: ArrayLike) -> Any:
    """Polsby-Popper compactness 4πA/P² of each district, elementwise (areas and perimeters in
    consistent units)."""
    import numpy as np

    a = np.asarray(area, dtype=np.float64)
    p = np.asarray(perimeter, dtype=np.float64)
    out = 4.0 * np.pi * a / (p * p)
    return float(out) if out.ndim == 0 else out
