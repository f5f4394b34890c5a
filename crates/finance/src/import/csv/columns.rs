//! Header names matched the way exports spell them: case, spaces,
//! underscores and punctuation ignored (`Transaction Hash`,
//! `transaction_hash` and `TransactionHash` are one column).

use std::collections::HashMap;

/// A column's name folded for matching: ASCII letters and digits,
/// lowercase.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A file's header: each folded name and its position and spelling.
#[derive(Debug)]
pub struct Header {
    names: Vec<String>,
    folded: HashMap<String, usize>,
}

/// A column found in a header.
#[derive(Debug, Clone)]
pub struct Column {
    pub index: usize,
    /// As the file spells it, for error messages.
    pub name: String,
}

impl Header {
    pub fn new(names: impl IntoIterator<Item = String>) -> Header {
        let names: Vec<String> = names
            .into_iter()
            .map(|n| n.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let mut folded = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            folded.entry(fold(n)).or_insert(i);
        }
        Header { names, folded }
    }

    /// The first of `aliases` (already folded) that the header has.
    pub fn find(&self, aliases: &[&str]) -> Option<Column> {
        aliases.iter().find_map(|a| {
            self.folded.get(*a).map(|&index| Column {
                index,
                name: self.names[index].clone(),
            })
        })
    }

    /// The first column whose folded name starts with `prefix`.
    pub fn find_prefix(&self, prefix: &str) -> Option<Column> {
        self.names
            .iter()
            .enumerate()
            .find(|(_, n)| fold(n).starts_with(prefix))
            .map(|(index, n)| Column {
                index,
                name: n.clone(),
            })
    }

    pub fn has(&self, aliases: &[&str]) -> bool {
        self.find(aliases).is_some()
    }
}

/// One row's cell in a column: trimmed, `None` when the column is absent or
/// the cell empty.
pub fn cell<'r>(record: &'r ::csv::StringRecord, column: Option<&Column>) -> Option<&'r str> {
    let c = column?;
    record.get(c.index).map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_column_match() {
        let h = Header::new(
            [
                "\u{feff}Transaction Hash",
                "DateTime (UTC)",
                "Value_IN(ETH)",
            ]
            .map(String::from),
        );
        assert_eq!(h.find(&["txhash", "transactionhash"]).unwrap().index, 0);
        assert_eq!(h.find(&["datetimeutc"]).unwrap().name, "DateTime (UTC)");
        assert_eq!(h.find_prefix("valuein").unwrap().index, 2);
        assert!(!h.has(&["from"]));
    }
}
