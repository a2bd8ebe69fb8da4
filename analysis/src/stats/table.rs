//! Figures as tables for people: written as aligned text or Markdown here, and as HTML
//! by the exporters' report, from the same cells.

use std::fmt::Write;

use super::diff::{Change, Diff, GroupStatus};
use super::figures::{Figure, Stats, Unit};
use taskscope_core::units::format_bytes;
use taskscope_core::units::format_ns;
use taskscope_core::units::thousands;

/// Steps of the measured critical path a table lists before it says "and N more".
const PATH_ROWS: usize = 50;

/// A table of figures: a title, column headers and rows of cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Rows to point out (an exceeded budget, a group added or removed).
    pub flagged: Vec<bool>,
    /// A line after the table (what was left out).
    pub note: Option<String>,
}

impl Table {
    fn new(title: impl Into<String>, headers: &[&str], numeric: &[bool]) -> Table {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            numeric: numeric.to_vec(),
            rows: Vec::new(),
            flagged: Vec::new(),
            note: None,
        }
    }

    fn push(&mut self, row: Vec<String>, flagged: bool) {
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
pub fn md_escape(s: &str) -> String {
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
        let mut totals = Table::new("figures", &["figure", "value"], &[false, true]);
        for figure in Figure::TOTALS {
            if let Some(v) = figure.of(self) {
                totals.push(vec![figure.to_string(), figure.unit().format(v)], false);
            }
        }
        let g = &self.graph;
        let mut tables = vec![totals];
        match &self.run {
            None => {
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
                tables.push(groups);
            }
            Some(run) => {
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
                tables.push(groups);
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
                tables.push(path);
            }
        }
        tables
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

/// `base -> new`.
fn both(c: &Change) -> String {
    let unit = c.unit();
    format!("{} -> {}", unit.format(c.base), unit.format(c.new))
}

/// `+1,500 (+1500.0%)`.
fn change(c: &Change) -> String {
    format!(
        "{} ({})",
        c.unit().format_change(c.change()),
        c.relative_text()
    )
}

impl Diff {
    /// One line per file: `BASE a.jsonl: run, 590 tasks`.
    pub fn heading(&self) -> [String; 2] {
        [("BASE", &self.base), ("NEW", &self.new)].map(|(label, side)| {
            format!(
                "{label} {}: {}, {} tasks{}",
                side.file,
                side.kind,
                thousands(side.tasks as i128),
                if side.truncated { " (truncated)" } else { "" }
            )
        })
    }

    /// The comparison as tables: figures, groups and (when checked) budgets.
    pub fn tables(&self) -> Vec<Table> {
        let mut figures = Table::new(
            "figures",
            &["figure", "BASE", "NEW", "change", "relative"],
            &[false, true, true, true, true],
        );
        for c in &self.figures {
            let unit = c.unit();
            figures.push(
                vec![
                    c.figure.to_string(),
                    unit.format(c.base),
                    unit.format(c.new),
                    unit.format_change(c.change()),
                    match unit {
                        Unit::Ratio => String::new(),
                        _ => c.relative_text(),
                    },
                ],
                false,
            );
        }
        let only = |side: &str| -> Vec<String> {
            self.not_compared
                .iter()
                .filter(|n| n.only_in == side)
                .map(|n| n.figure.to_string())
                .collect()
        };
        let notes: Vec<String> = [("BASE", only("base")), ("NEW", only("new"))]
            .into_iter()
            .filter(|(_, figs)| !figs.is_empty())
            .map(|(side, figs)| format!("only {side} has {}", figs.join(", ")))
            .collect();
        if !notes.is_empty() {
            figures.note = Some(format!("not compared: {}", notes.join("; ")));
        }

        let count = |s| self.groups.iter().filter(|g| g.status == s).count();
        let runs = self.groups.iter().any(|g| g.time.is_some());
        let mut headers = vec!["group", "status", "tasks", "change"];
        if runs {
            headers.extend(["time", "change", "bytes", "change"]);
        }
        let numeric: Vec<bool> = (0..headers.len()).map(|i| i > 1).collect();
        let mut groups = Table::new(
            format!(
                "groups: {} added, {} removed, {} changed, {} same",
                count(GroupStatus::Added),
                count(GroupStatus::Removed),
                count(GroupStatus::Changed),
                count(GroupStatus::Same)
            ),
            &headers,
            &numeric,
        );
        for g in &self.groups {
            let status = serde_json::to_value(g.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let mut row = vec![g.group.clone(), status, both(&g.tasks), change(&g.tasks)];
            if runs {
                for c in [&g.time, &g.bytes] {
                    match c {
                        Some(c) => row.extend([both(c), change(c)]),
                        None => row.extend([String::new(), String::new()]),
                    }
                }
            }
            groups.push(
                row,
                matches!(g.status, GroupStatus::Added | GroupStatus::Removed),
            );
        }
        let mut tables = vec![figures, groups];
        if !self.budgets.is_empty() {
            let mut budgets = Table::new(
                format!(
                    "budgets: {} of {} exceeded",
                    self.exceeded().count(),
                    self.budgets.len()
                ),
                &["budget", "BASE", "NEW", "allowed", "result"],
                &[false, true, true, true, false],
            );
            for b in &self.budgets {
                let unit = b.figure.unit();
                let result = if b.exceeded {
                    format!("EXCEEDED by {}", unit.format(b.over_by()))
                } else {
                    "ok".to_string()
                };
                budgets.push(
                    vec![
                        b.budget.clone(),
                        unit.format(b.base),
                        unit.format(b.new),
                        unit.format(b.allowed),
                        result,
                    ],
                    b.exceeded,
                );
            }
            tables.push(budgets);
        }
        tables
    }

    /// The comparison for people: the two files, then the tables.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for line in self.heading() {
            let _ = writeln!(s, "{line}");
        }
        for t in self.tables() {
            s.push('\n');
            s.push_str(&t.to_text());
        }
        s
    }

    /// The comparison as Markdown, for a pull-request comment.
    pub fn to_markdown(&self) -> String {
        let [base, new] = self.heading();
        let mut s = format!(
            "### taskscope diff\n\n{}  \n{}\n\n",
            md_escape(&base),
            md_escape(&new)
        );
        for t in self.tables() {
            s.push_str(&t.to_markdown());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::diff::tests::stats;

    #[test]
    fn text_columns_line_up_and_markdown_escapes() {
        let diff = Diff::new("a|b.jsonl", &stats(4, 0), "new", &stats(40, 2));
        let text = diff.to_text();
        assert!(text.starts_with("BASE a|b.jsonl: graph, 8 tasks\nNEW new: graph, 82 tasks\n"));
        let tasks = text.lines().find(|l| l.starts_with("  tasks")).unwrap();
        assert_eq!(
            tasks.split_whitespace().collect::<Vec<_>>(),
            ["tasks", "8", "82", "+74", "+925.0%"]
        );
        assert!(
            text.contains("groups: 1 added, 0 removed, 2 changed, 0 same"),
            "{text}"
        );
        let md = diff.to_markdown();
        assert!(md.contains("BASE a\\|b.jsonl: graph, 8 tasks"), "{md}");
        assert!(md.contains("| tasks | 8 | 82 | +74 | +925.0% |"), "{md}");
        assert!(md.contains("|---|---:|---:|---:|---:|"), "{md}");
        assert!(md.contains("| c | added | 0 -> 2 | +2 (new) |"), "{md}");
        assert_eq!(
            md_escape("<script>a_b|c</script>"),
            "\\<script>a\\_b\\|c\\</script>"
        );
    }

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
}
