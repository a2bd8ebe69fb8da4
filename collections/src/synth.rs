//! Synthetic task graphs of any size, with trivial tasks, for benchmarks and tests.
//!
//! ```
//! use taskscope_collections::synth::{Shape, program};
//!
//! let p = program(Shape::Tree, 1023, 0).unwrap();
//! assert_eq!(p.graph().len(), 1023);
//! assert_eq!(p.graph().depth(), 10);
//! ```

use std::sync::Arc;

use rand_core::{Rng, SeedableRng};

use taskscope_core::push_block_key;
use taskscope_core::{GraphError, Program, ProgramBuilder, TaskError, TaskFn, TaskId, Value};

/// The form of a synthetic graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Each task depends on the previous one: no parallelism at all.
    Chain,
    /// `n - 1` independent tasks summed by one: all parallelism, one wide join.
    FanIn,
    /// A binary reduction tree: leaves combined pairwise, level by level.
    Tree,
    /// Layers of about `sqrt(n)` tasks; each task reads 1 to 3 tasks of the layer above.
    Layered,
    /// Each task reads 0 to 3 earlier tasks chosen at random.
    Random,
}

impl Shape {
    /// The shape's name on the command line and in layer names: `chain`, `fanin`, ...
    pub fn name(self) -> &'static str {
        match self {
            Shape::Chain => "chain",
            Shape::FanIn => "fanin",
            Shape::Tree => "tree",
            Shape::Layered => "layered",
            Shape::Random => "random",
        }
    }
}

/// Returns the sum of its inputs plus one (an `i64`): trivial, but real work that
/// depends on every input.
fn add_one() -> TaskFn {
    Arc::new(|xs| {
        let mut s = 1i64;
        for x in xs {
            s = s.wrapping_add(*x.get::<i64>()?);
        }
        Ok(Value::new(s))
    })
}

/// The value the last task of a chain or a fan-in of `tasks` tasks computes (every
/// task adds one to the sum of its inputs); None for the other shapes.
fn expected_sum(shape: Shape, tasks: usize) -> Option<i64> {
    match shape {
        Shape::Chain => Some(tasks as i64),
        Shape::FanIn => Some(tasks as i64),
        _ => None,
    }
}

/// A program of about `tasks` trivial tasks (exactly `tasks` for every shape but
/// `Tree`, which rounds to a full tree), deterministic for a given `seed`. Built by
/// id, one reused key buffer: 10^7 tasks hold no string per task but their keys.
pub fn program(shape: Shape, tasks: usize, seed: u64) -> Result<Program, GraphError> {
    let n = tasks.max(1);
    let f = add_one();
    let mut b = Builder {
        program: ProgramBuilder::new(),
        key: String::new(),
        func: f,
    };
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut below = |k: usize| (rng.next_u64() % k as u64) as usize;
    match shape {
        Shape::Chain => {
            for i in 0..n {
                let inputs: &[TaskId] = if i == 0 { &[] } else { &[TaskId(i as u32 - 1)] };
                b.add("chain", &[i], inputs);
            }
        }
        Shape::FanIn => {
            for i in 0..n - 1 {
                b.add("leaf", &[i], &[]);
            }
            let leaves: Vec<TaskId> = (0..n as u32 - 1).map(TaskId).collect();
            b.program.add("sum", "sum", "add_one", &leaves, &b.func);
        }
        Shape::Tree => {
            let mut level: Vec<TaskId> = (0..n.div_ceil(2))
                .map(|i| b.add("leaf", &[i], &[]))
                .collect();
            let mut depth = 0;
            while level.len() > 1 {
                depth += 1;
                level = level
                    .chunks(2)
                    .enumerate()
                    .map(|(i, pair)| b.add("combine", &[depth, i], pair))
                    .collect();
            }
        }
        Shape::Layered => {
            let width = ((n as f64).sqrt() as usize).max(1);
            let mut prev: Vec<TaskId> = Vec::new();
            let mut this: Vec<TaskId> = Vec::with_capacity(width);
            let mut inputs: Vec<TaskId> = Vec::with_capacity(3);
            let (mut made, mut layer) = (0, 0);
            while made < n {
                let count = width.min(n - made);
                this.clear();
                for i in 0..count {
                    inputs.clear();
                    if !prev.is_empty() {
                        for _ in 0..1 + below(3) {
                            inputs.push(prev[below(prev.len())]);
                        }
                    }
                    this.push(b.add("layer", &[layer, i], &inputs));
                }
                made += count;
                layer += 1;
                std::mem::swap(&mut prev, &mut this);
            }
        }
        Shape::Random => {
            let mut inputs: Vec<TaskId> = Vec::with_capacity(3);
            for i in 0..n {
                inputs.clear();
                if i > 0 {
                    for _ in 0..below(4) {
                        inputs.push(TaskId(below(i) as u32));
                    }
                }
                b.add("node", &[i], &inputs);
            }
        }
    }
    b.program.build()
}

