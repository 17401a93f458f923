//! Logarithms of spanning-tree counts, for the compactness exponent ρ ≠ 1 of SMC and
//! merge-split (at ρ = 1 every τ cancels and nothing here runs).
//!
//! By the matrix-tree theorem τ(G) is the determinant of the Laplacian of `G` with one row and
//! column removed. That matrix is symmetric positive definite for a connected graph, so its log
//! determinant is `2 Σ ln L_ii` of its Cholesky factor `L`. Districts are planar pieces of a few
//! hundred to a few thousand units: after a reverse Cuthill–McKee ordering their Laplacian is a
//! band of width ~√m, and an envelope (skyline) Cholesky factorises it in O(m · width²) time and
//! O(m · width) memory, instead of the O(m³) of a dense factorisation. Multigraphs (the county
//! graph of the hierarchical trees) are handled by edge multiplicities.
//!
//! A [`TreeCounter`] keeps its buffers between calls; nothing is allocated once they have grown.

use crate::partition::NONE;
use crate::problem::Problem;

/// Scratch space for [`TreeCounter::log_count`].
#[derive(Clone, Debug, Default)]
pub(crate) struct TreeCounter {
    /// Position of each node in the elimination order (`usize::MAX` = unvisited).
    pos: Vec<usize>,
    order: Vec<u32>,
    queue: Vec<u32>,
    nbr_buf: Vec<u32>,
    /// Envelope: row `i` holds columns `first[i]..=i` at `start[i]..`.
    first: Vec<usize>,
    start: Vec<usize>,
    env: Vec<f64>,
}

impl TreeCounter {
    pub(crate) fn new() -> TreeCounter {
        TreeCounter::default()
    }

    /// `ln τ` of the connected graph on local nodes `0..m` with adjacency `adj[off[u]..off[u+1]]`
    /// (symmetric, no loops; a neighbour listed twice is two parallel edges) and, when given,
    /// a multiplicity per adjacency entry (`mult` parallel to `adj`). Returns `0.0` (one tree)
    /// for `m <= 1` and `-inf` when the graph is disconnected.
    pub(crate) fn log_count(&mut self, m: usize, off: &[u32], adj: &[u32], mult: Option<&[f64]>) -> f64 {
        if m <= 1 {
            return 0.0;
        }
        self.rcm(m, off, adj);
        if self.order.len() < m {
            return f64::NEG_INFINITY;
        }
        // The reduced Laplacian drops the last node of the order (any node will do).
        let d = m - 1;
        // Envelope: the first column of row i is the smallest position among i's neighbours
        // (kept to the lower triangle).
        self.first.clear();
        self.start.clear();
        let mut total = 0usize;
        for i in 0..d {
            let u = self.order[i] as usize;
            let mut f = i;
            for &w in &adj[off[u] as usize..off[u + 1] as usize] {
                let j = self.pos[w as usize];
                if j < f {
                    f = j;
                }
            }
            self.first.push(f);
            self.start.push(total);
            total += i - f + 1;
        }
        self.env.clear();
        self.env.resize(total, 0.0);
        for i in 0..d {
            let u = self.order[i] as usize;
            let (f, s) = (self.first[i], self.start[i]);
            let mut degree = 0.0;
            for (e, &w) in adj[off[u] as usize..off[u + 1] as usize].iter().enumerate() {
                let weight = mult.map_or(1.0, |m| m[off[u] as usize + e]);
                degree += weight;
                let j = self.pos[w as usize];
                if j < i {
                    self.env[s + (j - f)] -= weight;
                }
            }
            self.env[s + (i - f)] = degree;
        }
        // Row-by-row Cholesky inside the envelope.
        let mut log_det = 0.0;
        for i in 0..d {
            let (fi, si) = (self.first[i], self.start[i]);
            for j in fi..i {
                let (fj, sj) = (self.first[j], self.start[j]);
                let lo = fi.max(fj);
                let mut acc = self.env[si + (j - fi)];
                let (ri, rj) =
                    (&self.env[si + (lo - fi)..si + (j - fi)], &self.env[sj + (lo - fj)..sj + (j - fj)]);
                for (a, b) in ri.iter().zip(rj) {
                    acc -= a * b;
                }
                let diag = self.env[sj + (j - fj)];
                self.env[si + (j - fi)] = acc / diag;
            }
            let row = &self.env[si..si + (i - fi)];
            let diag = self.env[si + (i - fi)] - row.iter().map(|x| x * x).sum::<f64>();
            if diag <= 0.0 {
                // Only a disconnected graph makes the reduced Laplacian singular.
                return f64::NEG_INFINITY;
            }
            let l = diag.sqrt();
            self.env[si + (i - fi)] = l;
            log_det += l.ln();
        }
        2.0 * log_det
    }

