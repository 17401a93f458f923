//! Seed plans by recursive spanning-tree bipartition (as GerryChain's `recursive_tree_part`):
//! repeatedly draw a uniform spanning tree of the not-yet-assigned nodes and cut off one
//! district whose population keeps the remainder feasible for the districts still to draw.

use crate::partition::NONE;
use crate::problem::Problem;
use crate::rng::Rng;
use crate::tree::TreeWorkspace;

/// Spanning trees tried per district before starting over.
pub const TREES_PER_DISTRICT: u32 = 500;
/// Fresh starts before giving up.
pub const RESTARTS: u32 = 20;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SeedError {
    #[error(
        "could not draw a plan of {k} contiguous districts with populations in [{lo}, {hi}] \
         (ideal {ideal:.1}, tolerance {tol}): tried {restarts} fresh starts with up to {trees} \
         spanning trees per district ({drawn} trees in all); the furthest start placed {best} of \
         {k} districts. The tolerance is probably too tight for this graph's units; try a larger \
         --tol or give a plan with --assignment/--plan"
    )]
    Infeasible {
        k: usize,
        lo: u64,
        hi: u64,
        ideal: f64,
        tol: f64,
        restarts: u32,
        trees: u32,
        drawn: u64,
        best: usize,
    },
}

/// Draws a plan (district indices `0..k` per node) within the problem's population bounds.
pub fn seed_plan(p: &Problem, rng: &mut Rng) -> Result<Vec<u32>, SeedError> {
    let mut ws = TreeWorkspace::new(p.n);
    let mut drawn = 0u64;
    let mut best = 0usize;
    let all: Vec<u32> = (0..p.n as u32).collect();
    let mut remaining: Vec<u32> = Vec::with_capacity(p.n);
    let mut next_remaining: Vec<u32> = Vec::with_capacity(p.n);
    let mut assignment = vec![NONE; p.n];
    'restart: for _ in 0..RESTARTS {
        remaining.clear();
        remaining.extend_from_slice(&all);
        assignment.iter_mut().for_each(|a| *a = NONE);
        let mut rem_pop = p.total_pop;
        for d in 0..p.k - 1 {
            let r = (p.k - d) as u64;
            // This district's population must leave the other r-1 districts feasible.
            let plo = p.lo.max(rem_pop.saturating_sub((r - 1) * p.hi));
            let phi = p.hi.min(rem_pop.saturating_sub((r - 1) * p.lo));
            if plo > phi {
                best = best.max(d);
                continue 'restart;
            }
            ws.load(p, &[&remaining]);
            let m = ws.len() as u32;
            let mut placed = false;
            for _ in 0..TREES_PER_DISTRICT {
                let root = rng.below(m);
                ws.draw(rng, root, (0, 0, 0, 0));
                drawn += 1;
                // Either the subtree or its complement can become the district: collect both
                // kinds of candidates, encoded as 2*v + side.
                ws.cands.clear();
                let total = ws.total;
                for v in 0..ws.len() {
                    if ws.parent[v] == NONE {
                        continue;
                    }
                    let s = ws.sub[v];
                    if s >= plo && s <= phi {
                        ws.cands.push(2 * v as u32);
                    }
                    if total - s >= plo && total - s <= phi {
                        ws.cands.push(2 * v as u32 + 1);
                    }
                }
                if ws.cands.is_empty() {
                    continue;
                }
                let c = ws.cands[rng.index(ws.cands.len())];
                let (v, complement) = (c / 2, c % 2 == 1);
                ws.mark_subtree(v);
                let mut pop = 0;
                next_remaining.clear();
                for i in 0..ws.len() {
                    let u = ws.nodes[i];
                    if ws.mark[i] != complement {
                        assignment[u as usize] = d as u32;
                        pop += p.pop[u as usize];
                    } else {
                        next_remaining.push(u);
                    }
                }
                ws.unmark();
                rem_pop -= pop;
                placed = true;
                break;
            }
            ws.clear();
            if !placed {
                best = best.max(d);
                continue 'restart;
            }
            std::mem::swap(&mut remaining, &mut next_remaining);
        }
        for &u in &remaining {
            assignment[u as usize] = (p.k - 1) as u32;
        }
        debug_assert!(rem_pop >= p.lo && rem_pop <= p.hi);
        return Ok(assignment);
    }
    Err(SeedError::Infeasible {
        k: p.k,
        lo: p.lo,
        hi: p.hi,
        ideal: p.total_pop as f64 / p.k as f64,
        tol: p.tol,
        restarts: RESTARTS,
        trees: TREES_PER_DISTRICT,
        drawn,
        best,
    })
}
