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
//! The county constraint's hierarchical trees ([`MaskedTree::draw_hierarchical`]) work the same
//! way from a [`CountyLayout`] built once per run: the county pieces of a remainder are the
//! same-county components of the whole graph, except in the few counties that earlier districts
//! took part of, which are relabelled by a search over their remaining nodes only.
//!
//! Node ids are the graph's own, so the tree (`parent`, `order`, `sub`) needs no translation.

use crate::partition::NONE;
use crate::problem::Problem;
use crate::rng::Rng;

/// Flags of a node's walk state (the rest of the word is the walk's next node).
const IN_TREE: u32 = 1 << 31;
const OUT: u32 = 1 << 30;

/// The whole graph's adjacency packed for the walk: per CSR entry, the neighbour (high half)
/// with the start of its own list and its degree (low half: `start << 8 | degree`), so one load
/// per step picks a neighbour and tells where its list is. The walk state is indexed by node, a
/// compact array that one sequential pass resets before each tree.
#[derive(Debug)]
pub(crate) struct GlobalAdjacency {
    packed: Vec<u64>,
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
        if p.n >= 1 << 30 {
            return None;
        }
        let packed = p
            .neighbors
            .iter()
            .map(|&w| {
                let (a, b) = (off[w as usize], off[w as usize + 1]);
                (w as u64) << 32 | (a as u64) << 8 | (b - a) as u64
            })
            .collect();
        Some(GlobalAdjacency { packed })
    }
}

/// The county structure of the whole graph, for hierarchical trees of any region.
#[derive(Debug)]
pub(crate) struct CountyLayout {
    /// Per node, its component in the subgraph of same-county edges.
    comp: Vec<u32>,
    comp_size: Vec<u32>,
    /// Same-county adjacency (CSR).
    soff: Vec<u32>,
    sadj: Vec<u32>,
    /// Edges between different counties, `(u, v)` with `u < v`: the only edges between the
    /// county pieces of any region (two adjacent region nodes of one county share a piece).
    cross: Vec<(u32, u32)>,
}

impl CountyLayout {
    pub(crate) fn new(p: &Problem, county: &[u32]) -> CountyLayout {
        let n = p.n;
        let mut soff = Vec::with_capacity(n + 1);
        let mut sadj = Vec::new();
        soff.push(0);
        for u in 0..n as u32 {
            sadj.extend(p.nbrs(u).iter().filter(|&&w| county[w as usize] == county[u as usize]));
            soff.push(sadj.len() as u32);
        }
        let cross =
            p.edge_ends.iter().copied().filter(|&(u, v)| county[u as usize] != county[v as usize]).collect();
        let mut comp = vec![NONE; n];
        let mut comp_size = Vec::new();
        let mut stack = Vec::new();
        for s in 0..n {
            if comp[s] != NONE {
                continue;
            }
            let id = comp_size.len() as u32;
            comp[s] = id;
            let mut size = 1;
            stack.push(s as u32);
            while let Some(u) = stack.pop() {
                for &w in &sadj[soff[u as usize] as usize..soff[u as usize + 1] as usize] {
                    if comp[w as usize] == NONE {
                        comp[w as usize] = id;
                        size += 1;
                        stack.push(w);
                    }
                }
            }
            comp_size.push(size);
        }
        CountyLayout { comp, comp_size, soff, sadj, cross }
    }
}

/// Node states of the hierarchical draw.
const ST_FREE: u8 = 0;
const ST_TREE: u8 = 1;
const ST_OUT: u8 = 2;

/// Buffers of [`MaskedTree::draw_hierarchical`].
#[derive(Clone, Debug, Default)]
struct HierBuffers {
    st: Vec<u8>,
    comp_in: Vec<u32>,
    piece_root: Vec<u32>,
    poff: Vec<u32>,
    pedge: Vec<(u32, u32)>,
    cursor: Vec<u32>,
    piece_in_tree: Vec<bool>,
    piece_next: Vec<u32>,
    child_off: Vec<u32>,
    children: Vec<u32>,
    bfs: Vec<u32>,
}

/// One worker's tree buffers, indexed by global node.
#[derive(Clone, Debug)]
pub(crate) struct MaskedTree {
    /// Per node: the walk's next node, with the `IN_TREE` / `OUT` flags.
    state: Vec<u32>,
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
    /// County piece of each region node in the last hierarchical tree.
    pub(crate) piece_of: Vec<u32>,
    hier: HierBuffers,
}

