//! networkx adjacency JSON, the format of GerryChain's `Graph.from_json`/`to_json` and frcw's
//! `--graph-json`:
//!
//! ```json
//! {"directed": false, "multigraph": false, "graph": [...],
//!  "nodes": [{"GEOID": "37001000001", "TOTAL_POP": 5135, "id": 0}, ...],
//!  "adjacency": [[{"id": 1, "shared_perim": 0.12}, ...], ...]}
//! ```
//!
//! `adjacency[i]` lists the neighbours of `nodes[i]` by their `id` (an integer or a string).
//! Node `i` of the [`Graph`] is `nodes[i]` (array order, as frcw and GerryChain number them) and
//! its label is its `id` as text. Every other node attribute becomes a column (typed as in
//! [`crate::attrs`]: JSON integers → `Int`, other numbers → `Float`, strings → `Text`). Python's
//! `json` writes missing floats as the non-standard `NaN`/`Infinity`; those, `null` and absent
//! keys in an otherwise numeric column become `NaN` in a `Float` column, with a note (in a text
//! column they become ""). When every adjacency entry carries a numeric `shared_perim`, it
//! becomes the edge length.
//!
//! The reader streams the document once with serde visitors: node attributes go straight into
//! typed column builders, adjacency entries straight into a flat `u32` CSR buffer (unneeded edge
//! attributes are skipped unbuilt), and no `serde_json::Value` tree or per-node map is kept. CA's
//! 25,607-node, 10 MB file reads in ~32 ms with the process peaking at ~19 MB (the text itself
//! is 10 MB of that).

use std::collections::HashMap;
use std::fmt;
use std::io::Write;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::ReadError;
use crate::graph::{close, Column, Graph};
use crate::read::Loaded;

/// The edge attribute read as (and written as) the shared-border length.
pub const LENGTH_ATTR: &str = "shared_perim";

// Memory: the reader makes one streaming pass over the text. Node attributes go straight into
// typed per-column builders and each adjacency entry straight into a flat `u32` target buffer,
// so besides the input text the peak holds little more than the finished graph (no
// `serde_json::Value` tree, no per-node maps, no edge-list copies).

/// The text form of a node id: strings as they are, numbers in JSON notation.
fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn id_text_owned(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// One cell of a numeric column under construction: the JSON number as written (so that a
/// column that turns out to be text shows it exactly as the file did) or a gap.
#[derive(Clone, Copy)]
enum Num {
    I(i64),
    U(u64),
    F(f64),
    Gap,
}

impl Num {
    fn f64(self) -> f64 {
        match self {
            Num::I(x) => x as f64,
            Num::U(x) => x as f64,
            Num::F(x) => x,
            Num::Gap => f64::NAN,
        }
    }
    fn text(self) -> Option<String> {
        match self {
            Num::I(x) => Some(x.to_string()),
            Num::U(x) => Some(x.to_string()),
            Num::F(x) => {
                Some(serde_json::Number::from_f64(x).map_or_else(|| x.to_string(), |n| n.to_string()))
            }
            Num::Gap => None,
        }
    }
}

/// A node attribute column built while the nodes stream by. It starts as the narrowest type its
/// values allow and widens (Int → numbers with gaps → Text) when a value needs it, following the
/// typing rule of the module doc.
enum ColumnBuilder {
    /// Every value so far an integer (no gaps).
    Int(Vec<i64>),
    /// Numbers and gaps (absent or `null`).
    Num(Vec<Num>),
    /// Text; `missing` lists the nodes (ascending) that had no value.
    Text { values: Vec<String>, missing: Vec<u32> },
}

impl ColumnBuilder {
    /// A column first seen at node `i`: nodes `0..i` did not have it.
    fn new(i: usize) -> ColumnBuilder {
        if i == 0 {
            ColumnBuilder::Int(Vec::new())
        } else {
            ColumnBuilder::Num(vec![Num::Gap; i])
        }
    }

    fn len(&self) -> usize {
        match self {
            ColumnBuilder::Int(v) => v.len(),
            ColumnBuilder::Num(v) => v.len(),
            ColumnBuilder::Text { values, .. } => values.len(),
        }
    }

    fn widen_to_num(&mut self) {
        if let ColumnBuilder::Int(v) = self {
            *self = ColumnBuilder::Num(v.iter().map(|&x| Num::I(x)).collect());
        }
    }

    fn widen_to_text(&mut self) {
        let (values, missing) = match self {
            ColumnBuilder::Text { .. } => return,
            ColumnBuilder::Int(v) => (v.iter().map(i64::to_string).collect(), Vec::new()),
            ColumnBuilder::Num(v) => {
                let missing = (0..v.len() as u32).filter(|&i| matches!(v[i as usize], Num::Gap)).collect();
                (v.iter().map(|x| x.text().unwrap_or_default()).collect(), missing)
            }
        };
        *self = ColumnBuilder::Text { values, missing };
    }

    /// Sets the value of node `i` (the last node, or the next one; a key repeated within one
    /// node object replaces its earlier value, as JSON object semantics say).
    fn set(&mut self, i: usize, v: Value) {
        if self.len() > i {
            match self {
                ColumnBuilder::Int(x) => {
                    x.pop();
                }
                ColumnBuilder::Num(x) => {
                    x.pop();
                }
                ColumnBuilder::Text { values, missing } => {
                    values.pop();
                    if missing.last() == Some(&(i as u32)) {
                        missing.pop();
                    }
                }
            }
        }
        let num = match &v {
            Value::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
                (Some(x), _) => Num::I(x),
                (None, Some(x)) => Num::U(x),
                _ => Num::F(n.as_f64().unwrap_or(f64::NAN)),
            }),
            Value::Null => Some(Num::Gap),
            _ => None,
        };
        if let (ColumnBuilder::Int(x), Some(Num::I(y))) = (&mut *self, num) {
            x.push(y);
            return;
        }
        if num.is_some() {
            self.widen_to_num();
        } else {
            self.widen_to_text();
        }
        match self {
            ColumnBuilder::Num(x) => x.push(num.expect("numbers and gaps only")),
            ColumnBuilder::Text { values, missing } => match v {
                Value::Null => {
                    missing.push(i as u32);
                    values.push(String::new());
                }
                Value::String(s) => values.push(s),
                Value::Number(_) => values.push(num.and_then(Num::text).unwrap_or_default()),
                other => values.push(other.to_string()),
            },
            ColumnBuilder::Int(_) => unreachable!("widened above"),
        }
    }

    /// Records that node `i` has no value.
    fn gap(&mut self, i: usize) {
        self.set(i, Value::Null);
    }

    /// The finished column and the note about gaps, if any.
    fn finish(self, name: &str, labels: &[String]) -> (Column, Option<String>) {
        let n = labels.len();
        let describe = |count: usize, first: usize, kept: &str| {
            format!(
                "column {name:?}: {count} of {n} nodes have no value (first: node {:?}); {kept}",
                labels[first]
            )
        };
        match self {
            ColumnBuilder::Int(v) => (Column::Int(v), None),
            ColumnBuilder::Num(v) => {
                if let Some(ints) =
                    v.iter().map(|x| if let Num::I(i) = x { Some(*i) } else { None }).collect()
                {
                    return (Column::Int(ints), None);
                }
                let gaps = v.iter().filter(|x| matches!(x, Num::Gap)).count();
                if gaps == 0 {
                    return (Column::Float(v.iter().map(|x| x.f64()).collect()), None);
                }
                let first = v.iter().position(|x| matches!(x, Num::Gap)).expect("has gaps");
                if gaps < n {
                    let note = describe(gaps, first, "read as NaN");
                    return (Column::Float(v.iter().map(|x| x.f64()).collect()), Some(note));
                }
                (Column::Text(vec![String::new(); n]), Some(describe(gaps, first, "kept as text")))
            }
            ColumnBuilder::Text { values, missing } => {
                let note = missing.first().map(|&f| describe(missing.len(), f as usize, "kept as text"));
                (Column::Text(values), note)
            }
        }
    }
}

