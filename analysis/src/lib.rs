//! taskscope-analysis: what a graph or a run says, with no drawing and no UI.
//!
//! - [`stats`]: figures of a graph and of a run (wall and busy time, utilization,
//!   groups, memory, the measured critical path), diffs of two runs and budgets;
//! - [`replay`]: the state of a run at any time t, level-of-detail lanes and held
//!   memory, which the viewer draws;
//! - [`held`]: the one rule for the bytes of task outputs held over time.
//!
//! ```
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
//! ```

pub mod held;
pub mod replay;
pub mod stats;
