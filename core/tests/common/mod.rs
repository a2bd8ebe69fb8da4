//! What the executor tests share: programs from (key, inputs, code) and a time-out.

// Each test file uses part of this.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use taskscope_core::{GraphError, Layer, Program, TaskDef, TaskFn, Value};

/// Runs `f` on a thread and fails the test if it takes longer than `secs`.
pub(crate) fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("the run finished in time (no deadlock)")
}

/// A program from (key, inputs, code) triples.
pub(crate) fn program(tasks: Vec<(String, Vec<String>, TaskFn)>) -> Result<Program, GraphError> {
    let defs = tasks
        .into_iter()
        .map(|(key, inputs, func)| TaskDef {
            group: taskscope_core::key_split(&key),
            op: "op".into(),
            key,
            inputs,
            meta: Default::default(),
            func,
        })
        .collect();
    Program::from_layers(&[Arc::new(Layer {
        name: "test".into(),
        tasks: defs,
        deps: vec![],
    })])
}

pub(crate) fn constant(v: i64) -> TaskFn {
    Arc::new(move |_| Ok(Value::new(v)))
}

pub(crate) fn sum() -> TaskFn {
    Arc::new(|xs| {
        let mut s = 0i64;
        for x in xs {
            s += x.get::<i64>()?;
        }
        Ok(Value::new(s))
    })
}
