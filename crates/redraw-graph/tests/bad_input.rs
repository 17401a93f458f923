//! Regression tests for the graph readers' findings of issue 8 (reliability): every bad input
//! is a clear error naming the file, line or column, never a panic, a hang or unbounded memory.

use std::io::Read;
use std::path::PathBuf;

use redraw_graph::attrs::AttributeTable;
use redraw_graph::edgelist::read_edge_list;
use redraw_graph::io::read_graph;
use redraw_graph::networkx::read_networkx;
use redraw_graph::rdabase::read_rdabase;
use redraw_graph::{Column, Graph, Plan};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-graph-bad-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// 64 MiB of NUL bytes, the start of `/dev/zero` or of a sparse file.
fn zeros() -> impl Read {
    std::io::repeat(0).take(64 << 20)
}

/// Finding 13: networkx JSON (and an rdabase dict) with a UTF-8 byte-order mark is read, as the
/// format sniffing already accepted it.
#[test]
fn finding_13_json_graphs_with_a_byte_order_mark_are_read() {
    let nx = "\u{feff}{\"nodes\": [{\"id\": 0}, {\"id\": 1}], \"adjacency\": [[{\"id\": 1}], [{\"id\": 0}]]}";
    assert_eq!(read_networkx(nx).unwrap().graph.edge_count(), 1);
    assert_eq!(read_rdabase("\u{feff}{\"a\": [\"b\"], \"b\": [\"a\"]}", None).unwrap().graph.edge_count(), 1);
    let dir = scratch("bom");
    let p = dir.join("g.json");
    std::fs::write(&p, nx).unwrap();
    let (loaded, _) = read_graph(&p, None, "GEOID").unwrap();
    assert_eq!(loaded.graph.node_count(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 4: NUL-filled input (a sparse file, `/dev/zero`) is refused on its first buffer by
/// every CSV reader, naming the line, instead of being buffered as one endless field.
#[test]
fn finding_4_csv_readers_refuse_binary_input_at_once() {
    let msg = "not a text file: NUL byte at line 1, column 1 (byte 0); expected UTF-8 text";
    assert_eq!(read_edge_list(zeros(), None).unwrap_err().to_string(), msg);
    assert_eq!(AttributeTable::from_csv(zeros(), "GEOID").unwrap_err().to_string(), msg);
    let g = Graph::from_edges(vec!["a".into(), "b".into()], &[(0, 1)], None).unwrap();
    assert_eq!(Plan::from_csv(&g, zeros(), None).unwrap_err().to_string(), msg);
    // After valid rows the line is named.
    let e = read_edge_list("a,b\nb,c\n".as_bytes().chain(zeros()), None).unwrap_err();
    assert_eq!(e.to_string(), "not a text file: NUL byte at line 3, column 1 (byte 8); expected UTF-8 text");
}

/// Finding 4: a huge sparse `.json` is refused after one buffer ("not a text file"), not after
/// reading gigabytes to say "not a graph file".
#[test]
fn finding_4_a_sparse_json_graph_is_refused_without_reading_it() {
    let dir = scratch("sparse");
    let p = dir.join("big.json");
    std::fs::File::create(&p).unwrap().set_len(256 << 20).unwrap();
    let t = std::time::Instant::now();
    let e = read_graph(&p, None, "GEOID").unwrap_err().to_string();
    assert!(e.contains("big.json") && e.contains("not a text file: NUL byte at line 1, column 1"), "{e}");
    assert!(t.elapsed().as_secs_f64() < 5.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 10: a population total that does not fit 64 bits (2,500 units of 8e15 people) is an
/// error naming the column, not a wrapped sum (which made `graph info` print an ideal of 7.8e17).
#[test]
fn finding_10_count_columns_whose_total_overflows_are_errors() {
    let n = 2500;
    let labels: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    let edges: Vec<(u32, u32)> = (1..n as u32).map(|i| (i - 1, i)).collect();
    let mut g = Graph::from_edges(labels, &edges, None).unwrap();
    g.set_column("POP", Column::Int(vec![8_000_000_000_000_000; n])).unwrap();
    let e = g.column_counts("POP").unwrap_err().to_string();
    assert!(e.starts_with("column \"POP\" sums to more than"), "{e}");
    // Totals that fit are returned as before.
    g.set_column("POP", Column::Int(vec![3_000_000; n])).unwrap();
    assert_eq!(g.column_counts("POP").unwrap().iter().sum::<u64>(), 7_500_000_000);
}

/// Finding 14: in a headerless plan CSV, a first row whose unit id is unknown is reported like
/// any other unknown id (it was silently taken for a header and skipped).
#[test]
fn finding_14_a_headerless_plan_with_an_unknown_first_id_is_an_error() {
    let g = Graph::from_edges(vec!["a".into(), "b".into(), "c".into()], &[(0, 1), (1, 2)], None).unwrap();
    let e = Plan::from_csv(&g, "x,1\na,1\nb,2\nc,2\n".as_bytes(), None).unwrap_err().to_string();
    assert_eq!(e, "the plan names 1 unit id(s) that are not in the graph (first at CSV line 1): \"x\"");
    // A real header is still skipped, whatever its names.
    let p = Plan::from_csv(&g, "GEOID,district\na,1\nb,2\nc,2\n".as_bytes(), None).unwrap();
    assert_eq!(p.assignment(), &[0, 1, 1]);
    let p = Plan::from_csv(&g, "unit,cd\na,1\nb,2\nc,2\n".as_bytes(), None).unwrap();
    assert_eq!(p.district_count(), 2);
}
