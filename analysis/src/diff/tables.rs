//! A diff as tables for people: aligned text for the terminal, Markdown for a
//! pull-request comment (the exporters' report draws the same tables as HTML).

use std::fmt::Write;

use taskscope_core::units::thousands;

use super::{Change, Diff, GroupStatus};
use crate::stats::{Table, Unit, md_escape};

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
        let mut tables = vec![self.figures_table(), self.groups_table()];
        if !self.budgets.is_empty() {
            tables.push(self.budgets_table());
        }
        tables
    }

    /// Each total both files have, with its change; a note names the figures only one
    /// file has.
    fn figures_table(&self) -> Table {
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
        figures
    }

    /// Every group of either file, its status, and its tasks (and, for two runs, its
    /// time and bytes) before and after; groups added or removed are flagged.
    fn groups_table(&self) -> Table {
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
        groups
    }

    /// Each checked budget: both values, the limit and whether it held; exceeded ones
    /// are flagged.
    fn budgets_table(&self) -> Table {
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
        budgets
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
    use crate::stats::tests::stats;

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
    }
}
