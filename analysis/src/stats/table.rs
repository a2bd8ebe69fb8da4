//! Figures as tables for people: written as aligned text or Markdown here, and as HTML
//! by the exporters' report, from the same cells.

use std::fmt::Write;

use taskscope_core::units::{format_bytes, format_ns, thousands};

use super::figures::{Figure, Stats};
use super::run::RunStats;

/// Steps of the measured critical path a table lists before it says "and N more".
const PATH_ROWS: usize = 50;

/// A table of figures: a title, column headers and rows of cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// What the table shows, written above it: `figures`, `groups (3)`.
    pub title: String,
    /// The name of each column.
    pub headers: Vec<String>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    /// The cells, a row at a time, already formatted for people (`1.20 ms`).
    pub rows: Vec<Vec<String>>,
    /// Rows to point out (an exceeded budget, a group added or removed).
    pub flagged: Vec<bool>,
    /// A line after the table (what was left out).
    pub note: Option<String>,
}

impl Table {
    /// An empty table: `numeric[i]` says whether column `i` holds numbers.
    pub(crate) fn new(title: impl Into<String>, headers: &[&str], numeric: &[bool]) -> Table {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            numeric: numeric.to_vec(),
            rows: Vec::new(),
            flagged: Vec::new(),
            note: None,
        }
    }

    /// Adds a row, pointed out when `flagged`.
    pub(crate) fn push(&mut self, row: Vec<String>, flagged: bool) {
        self.rows.push(row);
        self.flagged.push(flagged);
    }

    /// Aligned columns under the title, indented by two spaces.
    pub fn to_text(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut s = format!("{}\n", self.title);
        let line = |s: &mut String, cells: &[String]| {
            let mut l = String::from(" ");
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let pad = w - cell.chars().count();
                l.push(' ');
                if self.numeric[i] {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(cell);
                } else {
                    l.push_str(cell);
                    l.push_str(&" ".repeat(pad));
                }
                l.push(' ');
            }
            let _ = writeln!(s, "{}", l.trim_end());
        };
        line(&mut s, &self.headers);
        for row in &self.rows {
            line(&mut s, row);
        }
        if let Some(note) = &self.note {
            let _ = writeln!(s, "  {note}");
        }
        s
    }

    /// A GitHub-flavored Markdown table under a bold title.
    pub fn to_markdown(&self) -> String {
        let mut s = format!("**{}**\n\n", md_escape(&self.title));
        let row = |s: &mut String, cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| md_escape(c)).collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        };
        row(&mut s, &self.headers);
        let rule: Vec<&str> = self
            .numeric
            .iter()
            .map(|&n| if n { "---:" } else { "---" })
            .collect();
        let _ = writeln!(s, "|{}|", rule.join("|"));
        for r in &self.rows {
            row(&mut s, r);
        }
        if let Some(note) = &self.note {
            let _ = writeln!(s, "\n{}", md_escape(note));
        }
        s.push('\n');
        s
    }
}

/// Text for a Markdown table cell: punctuation that Markdown or HTML would act on is
/// escaped, line breaks become spaces.
pub(crate) fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '|' | '#' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl Stats {
    /// The figures as tables: totals, groups and, for a run, the measured critical path.
    pub fn tables(&self) -> Vec<Table> {
        match &self.run {
            None => vec![self.totals_table(), self.groups_table()],
            Some(run) => vec![
                self.totals_table(),
                self.group_runs_table(run),
                critical_path_table(run),
            ],
        }
    }

    /// Every figure of [`Figure::TOTALS`] the file holds, with its value.
    fn totals_table(&self) -> Table {
        let mut totals = Table::new("figures", &["figure", "value"], &[false, true]);
        for figure in Figure::TOTALS {
            if let Some(v) = figure.of(self) {
                totals.push(vec![figure.to_string(), figure.unit().format(v)], false);
            }
        }
        totals
    }

    /// The tasks of each group of a graph, largest first.
    fn groups_table(&self) -> Table {
        let g = &self.graph;
        let mut groups = Table::new(
            format!("groups ({})", g.groups.len()),
            &["group", "tasks"],
            &[false, true],
        );
        let mut rows: Vec<(&String, &usize)> = g.groups.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (name, n) in rows {
            groups.push(vec![name.clone(), thousands(*n as i128)], false);
        }
        groups
    }

    /// Each group of a run, slowest first: its tasks in the graph, those that ran, their
    /// total, mean and longest time and the bytes of their outputs.
    fn group_runs_table(&self, run: &RunStats) -> Table {
        let g = &self.graph;
        let mut groups = Table::new(
            format!("groups by time ({})", g.groups.len()),
            &["group", "tasks", "ran", "time", "mean", "max", "bytes"],
            &[false, true, true, true, true, true, true],
        );
        let mut rows: Vec<(&String, u64)> = g
            .groups
            .keys()
            .map(|k| (k, run.group_runs.get(k).map_or(0, |r| r.time_ns)))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (name, _) in rows {
            let r = run.group_runs.get(name).cloned().unwrap_or_default();
            groups.push(
                vec![
                    name.clone(),
                    thousands(g.groups[name] as i128),
                    thousands(r.tasks as i128),
                    format_ns(r.time_ns),
                    format_ns(r.mean_ns),
                    format_ns(r.max_ns),
                    format_bytes(r.bytes),
                ],
                false,
            );
        }
        groups
    }

    /// `taskscope stats --format markdown`: a heading naming `file`, then the tables.
    pub fn to_markdown(&self, file: &str) -> String {
        let mut s = format!(
            "### taskscope stats: {} ({}{})\n\n",
            md_escape(file),
            self.graph.kind,
            if self.graph.truncated {
                ", truncated"
            } else {
                ""
            }
        );
        for t in self.tables() {
            s.push_str(&t.to_markdown());
        }
        s
    }
}

/// The measured critical path, first task to last, with each task's duration; past
/// [`PATH_ROWS`] steps a note says how many more there are.
fn critical_path_table(run: &RunStats) -> Table {
    let cp = &run.critical_path;
    let mut path = Table::new(
        format!(
            "critical path, measured: {} tasks, {}",
            cp.tasks,
            format_ns(cp.duration_ns)
        ),
        &["#", "duration", "task"],
        &[true, true, false],
    );
    for (i, step) in cp.steps.iter().take(PATH_ROWS).enumerate() {
        path.push(
            vec![
                (i + 1).to_string(),
                format_ns(step.duration_ns),
                step.key.clone(),
            ],
            false,
        );
    }
    if cp.steps.len() > PATH_ROWS {
        path.note = Some(format!("and {} more tasks", cp.steps.len() - PATH_ROWS));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::tests::stats;

    #[test]
    fn stats_markdown_lists_figures_and_groups() {
        let md = stats(3, 1).to_markdown("g.dot");
        assert!(
            md.starts_with("### taskscope stats: g.dot (graph)\n"),
            "{md}"
        );
        assert!(md.contains("| tasks | 7 |"), "{md}");
        assert!(md.contains("**groups (3)**"), "{md}");
        assert!(md.contains("| a | 3 |"), "{md}");
        assert!(!md.contains("wall"), "a graph has no run figures: {md}");
    }

    #[test]
    fn markdown_escapes_what_markdown_or_html_would_act_on() {
        assert_eq!(
            md_escape("<script>a_b|c</script>"),
            "\\<script>a\\_b\\|c\\</script>"
        );
    }
}
