//! taskscope-analysis: what a graph or a run says, with no drawing and no UI.
//!
//! - [`stats`]: how big is the graph, how did the run go. [`Stats`](stats::Stats)
//!   holds a file's [`GraphStats`](stats::GraphStats) and
//!   [`RunStats`](stats::RunStats); a [`Figure`](stats::Figure) is one of them by
//!   name, with its [`Unit`](stats::Unit); a [`Table`](stats::Table) shows them.
//! - [`diff`]: what changed from one file to another. [`Diff`](diff::Diff) holds a
//!   [`Change`](diff::Change) per figure and a [`GroupChange`](diff::GroupChange)
//!   per group.
//! - [`budget`]: did a change stay within its limit (CI). A
//!   [`Budget`](budget::Budget) parsed from `tasks=+10%` gives a
//!   [`BudgetCheck`](budget::BudgetCheck) or a [`BudgetError`](budget::BudgetError).
//! - [`replay`]: what the run was doing at time t. [`Replay`](replay::Replay)
//!   answers each task's [`TaskState`](replay::TaskState), held and resident
//!   memory, and the timeline's [`Lanes`](replay::Lanes).
//! - [`held`]: the one rule for bytes of task outputs held over time
//!   ([`held_over_time`](held::held_over_time)).
//!
//! `taskscope stats` prints [`Stats`](stats::Stats); `taskscope diff` prints a
//! [`Diff`](diff::Diff) checked against [`Budget`](budget::Budget)s; the viewer draws a
//! [`Replay`](replay::Replay).
//!
//! ```
//! use taskscope_analysis::diff::Diff;
//! use taskscope_analysis::stats::Stats;
//! use taskscope_core::trace::parse;
//!
//! let text = br#"{"type":"header","format":"taskscope","version":1,"tool":"x","clock":"ns","name":"g"}
//! {"type":"task","id":0,"key":"load","group":"load","op":"load"}
//! {"type":"task","id":1,"key":"sum","group":"sum","op":"sum","deps":[0]}
//! "#;
//! let trace = parse(&text[..], "g.jsonl").unwrap();
//! let stats = Stats::of(&trace);
//! assert_eq!(stats.graph.tasks, 2);
//! let budget = "tasks=+0".parse().unwrap();
//! let mut diff = Diff::new("a", &stats, "b", &stats);
//! diff.check(&[budget], &stats, &stats).unwrap();
//! assert_eq!(diff.exceeded().count(), 0);
//! ```

pub mod budget;
pub mod diff;
pub mod held;
pub mod replay;
pub mod stats;
