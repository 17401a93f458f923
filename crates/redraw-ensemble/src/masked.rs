//! Uniform spanning trees of a region marked in a whole-graph array, without building the
//! region's own adjacency first: SMC's tree draws.
//!
//! [`crate::tree::TreeWorkspace`] loads a region (remaps its nodes, builds a local CSR) before
//! drawing, which pays off when many trees are drawn on one region (ReCom's merged pair). SMC
//! draws each tree on the remainder of a freshly resampled ancestor, so the load is paid per
//! tree: on PA it was a third of SMC's time. Here Wilson's walks run on the whole graph's packed
//! adjacency, built once per run ([`GlobalAdjacency`]), and a neighbour outside the region is
//! simply drawn again: rejection keeps each step uniform over the in-region neighbours. The
//! region is marked in the per-node walk state before each tree, an O(n) pass over one byte per
//! node, so nothing is rebuilt and nothing is allocated per tree.
//!
//! Node ids are the graph's own, so the tree (`parent`, `order`, `sub`) needs no translation.

use crate::partition::NONE;
use crate::problem::Problem;
use crate::rng::Rng;

/// The walk state of a node is kept at its "sid", the start of its neighbour list in the CSR.
const IN_TREE: u32 = 1 << 31;
const OUT: u32 = 1 << 30;
const SID_MASK: u32 = (1 << 24) - 1;

/// The whole graph's adjacency packed for the walk: per CSR entry, the neighbour's sid with its
/// degree in the top 8 bits, so one load per step picks a neighbour and tells where its list is.
#[derive(Debug)]
pub(crate) struct GlobalAdjacency {
    packed: Vec<u32>,
    /// Per sid, the node.
    sid_node: Vec<u32>,
}

impl GlobalAdjacency {
    /// `None` when the graph does not fit the packing (2^24 adjacency entries or more, a degree
    /// of 0 or above 255): callers then load regions the general way.
    pub(crate) fn new(p: &Problem) -> Option<GlobalAdjacency> {
        let off = &p.offsets;
        let entries = p.neighbors.len();
        if entries >= 1 << 24 || off.windows(2).any(|w| w[1] == w[0] || w[1] - w[0] > 255) {
            return None;
        }
        let packed = p
            .neighbors
            .iter()
            .map(|&w| off[w as usize] | (off[w as usize + 1] - off[w as usize]) << 24)
            .collect();
        let mut sid_node = vec![0u32; entries];
        for v in 0..p.n {
            sid_node[off[v] as usize] = v as u32;
        }
        Some(GlobalAdjacency { packed, sid_node })
    }
}

/// One worker's tree buffers, indexed by global node.
#[derive(Clone, Debug)]
pub(crate) struct MaskedTree {
    /// Per sid: the walk's next sid, or the `IN_TREE` / `OUT` flags.
    snext: Vec<u32>,
    /// Parent of each region node in the last tree (`NONE` at the root).
    pub(crate) parent: Vec<u32>,
    /// The last tree's nodes, parents first (the root first).
    pub(crate) order: Vec<u32>,
    /// Population of the subtree below each region node.
    pub(crate) sub: Vec<u64>,
    /// Per-node marker for the district being cut off.
    pub(crate) mark: Vec<bool>,
    /// The marked nodes.
    pub(crate) piece: Vec<u32>,
}

impl MaskedTree {
    pub(crate) fn new(p: &Problem) -> MaskedTree {
        MaskedTree {
            snext: vec![OUT; p.neighbors.len()],
            parent: vec![NONE; p.n],
            order: Vec::with_capacity(p.n),
            sub: vec![0; p.n],
            mark: vec![false; p.n],
            piece: Vec::new(),
        }
    }

