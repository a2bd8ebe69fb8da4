//! Budgets: how much a figure may change from a base file to a new one, written
//! `FIGURE=CHANGE` like `tasks=+10%`, `edges=+0`, `wall=+20%`,
//! `group:mean_chunk=+0` or `peak_rss=+50MB`.
//!
//! A change is a sign, a number and a unit: `%` of the base value, or an amount in the
//! figure's unit (a plain number for counts; `ns us ms s` for times; `B KB MB GB`
//! (powers of 1000) and `KiB MiB GiB` (powers of 1024) for bytes). `+` allows growth up
//! to the amount; `-` requires an improvement of at least the amount.
//!
//! ```
//! use taskscope_analysis::budget::Budget;
//! use taskscope_analysis::stats::Figure;
//!
//! let b: Budget = "peak_rss=+50MB".parse().unwrap();
//! assert_eq!(b.figure, Figure::PeakRss);
//! assert_eq!(b.limit(100e6), 150e6);
//! let e = "tasks=+10x".parse::<Budget>().unwrap_err();
//! assert_eq!(e.to_string(), r#"--budget tasks=+10x: unknown unit "x"; use %, or a plain number"#);
//! ```

use std::str::FromStr;

use serde::Serialize;
use serde::ser::SerializeStruct;
use taskscope_core::units::cut_after;
use thiserror::Error;

use crate::diff::Diff;
use crate::stats::{Figure, Stats, Unit};

/// How much a budget lets its figure change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Allowance {
    /// A fraction of the base value: `+10%` is `0.10`, `-5%` is `-0.05`.
    Relative(f64),
    /// An amount in the figure's base unit (tasks, ns, bytes), signed.
    Absolute(f64),
}

/// A limit on one figure, parsed from `FIGURE=CHANGE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    /// As the user wrote it.
    pub text: String,
    /// The figure it limits.
    pub figure: Figure,
    /// How much that figure may change.
    pub allowance: Allowance,
}

/// A budget that cannot be parsed or checked. Messages name the budget as written
/// (`text` in every variant).
#[derive(Debug, Error, PartialEq)]
pub enum BudgetError {
    /// No `=`, or nothing on one side of it.
    #[error(
        "--budget {text}: expected FIGURE=CHANGE, like tasks=+10%, wall=+20ms or peak_rss=+50MB"
    )]
    Syntax {
        /// The budget as written.
        text: String,
    },
    /// The name before `=` is not a figure.
    #[error(
        "--budget {text}: unknown figure \"{name}\"; use one of {}, group:NAME, group:NAME.time or group:NAME.bytes",
        budget_figures()
    )]
    UnknownFigure {
        /// The budget as written.
        text: String,
        /// The name given.
        name: String,
    },
    /// The figure is one where higher is better (utilization), which a cap on growth
    /// does not fit.
    #[error(
        "--budget {text}: {figure} cannot have a budget (higher is better); budget busy or wall instead"
    )]
    NotBudgetable {
        /// The budget as written.
        text: String,
        /// The figure named.
        figure: Figure,
    },
    /// What follows the sign is not a number.
    #[error(
        "--budget {text}: expected a number after the sign, like +10% or +0, found \"{found}\""
    )]
    BadNumber {
        /// The budget as written.
        text: String,
        /// What stands where the number should be.
        found: String,
    },
    /// The unit after the number is not one taskscope knows.
    #[error("--budget {text}: unknown unit \"{unit}\"; use {expected}")]
    UnknownUnit {
        /// The budget as written.
        text: String,
        /// The unit given.
        unit: String,
        /// The units the figure accepts, for the message.
        expected: &'static str,
    },
    /// The unit measures something else than the figure (`tasks=+10MB`).
    #[error(
        "--budget {text}: \"{unit}\" is a unit of {}, but {figure} is {}; use {}",
        measure(*.unit_of),
        .figure.unit().noun(),
        .figure.unit().budget_units()
    )]
    WrongUnit {
        /// The budget as written.
        text: String,
        /// The unit given.
        unit: String,
        /// What that unit measures.
        unit_of: Unit,
        /// The figure named, which measures something else.
        figure: Figure,
    },
    /// A non-zero amount of time or bytes without a unit (`wall=+20`).
    #[error(
        "--budget {text}: {figure} is {}: give a unit ({})",
        .figure.unit().noun(),
        .figure.unit().budget_units()
    )]
    NeedsUnit {
        /// The budget as written.
        text: String,
        /// The figure named.
        figure: Figure,
    },
    /// One of the files does not hold the figure (a run's figure of a graph).
    #[error("--budget {text}: {side} ({file}) has no {figure}: {why}")]
    Missing {
        /// The budget as written.
        text: String,
        /// The figure named.
        figure: Figure,
        /// `BASE` or `NEW`: the file that lacks it.
        side: &'static str,
        /// That file as the user named it.
        file: String,
        /// Why it lacks it, for people.
        why: &'static str,
    },
    /// The budget names a group that neither file has.
    #[error("--budget {text}: neither file has a group \"{group}\"; groups: {known}")]
    NoSuchGroup {
        /// The budget as written.
        text: String,
        /// The group named.
        group: String,
        /// The groups the files have, comma-separated.
        known: String,
    },
}

