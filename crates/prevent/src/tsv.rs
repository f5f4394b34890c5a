//! The tab-separated tables the crate ships as data: `#` comment lines and
//! blank lines skipped, then a header naming the columns, then rows of
//! exactly that many columns. Errors name the line.

/// The rows of `text` under `header`, each with its line number.
pub fn rows<'a>(text: &'a str, header: &[&str]) -> Result<Vec<(usize, Vec<&'a str>)>, String> {
    let mut out = Vec::new();
    let mut seen_header = false;
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if !seen_header {
            if cols != header {
                return Err(format!(
                    "line {n}: expected the header '{}'",
                    header.join("\\t")
                ));
            }
            seen_header = true;
            continue;
        }
        if cols.len() != header.len() {
            return Err(format!(
                "line {n}: expected {} columns, found {}",
                header.len(),
                cols.len()
            ));
        }
        out.push((n, cols));
    }
    if !seen_header {
        return Err("no header line".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_header_and_columns() {
        let t = "# about\n\na\tb\n1\t2\n\n3\t4\n";
        assert_eq!(
            rows(t, &["a", "b"]).unwrap(),
            vec![(4, vec!["1", "2"]), (6, vec!["3", "4"])]
        );
        assert_eq!(
            rows("a\tb\n1\n", &["a", "b"]).unwrap_err(),
            "line 2: expected 2 columns, found 1"
        );
        assert!(rows("x\n", &["a"]).unwrap_err().contains("header"));
        assert_eq!(rows("# only\n", &["a"]).unwrap_err(), "no header line");
    }
}