    /// Draws a uniform spanning tree of the region `{v : in_region(v)}` (connected, `m ≥ 1`
    /// nodes, `root` one of them) by Wilson's algorithm, then the subtree populations. Loop
    /// erasure is implicit, as in [`crate::tree::TreeWorkspace::draw`]: a walk overwrites the
    /// next pointer of a node it revisits, so retracing from the start follows the loop-erased
    /// path. Neighbour choices are exactly uniform (Lemire's method on the top 32 bits of each
    /// output) over all neighbours, and a choice outside the region is drawn again.
    pub(crate) fn draw(
        &mut self,
        g: &GlobalAdjacency,
        p: &Problem,
        in_region: impl Fn(usize) -> bool,
        root: u32,
        rng: &mut Rng,
    ) {
        let off = &p.offsets[..];
        let n = p.n;
        let snext = &mut self.snext[..];
        for v in 0..n {
            snext[off[v] as usize] = if in_region(v) { 0 } else { OUT };
        }
        let (packed, sid_node) = (&g.packed[..], &g.sid_node[..]);
        let parent = &mut self.parent[..];
        snext[off[root as usize] as usize] = IN_TREE;
        parent[root as usize] = NONE;
        let order = &mut self.order;
        order.clear();
        order.push(root);
        let mut r = rng.clone();
        for start in 0..n {
            let s0 = off[start];
            if snext[s0 as usize] & (IN_TREE | OUT) != 0 {
                continue;
            }
            let mut s = s0;
            let mut deg = (off[start + 1] - s0) as u64;
            loop {
                let x = r.next_u64() >> 32;
                let mut prod = x * deg;
                if (prod as u32 as u64) < deg {
                    // Lemire's rejection step (probability < deg / 2^32).
                    let threshold = (deg as u32).wrapping_neg() % deg as u32;
                    while (prod as u32) < threshold {
                        prod = (r.next_u64() >> 32) * deg;
                    }
                }
                let e = packed[s as usize + (prod >> 32) as usize];
                let s2 = e & SID_MASK;
                let t = snext[s2 as usize];
                if t & OUT != 0 {
                    continue;
                }
                snext[s as usize] = s2;
                if t & IN_TREE != 0 {
                    break;
                }
                s = s2;
                deg = (e >> 24) as u64;
            }
            let seg = order.len();
            let mut s = s0;
            loop {
                let t = snext[s as usize];
                if t & IN_TREE != 0 {
                    break;
                }
                snext[s as usize] = t | IN_TREE;
                let node = sid_node[s as usize];
                order.push(node);
                parent[node as usize] = sid_node[t as usize];
                s = t;
            }
            order[seg..].reverse();
        }
        *rng = r;
        // Subtree populations: children come after their parents in `order`.
        let sub = &mut self.sub[..];
        for &v in order.iter() {
            sub[v as usize] = p.pop[v as usize];
        }
        for &v in order[1..].iter().rev() {
            let pv = parent[v as usize] as usize;
            sub[pv] += sub[v as usize];
        }
    }

    /// Marks the subtree of `v` in `mark` and lists it in `piece`: one pass over the
    /// parents-first order.
    pub(crate) fn mark_subtree(&mut self, v: u32) {
        self.piece.clear();
        for &u in &self.order {
            let pu = self.parent[u as usize];
            if u == v || (pu != NONE && self.mark[pu as usize]) {
                self.mark[u as usize] = true;
                self.piece.push(u);
            }
        }
    }

    /// Clears the marks set by [`MaskedTree::mark_subtree`].
    pub(crate) fn unmark(&mut self) {
        for &u in &self.piece {
            self.mark[u as usize] = false;
        }
    }