/// What a unit of `unit` measures, for messages.
fn measure(unit: Unit) -> &'static str {
    match unit {
        Unit::Time => "time",
        Unit::Bytes => "bytes",
        Unit::Count | Unit::Ratio => "counts",
    }
}

/// The figures a budget may name, for messages.
fn budget_figures() -> String {
    Figure::TOTALS
        .iter()
        .filter(|f| f.unit() != Unit::Ratio)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Units by name (any case) with their factor and what they measure.
const UNITS: [(&str, f64, Unit); 12] = [
    ("ns", 1.0, Unit::Time),
    ("us", 1e3, Unit::Time),
    ("µs", 1e3, Unit::Time),
    ("ms", 1e6, Unit::Time),
    ("s", 1e9, Unit::Time),
    ("B", 1.0, Unit::Bytes),
    ("KB", 1e3, Unit::Bytes),
    ("MB", 1e6, Unit::Bytes),
    ("GB", 1e9, Unit::Bytes),
    ("KiB", 1024.0, Unit::Bytes),
    ("MiB", 1048576.0, Unit::Bytes),
    ("GiB", 1073741824.0, Unit::Bytes),
];

/// How many characters of a malformed budget an error quotes.
const QUOTED_CHARS: usize = 200;

impl FromStr for Budget {
    type Err = BudgetError;

    fn from_str(text: &str) -> Result<Budget, BudgetError> {
        // Errors quote what was given, cut short: a budget may come from a generated file.
        let quoted = || cut_after(text.to_string(), QUOTED_CHARS);
        let (name, change) = text
            .split_once('=')
            .ok_or_else(|| BudgetError::Syntax { text: quoted() })?;
        let (name, change) = (name.trim(), change.trim());
        if name.is_empty() || change.is_empty() {
            return Err(BudgetError::Syntax { text: quoted() });
        }
        let figure = Figure::parse(name).ok_or_else(|| BudgetError::UnknownFigure {
            text: quoted(),
            name: cut_after(name.to_string(), QUOTED_CHARS),
        })?;
        let unit = figure.unit();
        if unit == Unit::Ratio {
            return Err(BudgetError::NotBudgetable {
                text: quoted(),
                figure,
            });
        }
        let (sign, rest) = match change.as_bytes()[0] {
            b'+' => (1.0, &change[1..]),
            b'-' => (-1.0, &change[1..]),
            _ => (1.0, change),
        };
        let rest = rest.trim_start();
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = (&rest[..split], rest[split..].trim());
        let amount: f64 = number
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite())
            .ok_or_else(|| BudgetError::BadNumber {
                text: quoted(),
                found: cut_after(rest.to_string(), QUOTED_CHARS),
            })?;
        let allowance = if suffix == "%" {
            Allowance::Relative(sign * amount / 100.0)
        } else if suffix.is_empty() {
            if unit != Unit::Count && amount != 0.0 {
                return Err(BudgetError::NeedsUnit {
                    text: quoted(),
                    figure,
                });
            }
            Allowance::Absolute(sign * amount)
        } else {
            let found = UNITS.iter().find(|u| u.0.eq_ignore_ascii_case(suffix));
            match found {
                Some(&(_, factor, of)) if of == unit => Allowance::Absolute(sign * amount * factor),
                Some(&(_, _, of)) => {
                    return Err(BudgetError::WrongUnit {
                        text: quoted(),
                        unit: cut_after(suffix.to_string(), QUOTED_CHARS),
                        unit_of: of,
                        figure,
                    });
                }
                None => {
                    return Err(BudgetError::UnknownUnit {
                        text: quoted(),
                        unit: cut_after(suffix.to_string(), QUOTED_CHARS),
                        expected: unit.budget_units(),
                    });
                }
            }
        };
        Ok(Budget {
            text: text.to_string(),
            figure,
            allowance,
        })
    }
}