    /// Reverse Cuthill–McKee order of the component of a minimum-degree node: `order[p]` is the
    /// node at position `p`, `pos[u]` its inverse. Leaves `order` short if the graph is
    /// disconnected.
    fn rcm(&mut self, m: usize, off: &[u32], adj: &[u32]) {
        let deg = |u: usize| off[u + 1] - off[u];
        self.pos.clear();
        self.pos.resize(m, usize::MAX);
        self.order.clear();
        let start = (0..m).min_by_key(|&u| deg(u)).unwrap_or(0);
        self.queue.clear();
        self.queue.push(start as u32);
        self.pos[start] = 0;
        let mut head = 0;
        while head < self.queue.len() {
            let u = self.queue[head] as usize;
            head += 1;
            self.nbr_buf.clear();
            for &w in &adj[off[u] as usize..off[u + 1] as usize] {
                if self.pos[w as usize] == usize::MAX {
                    self.pos[w as usize] = 0;
                    self.nbr_buf.push(w);
                }
            }
            self.nbr_buf.sort_unstable_by_key(|&w| (deg(w as usize), w));
            self.queue.extend_from_slice(&self.nbr_buf);
        }
        if self.queue.len() < m {
            self.order.clear();
            return;
        }
        self.order.extend(self.queue.iter().rev());
        for (p, &u) in self.order.iter().enumerate() {
            self.pos[u as usize] = p;
        }
    }
}

/// `ln τ` of districts given as global node lists: builds each district's local CSR (and, for
/// county-respecting counts, its pieces and piece multigraph) in reused buffers and hands it to
/// a [`TreeCounter`].
#[derive(Clone, Debug)]
pub(crate) struct DistrictTrees {
    counter: TreeCounter,
    sub_local: Vec<u32>,
    sub_off: Vec<u32>,
    sub_adj: Vec<u32>,
    sub_mult: Vec<f64>,
    sub_piece: Vec<u32>,
    sub_stack: Vec<u32>,
    pairs: Vec<(u32, u32)>,
    moff: Vec<u32>,
    members: Vec<u32>,
}

impl DistrictTrees {
    pub(crate) fn new(n: usize) -> DistrictTrees {
        DistrictTrees {
            counter: TreeCounter::new(),
            sub_local: vec![NONE; n],
            sub_off: Vec::new(),
            sub_adj: Vec::new(),
            sub_mult: Vec::new(),
            sub_piece: vec![NONE; n],
            sub_stack: Vec::new(),
            pairs: Vec::new(),
            moff: Vec::new(),
            members: Vec::new(),
        }
    }

