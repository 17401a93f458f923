//! Uniform spanning trees of a region (a set of nodes) by Wilson's algorithm, and the
//! population sums of their subtrees — the machinery shared by ReCom, reversible ReCom and the
//! seed-plan generator.
//!
//! A [`TreeWorkspace`] is allocated once per chain. Loading a region remaps its nodes to local
//! ids `0..m` (in the order given) and builds a local CSR restricted to the region, so that
//! Wilson's random walks index small dense arrays and never test membership. After use the
//! region is cleared in O(m), leaving the global-to-local map all `NONE` again. Nothing here
//! allocates once the buffers have grown to the largest region seen.

use crate::partition::NONE;
use crate::problem::Problem;
use crate::rng::Rng;

const IN_TREE: u64 = 1 << 31;
const DEG_MASK: u64 = IN_TREE - 1;
const SID_IN_TREE: u32 = 1 << 31;
const SID_MASK: u32 = (1 << 24) - 1;

#[derive(Clone, Debug)]
pub(crate) struct TreeWorkspace {
    /// Global node -> local id, `NONE` outside the loaded region.
    local: Vec<u32>,
    /// Local id -> global node.
    pub(crate) nodes: Vec<u32>,
    loff: Vec<u32>,
    /// Per local node: start of its neighbour list in `ladj` (high 32 bits), degree (low 31
    /// bits) and the in-tree flag of Wilson's algorithm.
    meta: Vec<u64>,
    ladj: Vec<u32>,
    /// Fast walk (see [`TreeWorkspace::draw`]): parallel to `ladj`, each neighbour's own
    /// `(start of its list) | degree << 24`, so one load per step both picks a neighbour and
    /// tells where its list is. Nodes are then identified by the start of their list ("sid").
    wadj: Vec<u32>,
    /// Whether `wadj` is usable (regions with < 2^24 adjacency entries, degrees < 256, m >= 2).
    packed: bool,
    /// Per sid: next sid on the walk, with `SID_IN_TREE` once in the tree.
    snext: Vec<u32>,
    /// Per sid: the local node id.
    sid_node: Vec<u32>,
    lpop: Vec<u64>,
    /// Parent of each local node in the last tree (`NONE` at the root).
    pub(crate) parent: Vec<u32>,
    /// The last tree's nodes, parents first (the root first).
    pub(crate) order: Vec<u32>,
    /// Population of the subtree below each local node.
    pub(crate) sub: Vec<u64>,
    pub(crate) cands: Vec<u32>,
    /// Per-local-node marker for the piece being moved.
    pub(crate) mark: Vec<bool>,
    pub(crate) piece: Vec<u32>,
    pub(crate) total: u64,
    /// A node of the first part with a neighbour in another part (`NONE` if none or one part):
    /// a good root for Wilson's algorithm, see [`TreeWorkspace::wilson_root`].
    seam: u32,
    /// County pieces of the loaded region (see [`TreeWorkspace::compute_pieces`]): the piece of
    /// each local node, and how many pieces there are.
    pub(crate) piece_of: Vec<u32>,
    pub(crate) pieces: usize,
    hier: HierScratch,
}

/// Buffers of the hierarchical draw ([`TreeWorkspace::draw_hierarchical`]).
#[derive(Clone, Debug, Default)]
struct HierScratch {
    /// Same-piece adjacency (local CSR).
    ioff: Vec<u32>,
    iadj: Vec<u32>,
    /// Per piece, the region edges leaving it: `(u, v)` local, `u` in the piece.
    poff: Vec<u32>,
    pedge: Vec<(u32, u32)>,
    in_tree: Vec<bool>,
    piece_in_tree: Vec<bool>,
    piece_next: Vec<u32>,
    piece_root: Vec<u32>,
    child_off: Vec<u32>,
    children: Vec<u32>,
    stack: Vec<u32>,
    /// Region-surcharge trees: weighted region edges, union-find, tree adjacency.
    wedges: Vec<(f64, u32, u32)>,
    uf: Vec<u32>,
    tadj_off: Vec<u32>,
    tadj: Vec<u32>,
}