impl Budget {
    /// The most the figure may be in the new file, given its value in the base file.
    /// Whole units (tasks, ns, bytes) round down: `tasks=+10%` of 590 allows 649.
    pub fn limit(&self, base: f64) -> f64 {
        let limit = match self.allowance {
            Allowance::Relative(r) => base + base * r,
            Allowance::Absolute(a) => base + a,
        };
        // Tolerate float noise (590 * 0.1 is not exactly 59) before rounding down.
        (limit + 1e-9 * limit.abs().max(1.0)).floor()
    }

    /// Checks the budget on `base` and `new`, whose files are named in `diff`.
    pub fn check(
        &self,
        diff: &Diff,
        base: &Stats,
        new: &Stats,
    ) -> Result<BudgetCheck, BudgetError> {
        if let Figure::Group(group, _) = &self.figure
            && !base.graph.groups.contains_key(group)
            && !new.graph.groups.contains_key(group)
        {
            let known: Vec<&str> = diff.groups.iter().map(|g| g.group.as_str()).collect();
            return Err(BudgetError::NoSuchGroup {
                text: cut_after(self.text.clone(), QUOTED_CHARS),
                group: cut_after(group.clone(), QUOTED_CHARS),
                // A run may have thousands of groups: the message names the first ones.
                known: cut_after(known.join(", "), 5 * QUOTED_CHARS),
            });
        }
        let value = |stats: &Stats, side: &'static str, file: &str| {
            self.figure.of(stats).ok_or_else(|| BudgetError::Missing {
                text: cut_after(self.text.clone(), QUOTED_CHARS),
                figure: self.figure.clone(),
                side,
                file: file.to_string(),
                why: self.figure.why_missing(stats),
            })
        };
        let base = value(base, "BASE", &diff.base.file)?;
        let new = value(new, "NEW", &diff.new.file)?;
        let allowed = self.limit(base);
        Ok(BudgetCheck {
            allowed,
            base,
            budget: self.text.clone(),
            exceeded: new > allowed,
            figure: self.figure.clone(),
            new,
        })
    }
}

impl Diff {
    /// Checks every budget and keeps the results in [`Diff::budgets`]; an error for the
    /// first budget that names a figure a file lacks.
    pub fn check(
        &mut self,
        budgets: &[Budget],
        base: &Stats,
        new: &Stats,
    ) -> Result<(), BudgetError> {
        let checks = budgets
            .iter()
            .map(|b| b.check(self, base, new))
            .collect::<Result<Vec<_>, _>>()?;
        self.budgets = checks;
        Ok(())
    }
}

/// A budget checked against two files.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetCheck {
    /// The most the figure may be in the new file.
    pub allowed: f64,
    /// The figure's value in the base file, in its unit (ns, bytes, a count).
    pub base: f64,
    /// The budget as written.
    pub budget: String,
    /// The new value is over `allowed`.
    pub exceeded: bool,
    /// The figure checked.
    pub figure: Figure,
    /// The figure's value in the new file.
    pub new: f64,
}

impl BudgetCheck {
    /// How far over the limit the new value is (0 when within).
    pub fn over_by(&self) -> f64 {
        (self.new - self.allowed).max(0.0)
    }

    /// One line for people: `tasks=+10% exceeded: 590 -> 9,160 (+1452.5%), allowed
    /// up to 649, over by 8,511`.
    pub fn describe(&self) -> String {
        let unit = self.figure.unit();
        let relative = if self.base == 0.0 {
            String::new()
        } else {
            format!(" ({:+.1}%)", (self.new - self.base) / self.base * 100.0)
        };
        let verdict = if self.exceeded {
            format!(", over by {}", unit.format(self.over_by()))
        } else {
            String::new()
        };
        format!(
            "{} {}: {} -> {}{relative}, allowed up to {}{verdict}",
            self.budget,
            if self.exceeded { "EXCEEDED" } else { "ok" },
            unit.format(self.base),
            unit.format(self.new),
            unit.format(self.allowed),
        )
    }
}

impl Serialize for BudgetCheck {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let unit = self.figure.unit();
        let mut st = s.serialize_struct("BudgetCheck", 7)?;
        st.serialize_field("allowed", &unit.json(self.allowed))?;
        st.serialize_field("base", &unit.json(self.base))?;
        st.serialize_field("budget", &self.budget)?;
        st.serialize_field("exceeded", &self.exceeded)?;
        st.serialize_field("figure", &self.figure)?;
        st.serialize_field("new", &unit.json(self.new))?;
        st.serialize_field("over_by", &unit.json(self.over_by()))?;
        st.end()
    }
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