/// The `nodes` array as it streams by.
#[derive(Default)]
struct Nodes {
    labels: Vec<String>,
    /// The first missing or duplicate id, in node order.
    error: Option<ReadError>,
    /// Label → node; `None` while the labels are exactly "0", "1", ... (the common layout, where
    /// a neighbour id is its own node index and no map is needed).
    index: Option<HashMap<String, u32>>,
    columns: Vec<(String, ColumnBuilder)>,
    by_name: HashMap<String, usize>,
}

impl Nodes {
    fn add_label(&mut self, label: Option<String>) {
        let i = self.labels.len();
        let Some(label) = label else {
            if self.error.is_none() {
                self.error = Some(ReadError::MissingNodeId { location: format!("nodes[{i}]") });
            }
            self.labels.push(String::new());
            if self.index.is_none() {
                self.index = Some(self.identity_index());
            }
            return;
        };
        if self.index.is_none() && is_index_text(&label, i) {
            self.labels.push(label);
            return;
        }
        let index = match &mut self.index {
            Some(index) => index,
            None => {
                let built = self.identity_index();
                self.index.insert(built)
            }
        };
        if let Some(&first) = index.get(&label) {
            if self.error.is_none() {
                self.error = Some(ReadError::DuplicateId {
                    id: label.clone(),
                    first: format!("nodes[{first}]"),
                    second: format!("nodes[{i}]"),
                });
            }
        } else {
            index.insert(label.clone(), i as u32);
        }
        self.labels.push(label);
    }

    /// The map for labels "0".."i-1" when the identity layout stops holding at node i.
    fn identity_index(&self) -> HashMap<String, u32> {
        let mut m = HashMap::with_capacity(self.labels.len() * 2);
        m.extend(self.labels.iter().enumerate().map(|(j, l)| (l.clone(), j as u32)));
        m
    }

    /// The node a neighbour id names, if any.
    fn resolve(&self, id: &Value) -> Option<u32> {
        let n = self.labels.len() as u64;
        match (&self.index, id) {
            (None, Value::Number(x)) => x.as_u64().filter(|&v| v < n).map(|v| v as u32),
            (None, Value::String(s)) => {
                s.parse::<u64>().ok().filter(|&v| v < n && is_index_text(s, v as usize)).map(|v| v as u32)
            }
            (None, _) => None,
            (Some(index), Value::String(s)) => index.get(s.as_str()).copied(),
            (Some(index), other) => index.get(&other.to_string()).copied(),
        }
    }
}

