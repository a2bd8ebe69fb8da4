//! The task-graph IR: validation errors and queries.

use taskscope_core::{GraphBuilder, GraphError, Meta, TaskGraph, TaskId, TaskSpec};

fn graph(edges: &[(&str, &[&str])]) -> Result<TaskGraph, GraphError> {
    let mut b = GraphBuilder::new();
    for (key, deps) in edges {
        let mut spec = TaskSpec::new(*key, "op");
        for d in *deps {
            spec = spec.dep(*d);
        }
        b.add(spec);
    }
    b.build()
}

#[test]
fn duplicate_keys_are_named() {
    let e = graph(&[("a", &[]), ("b", &["a"]), ("a", &[])]).unwrap_err();
    assert_eq!(e, GraphError::DuplicateKey { key: "a".into() });
    assert_eq!(e.to_string(), "duplicate task key \"a\"");
}

#[test]
fn missing_dependencies_name_both_keys() {
    let e = graph(&[("a", &[]), ("b", &["a", "zzz"])]).unwrap_err();
    assert_eq!(
        e,
        GraphError::MissingDependency {
            task: "b".into(),
            missing: "zzz".into()
        }
    );
    assert!(e.to_string().contains("\"b\" depends on \"zzz\""), "{e}");
}

#[test]
fn a_cycle_is_reported_as_the_keys_around_it() {
    // x feeds a; a -> b -> c -> a is the cycle; d hangs off it.
    let e = graph(&[
        ("x", &[]),
        ("a", &["x", "c"]),
        ("b", &["a"]),
        ("c", &["b"]),
        ("d", &["c"]),
    ])
    .unwrap_err();
    assert_eq!(
        e,
        GraphError::Cycle {
            keys: vec!["a".into(), "b".into(), "c".into(), "a".into()]
        }
    );
    assert_eq!(e.to_string(), "cycle: a -> b -> c -> a");
}

#[test]
fn a_task_depending_on_itself_is_a_cycle() {
    let e = graph(&[("a", &[]), ("b", &["a", "b"])]).unwrap_err();
    assert_eq!(
        e,
        GraphError::Cycle {
            keys: vec!["b".into(), "b".into()]
        }
    );
}

#[test]
fn queries_on_a_diamond_with_a_tail() {
    //   a
    //  / \
    // b   c
    //  \ /
    //   d   e (alone)
    let g = graph(&[
        ("a", &[]),
        ("b", &["a"]),
        ("c", &["a"]),
        ("d", &["b", "c"]),
        ("e", &[]),
    ])
    .unwrap();
    assert_eq!(g.len(), 5);
    assert_eq!(g.edge_count(), 4);
    assert_eq!(g.depth(), 3);
    assert_eq!(g.layer_sizes(), vec![2, 2, 1]);
    assert_eq!(g.width(), 2);
    assert_eq!(g.levels(), &[0, 1, 1, 2, 0]);
    let order = g.topological_order();
    let pos = |k: &str| order.iter().position(|&id| g.task(id).key() == k).unwrap();
    assert!(pos("a") < pos("b") && pos("a") < pos("c"));
    assert!(pos("b") < pos("d") && pos("c") < pos("d"));
    let cp = g.critical_path(|_| 1.0);
    let keys: Vec<&str> = cp.tasks.iter().map(|&id| g.task(id).key()).collect();
    assert_eq!(keys, ["a", "b", "d"]);
    assert_eq!(cp.length, 3.0);
    assert_eq!(g.dependents(TaskId(0)), &[TaskId(1), TaskId(2)]);
    assert_eq!(g.dependent_counts(), vec![2, 1, 1, 0, 0]);
}

#[test]
fn weighted_critical_path_follows_the_heavy_branch() {
    let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["b", "c"])]).unwrap();
    let w = [1.0, 1.0, 10.0, 1.0];
    let cp = g.critical_path(|id| w[id.index()]);
    let keys: Vec<&str> = cp.tasks.iter().map(|&id| g.task(id).key()).collect();
    assert_eq!(keys, ["a", "c", "d"]);
    assert_eq!(cp.length, 12.0);
}

#[test]
fn repeated_dependencies_count_once_and_groups_follow_keys() {
    let g = graph(&[
        ("('x-1', 0)", &[]),
        ("('y-2', 0)", &["('x-1', 0)", "('x-1', 0)"]),
    ])
    .unwrap();
    assert_eq!(g.edge_count(), 1);
    assert_eq!(g.task(TaskId(1)).deps(), &[TaskId(0)]);
    let groups = g.group_counts();
    assert_eq!(groups.get("x"), Some(&1));
    assert_eq!(groups.get("y"), Some(&1));
}

#[test]
fn empty_graph() {
    let g = TaskGraph::empty();
    assert_eq!(
        (g.len(), g.edge_count(), g.depth(), g.width()),
        (0, 0, 0, 0)
    );
    assert!(g.critical_path(|_| 1.0).tasks.is_empty());
}

#[test]
fn long_chains_do_not_overflow_the_stack() {
    let n = 200_000;
    let mut b = GraphBuilder::with_capacity(n);
    b.add(TaskSpec::new("t-0", "op"));
    for i in 1..n {
        b.add(TaskSpec::new(format!("t-{i}"), "op").dep(format!("t-{}", i - 1)));
    }
    let g = b.build().unwrap();
    assert_eq!(g.depth(), n);
    assert_eq!(g.width(), 1);
    assert_eq!(
        taskscope_core::run_order(&g, &[TaskId(n as u32 - 1)]).len(),
        n
    );
}