/// A synthetic program being built: every task is `add_one`, in a group named like
/// its key.
struct Builder {
    program: ProgramBuilder,
    key: String,
    func: TaskFn,
}

impl Builder {
    /// Adds task `('name', index...)` of group `name` reading `inputs`.
    fn add(&mut self, name: &str, index: &[usize], inputs: &[TaskId]) -> TaskId {
        self.key.clear();
        push_block_key(&mut self.key, name, index);
        self.program
            .add(&self.key, name, "add_one", inputs, &self.func)
    }
}

/// The tasks without dependents: what a run of a synthetic graph computes.
pub fn sinks(program: &Program) -> Vec<taskscope_core::TaskId> {
    let g = program.graph();
    g.tasks()
        .filter(|(id, _)| g.dependents(*id).is_empty())
        .map(|(id, _)| id)
        .collect()
}

/// Checks the value of a chain's or fan-in's last task.
pub fn check(shape: Shape, tasks: usize, value: &Value) -> Result<(), TaskError> {
    if let Some(want) = expected_sum(shape, tasks) {
        let got = *value.get::<i64>()?;
        if got != want {
            return Err(TaskError::new(format!(
                "{} of {tasks} computed {got}, expected {want}",
                shape.name()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use taskscope_core::{Executor, NoObserver, Sequential, Threads};

    #[test]
    fn shapes_have_the_promised_structure() {
        let g = |s, n| program(s, n, 7).unwrap();
        let chain = g(Shape::Chain, 1000);
        assert_eq!(
            (
                chain.graph().len(),
                chain.graph().depth(),
                chain.graph().width()
            ),
            (1000, 1000, 1)
        );
        let fan = g(Shape::FanIn, 1000);
        assert_eq!(
            (
                fan.graph().edge_count(),
                fan.graph().depth(),
                fan.graph().width()
            ),
            (999, 2, 999)
        );
        let tree = g(Shape::Tree, 1024);
        assert_eq!((tree.graph().len(), tree.graph().depth()), (1023, 10));
        let layered = g(Shape::Layered, 10_000);
        assert_eq!(
            (layered.graph().len(), layered.graph().width()),
            (10_000, 100)
        );
        let random = g(Shape::Random, 10_000);
        assert_eq!(random.graph().len(), 10_000);
        // Same seed, same graph.
        assert_eq!(
            g(Shape::Random, 500).graph().edge_count(),
            g(Shape::Random, 500).graph().edge_count()
        );
    }

    #[test]
    fn chains_and_fan_ins_compute_their_size() {
        for shape in [Shape::Chain, Shape::FanIn] {
            let p = program(shape, 5000, 0).unwrap();
            let targets = sinks(&p);
            for exec in [&Sequential as &dyn Executor, &Threads::new(2)] {
                let out = exec.execute(&p, &targets, &NoObserver).unwrap();
                check(shape, 5000, out.get(targets[0]).unwrap()).unwrap();
            }
        }
    }
}