/// Whether `s` is exactly the decimal text of `i`.
fn is_index_text(s: &str, i: usize) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && b.iter().all(u8::is_ascii_digit) && (b.len() == 1 || b[0] != b'0') && s.parse() == Ok(i)
}

/// The `adjacency` array: list `u`'s resolved targets are `targets[ends[u]..ends[u + 1]]`.
struct Adjacency {
    ends: Vec<u32>,
    targets: Vec<u32>,
    /// Neighbour ids kept as text when `adjacency` precedes `nodes` in the file (resolved after).
    deferred: Vec<String>,
    /// Shared-border lengths (NaN where absent), kept only once some entry has one.
    lengths: Vec<f64>,
    with_length: usize,
    /// The first unknown id or self-loop, in entry order.
    error: Option<ReadError>,
}

impl Adjacency {
    fn push(&mut self, nodes: Option<&Nodes>, id: Value, length: Option<f64>) {
        let u = self.ends.len() - 1;
        let e = self.targets.len();
        match nodes {
            None => {
                self.deferred.push(id_text_owned(id));
                self.targets.push(u32::MAX);
            }
            Some(nodes) => {
                let v = self.check(nodes, u, nodes.resolve(&id), || id_text(&id));
                self.targets.push(v);
            }
        }
        if let Some(l) = length {
            self.lengths.resize(e, f64::NAN);
            self.lengths.push(l);
            self.with_length += 1;
        }
    }

    /// Records an unknown id or a self-loop of list `u` (the first one only).
    fn check(&mut self, nodes: &Nodes, u: usize, v: Option<u32>, text: impl FnOnce() -> String) -> u32 {
        let label = || nodes.labels.get(u).cloned().unwrap_or_default();
        match v {
            Some(v) if v as usize == u => {
                if self.error.is_none() {
                    self.error = Some(ReadError::SelfLoop { node: label() });
                }
                u32::MAX
            }
            Some(v) => v,
            None => {
                if self.error.is_none() {
                    self.error = Some(ReadError::UnknownId {
                        location: format!("adjacency[{u}] (neighbours of node {:?})", label()),
                        id: text(),
                    });
                }
                u32::MAX
            }
        }
    }

    fn end_list<E: de::Error>(&mut self) -> Result<(), E> {
        let end = u32::try_from(self.targets.len())
            .map_err(|_| E::custom("more than u32::MAX adjacency entries"))?;
        self.ends.push(end);
        Ok(())
    }

    /// Resolves the ids kept as text (adjacency before nodes). A node's label is its id's text,
    /// so resolving the text is the same as resolving the id.
    fn resolve_deferred(&mut self, nodes: &Nodes) {
        let deferred = std::mem::take(&mut self.deferred);
        let mut texts = deferred.into_iter();
        for u in 0..self.ends.len() - 1 {
            for k in self.ends[u] as usize..self.ends[u + 1] as usize {
                let id = Value::String(texts.next().expect("one text per entry"));
                let v = nodes.resolve(&id);
                self.targets[k] = self.check(nodes, u, v, || id_text(&id));
            }
        }
    }
}

/// What one pass over the document collects.
#[derive(Default)]
struct Doc {
    directed: bool,
    multigraph: bool,
    nodes: Option<Nodes>,
    adjacency: Option<Adjacency>,
    links: bool,
}

impl<'de> Visitor<'de> for &mut Doc {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a networkx adjacency JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(TopKeySeed)? {
            match key {
                TopKey::Directed => self.directed = map.next_value()?,
                TopKey::Multigraph => self.multigraph = map.next_value()?,
                TopKey::Nodes => {
                    if self.nodes.is_some() {
                        return Err(de::Error::duplicate_field("nodes"));
                    }
                    let mut nodes = Nodes::default();
                    map.next_value_seed(NodesSeed(&mut nodes))?;
                    self.nodes = Some(nodes);
                }
                TopKey::Adjacency => {
                    if self.adjacency.is_some() {
                        return Err(de::Error::duplicate_field("adjacency"));
                    }
                    let mut adj = Adjacency {
                        ends: vec![0],
                        targets: Vec::new(),
                        deferred: Vec::new(),
                        lengths: Vec::new(),
                        with_length: 0,
                        error: None,
                    };
                    map.next_value_seed(AdjacencySeed { adj: &mut adj, nodes: self.nodes.as_ref() })?;
                    self.adjacency = Some(adj);
                }
                TopKey::Links => {
                    map.next_value::<IgnoredAny>()?;
                    self.links = true;
                }
                TopKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.nodes.is_none() {
            return Err(de::Error::missing_field("nodes"));
        }
        Ok(())
    }
}

/// A top-level key, matched without allocating.
enum TopKey {
    Directed,
    Multigraph,
    Nodes,
    Adjacency,
    Links,
    Other,
}

struct TopKeySeed;

impl<'de> DeserializeSeed<'de> for TopKeySeed {
    type Value = TopKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TopKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TopKeySeed {
    type Value = TopKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<TopKey, E> {
        Ok(match s {
            "directed" => TopKey::Directed,
            "multigraph" => TopKey::Multigraph,
            "nodes" => TopKey::Nodes,
            "adjacency" => TopKey::Adjacency,
            "links" => TopKey::Links,
            _ => TopKey::Other,
        })
    }
}

struct NodesSeed<'a>(&'a mut Nodes);

impl<'de> DeserializeSeed<'de> for NodesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for NodesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of node objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(NodeSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct NodeSeed<'a>(&'a mut Nodes);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// A node object's key: `id`, a known column, or a new column.
enum NodeKey {
    Id,
    Column(usize),
    New(String),
}

struct NodeKeySeed<'a>(&'a HashMap<String, usize>);