    /// Edges between the marked nodes and the unmarked nodes of the region.
    pub(crate) fn boundary(&self, p: &Problem, in_region: impl Fn(usize) -> bool) -> u32 {
        let mut c = 0;
        for &u in &self.piece {
            for &w in p.nbrs(u) {
                if !self.mark[w as usize] && in_region(w as usize) {
                    c += 1;
                }
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::TreeWorkspace;
    use redraw_graph::{Column, Graph};

    fn grid(w: usize, h: usize) -> Problem {
        let mut edges = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let i = (y * w + x) as u32;
                if x + 1 < w {
                    edges.push((i, i + 1));
                }
                if y + 1 < h {
                    edges.push((i, i + w as u32));
                }
            }
        }
        let n = w * h;
        let mut g = Graph::from_edges((0..n).map(|i| i.to_string()).collect(), &edges, None).unwrap();
        g.set_column("pop", Column::Int((0..n as i64).map(|i| 1 + i % 3).collect())).unwrap();
        let spec = crate::ProblemSpec {
            pop_column: "pop".into(),
            districts: 2,
            tolerance: 0.5,
            elections: vec![],
            county: None,
            max_county_splits: None,
            tracked: Vec::new(),
        };
        Problem::new(&g, &spec).unwrap()
    }

    /// Trees of a region of a 3x3 grid (the grid minus two opposite corners) have the
    /// frequencies of a uniform spanning tree: each of the region's 16 trees is drawn about
    /// equally often, from several roots, and no tree uses a node outside the region.
    #[test]
    fn masked_trees_are_uniform_on_the_region() {
        let p = grid(3, 3);
        let inside = |v: usize| v != 2 && v != 6;
        let g = GlobalAdjacency::new(&p).unwrap();
        let mut t = MaskedTree::new(&p);
        let mut rng = Rng::from_seed(5);
        let mut counts = std::collections::HashMap::new();
        let draws = 60_000;
        for i in 0..draws {
            let root = [0u32, 4, 8][i % 3];
            t.draw(&g, &p, inside, root, &mut rng);
            assert_eq!(t.order.len(), 7);
            // The tree as a set of undirected edges.
            let mut edges: Vec<(u32, u32)> = t.order[1..]
                .iter()
                .map(|&v| (v.min(t.parent[v as usize]), v.max(t.parent[v as usize])))
                .collect();
            edges.sort_unstable();
            assert!(edges.iter().all(|&(a, b)| inside(a as usize) && inside(b as usize)));
            // Subtree populations of the root: the region's population.
            assert_eq!(
                t.sub[root as usize],
                (0..9).filter(|&v| inside(v)).map(|v| 1 + v as u64 % 3).sum::<u64>()
            );
            *counts.entry(edges).or_insert(0u64) += 1;
        }
        // The region is the 3x3 grid without two opposite corners: nodes 0,1,3,4,5,7,8 with
        // edges 0-1, 0-3, 1-4, 3-4, 4-5, 4-7, 5-8, 7-8: two 4-cycles sharing node 4, so
        // 4 · 4 = 16 spanning trees.
        assert_eq!(counts.len(), 16);
        let expect = draws as f64 / 16.0;
        let chi2: f64 = counts.values().map(|&c| (c as f64 - expect).powi(2) / expect).sum();
        // 15 degrees of freedom: p < 0.001 above 37.7.
        assert!(chi2 < 37.7, "chi-square {chi2}: {counts:?}");
    }

    /// The boundary count and the subtree marks agree with the loaded-region workspace.
    #[test]
    fn boundary_counts_region_edges_only() {
        let p = grid(4, 4);
        let inside = |v: usize| v % 4 != 3; // drop the right column
        let g = GlobalAdjacency::new(&p).unwrap();
        let mut t = MaskedTree::new(&p);
        let mut rng = Rng::from_seed(9);
        let region: Vec<u32> = (0..16u32).filter(|&v| inside(v as usize)).collect();
        let mut ws = TreeWorkspace::new(16);
        ws.load(&p, &[&region]);
        for _ in 0..200 {
            t.draw(&g, &p, inside, 0, &mut rng);
            let v = t.order[1 + rng.index(t.order.len() - 1)];
            t.mark_subtree(v);
            // The same cut counted on the loaded region.
            let local = |u: u32| region.iter().position(|&x| x == u).unwrap() as u32;
            for &u in &t.piece {
                ws.mark[local(u) as usize] = true;
            }
            ws.piece = t.piece.iter().map(|&u| local(u)).collect();
            assert_eq!(t.boundary(&p, inside), ws.piece_boundary());
            ws.unmark();
            t.unmark();
            assert!(t.mark.iter().all(|&m| !m));
        }
    }
}
