//! `install`: the two-line set-up, as a program's `main` uses it (one per process).

use taskscope_interop::input;
use tracing::info_span;

#[test]
fn install_sets_the_global_subscriber_and_the_guard_finishes_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.trace.jsonl");
    let trace = taskscope_tracing::install(&path).unwrap();
    {
        let _main = info_span!("main").entered();
        std::thread::spawn(|| info_span!("elsewhere").in_scope(|| {}))
            .join()
            .unwrap();
    }
    // A second install fails: the global subscriber is set once.
    assert!(taskscope_tracing::install(dir.path().join("second.trace.jsonl")).is_err());
    drop(trace);
    let t = input::load(&path).unwrap();
    assert!(!t.truncated);
    let keys: Vec<_> = t.graph.tasks().map(|(_, t)| t.key().to_string()).collect();
    assert_eq!(keys, ["elsewhere", "main"]);
    assert_eq!(
        t.header.tool,
        format!("taskscope-tracing {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(t.header.run.as_ref().unwrap().executor, "tracing");
}