impl<'de> DeserializeSeed<'de> for NodeKeySeed<'_> {
    type Value = NodeKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<NodeKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NodeKeySeed<'_> {
    type Value = NodeKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<NodeKey, E> {
        Ok(match (s, self.0.get(s)) {
            ("id", _) => NodeKey::Id,
            (_, Some(&c)) => NodeKey::Column(c),
            _ => NodeKey::New(s.to_string()),
        })
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a node object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let nodes = self.0;
        let i = nodes.labels.len();
        let mut id = None;
        while let Some(key) = map.next_key_seed(NodeKeySeed(&nodes.by_name))? {
            match key {
                NodeKey::Id => id = Some(id_text_owned(map.next_value::<Value>()?)),
                NodeKey::Column(c) => nodes.columns[c].1.set(i, map.next_value::<Value>()?),
                NodeKey::New(name) => {
                    let mut col = ColumnBuilder::new(i);
                    col.set(i, map.next_value::<Value>()?);
                    nodes.by_name.insert(name.clone(), nodes.columns.len());
                    nodes.columns.push((name, col));
                }
            }
        }
        for (_, col) in &mut nodes.columns {
            if col.len() == i {
                col.gap(i);
            }
        }
        nodes.add_label(id);
        Ok(())
    }
}

struct AdjacencySeed<'a> {
    adj: &'a mut Adjacency,
    nodes: Option<&'a Nodes>,
}

impl<'de> DeserializeSeed<'de> for AdjacencySeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for AdjacencySeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of adjacency lists")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(ListSeed { adj: &mut *self.adj, nodes: self.nodes })?.is_some() {
            self.adj.end_list()?;
        }
        Ok(())
    }
}

struct ListSeed<'a> {
    adj: &'a mut Adjacency,
    nodes: Option<&'a Nodes>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an adjacency list (array of entry objects)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some((id, length)) = seq.next_element_seed(EntrySeed)? {
            self.adj.push(self.nodes, id, length);
        }
        Ok(())
    }
}

/// One adjacency entry; only `id` and the length attribute are kept.
struct EntrySeed;

enum EntryKey {
    Id,
    Length,
    Other,
}