impl MaskedTree {
    pub(crate) fn new(p: &Problem) -> MaskedTree {
        MaskedTree {
            state: vec![OUT; p.n],
            parent: vec![NONE; p.n],
            order: Vec::with_capacity(p.n),
            sub: vec![0; p.n],
            mark: vec![false; p.n],
            piece: Vec::new(),
            piece_of: Vec::new(),
            hier: HierBuffers::default(),
        }
    }

    /// Draws a uniformly random county-respecting spanning tree of the region (connected,
    /// `root` in it), the tree of [`crate::tree::TreeWorkspace::draw_hierarchical`]: a uniform
    /// spanning tree of every county piece of the region (Wilson on the same-county adjacency,
    /// a neighbour outside the region drawn again), then a uniform spanning tree of the piece
    /// multigraph (Wilson over pieces, each step a uniformly chosen region edge leaving the
    /// piece), joined. Fills `parent`, `order`, `sub` and `piece_of`.
    #[allow(clippy::needless_range_loop)] // the passes over nodes index several arrays
    pub(crate) fn draw_hierarchical(
        &mut self,
        lay: &CountyLayout,
        p: &Problem,
        in_region: impl Fn(usize) -> bool,
        root: u32,
        rng: &mut Rng,
    ) {
        let n = p.n;
        let ncomp = lay.comp_size.len();
        let h = &mut self.hier;
        h.st.resize(n, ST_OUT);
        self.piece_of.resize(n, NONE);
        h.comp_in.clear();
        h.comp_in.resize(ncomp, 0);
        for v in 0..n {
            if in_region(v) {
                h.st[v] = ST_FREE;
                h.comp_in[lay.comp[v] as usize] += 1;
            } else {
                h.st[v] = ST_OUT;
            }
        }
        // Pieces: a component wholly in the region is one piece, numbered as the component;
        // the remaining nodes of a component that earlier districts took part of are split into
        // their connected parts, numbered from `ncomp` on.
        let piece_of = &mut self.piece_of[..];
        for v in 0..n {
            if h.st[v] == ST_FREE {
                let c = lay.comp[v] as usize;
                piece_of[v] = if h.comp_in[c] == lay.comp_size[c] { c as u32 } else { NONE };
            }
        }
        let mut np = ncomp as u32;
        for s in 0..n {
            if h.st[s] != ST_FREE || piece_of[s] != NONE {
                continue;
            }
            piece_of[s] = np;
            h.bfs.clear();
            h.bfs.push(s as u32);
            while let Some(u) = h.bfs.pop() {
                for &w in &lay.sadj[lay.soff[u as usize] as usize..lay.soff[u as usize + 1] as usize] {
                    if h.st[w as usize] == ST_FREE && piece_of[w as usize] == NONE {
                        piece_of[w as usize] = np;
                        h.bfs.push(w);
                    }
                }
            }
            np += 1;
        }
        let np = np as usize;
        // 1. One root per piece (`root` for its own), then Wilson within each piece.
        h.piece_root.clear();
        h.piece_root.resize(np, NONE);
        h.piece_root[piece_of[root as usize] as usize] = root;
        for v in 0..n {
            if h.st[v] == ST_FREE {
                let pc = piece_of[v] as usize;
                if h.piece_root[pc] == NONE {
                    h.piece_root[pc] = v as u32;
                }
            }
        }
        let parent = &mut self.parent[..];
        for &r in &h.piece_root {
            if r != NONE {
                h.st[r as usize] = ST_TREE;
                parent[r as usize] = NONE;
            }
        }
        for start in 0..n {
            let mut u = start;
            while h.st[u] == ST_FREE {
                let (a, b) = (lay.soff[u] as usize, lay.soff[u + 1] as usize);
                let w = loop {
                    let w = lay.sadj[a + rng.index(b - a)];
                    if h.st[w as usize] != ST_OUT {
                        break w;
                    }
                };
                parent[u] = w;
                u = w as usize;
            }
            let mut u = start;
            while h.st[u] == ST_FREE {
                h.st[u] = ST_TREE;
                u = parent[u] as usize;
            }
        }
        // 2. The region edges leaving each piece (all between counties), then Wilson over the
        //    piece multigraph rooted at the root's piece. Pieces without nodes (components the
        //    region lacks, or split into numbered parts) count as already in the tree.
        h.poff.clear();
        h.poff.resize(np + 1, 0);
        for &(u, w) in &lay.cross {
            if h.st[u as usize] != ST_OUT && h.st[w as usize] != ST_OUT {
                h.poff[piece_of[u as usize] as usize + 1] += 1;
                h.poff[piece_of[w as usize] as usize + 1] += 1;
            }
        }
        for i in 0..np {
            h.poff[i + 1] += h.poff[i];
        }
        h.pedge.clear();
        h.pedge.resize(h.poff[np] as usize, (0, 0));
        h.cursor.clear();
        h.cursor.extend_from_slice(&h.poff[..np]);
        for &(u, w) in &lay.cross {
            if h.st[u as usize] != ST_OUT && h.st[w as usize] != ST_OUT {
                for (x, y) in [(u, w), (w, u)] {
                    let pc = piece_of[x as usize] as usize;
                    h.pedge[h.cursor[pc] as usize] = (x, y);
                    h.cursor[pc] += 1;
                }
            }
        }
        h.piece_in_tree.clear();
        h.piece_in_tree.extend(h.piece_root.iter().map(|&r| r == NONE));
        h.piece_in_tree[piece_of[root as usize] as usize] = true;
        h.piece_next.clear();
        h.piece_next.resize(np, NONE);
        for start in 0..np {
            let mut pc = start;
            while !h.piece_in_tree[pc] {
                let (a, b) = (h.poff[pc] as usize, h.poff[pc + 1] as usize);
                let e = a + rng.index(b - a);
                h.piece_next[pc] = e as u32;
                pc = piece_of[h.pedge[e].1 as usize] as usize;
            }
            let mut pc = start;
            while !h.piece_in_tree[pc] {
                h.piece_in_tree[pc] = true;
                pc = piece_of[h.pedge[h.piece_next[pc] as usize].1 as usize] as usize;
            }
        }
        // 3. Join the piece trees along the chosen edges.
        crate::tree::join_piece_trees(parent, &h.piece_next, &h.pedge);
        // Parents-first order by a traversal from the root over children lists.
        h.child_off.clear();
        h.child_off.resize(n + 1, 0);
        for v in 0..n {
            if h.st[v] != ST_OUT && parent[v] != NONE {
                h.child_off[parent[v] as usize + 1] += 1;
            }
        }
        for v in 0..n {
            h.child_off[v + 1] += h.child_off[v];
        }
        h.children.clear();
        h.children.resize(h.child_off[n] as usize, 0);
        h.cursor.clear();
        h.cursor.extend_from_slice(&h.child_off[..n]);
        for v in 0..n {
            if h.st[v] != ST_OUT && parent[v] != NONE {
                let pv = parent[v] as usize;
                h.children[h.cursor[pv] as usize] = v as u32;
                h.cursor[pv] += 1;
            }
        }
        let order = &mut self.order;
        order.clear();
        order.push(root);
        let mut head = 0;
        while head < order.len() {
            let u = order[head] as usize;
            head += 1;
            order.extend_from_slice(&h.children[h.child_off[u] as usize..h.child_off[u + 1] as usize]);
        }
        let sub = &mut self.sub[..];
        for &v in order.iter() {
            sub[v as usize] = p.pop[v as usize];
        }
        for &v in order[1..].iter().rev() {
            sub[parent[v as usize] as usize] += sub[v as usize];
        }
    }