    /// `ln τ` of the subgraph induced by `nodes` (connected), or with `hier` `ln τ_h`, the
    /// number of county-respecting spanning trees: `Σ ln τ(piece) + ln τ(piece multigraph)`.
    pub(crate) fn log_tau(&mut self, p: &Problem, hier: bool, nodes: &[u32]) -> f64 {
        let scr = self;
        for (i, &u) in nodes.iter().enumerate() {
            scr.sub_local[u as usize] = i as u32;
        }
        let m = nodes.len();
        let result = if !hier {
            scr.sub_off.clear();
            scr.sub_adj.clear();
            scr.sub_off.push(0);
            for &u in nodes {
                for &w in p.nbrs(u) {
                    let lw = scr.sub_local[w as usize];
                    if lw != NONE {
                        scr.sub_adj.push(lw);
                    }
                }
                scr.sub_off.push(scr.sub_adj.len() as u32);
            }
            scr.counter.log_count(m, &scr.sub_off, &scr.sub_adj, None)
        } else {
            let county = p.county.as_deref().expect("validated");
            // Pieces: components of the district's nodes of each county.
            let mut np = 0u32;
            for &u in nodes {
                if scr.sub_piece[u as usize] != NONE {
                    continue;
                }
                let c = county[u as usize];
                scr.sub_piece[u as usize] = np;
                scr.sub_stack.clear();
                scr.sub_stack.push(u);
                while let Some(x) = scr.sub_stack.pop() {
                    for &w in p.nbrs(x) {
                        if scr.sub_local[w as usize] != NONE
                            && scr.sub_piece[w as usize] == NONE
                            && county[w as usize] == c
                        {
                            scr.sub_piece[w as usize] = np;
                            scr.sub_stack.push(w);
                        }
                    }
                }
                np += 1;
            }
            let mut total = 0.0;
            // τ of each piece: its nodes grouped by a counting sort into `members`, local ids
            // renumbered per piece through `sub_local` (restored at the end).
            scr.moff.clear();
            scr.moff.resize(np as usize + 1, 0);
            for &u in nodes {
                scr.moff[scr.sub_piece[u as usize] as usize + 1] += 1;
            }
            for i in 0..np as usize {
                scr.moff[i + 1] += scr.moff[i];
            }
            scr.members.clear();
            scr.members.resize(nodes.len(), 0);
            scr.sub_stack.clear();
            scr.sub_stack.extend_from_slice(&scr.moff[..np as usize]);
            for &u in nodes {
                let q = scr.sub_piece[u as usize] as usize;
                scr.members[scr.sub_stack[q] as usize] = u;
                scr.sub_stack[q] += 1;
            }
            for q in 0..np as usize {
                let piece = &scr.members[scr.moff[q] as usize..scr.moff[q + 1] as usize];
                for (i, &u) in piece.iter().enumerate() {
                    scr.sub_local[u as usize] = i as u32;
                }
                scr.sub_off.clear();
                scr.sub_adj.clear();
                scr.sub_off.push(0);
                let pid = scr.sub_piece[piece[0] as usize];
                for &u in piece {
                    for &w in p.nbrs(u) {
                        if scr.sub_piece[w as usize] == pid && scr.sub_local[w as usize] != NONE {
                            scr.sub_adj.push(scr.sub_local[w as usize]);
                        }
                    }
                    scr.sub_off.push(scr.sub_adj.len() as u32);
                }
                total += scr.counter.log_count(piece.len(), &scr.sub_off, &scr.sub_adj, None);
            }
            // The piece multigraph: multiplicity = number of edges between two pieces.
            scr.pairs.clear();
            for &u in nodes {
                for &w in p.nbrs(u) {
                    let (a, b) = (scr.sub_piece[u as usize], scr.sub_piece[w as usize]);
                    if b != NONE && a != b {
                        scr.pairs.push((a, b));
                    }
                }
            }
            scr.pairs.sort_unstable();
            scr.sub_off.clear();
            scr.sub_adj.clear();
            scr.sub_mult.clear();
            scr.sub_off.push(0);
            let mut i = 0;
            for a in 0..np {
                while i < scr.pairs.len() && scr.pairs[i].0 == a {
                    let b = scr.pairs[i].1;
                    let mut cnt = 0.0;
                    while i < scr.pairs.len() && scr.pairs[i] == (a, b) {
                        cnt += 1.0;
                        i += 1;
                    }
                    scr.sub_adj.push(b);
                    scr.sub_mult.push(cnt);
                }
                scr.sub_off.push(scr.sub_adj.len() as u32);
            }
            total += scr.counter.log_count(np as usize, &scr.sub_off, &scr.sub_adj, Some(&scr.sub_mult));
            for &u in nodes {
                scr.sub_piece[u as usize] = NONE;
            }
            total
        };
        for &u in nodes {
            scr.sub_local[u as usize] = NONE;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(w: usize, h: usize) -> (Vec<u32>, Vec<u32>) {
        let n = w * h;
        let mut rows: Vec<Vec<u32>> = vec![Vec::new(); n];
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                if x + 1 < w {
                    rows[i].push((i + 1) as u32);
                    rows[i + 1].push(i as u32);
                }
                if y + 1 < h {
                    rows[i].push((i + w) as u32);
                    rows[i + w].push(i as u32);
                }
            }
        }
        let mut off = vec![0u32];
        let mut adj = Vec::new();
        for r in rows {
            adj.extend(r);
            off.push(adj.len() as u32);
        }
        (off, adj)
    }

    #[test]
    fn known_counts() {
        let mut t = TreeCounter::new();
        // Grid graphs: 2x2 = 4 (a 4-cycle), 3x3 = 192, 4x4 = 100,352, 10x10 ≈ 5.7e42
        // (OEIS A007341: 5,694,319,004,079,097,795,957,215,725,765,328,371,712,000).
        for (w, h, want) in
            [(2, 2, 4f64), (3, 3, 192.0), (4, 4, 100_352.0), (10, 10, 5.694_319_004_079_098e42)]
        {
            let (off, adj) = grid(w, h);
            let got = t.log_count(w * h, &off, &adj, None);
            assert!((got - want.ln()).abs() < 1e-9 * want.ln().max(1.0), "{w}x{h}: {} vs {want}", got.exp());
        }
        // A path has one spanning tree; K4 has 16; a single node has one.
        let (off, adj) = grid(7, 1);
        assert!(t.log_count(7, &off, &adj, None).abs() < 1e-12);
        let off = [0, 3, 6, 9, 12];
        let adj = [1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2];
        assert!((t.log_count(4, &off, &adj, None) - 16f64.ln()).abs() < 1e-12);
        assert_eq!(t.log_count(1, &[0, 0], &[], None), 0.0);
    }

    #[test]
    fn multiplicities_and_disconnection() {
        let mut t = TreeCounter::new();
        // Two nodes joined by 3 parallel edges: 3 trees. A triangle with one doubled edge: 5.
        assert!((t.log_count(2, &[0, 1, 2], &[1, 0], Some(&[3.0, 3.0])) - 3f64.ln()).abs() < 1e-12);
        let off = [0, 2, 4, 6];
        let adj = [1, 2, 0, 2, 0, 1];
        let mult = [2.0, 1.0, 2.0, 1.0, 1.0, 1.0];
        assert!((t.log_count(3, &off, &adj, Some(&mult)) - 5f64.ln()).abs() < 1e-12);
        // Two isolated edges: no spanning tree.
        assert_eq!(t.log_count(4, &[0, 1, 2, 3, 4], &[1, 0, 3, 2], None), f64::NEG_INFINITY);
    }
}
