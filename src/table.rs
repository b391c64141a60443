//! Plain-text tables with aligned columns, for listings on stdout.

/// A table: a header row and data rows, rendered with two spaces between columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// A data row. Cells hold values from files and stores, so each is [`shown`]: a name
    /// with a newline or a bidi override cannot break the table or hide what it says.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| {
                    let cell: String = cell.into();
                    match crate::shown::shown(&cell) {
                        std::borrow::Cow::Borrowed(_) => cell,
                        std::borrow::Cow::Owned(escaped) => escaped,
                    }
                })
                .collect(),
        );
    }

    /// The table as text; trailing spaces trimmed, widths counted in characters.
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths = vec![0; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                line.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `272000` → `272,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `$1.25` for a price per 1M tokens (the unit providers publish, and the one unit promptctl
/// shows prices in): cents, and a third digit where the price has one (`$0.075`).
pub fn price_per_1m(usd: f64) -> String {
    let cents = usd * 100.0;
    if (cents - cents.round()).abs() < 1e-9 {
        format!("${usd:.2}")
    } else {
        format!("${usd:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut table = Table::new(["A", "LONG"]);
        table.row(["xyz", "1"]);
        assert_eq!(table.render(), "A    LONG\nxyz  1\n");
    }
}