#[test]
fn dependencies_may_name_later_tasks_by_key_or_id() {
    let mut b = GraphBuilder::new();
    // Keys first in the order given, then ids; repeats count once.
    let spec = TaskSpec::new("a", "op").dep("c").dep("b").dep("c");
    b.add_with_ids(spec, vec![TaskId(1), TaskId(2), TaskId(3)]);
    b.add(TaskSpec::new("b", "op"));
    b.add_parts("c", "c", "op", &[], Meta::new());
    b.add(TaskSpec::new("d", "op").dep("b"));
    let g = b.build().unwrap();
    assert_eq!(g.task(TaskId(0)).deps(), &[TaskId(2), TaskId(1), TaskId(3)]);
    assert_eq!(g.task(TaskId(3)).deps(), &[TaskId(1)]);
    assert_eq!(g.dependents(TaskId(1)), &[TaskId(0), TaskId(3)]);
    assert_eq!(g.edge_count(), 4);
}

#[test]
fn the_first_task_with_a_missing_dependency_is_named() {
    let missing = |task: &str, missing: &str| GraphError::MissingDependency {
        task: task.into(),
        missing: missing.into(),
    };
    // A bad id in an earlier task comes first...
    let mut b = GraphBuilder::new();
    b.add_parts("a", "a", "op", &[TaskId(9)], Meta::new());
    b.add(TaskSpec::new("b", "op").dep("zzz"));
    assert_eq!(b.build().unwrap_err(), missing("a", "#9"));
    // ...and in one task, a missing key before a bad id.
    let mut b = GraphBuilder::new();
    b.add_with_ids(TaskSpec::new("a", "op").dep("zzz"), vec![TaskId(7)]);
    assert_eq!(b.build().unwrap_err(), missing("a", "zzz"));
    // A duplicate key comes before either.
    let mut b = GraphBuilder::new();
    b.add(TaskSpec::new("a", "op").dep("zzz"));
    b.add(TaskSpec::new("a", "op"));
    let e = b.build().unwrap_err();
    assert_eq!(e, GraphError::DuplicateKey { key: "a".into() });
    // Also when every dependency is given by id (the keys are indexed at the build).
    let mut b = GraphBuilder::new();
    b.add_parts("a", "a", "op", &[TaskId(9)], Meta::new());
    b.add_parts("a", "a", "op", &[], Meta::new());
    assert_eq!(
        b.build().unwrap_err(),
        GraphError::DuplicateKey { key: "a".into() }
    );
}

#[test]
fn large_graphs_find_keys_and_the_first_key_given_twice() {
    // Enough tasks for the key index's one-pass fill and the build's second thread.
    let n = 300_000u32;
    let key = |i: u32| format!("('x-{}', {i})", i % 7);
    let build = |repeats: &[(u32, u32)]| {
        let mut b = GraphBuilder::new();
        for i in 0..n {
            let k = match repeats.iter().find(|r| r.1 == i) {
                Some(&(of, _)) => key(of),
                None => key(i),
            };
            let deps: Vec<TaskId> = (i > 0).then_some(TaskId(i / 2)).into_iter().collect();
            b.add_parts(&k, "x", "op", &deps, Meta::new());
        }
        b.build()
    };
    let g = build(&[]).unwrap();
    for i in (0..n).step_by(997) {
        assert_eq!(g.id_of(&key(i)), Some(TaskId(i)));
    }
    assert_eq!(g.id_of("('x-0', 300000)"), None);
    assert_eq!(g.depth(), 20); // task i is at level 1 + log2(i), rounded down
    // Task 250,000 repeats key 17 and task 200,000 key 123,456: the lowest later
    // task names the error, wherever the keys fall in the index.
    let e = build(&[(17, 250_000), (123_456, 200_000)]).unwrap_err();
    assert_eq!(e, GraphError::DuplicateKey { key: key(123_456) });
}

#[test]
fn tasks_read_back_what_was_added_however_it_was_added() {
    let mut meta = Meta::new();
    meta.insert("rows".into(), serde_json::json!(3));
    let mut b = GraphBuilder::new();
    b.add(TaskSpec::new("load-1", "load").group("load"));
    let mut spec = TaskSpec::new("sum", "sum").dep("load-1");
    spec.meta = meta.clone();
    b.add(spec);
    let by_spec = b.build().unwrap();
    let mut b = GraphBuilder::new();
    let load = b.add_parts("load-1", "load", "load", &[], Meta::new());
    b.add_parts("sum", "sum", "sum", &[load], meta.clone());
    let by_parts = b.build().unwrap();
    let tasks: Vec<_> = by_spec.tasks().map(|(_, t)| t).collect();
    assert!(tasks.iter().copied().eq(by_parts.tasks().map(|(_, t)| t)));
    let sum = by_parts.task(TaskId(1));
    assert_eq!(
        (sum.id(), sum.key(), sum.group(), sum.op()),
        (TaskId(1), "sum", "sum", "sum")
    );
    assert_eq!(
        (sum.meta(), by_parts.task(load).meta()),
        (&meta, &Meta::new())
    );
    assert_ne!(tasks[0], tasks[1]);
    // A group and an op of the same text are one name.
    assert_eq!(by_parts.group_id(TaskId(1)), 1);
    assert_eq!(by_parts.group_name(by_parts.group_id(load)), "load");
    assert_eq!(
        format!("{:?}", tasks[1]),
        r#"Task { key: "sum", group: "sum", op: "sum", meta: {"rows": Number(3)}, deps: [TaskId(0)] }"#
    );
    assert_eq!(by_parts.id_of("sum"), Some(TaskId(1)));
    assert_eq!(by_parts.id_of("su"), None);
}