impl<'de> DeserializeSeed<'de> for EntrySeed {
    type Value = (Value, Option<f64>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed {
    type Value = (Value, Option<f64>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an adjacency entry object with an \"id\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        let mut length = None;
        while let Some(key) = map.next_key_seed(EntryKeySeed)? {
            match key {
                EntryKey::Id => id = Some(map.next_value::<Value>()?),
                EntryKey::Length => length = map.next_value::<Value>()?.as_f64(),
                EntryKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
        Ok((id, length))
    }
}

struct EntryKeySeed;

impl<'de> DeserializeSeed<'de> for EntryKeySeed {
    type Value = EntryKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<EntryKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for EntryKeySeed {
    type Value = EntryKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<EntryKey, E> {
        Ok(match s {
            "id" => EntryKey::Id,
            LENGTH_ATTR => EntryKey::Length,
            _ => EntryKey::Other,
        })
    }
}

/// Rewrites the non-standard `NaN`, `Infinity` and `-Infinity` tokens that Python's `json`
/// module writes for missing float values (GerryChain graphs built from shapefiles often have
/// them) into `null`. Returns `None` when there are none, which is the common case and costs one
/// scan without allocating.
fn python_nonfinite_to_null(text: &str) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut count = 0;
    let mut last = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let token = match c {
            b'"' => {
                in_string = true;
                None
            }
            b'N' if b[i..].starts_with(b"NaN") => Some(3),
            b'I' if b[i..].starts_with(b"Infinity") => Some(8),
            b'-' if b[i..].starts_with(b"-Infinity") => Some(9),
            _ => None,
        };
        match token {
            Some(len) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[last..i]);
                o.push_str("null");
                count += 1;
                i += len;
                last = i;
            }
            None => i += 1,
        }
    }
    out.map(|mut o| {
        o.push_str(&text[last..]);
        (o, count)
    })
}

/// Parses networkx adjacency JSON.
pub fn read_networkx(json: &str) -> Result<Loaded, ReadError> {
    // A UTF-8 byte-order mark (Windows editors write one) is not JSON; sniff_json skips it too.
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let mut notes = Vec::new();
    let cleaned = python_nonfinite_to_null(json);
    let json = match &cleaned {
        Some((text, count)) => {
            notes.push(format!("{count} NaN/Infinity value(s) (Python JSON) read as missing"));
            text.as_str()
        }
        None => json,
    };
    let mut doc = Doc::default();
    let mut de = serde_json::Deserializer::from_str(json);
    de.deserialize_map(&mut doc).and_then(|()| de.end()).map_err(ReadError::from_json)?;
    drop(cleaned);
    if doc.directed {
        return Err(ReadError::NetworkxShape("\"directed\" is true; a dual graph must be undirected".into()));
    }
    if doc.multigraph {
        return Err(ReadError::NetworkxShape("\"multigraph\" is true; expected a simple graph".into()));
    }
    let nodes = doc.nodes.expect("checked while parsing");
    let mut adj =
        match doc.adjacency {
            Some(a) => a,
            None if doc.links => return Err(ReadError::NetworkxShape(
                "this is node-link JSON (\"links\"); expected adjacency JSON (\"adjacency\"), as written by \
                 networkx.adjacency_data / GerryChain's Graph.to_json"
                    .into(),
            )),
            None => return Err(ReadError::NetworkxShape("no \"adjacency\" array".into())),
        };
    let n = nodes.labels.len();
    if adj.ends.len() - 1 != n {
        return Err(ReadError::NetworkxShape(format!(
            "{} nodes but {} adjacency lists; they must be parallel",
            n,
            adj.ends.len() - 1
        )));
    }
    if let Some(e) = nodes.error {
        return Err(e);
    }
    if !adj.deferred.is_empty() {
        adj.resolve_deferred(&nodes);
    }
    if let Some(e) = adj.error {
        return Err(e);
    }
    let Nodes { labels, columns, .. } = nodes;
    let entries = adj.targets.len();
    let use_lengths = adj.with_length == entries && entries > 0;
    if adj.with_length > 0 && !use_lengths {
        notes.push(format!(
            "only {} of {entries} adjacency entries have a numeric \"{LENGTH_ATTR}\"; edge lengths ignored",
            adj.with_length
        ));
    }
    let lengths = use_lengths.then_some(adj.lengths);
    let (offsets, neighbors, lengths) = to_csr(adj.ends, adj.targets, lengths, &labels)?;
    let mut graph = Graph::from_csr(labels, offsets, neighbors, lengths)?;

    let mut columns = columns;
    columns.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, builder) in columns {
        let (col, note) = builder.finish(&name, graph.labels());
        if let Some(note) = note {
            notes.push(note);
        }
        graph.set_column(name, col)?;
    }
    Ok(Loaded { graph, notes })
}

/// Turns parallel adjacency lists into the CSR of [`Graph`] in place: each list sorted, the
/// adjacency checked for symmetry, lengths checked to agree both ways, duplicates merged. Errors
/// match what [`check_symmetric`] and [`Graph::from_edges`] report for the same edges.
#[allow(clippy::type_complexity)]
fn to_csr(
    ends: Vec<u32>,
    mut targets: Vec<u32>,
    mut lengths: Option<Vec<f64>>,
    labels: &[String],
) -> Result<(Vec<u32>, Vec<u32>, Option<Vec<f64>>), ReadError> {
    let n = ends.len() - 1;
    let range = |u: usize| ends[u] as usize..ends[u + 1] as usize;
    // Sort each list; with lengths, stably (so duplicates keep file order, as from_edges sees them).
    let mut scratch: Vec<(u32, f64)> = Vec::new();
    for u in 0..n {
        let r = range(u);
        match &mut lengths {
            None => targets[r].sort_unstable(),
            Some(l) => {
                scratch.clear();
                scratch.extend(targets[r.clone()].iter().copied().zip(l[r.clone()].iter().copied()));
                scratch.sort_by_key(|x| x.0);
                for (k, (t, len)) in r.zip(scratch.iter()) {
                    targets[k] = *t;
                    l[k] = *len;
                }
            }
        }
    }
    let find = |list: &[u32], x: u32| -> std::ops::Range<usize> {
        let lo = list.partition_point(|&y| y < x);
        lo..lo + list[lo..].partition_point(|&y| y == x)
    };
    for u in 0..n {
        for &v in &targets[range(u)] {
            if find(&targets[range(v as usize)], u as u32).is_empty() {
                return Err(ReadError::Asymmetric {
                    node: labels[u].clone(),
                    neighbor: labels[v as usize].clone(),
                });
            }
        }
    }
    if let Some(l) = &lengths {
        // For an edge a < b, from_edges compares every length given for it (a's entries, then
        // b's) against the first.
        for a in 0..n {
            let ra = range(a);
            let mut k = ra.start;
            while k < ra.end {
                let b = targets[k];
                let own = find(&targets[ra.clone()], b);
                let (own_lo, own_hi) = (ra.start + own.start, ra.start + own.end);
                k = own_hi;
                if (b as usize) < a {
                    continue;
                }
                let rb = range(b as usize);
                let back = find(&targets[rb.clone()], a as u32);
                let ab = l[own_lo];
                let others =
                    l[own_lo + 1..own_hi].iter().chain(&l[rb.start + back.start..rb.start + back.end]);
                for &ba in others {
                    if !close(ab, ba) {
                        return Err(
                            crate::graph::GraphError::AsymmetricLength { a: a as u32, b, ab, ba }.into()
                        );
                    }
                }
            }
        }
    }
    // Merge duplicates; both directions keep the length the smaller endpoint listed first.
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u32);
    let mut w = 0;
    for u in 0..n {
        let r = range(u);
        let start = w;
        for k in r {
            if w > start && targets[w - 1] == targets[k] {
                continue;
            }
            targets[w] = targets[k];
            if let Some(l) = &mut lengths {
                l[w] = l[k];
            }
            w += 1;
        }
        offsets.push(w as u32);
    }
    targets.truncate(w);
    targets.shrink_to_fit();
    if let Some(l) = &mut lengths {
        l.truncate(w);
        l.shrink_to_fit();
        for u in 0..n {
            for k in offsets[u] as usize..offsets[u + 1] as usize {
                let v = targets[k] as usize;
                if v < u {
                    let j = offsets[v] as usize
                        + targets[offsets[v] as usize..offsets[v + 1] as usize]
                            .partition_point(|&y| (y as usize) < u);
                    l[k] = l[j];
                }
            }
        }
    }
    Ok((offsets, targets, lengths))
}