impl TreeWorkspace {
    pub(crate) fn new(n: usize) -> TreeWorkspace {
        TreeWorkspace {
            local: vec![NONE; n],
            nodes: Vec::new(),
            loff: Vec::new(),
            meta: Vec::new(),
            ladj: Vec::new(),
            wadj: Vec::new(),
            packed: false,
            snext: Vec::new(),
            sid_node: Vec::new(),
            lpop: Vec::new(),
            parent: Vec::new(),
            order: Vec::new(),
            sub: Vec::new(),
            cands: Vec::new(),
            mark: Vec::new(),
            piece: Vec::new(),
            total: 0,
            seam: NONE,
            piece_of: Vec::new(),
            pieces: 0,
            hier: HierScratch::default(),
        }
    }

    /// Number of nodes in the loaded region.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Loads the region `parts[0] ∪ parts[1] ∪ ...` (disjoint node lists).
    pub(crate) fn load(&mut self, p: &Problem, parts: &[&[u32]]) {
        self.load_with(p, parts, true);
    }

    /// [`TreeWorkspace::load`] without the packed arrays of the fast uniform walk (`walk` false):
    /// for regions only drawn with [`TreeWorkspace::draw_hierarchical`], which walks on its own
    /// piece structures.
    pub(crate) fn load_with(&mut self, p: &Problem, parts: &[&[u32]], walk: bool) {
        self.nodes.clear();
        for part in parts {
            self.nodes.extend_from_slice(part);
        }
        let m = self.nodes.len();
        for (i, &u) in self.nodes.iter().enumerate() {
            self.local[u as usize] = i as u32;
        }
        self.loff.clear();
        self.ladj.clear();
        self.lpop.clear();
        self.loff.push(0);
        let mut total = 0;
        let first = parts.first().map_or(0, |x| x.len()) as u32;
        self.seam = NONE;
        for (i, &u) in self.nodes.iter().enumerate() {
            for &w in p.nbrs(u) {
                let lw = self.local[w as usize];
                if lw != NONE {
                    self.ladj.push(lw);
                    if lw >= first && (i as u32) < first {
                        self.seam = i as u32;
                    }
                }
            }
            self.loff.push(self.ladj.len() as u32);
            let pu = p.pop[u as usize];
            self.lpop.push(pu);
            total += pu;
        }
        self.total = total;
        let entries = self.ladj.len();
        self.packed = walk
            && m >= 2
            && entries < (1 << 24)
            && self.loff.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] < 256);
        if !walk {
            // Only the hierarchical draw will run on this region.
        } else if self.packed {
            let loff = &self.loff;
            self.wadj.clear();
            self.wadj.extend(self.ladj.iter().map(|&w| {
                let (a, b) = (loff[w as usize], loff[w as usize + 1]);
                a | (b - a) << 24
            }));
            if self.snext.len() < entries {
                self.snext.resize(entries, 0);
                self.sid_node.resize(entries, 0);
            }
            for (i, &start) in loff[..m].iter().enumerate() {
                self.sid_node[start as usize] = i as u32;
            }
        } else {
            self.meta.clear();
            self.meta.extend(self.loff.windows(2).map(|w| (w[0] as u64) << 32 | (w[1] - w[0]) as u64));
        }
        // `parent` and `sub` are fully written by every draw; only their length matters.
        if self.parent.len() < m {
            self.parent.resize(m, NONE);
            self.sub.resize(m, 0);
        }
        self.mark.clear();
        self.mark.resize(m, false);
    }

    /// The root to give Wilson's algorithm: a node on the seam between the first part and the
    /// others when there is one (roughly the middle of a merged district pair, which shortens
    /// the random walks by about 15% on the bench graphs compared with a uniformly random root),
    /// else `fallback`. Any fixed root yields a uniform spanning tree, so this choice affects
    /// speed only.
    pub(crate) fn wilson_root(&self, fallback: u32) -> u32 {
        if self.seam != NONE {
            self.seam
        } else {
            fallback
        }
    }

    /// Forgets the loaded region (restores the global-to-local map).
    pub(crate) fn clear(&mut self) {
        for &u in &self.nodes {
            self.local[u as usize] = NONE;
        }
        self.nodes.clear();
    }

    /// Draws a uniform spanning tree of the (connected) loaded region with Wilson's algorithm,
    /// rooted at local node `root`, then computes subtree populations and collects into `cands`
    /// the local nodes `v` (not the root) whose parent edge, if cut, leaves the subtree of `v`
    /// with population in `[alo, ahi]` and the rest in `[blo, bhi]` (`cut_bounds`). Loop erasure is implicit:
    /// each walk overwrites `parent[u]` on revisiting `u`, so retracing from the start follows
    /// the loop-erased path.
    ///
    /// The walk is latency-bound, so its per-node data is packed into one word (`meta`: start
    /// of the neighbour list, degree, and the in-tree flag) and the generator is copied into
    /// registers for the duration; neighbour choices are exactly uniform (Lemire's method on
    /// the top 32 bits of each output).
    pub(crate) fn draw(&mut self, rng: &mut Rng, root: u32, cut_bounds: (u64, u64, u64, u64)) {
        if self.packed {
            self.walk_packed(rng, root);
        } else {
            self.walk_plain(rng, root);
        }
        self.sums_and_cuts(cut_bounds);
    }

    /// Wilson's walks over the packed adjacency: the critical path of a step is a single load
    /// (the chosen entry of `wadj` gives the next node's list and degree). Same random choices
    /// as [`TreeWorkspace::walk_plain`], hence the same tree for the same generator state.
    fn walk_packed(&mut self, rng: &mut Rng, root: u32) {
        let m = self.len();
        let loff = &self.loff[..];
        let wadj = &self.wadj[..];
        let snext = &mut self.snext[..];
        let sid_node = &self.sid_node[..];
        let parent = &mut self.parent[..m];
        for &s in &loff[..m] {
            snext[s as usize] = 0;
        }
        snext[loff[root as usize] as usize] = SID_IN_TREE;
        parent[root as usize] = NONE;
        let order = &mut self.order;
        order.clear();
        order.push(root);
        let mut r = rng.clone();
        for start in 0..m {
            let s0 = loff[start];
            if snext[s0 as usize] & SID_IN_TREE != 0 {
                continue;
            }
            let mut s = s0;
            let mut deg = (loff[start + 1] - s0) as u64;
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
                let e = wadj[s as usize + (prod >> 32) as usize];
                let s2 = e & SID_MASK;
                snext[s as usize] = s2;
                if snext[s2 as usize] & SID_IN_TREE != 0 {
                    break;
                }
                s = s2;
                deg = (e >> 24) as u64;
            }
            let seg = order.len();
            let mut s = s0;
            loop {
                let t = snext[s as usize];
                if t & SID_IN_TREE != 0 {
                    break;
                }
                snext[s as usize] = t | SID_IN_TREE;
                let node = sid_node[s as usize];
                order.push(node);
                parent[node as usize] = sid_node[t as usize];
                s = t;
            }
            order[seg..].reverse();
        }
        *rng = r;
    }

    /// Wilson's walks over `meta`/`ladj` (any region).
    fn walk_plain(&mut self, rng: &mut Rng, root: u32) {
        let m = self.len();
        let meta = &mut self.meta[..m];
        let parent = &mut self.parent[..m];
        let ladj = &self.ladj[..];
        for x in meta.iter_mut() {
            *x &= !IN_TREE;
        }
        meta[root as usize] |= IN_TREE;
        parent[root as usize] = NONE;
        // `order` lists the tree's nodes parents-first: each loop-erased path is appended in
        // reverse (from the node that joins the tree back to the walk's start).
        let order = &mut self.order;
        order.clear();
        order.push(root);
        let mut r = rng.clone();
        for start in 0..m {
            let mut u = start;
            loop {
                let md = meta[u];
                if md & IN_TREE != 0 {
                    break;
                }
                let deg = md & DEG_MASK;
                let x = r.next_u64() >> 32;
                let mut prod = x * deg;
                if (prod as u32 as u64) < deg {
                    // Lemire's rejection step (probability < deg / 2^32).
                    let threshold = (deg as u32).wrapping_neg() % deg as u32;
                    while (prod as u32) < threshold {
                        prod = (r.next_u64() >> 32) * deg;
                    }
                }
                let w = ladj[(md >> 32) as usize + (prod >> 32) as usize];
                parent[u] = w;
                u = w as usize;
            }
            let seg = order.len();
            let mut u = start;
            while meta[u] & IN_TREE == 0 {
                meta[u] |= IN_TREE;
                order.push(u as u32);
                u = parent[u] as usize;
            }
            order[seg..].reverse();
        }
        *rng = r;
    }

    fn sums_and_cuts(&mut self, cut_bounds: (u64, u64, u64, u64)) {
        let m = self.len();
        debug_assert_eq!(self.order.len(), m);
        // Subtree populations: children come after their parents in `order`, so in reverse
        // order each node's sum is complete when it is reached. The balanced cuts for
        // `cut_bounds` are collected in the same pass.
        self.sub[..m].copy_from_slice(&self.lpop[..m]);
        self.cands.clear();
        let (alo, ahi, blo, bhi) = cut_bounds;
        let total = self.total;
        for i in (1..m).rev() {
            let v = self.order[i] as usize;
            let pv = self.parent[v] as usize;
            let sv = self.sub[v];
            self.sub[pv] += sv;
            if sv >= alo && sv <= ahi && total - sv >= blo && total - sv <= bhi {
                self.cands.push(v as u32);
            }
        }
    }

    /// Population of every subtree of the last tree (`sub`), without collecting cuts.
    pub(crate) fn subtree_sums(&mut self) {
        let m = self.len();
        self.sub[..m].copy_from_slice(&self.lpop[..m]);
        for i in (1..m).rev() {
            let v = self.order[i] as usize;
            let pv = self.parent[v] as usize;
            self.sub[pv] += self.sub[v];
        }
    }

    /// The local CSR of the loaded region (`off`, `adj`).
    pub(crate) fn local_csr(&self) -> (&[u32], &[u32]) {
        (&self.loff, &self.ladj)
    }

    /// Splits the loaded region into county pieces: the connected components of the region's
    /// nodes of each county (`county` is indexed by global node). Fills `piece_of` (local) and
    /// `pieces` (numbered in order of their first local node), and the same-piece adjacency and
    /// per-piece leaving edges that [`TreeWorkspace::draw_hierarchical`] walks on.
    pub(crate) fn compute_pieces(&mut self, county: &[u32]) {
        let m = self.len();
        self.piece_of.clear();
        self.piece_of.resize(m, NONE);
        let mut count = 0u32;
        let stack = &mut self.hier.stack;
        for s in 0..m {
            if self.piece_of[s] != NONE {
                continue;
            }
            let c = county[self.nodes[s] as usize];
            self.piece_of[s] = count;
            stack.clear();
            stack.push(s as u32);
            while let Some(u) = stack.pop() {
                let u = u as usize;
                for &w in &self.ladj[self.loff[u] as usize..self.loff[u + 1] as usize] {
                    if self.piece_of[w as usize] == NONE && county[self.nodes[w as usize] as usize] == c {
                        self.piece_of[w as usize] = count;
                        stack.push(w);
                    }
                }
            }
            count += 1;
        }
        self.pieces = count as usize;
        let np = count as usize;
        let h = &mut self.hier;
        // Same-piece adjacency and the leaving edges of each piece.
        h.ioff.clear();
        h.iadj.clear();
        h.ioff.push(0);
        h.poff.clear();
        h.poff.resize(np + 1, 0);
        for u in 0..m {
            let pu = self.piece_of[u];
            for &w in &self.ladj[self.loff[u] as usize..self.loff[u + 1] as usize] {
                if self.piece_of[w as usize] == pu {
                    h.iadj.push(w);
                } else {
                    h.poff[pu as usize + 1] += 1;
                }
            }
            h.ioff.push(h.iadj.len() as u32);
        }
        for p in 0..np {
            h.poff[p + 1] += h.poff[p];
        }
        h.pedge.clear();
        h.pedge.resize(h.poff[np] as usize, (0, 0));
        // Fill with a running cursor per piece (child_off reused as the cursor).
        h.child_off.clear();
        h.child_off.extend_from_slice(&h.poff[..np]);
        for u in 0..m {
            let pu = self.piece_of[u] as usize;
            for &w in &self.ladj[self.loff[u] as usize..self.loff[u + 1] as usize] {
                if self.piece_of[w as usize] as usize != pu {
                    let at = h.child_off[pu] as usize;
                    h.pedge[at] = (u as u32, w);
                    h.child_off[pu] += 1;
                }
            }
        }
    }

    /// Draws a uniformly random **county-respecting** spanning tree of the loaded region (pieces
    /// from [`TreeWorkspace::compute_pieces`]): a spanning tree whose restriction to every county
    /// piece is itself a spanning tree of that piece. Such trees are exactly a spanning tree of
    /// each piece plus a spanning tree of the piece multigraph (one multi-edge per region edge
    /// between two pieces), so they number `∏ τ(piece) · τ(piece multigraph)`, and drawing each
    /// part uniformly (Wilson's algorithm on each piece, then on the multigraph with a uniformly
    /// chosen leaving edge per walk step) draws the whole uniformly. This is the tree of redist's
    /// hierarchical county constraint: cutting one of its edges splits at most one county piece.
    ///
    /// Fills `parent`, `order` (parents first, rooted at `root`) and `sub` (subtree
    /// populations), like [`TreeWorkspace::draw`] without the cut collection.
    pub(crate) fn draw_hierarchical(&mut self, rng: &mut Rng, root: u32) {
        let m = self.len();
        let np = self.pieces;
        let h = &mut self.hier;
        // 1. A uniform spanning tree of each piece: Wilson's algorithm on the same-piece
        //    adjacency with one root per piece (the root's own piece is rooted at `root`).
        h.in_tree.clear();
        h.in_tree.resize(m, false);
        h.piece_root.clear();
        h.piece_root.resize(np, NONE);
        h.piece_root[self.piece_of[root as usize] as usize] = root;
        for u in 0..m {
            let p = self.piece_of[u] as usize;
            if h.piece_root[p] == NONE {
                h.piece_root[p] = u as u32;
            }
        }
        for &r in &h.piece_root {
            h.in_tree[r as usize] = true;
            self.parent[r as usize] = NONE;
        }
        let parent = &mut self.parent[..m];
        for start in 0..m {
            let mut u = start;
            while !h.in_tree[u] {
                let (a, b) = (h.ioff[u] as usize, h.ioff[u + 1] as usize);
                let w = h.iadj[a + rng.index(b - a)];
                parent[u] = w;
                u = w as usize;
            }
            let mut u = start;
            while !h.in_tree[u] {
                h.in_tree[u] = true;
                u = parent[u] as usize;
            }
        }
        // 2. A uniform spanning tree of the piece multigraph, rooted at the root's piece:
        //    Wilson's walks on pieces, each step a uniformly chosen leaving edge (so parallel
        //    edges count separately). `piece_next[p]` is the index of p's chosen edge.
        h.piece_in_tree.clear();
        h.piece_in_tree.resize(np, false);
        h.piece_next.clear();
        h.piece_next.resize(np, NONE);
        h.piece_in_tree[self.piece_of[root as usize] as usize] = true;
        for start in 0..np {
            let mut p = start;
            while !h.piece_in_tree[p] {
                let (a, b) = (h.poff[p] as usize, h.poff[p + 1] as usize);
                let e = a + rng.index(b - a);
                h.piece_next[p] = e as u32;
                p = self.piece_of[h.pedge[e].1 as usize] as usize;
            }
            let mut p = start;
            while !h.piece_in_tree[p] {
                h.piece_in_tree[p] = true;
                p = self.piece_of[h.pedge[h.piece_next[p] as usize].1 as usize] as usize;
            }
        }
        // 3. Join the piece trees along the chosen edges.
        join_piece_trees(parent, &h.piece_next[..np], &h.pedge);
        // Parents-first order by a traversal from the root over children lists.
        h.child_off.clear();
        h.child_off.resize(m + 1, 0);
        for &pu in parent.iter() {
            if pu != NONE {
                h.child_off[pu as usize + 1] += 1;
            }
        }
        for u in 0..m {
            h.child_off[u + 1] += h.child_off[u];
        }
        h.children.clear();
        h.children.resize(m, 0);
        h.stack.clear();
        h.stack.extend_from_slice(&h.child_off[..m]);
        for (u, &pu) in parent.iter().enumerate() {
            if pu != NONE {
                let at = h.stack[pu as usize] as usize;
                h.children[at] = u as u32;
                h.stack[pu as usize] += 1;
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
        debug_assert_eq!(order.len(), m, "the joined pieces form one tree");
        self.subtree_sums();
    }

    /// Draws the **minimum spanning tree** of random edge weights on the loaded region (Kruskal):
    /// each edge weighs a uniform number in [0, 1) plus `surcharge` when its endpoints lie in
    /// different counties (`county` by global node), as GerryChain's `region_surcharge`. Trees
    /// then cross county lines as little as the weights allow, so balanced cuts fall on county
    /// lines more often. This is not a uniform spanning tree: ReCom with it has no known
    /// closed-form stationary distribution. Fills `parent`, `order`, `sub` and `cands` like
    /// [`TreeWorkspace::draw`].
    pub(crate) fn draw_surcharge(
        &mut self,
        rng: &mut Rng,
        root: u32,
        county: &[u32],
        surcharge: f64,
        cut_bounds: (u64, u64, u64, u64),
    ) {
        let m = self.len();
        let h = &mut self.hier;
        h.wedges.clear();
        for u in 0..m {
            let cu = county[self.nodes[u] as usize];
            for &w in &self.ladj[self.loff[u] as usize..self.loff[u + 1] as usize] {
                if (w as usize) > u {
                    let cross = county[self.nodes[w as usize] as usize] != cu;
                    let weight = rng.unit() + if cross { surcharge } else { 0.0 };
                    h.wedges.push((weight, u as u32, w));
                }
            }
        }
        h.wedges.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        // Kruskal with path-halving union-find; the chosen edges go to `pedge`.
        h.uf.clear();
        h.uf.extend(0..m as u32);
        fn find(uf: &mut [u32], mut x: u32) -> u32 {
            while uf[x as usize] != x {
                let g = uf[uf[x as usize] as usize];
                uf[x as usize] = g;
                x = g;
            }
            x
        }
        h.pedge.clear();
        for &(_, u, w) in &h.wedges {
            let (a, b) = (find(&mut h.uf, u), find(&mut h.uf, w));
            if a != b {
                h.uf[a as usize] = b;
                h.pedge.push((u, w));
                if h.pedge.len() + 1 == m {
                    break;
                }
            }
        }
        // Tree adjacency (CSR), then parents-first order by a traversal from the root.
        h.tadj_off.clear();
        h.tadj_off.resize(m + 1, 0);
        for &(u, w) in &h.pedge {
            h.tadj_off[u as usize + 1] += 1;
            h.tadj_off[w as usize + 1] += 1;
        }
        for u in 0..m {
            h.tadj_off[u + 1] += h.tadj_off[u];
        }
        h.tadj.clear();
        h.tadj.resize(2 * h.pedge.len(), 0);
        h.stack.clear();
        h.stack.extend_from_slice(&h.tadj_off[..m]);
        for &(u, w) in &h.pedge {
            h.tadj[h.stack[u as usize] as usize] = w;
            h.stack[u as usize] += 1;
            h.tadj[h.stack[w as usize] as usize] = u;
            h.stack[w as usize] += 1;
        }
        let parent = &mut self.parent[..m];
        parent.fill(NONE);
        let order = &mut self.order;
        order.clear();
        order.push(root);
        self.mark[root as usize] = true;
        let mut head = 0;
        while head < order.len() {
            let u = order[head] as usize;
            head += 1;
            for &w in &h.tadj[h.tadj_off[u] as usize..h.tadj_off[u + 1] as usize] {
                if !self.mark[w as usize] {
                    self.mark[w as usize] = true;
                    parent[w as usize] = u as u32;
                    order.push(w);
                }
            }
        }
        debug_assert_eq!(order.len(), m);
        for &u in order.iter() {
            self.mark[u as usize] = false;
        }
        self.sums_and_cuts(cut_bounds);
    }

    /// Marks the subtree of local node `v` in `mark` and lists it (local ids) in `piece`: one
    /// pass over the parents-first order.
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

    /// Clears the marks set by [`TreeWorkspace::mark_subtree`].
    pub(crate) fn unmark(&mut self) {
        for &u in &self.piece {
            self.mark[u as usize] = false;
        }
    }

    /// Number of region edges between the marked nodes and the unmarked nodes of county piece
    /// `p` (both endpoints in the piece).
    pub(crate) fn piece_boundary_within(&self, p: u32) -> u32 {
        let mut c = 0;
        for &u in &self.piece {
            let u = u as usize;
            if self.piece_of[u] != p {
                continue;
            }
            for &w in &self.ladj[self.loff[u] as usize..self.loff[u + 1] as usize] {
                if !self.mark[w as usize] && self.piece_of[w as usize] == p {
                    c += 1;
                }
            }
        }
        c
    }

    /// Number of region edges between the marked piece and the rest of the region.
    pub(crate) fn piece_boundary(&self) -> u32 {
        let mut c = 0;
        for &u in &self.piece {
            let u = u as usize;
            for &w in &self.ladj[self.loff[u] as usize..self.loff[u + 1] as usize] {
                if !self.mark[w as usize] {
                    c += 1;
                }
            }
        }
        c
    }
}

/// Joins the spanning trees of county pieces into one tree: every piece whose walk chose the
/// leaving edge `pedge[piece_next[p]] = (u, v)` is re-rooted at `u` (the parent links from `u` up
/// to the piece's root are reversed) and `u` is hung under `v`. `parent` holds each piece's own
/// tree (`NONE` at its root); the root's piece has `piece_next = NONE`. Shared by the loaded
/// hierarchical draw and SMC's masked one ([`crate::masked`]).
pub(crate) fn join_piece_trees(parent: &mut [u32], piece_next: &[u32], pedge: &[(u32, u32)]) {
    for &e in piece_next {
        if e == NONE {
            continue;
        }
        let (u, v) = pedge[e as usize];
        let mut prev = v;
        let mut cur = u;
        loop {
            let next = parent[cur as usize];
            parent[cur as usize] = prev;
            if next == NONE {
                break;
            }
            prev = cur;
            cur = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redraw_graph::{Column, Graph};

    /// The packed walk and the plain walk make the same random choices, so they must return the
    /// same tree from the same generator state.
    #[test]
    fn packed_and_plain_walks_agree() {
        let (w, h) = (9usize, 7usize);
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
                // Some diagonals for uneven degrees.
                if x + 1 < w && y + 1 < h && (x + y) % 3 == 0 {
                    edges.push((i, i + w as u32 + 1));
                }
            }
        }
        let n = w * h;
        let mut g = Graph::from_edges((0..n).map(|i| i.to_string()).collect(), &edges, None).unwrap();
        g.set_column("pop", Column::Int(vec![1; n])).unwrap();
        let spec = crate::ProblemSpec {
            pop_column: "pop".into(),
            districts: 2,
            tolerance: 0.5,
            elections: vec![],
            county: None,
            max_county_splits: None,
            tracked: Vec::new(),
        };
        let p = Problem::new(&g, &spec).unwrap();
        let a: Vec<u32> = (0..n as u32).filter(|i| i % 3 != 0).collect();
        let b: Vec<u32> = (0..n as u32).filter(|i| i % 3 == 0).collect();
        let mut ws = TreeWorkspace::new(n);
        ws.load(&p, &[&a, &b]);
        assert!(ws.packed);
        for seed in 0..20 {
            let root = (seed * 7 % n as u64) as u32;
            let mut r1 = Rng::from_seed(seed);
            let mut r2 = Rng::from_seed(seed);
            ws.walk_packed(&mut r1, root);
            let (p1, o1) = (ws.parent[..n].to_vec(), ws.order.clone());
            ws.meta.clear();
            ws.meta.extend(ws.loff.windows(2).map(|w| (w[0] as u64) << 32 | (w[1] - w[0]) as u64));
            ws.walk_plain(&mut r2, root);
            assert_eq!(p1, ws.parent[..n].to_vec(), "seed {seed}");
            assert_eq!(o1, ws.order, "seed {seed}");
            assert_eq!(r1, r2);
            // A spanning tree: n - 1 parent links, every node reaches the root.
            assert_eq!(p1.iter().filter(|&&x| x == NONE).count(), 1);
            assert_eq!(o1.len(), n);
        }
    }
}
