//! The task-graph IR: validation errors and queries.

use taskscope_core::{GraphBuilder, GraphError, TaskGraph, TaskId, TaskSpec};

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
