//! A plain edge list, `src,dst[,weight]` per line, read into a [`Graph`]:
//! the common ground with other graph tools (igraph, networkx, Gephi).
//!
//! Nodes are named by any text; they are numbered in order of first
//! appearance. A first line `src,dst` or `src,dst,weight` (any case) is a
//! header. A missing weight is 1. Nothing is partial: the first bad line
//! is the error, with its number and the field at fault.

use std::collections::HashMap;
use std::io::Read;

use crate::graph::{Graph, GraphBuilder, Node};

/// An edge list read into a graph, with the names of its nodes.
#[derive(Debug, Clone)]
pub struct EdgeList {
    pub graph: Graph,
    /// The name of each node, by index.
    pub names: Vec<String>,
    /// Edge lines read (parallel edges counted each time).
    pub lines: u64,
}

/// Why an edge list cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeError {
    #[error("line {line}: {field}: {message}")]
    Line {
        line: u64,
        field: &'static str,
        message: String,
    },
    #[error("cannot read the edge list: {0}")]
    Io(String),
}

fn bad(line: u64, field: &'static str, message: impl Into<String>) -> EdgeError {
    EdgeError::Line {
        line,
        field,
        message: message.into(),
    }
}

/// Reads an edge list; `progress` hears how many bytes were read so far,
/// every 64 KiB or so.
pub fn read(input: impl Read, mut progress: impl FnMut(u64)) -> Result<EdgeList, EdgeError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(input);
    let mut ids: HashMap<Vec<u8>, Node> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut builder = GraphBuilder::new(0);
    let mut record = csv::ByteRecord::new();
    let mut lines = 0u64;
    let mut reported = 0u64;
    let mut first = true;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(match e.kind() {
                    csv::ErrorKind::Io(io) => EdgeError::Io(io.to_string()),
                    _ => bad(line, "line", e.to_string()),
                });
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if std::mem::take(&mut first) && is_header(&record) {
            continue;
        }
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if !(2..=3).contains(&record.len()) {
            return Err(bad(
                line,
                "line",
                format!(
                    "{} fields; an edge is src,dst or src,dst,weight",
                    record.len()
                ),
            ));
        }
        let mut node = |field: &'static str, raw: &[u8]| -> Result<Node, EdgeError> {
            if raw.is_empty() {
                return Err(bad(line, field, "the node's name is empty"));
            }
            if let Some(&id) = ids.get(raw) {
                return Ok(id);
            }
            let name = std::str::from_utf8(raw)
                .map_err(|_| bad(line, field, "the node's name is not UTF-8 text"))?;
            let id = Node::try_from(names.len())
                .map_err(|_| bad(line, field, "more than 4,294,967,295 nodes"))?;
            ids.insert(raw.to_vec(), id);
            names.push(name.to_owned());
            Ok(id)
        };
        let u = node("src", &record[0])?;
        let v = node("dst", &record[1])?;
        let weight = match record.get(2) {
            None | Some(b"") => 1.0,
            Some(raw) => {
                let text = String::from_utf8_lossy(raw);
                let w: f64 = text
                    .parse()
                    .map_err(|_| bad(line, "weight", format!("'{text}' is not a number")))?;
                if !(w.is_finite() && w > 0.0) {
                    return Err(bad(
                        line,
                        "weight",
                        format!("{text} is not a positive finite weight"),
                    ));
                }
                w
            }
        };
        builder.edge(u, v, weight);
        lines += 1;
        let at = record.position().map_or(0, |p| p.byte());
        if at - reported >= 1 << 16 {
            progress(at);
            reported = at;
        }
    }
    Ok(EdgeList {
        graph: builder.build(),
        names,
        lines,
    })
}

fn is_header(record: &csv::ByteRecord) -> bool {
    let fields: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).to_ascii_lowercase())
        .collect();
    matches!(
        fields.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ["src", "dst"]
            | ["src", "dst", "weight"]
            | ["source", "target"]
            | ["source", "target", "weight"]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<EdgeList, EdgeError> {
        read(text.as_bytes(), |_| {})
    }

    #[test]
    fn nodes_are_numbered_by_first_appearance() {
        let list = read_text("src,dst,weight\nb,a,2\na,c\n\n# a comment\nc,b,0.5\n").unwrap();
        assert_eq!(list.names, ["b", "a", "c"]);
        assert_eq!(list.lines, 3);
        assert_eq!(list.graph.row(0).collect::<Vec<_>>(), [(1, 2.0), (2, 0.5)]);
        assert_eq!(list.graph.edge_count(), 3);
    }

    #[test]
    fn without_a_header_the_first_line_is_an_edge() {
        let list = read_text("x,y\n").unwrap();
        assert_eq!(list.names, ["x", "y"]);
    }

    #[test]
    fn every_bad_line_is_named_with_its_field() {
        for (text, line, field, says) in [
            ("src,dst\na\n", 2, "line", "1 fields"),
            ("a,b,1,2\n", 1, "line", "4 fields"),
            ("a,b\n,c\n", 2, "src", "empty"),
            ("a,b\nc,\n", 2, "dst", "empty"),
            ("a,b,heavy\n", 1, "weight", "'heavy' is not a number"),
            ("a,b,-1\n", 1, "weight", "not a positive finite weight"),
            ("a,b,0\n", 1, "weight", "not a positive finite weight"),
            ("a,b,inf\n", 1, "weight", "not a positive finite weight"),
        ] {
            match read_text(text) {
                Err(EdgeError::Line {
                    line: l,
                    field: f,
                    message,
                }) => {
                    assert_eq!((l, f), (line, field), "{text:?}: {message}");
                    assert!(message.contains(says), "{text:?}: {message}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_name_that_is_not_utf8_is_refused() {
        let e = read(&b"a,\xff\xfe\n"[..], |_| {}).unwrap_err();
        assert!(matches!(e, EdgeError::Line { field: "dst", .. }), "{e:?}");
    }
}