    /// Edges between the marked nodes and the unmarked nodes of the region that lie in county
    /// piece `pc` (both ends in it), after [`MaskedTree::draw_hierarchical`].
    pub(crate) fn boundary_within(&self, p: &Problem, pc: u32) -> u32 {
        let st = &self.hier.st;
        let mut c = 0;
        for &u in &self.piece {
            if self.piece_of[u as usize] != pc {
                continue;
            }
            for &w in p.nbrs(u) {
                let w = w as usize;
                if !self.mark[w] && st[w] != ST_OUT && self.piece_of[w] == pc {
                    c += 1;
                }
            }
        }
        c
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
        let state = &mut self.state[..];
        for (v, x) in state.iter_mut().enumerate() {
            *x = if in_region(v) { 0 } else { OUT };
        }
        let packed = &g.packed[..];
        let parent = &mut self.parent[..];
        state[root as usize] = IN_TREE;
        parent[root as usize] = NONE;
        let order = &mut self.order;
        order.clear();
        order.push(root);
        let mut r = rng.clone();
        for start in 0..n {
            if state[start] & (IN_TREE | OUT) != 0 {
                continue;
            }
            let mut u = start as u32;
            let (mut base, mut deg) = (off[start] as u64, (off[start + 1] - off[start]) as u64);
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
                let e = packed[(base + (prod >> 32)) as usize];
                let w = (e >> 32) as u32;
                let t = state[w as usize];
                if t & OUT != 0 {
                    continue;
                }
                state[u as usize] = w;
                if t & IN_TREE != 0 {
                    break;
                }
                u = w;
                base = (e >> 8) & 0xFF_FFFF;
                deg = e & 0xFF;
            }
            let seg = order.len();
            let mut u = start as u32;
            loop {
                let t = state[u as usize];
                if t & IN_TREE != 0 {
                    break;
                }
                state[u as usize] = t | IN_TREE;
                order.push(u);
                parent[u as usize] = t;
                u = t;
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
    use crate::testkit::grid_problem;
    use crate::tree::TreeWorkspace;

    /// A `w`×`h` grid whose node `i` holds `1 + i % 3` people, so subtree sums are not counts.
    fn grid(w: usize, h: usize) -> Problem {
        let mut p = grid_problem(w, h, 2, 0.5, None);
        p.pop = (0..(w * h) as u64).map(|i| 1 + i % 3).collect();
        p.total_pop = p.pop.iter().sum();
        p
    }

    /// The last tree as a sorted list of undirected edges.
    fn tree_edges(t: &MaskedTree) -> Vec<(u32, u32)> {
        let mut edges: Vec<(u32, u32)> = t.order[1..]
            .iter()
            .map(|&v| (v.min(t.parent[v as usize]), v.max(t.parent[v as usize])))
            .collect();
        edges.sort_unstable();
        edges
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
            let edges = tree_edges(&t);
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

    /// Hierarchical trees of the 3x3 grid without nodes 2 and 6, with counties {0, 3, 6},
    /// {1, 2, 4, 5} and {7, 8}: the first two lose a node to the mask (their pieces are
    /// relabelled), the third is whole. Each piece is a path, so a county-respecting tree is
    /// the three paths plus one of the two edges 0-1, 3-4 and one of 4-7, 5-8: four trees,
    /// drawn equally often, every one with the pieces' own edges and populations summed right.
    #[test]
    fn masked_hierarchical_trees_are_uniform_county_respecting_trees() {
        let p = grid(3, 3);
        let county = [0u32, 1, 1, 0, 1, 1, 0, 2, 2];
        let lay = CountyLayout::new(&p, &county);
        let inside = |v: usize| v != 2 && v != 6;
        let mut t = MaskedTree::new(&p);
        let mut rng = Rng::from_seed(11);
        let mut counts = std::collections::HashMap::new();
        let draws = 20_000;
        for i in 0..draws {
            let root = [0u32, 4, 8, 5][i % 4];
            t.draw_hierarchical(&lay, &p, inside, root, &mut rng);
            assert_eq!(t.order.len(), 7);
            let edges = tree_edges(&t);
            for e in [(0, 3), (1, 4), (4, 5), (7, 8)] {
                assert!(edges.contains(&e), "{edges:?}");
            }
            assert_eq!(t.piece_of[0], t.piece_of[3]);
            assert_ne!(t.piece_of[0], t.piece_of[1]);
            assert_eq!(
                t.sub[root as usize],
                [0, 1, 3, 4, 5, 7, 8].iter().map(|&v| 1 + v as u64 % 3).sum::<u64>()
            );
            *counts.entry(edges).or_insert(0u64) += 1;
        }
        assert_eq!(counts.len(), 4);
        let expect = draws as f64 / 4.0;
        let chi2: f64 = counts.values().map(|&c| (c as f64 - expect).powi(2) / expect).sum();
        // 3 degrees of freedom: p < 0.001 above 16.27.
        assert!(chi2 < 16.27, "chi-square {chi2}: {counts:?}");
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