/// Every directed entry `(u, v)` must have its reverse `(v, u)`.
pub(crate) fn check_symmetric(directed: &[(u32, u32)], labels: &[String]) -> Result<(), ReadError> {
    let mut sorted = directed.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for &(u, v) in &sorted {
        if sorted.binary_search(&(v, u)).is_err() {
            return Err(ReadError::Asymmetric {
                node: labels[u as usize].clone(),
                neighbor: labels[v as usize].clone(),
            });
        }
    }
    Ok(())
}

/// How the writer fills each node's `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeIds {
    /// The node's label (e.g. its GEOID), as a JSON string.
    Labels,
    /// The node index `0..n` as a JSON integer (the layout of the `graphs/bench` files).
    Index,
}

/// Writes a graph as networkx adjacency JSON that GerryChain's `Graph.from_json`, frcw and
/// [`read_networkx`] read back: every column becomes a node attribute (Int as JSON integers,
/// Float as numbers, non-finite floats as `null`, Text as strings) and edge lengths become
/// `shared_perim`. A column named `id` is not written (the id is). Streams node by node.
pub fn write_networkx<W: Write>(graph: &Graph, ids: NodeIds, mut w: W) -> std::io::Result<()> {
    let id_of = |u: u32| -> Value {
        match ids {
            NodeIds::Labels => Value::String(graph.label(u).to_string()),
            NodeIds::Index => Value::from(u),
        }
    };
    let columns: Vec<(&str, &Column)> = graph
        .column_names()
        .filter(|n| *n != "id")
        .map(|n| (n, graph.column(n).expect("listed column exists")))
        .collect();
    w.write_all(b"{\"directed\": false, \"multigraph\": false, \"graph\": [], \"nodes\": [")?;
    for u in 0..graph.node_count() {
        let mut m = serde_json::Map::new();
        for (name, col) in &columns {
            let v = match col {
                Column::Int(v) => Value::from(v[u]),
                Column::Float(v) => serde_json::Number::from_f64(v[u]).map_or(Value::Null, Value::Number),
                Column::Text(v) => Value::String(v[u].clone()),
            };
            m.insert(name.to_string(), v);
        }
        m.insert("id".into(), id_of(u as u32));
        if u > 0 {
            w.write_all(b", ")?;
        }
        serde_json::to_writer(&mut w, &m)?;
    }
    w.write_all(b"], \"adjacency\": [")?;
    for u in 0..graph.node_count() as u32 {
        if u > 0 {
            w.write_all(b", ")?;
        }
        w.write_all(b"[")?;
        let lens = graph.neighbor_lengths(u);
        for (j, &v) in graph.neighbors(u).iter().enumerate() {
            if j > 0 {
                w.write_all(b", ")?;
            }
            let mut m = serde_json::Map::new();
            if let Some(l) = lens {
                m.insert(
                    LENGTH_ATTR.into(),
                    serde_json::Number::from_f64(l[j]).map_or(Value::Null, Value::Number),
                );
            }
            m.insert("id".into(), id_of(v));
            serde_json::to_writer(&mut w, &m)?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{"directed": false, "multigraph": false, "graph": [],
        "nodes": [{"GEOID": "01", "POP": 5, "AREA": 1.5, "id": "a"},
                  {"GEOID": "02", "POP": 7, "AREA": 2, "id": "b"},
                  {"GEOID": "03", "POP": 9, "AREA": 0.25, "id": "c"}],
        "adjacency": [[{"id": "b", "shared_perim": 2.0, "other": [1,2]}],
                      [{"id": "a", "shared_perim": 2.0}, {"id": "c", "shared_perim": 3.0}],
                      [{"id": "b", "shared_perim": 3.0}]]}"#;

    #[test]
    fn reads_nodes_columns_and_lengths() {
        let l = read_networkx(SMALL).unwrap();
        let g = &l.graph;
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.labels(), &["a", "b", "c"]);
        assert_eq!(g.neighbors(1), &[0, 2]);
        assert_eq!(g.neighbor_lengths(1).unwrap(), &[2.0, 3.0]);
        assert_eq!(g.column("POP").unwrap(), &Column::Int(vec![5, 7, 9]));
        assert_eq!(g.column("AREA").unwrap(), &Column::Float(vec![1.5, 2.0, 0.25]));
        assert_eq!(g.column("GEOID").unwrap(), &Column::Text(vec!["01".into(), "02".into(), "03".into()]));
        assert!(l.notes.is_empty());
    }

    #[test]
    fn integer_ids_and_missing_values() {
        let j = r#"{"nodes": [{"id": 10, "X": 1, "S": "a"}, {"id": 11}], "adjacency": [[{"id": 11}], [{"id": 10}]]}"#;
        let l = read_networkx(j).unwrap();
        assert_eq!(l.graph.labels(), &["10", "11"]);
        assert!(!l.graph.has_edge_lengths());
        let Column::Float(x) = l.graph.column("X").unwrap() else { panic!("numeric with a gap is Float") };
        assert_eq!(x[0], 1.0);
        assert!(x[1].is_nan());
        assert_eq!(l.graph.column("S").unwrap(), &Column::Text(vec!["a".into(), String::new()]));
        assert_eq!(
            l.notes,
            vec![
                "column \"S\": 1 of 2 nodes have no value (first: node \"11\"); kept as text",
                "column \"X\": 1 of 2 nodes have no value (first: node \"11\"); read as NaN",
            ]
        );
        // The gap still fails clearly when the column is used as a count.
        let e = l.graph.column_counts("X").unwrap_err().to_string();
        assert!(e.contains("NaN at node 1 (11)"), "{e}");
    }

    #[test]
    fn python_nan_and_infinity_are_missing_values() {
        let j = r#"{"nodes": [{"id": "NaN \" Infinity", "A": NaN, "B": 2}, {"id": "b", "A": 1.5, "B": -Infinity}],
                    "adjacency": [[{"id": "b"}], [{"id": "NaN \" Infinity"}]]}"#;
        let l = read_networkx(j).unwrap();
        assert_eq!(l.graph.labels()[0], "NaN \" Infinity", "tokens inside strings are left alone");
        let Column::Float(a) = l.graph.column("A").unwrap() else { panic!() };
        assert!(a[0].is_nan() && a[1] == 1.5);
        let Column::Float(b) = l.graph.column("B").unwrap() else { panic!() };
        assert!(b[0] == 2.0 && b[1].is_nan());
        assert_eq!(l.notes[0], "2 NaN/Infinity value(s) (Python JSON) read as missing");
        assert!(python_nonfinite_to_null(r#"{"a": "NaN", "b": 1}"#).is_none());
    }

    #[test]
    fn structural_errors_name_the_culprit() {
        let err = |j: &str| read_networkx(j).unwrap_err().to_string();
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": 1}], []]}"#),
            "asymmetric adjacency: \"0\" lists \"1\" as a neighbour, but \"1\" does not list \"0\""
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}], "adjacency": [[{"id": 0}]]}"#),
            "node \"0\" lists itself as a neighbour (self-loop)"
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 0}], "adjacency": [[], []]}"#),
            "duplicate unit id \"0\": first at nodes[0], again at nodes[1]"
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}], "adjacency": [[{"id": 7}]]}"#),
            "adjacency[0] (neighbours of node \"0\"): unknown unit id \"7\" (not among the graph's nodes)"
        );
        assert_eq!(
            err(r#"{"nodes": [{"x": 0}], "adjacency": [[]]}"#),
            "nodes[0]: node has no \"id\" attribute"
        );
        assert!(err(r#"{"nodes": [], "links": []}"#).contains("node-link JSON"));
        assert!(err(r#"{"directed": true, "nodes": [], "adjacency": []}"#).contains("undirected"));
        assert!(err(r#"{"nodes": [{"id": 0}], "adjacency": []}"#).contains("1 nodes but 0 adjacency lists"));
        let e = err("{\"nodes\": [\n{\"id\": 0},,]}");
        assert!(e.starts_with("invalid JSON at line 2, column"), "{e}");
        let e = err(
            r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": 1, "shared_perim": 1}], [{"id": 0, "shared_perim": 2}]]}"#,
        );
        assert!(e.contains("shared-border length"), "{e}");
    }

    #[test]
    fn streaming_reader_handles_any_key_order_string_ids_and_widening_columns() {
        // `adjacency` before `nodes` (ids resolved after), a duplicate neighbour, a repeated key
        // (the last value wins) and columns that widen Int -> gaps -> Text as values arrive.
        let j = r#"{"adjacency": [[{"id": "x"}, {"id": "z", "w": 1}, {"id": "x"}], [{"id": "w"}],
                                  [{"id": "z"}], [{"id": "y"}, {"id": "w"}]],
                    "nodes": [{"id": "w", "A": 1, "B": 1, "C": 1, "E": null, "A": 2},
                              {"id": "x", "B": 2.5, "C": "t"},
                              {"id": "y", "B": null, "C": 3.0, "D": true},
                              {"id": "z", "C": 4}]}"#;
        let l = read_networkx(j).unwrap();
        let g = &l.graph;
        assert_eq!(g.labels(), &["w", "x", "y", "z"]);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.neighbors(0), &[1, 3]);
        assert_eq!(g.neighbors(3), &[0, 2]);
        let Column::Float(a) = g.column("A").unwrap() else { panic!("A has gaps: Float") };
        assert!(a[0] == 2.0 && a[1..].iter().all(|x| x.is_nan()));
        let Column::Float(b) = g.column("B").unwrap() else { panic!("B is numbers and gaps") };
        assert!(b[0] == 1.0 && b[1] == 2.5 && b[2].is_nan() && b[3].is_nan());
        // Numbers in a text column read exactly as the file wrote them.
        assert_eq!(
            g.column("C").unwrap(),
            &Column::Text(vec!["1".into(), "t".into(), "3.0".into(), "4".into()])
        );
        assert_eq!(
            g.column("D").unwrap(),
            &Column::Text(vec!["".into(), "".into(), "true".into(), "".into()])
        );
        assert_eq!(g.column("E").unwrap(), &Column::Text(vec![String::new(); 4]));
        assert_eq!(
            l.notes,
            vec![
                "column \"A\": 3 of 4 nodes have no value (first: node \"x\"); read as NaN",
                "column \"B\": 2 of 4 nodes have no value (first: node \"y\"); read as NaN",
                "column \"D\": 3 of 4 nodes have no value (first: node \"w\"); kept as text",
                "column \"E\": 4 of 4 nodes have no value (first: node \"w\"); kept as text",
            ]
        );
        // The same document with `nodes` first reads the same.
        let k = r#"{"nodes": [{"id": "w"}, {"id": "x"}, {"id": "y"}, {"id": "z"}],
                    "adjacency": [[{"id": "x"}, {"id": "z"}, {"id": "x"}], [{"id": "w"}],
                                  [{"id": "z"}], [{"id": "y"}, {"id": "w"}]]}"#;
        assert_eq!(read_networkx(k).unwrap().graph.csr(), g.csr());
    }

    #[test]
    fn index_ids_resolve_numbers_and_their_exact_text_only() {
        let ok = r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": "1"}], [{"id": 0}]]}"#;
        assert_eq!(read_networkx(ok).unwrap().graph.edge_count(), 1);
        let err = |j: &str| read_networkx(j).unwrap_err().to_string();
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": "01"}], [{"id": 0}]]}"#),
            "adjacency[0] (neighbours of node \"0\"): unknown unit id \"01\" (not among the graph's nodes)"
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": 1.0}], [{"id": 0}]]}"#),
            "adjacency[0] (neighbours of node \"0\"): unknown unit id \"1.0\" (not among the graph's nodes)"
        );
        // A duplicate id after the index layout breaks is still caught.
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 5}, {"id": "0"}], "adjacency": [[], [], []]}"#),
            "duplicate unit id \"0\": first at nodes[0], again at nodes[2]"
        );
    }

    #[test]
    fn lengths_agree_both_ways_and_merge_duplicates() {
        let j = r#"{"nodes": [{"id": 0}, {"id": 1}, {"id": 2}],
                    "adjacency": [[{"id": 1, "shared_perim": 2.0}, {"id": 1, "shared_perim": 2.0}],
                                  [{"id": 2, "shared_perim": 5}, {"id": 0, "shared_perim": 2.0000000001}],
                                  [{"id": 1, "shared_perim": 5}]]}"#;
        let g = read_networkx(j).unwrap().graph;
        assert_eq!(g.neighbors(1), &[0, 2]);
        // Both directions carry the length the smaller endpoint listed.
        assert_eq!(g.neighbor_lengths(1).unwrap(), &[2.0, 5.0]);
        assert_eq!(g.neighbor_lengths(0).unwrap(), &[2.0]);
        let bad = r#"{"nodes": [{"id": 0}, {"id": 1}],
                      "adjacency": [[{"id": 1, "shared_perim": 1}, {"id": 1, "shared_perim": 3}],
                                    [{"id": 0, "shared_perim": 1}]]}"#;
        assert_eq!(
            read_networkx(bad).unwrap_err().to_string(),
            "edge (0, 1) has shared-border length 0->1 = 1 but 1->0 = 3"
        );
    }

    #[test]
    fn writer_round_trips() {
        let g = read_networkx(SMALL).unwrap().graph;
        for ids in [NodeIds::Labels, NodeIds::Index] {
            let mut buf = Vec::new();
            write_networkx(&g, ids, &mut buf).unwrap();
            let back = read_networkx(std::str::from_utf8(&buf).unwrap()).unwrap().graph;
            assert_eq!(back.csr(), g.csr());
            assert_eq!(back.neighbor_lengths(1), g.neighbor_lengths(1));
            for name in g.column_names() {
                assert_eq!(back.column(name).unwrap(), g.column(name).unwrap(), "column {name}");
            }
            let want: Vec<String> = match ids {
                NodeIds::Labels => g.labels().to_vec(),
                NodeIds::Index => vec!["0".into(), "1".into(), "2".into()],
            };
            assert_eq!(back.labels(), &want[..]);
        }
    }
}
