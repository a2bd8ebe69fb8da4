//! Progress on a terminal while a graph runs: one bar per group, like Dask's progress
//! bars, and a total. Silent when stderr is not a terminal.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use taskscope_core::{Observer, Program, TaskId, TaskOutcome};

/// An [`Observer`] that draws progress bars on stderr.
pub(crate) struct Progress {
    bars: MultiProgress,
    /// Per task, the index of its group's bar; filled when the run starts.
    group_of: OnceLock<(Vec<u32>, Vec<ProgressBar>, ProgressBar)>,
}

impl Progress {
    /// Progress bars when stderr is a terminal and `quiet` is off; `None` otherwise.
    pub(crate) fn on_terminal(quiet: bool) -> Option<Progress> {
        (!quiet && std::io::stderr().is_terminal()).then(|| Progress {
            bars: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            group_of: OnceLock::new(),
        })
    }

    /// Removes the bars once the run is over.
    pub(crate) fn finish(&self) {
        if let Some((_, bars, total)) = self.group_of.get() {
            for b in bars {
                b.finish();
            }
            total.finish();
        }
        let _ = self.bars.clear();
    }
}

impl Observer for Progress {
    fn run_started(&self, program: &Program, tasks: usize, _workers: usize) {
        let graph = program.graph();
        let mut names: Vec<&str> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        let mut group_of = Vec::with_capacity(graph.len());
        for (_, task) in graph.tasks() {
            let i = match names.iter().position(|n| *n == task.group()) {
                Some(i) => i,
                None => {
                    names.push(task.group());
                    counts.push(0);
                    names.len() - 1
                }
            };
            counts[i] += 1;
            group_of.push(i as u32);
        }
        let width = names
            .iter()
            .map(|n| n.len())
            .max()
            .unwrap_or(5)
            .clamp(5, 28);
        let style = ProgressStyle::with_template(&format!(
            "{{prefix:<{width}}} [{{bar:30}}] {{pos:>7}}/{{len:7}} {{elapsed:>4}}"
        ))
        .expect("the template is valid")
        .progress_chars("#>-");
        // Dask shows the groups that matter most: keep the bars readable on a terminal.
        const MAX_BARS: usize = 12;
        let bars: Vec<ProgressBar> = names
            .iter()
            .zip(&counts)
            .enumerate()
            .map(|(i, (name, &n))| {
                let bar = ProgressBar::new(n)
                    .with_style(style.clone())
                    .with_prefix(name.to_string());
                if i < MAX_BARS {
                    self.bars.add(bar)
                } else {
                    bar
                }
            })
            .collect();
        let total = self.bars.add(
            ProgressBar::new(tasks as u64)
                .with_style(style)
                .with_prefix("all tasks"),
        );
        total.enable_steady_tick(Duration::from_millis(100));
        let _ = self.group_of.set((group_of, bars, total));
    }

    fn task_finished(&self, task: TaskId, _worker: usize, _outcome: TaskOutcome<'_>) {
        if let Some((group_of, bars, total)) = self.group_of.get() {
            bars[group_of[task.index()] as usize].inc(1);
            total.inc(1);
        }
    }
}
