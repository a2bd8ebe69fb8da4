//! End-to-end tests of `taskscope diff`: exact numbers on known graphs, across input
//! kinds, and budgets: each kind passes and fails, malformed ones are exit code 2.

use std::path::Path;

mod common;
use common::{repo, taskscope, text};

/// The tutorial's normalization at 1000x1000 (a traced run) and Dask's graph of it at
/// 4000x4000, both in 100x100 chunks.
fn tutorial_pair() -> (String, String) {
    (
        repo("samples/norm.trace.jsonl"),
        repo("tests/fixtures/dask/norm_4000.trace.jsonl"),
    )
}

fn diff_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend(["--format", "json"]);
    let out = taskscope(&all);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("diff --format json prints JSON")
}

fn figure<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["figure"] == name)
        .unwrap_or_else(|| panic!("no figure {name} in {json}"))
}

#[test]
fn the_tutorial_at_two_sizes_gives_exact_numbers() {
    let (small, big) = tutorial_pair();
    let json = diff_json(&[&small, &big]);
    assert_eq!(json["schema"], "taskscope-diff");
    assert_eq!(json["version"], 1);
    assert_eq!(
        figure(&json, "tasks"),
        &serde_json::json!({"base": 590, "new": 9160, "change": 8570,
            "change_pct": 1452.54, "figure": "tasks", "unit": "count"})
    );
    let edges = figure(&json, "edges");
    assert_eq!(
        (&edges["base"], &edges["new"]),
        (&870.into(), &13880.into())
    );
    assert_eq!(edges["change"], 13010);
    assert_eq!(figure(&json, "width")["new"], 3200);
    assert_eq!(figure(&json, "depth")["base"], 6);
    // The run's figures are only in BASE: listed, not compared.
    assert!(json["figures"].as_array().unwrap().len() == 5, "{json}");
    let not: Vec<&str> = json["not_compared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["figure"].as_str().unwrap())
        .collect();
    assert!(
        not.contains(&"wall") && not.contains(&"peak_rss"),
        "{not:?}"
    );
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 10);
    let mean_chunk = groups.iter().find(|g| g["group"] == "mean_chunk").unwrap();
    assert_eq!(mean_chunk["status"], "changed");
    assert_eq!(mean_chunk["tasks"]["base"], 100);
    assert_eq!(mean_chunk["tasks"]["new"], 1600);
    assert_eq!(json["budgets"], serde_json::json!([]));

    let out = taskscope(&["diff", &small, &big]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let row = |name: &str| -> Vec<String> {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row {name} in {stdout}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        row("tasks"),
        ["tasks", "590", "9,160", "+8,570", "+1452.5%"]
    );
    assert_eq!(
        row("edges"),
        ["edges", "870", "13,880", "+13,010", "+1495.4%"]
    );
    assert!(
        stdout.contains("groups: 0 added, 0 removed, 10 changed, 0 same"),
        "{stdout}"
    );
}

#[test]
fn a_tasks_budget_fails_the_tutorial_at_4000_with_exit_code_1() {
    let (small, big) = tutorial_pair();
    let out = taskscope(&["diff", &small, &big, "--budget", "tasks=+10%"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "tasks=+10% EXCEEDED: 590 -> 9,160 (+1452.5%), allowed up to 649, over by 8,511"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("budgets: 1 of 1 exceeded"), "{stdout}");
    // The figures are printed all the same.
    assert!(stdout.contains("9,160"), "{stdout}");
    let json = diff_json(&[
        &small,
        &big,
        "--budget",
        "tasks=+10%",
        "--budget",
        "depth=+1",
    ]);
    assert_eq!(
        json["budgets"],
        serde_json::json!([
            {"allowed": 649, "base": 590, "budget": "tasks=+10%", "exceeded": true,
             "figure": "tasks", "new": 9160, "over_by": 8511},
            {"allowed": 7, "base": 6, "budget": "depth=+1", "exceeded": false,
             "figure": "depth", "new": 7, "over_by": 0}
        ])
    );
    // A larger budget passes.
    let out = taskscope(&["diff", &small, &big, "--budget", "tasks=+1500%"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn markdown_is_a_table_for_pull_requests() {
    let (small, big) = tutorial_pair();
    let out = taskscope(&["diff", &small, &big, "--format", "markdown"]);
    let md = text(&out.stdout);
    assert!(md.starts_with("### taskscope diff\n"), "{md}");
    assert!(
        md.contains("| tasks | 590 | 9,160 | +8,570 | +1452.5% |"),
        "{md}"
    );
    assert!(
        md.contains("| edges | 870 | 13,880 | +13,010 | +1495.4% |"),
        "{md}"
    );
    assert!(
        md.contains("| mean\\_chunk | changed | 100 -> 1,600 | +1,500 (+1500.0%) |"),
        "{md}"
    );
}

#[test]
fn a_dot_file_against_a_trace_compares_the_graphs() {
    let (dot, trace) = (
        repo("samples/norm_dask.dot"),
        repo("samples/norm.trace.jsonl"),
    );
    let json = diff_json(&[&dot, &trace]);
    assert_eq!(json["base"]["kind"], "graph");
    assert_eq!(json["new"]["kind"], "run");
    for name in ["tasks", "edges"] {
        assert_eq!(figure(&json, name)["change"], 0, "{name}");
    }
    assert_eq!(figure(&json, "tasks")["new"], 590);
    assert!(
        json["not_compared"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"figure": "wall", "only_in": "new"}))
    );
    let out = taskscope(&["diff", &dot, &trace, "--budget", "wall=+10%"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--budget wall=+10%: BASE (")
            && text(&out.stderr).contains("norm_dask.dot) has no wall: it holds a graph"),
        "{}",
        text(&out.stderr)
    );
}

/// A run of `loads` tasks `('load', i)` of `load_ns` each, on two workers, then `sum`
/// of them (100 ns); RSS sampled once at `rss` bytes; each load's output 1,000 bytes.
fn run(dir: &Path, name: &str, loads: usize, load_ns: u64, rss: u64) -> String {
    let mut lines = vec![
        r#"{"type":"header","format":"taskscope","version":1,"tool":"test","clock":"ns"}"#
            .to_string(),
    ];
    for i in 0..loads {
        lines.push(format!(
            r#"{{"type":"task","id":{i},"key":"('load', {i})","group":"load","op":"load"}}"#
        ));
    }
    let deps: Vec<String> = (0..loads).map(|i| i.to_string()).collect();
    lines.push(format!(
        r#"{{"type":"task","id":{loads},"key":"sum","group":"sum","op":"sum","deps":[{}]}}"#,
        deps.join(",")
    ));
    lines.push(format!(r#"{{"type":"sample","t":0,"rss":{rss}}}"#));
    for i in 0..loads {
        lines.push(format!(
            r#"{{"type":"event","task":{i},"worker":{},"start":0,"end":{load_ns},"status":"done","bytes":1000}}"#,
            i % 2
        ));
    }
    let wall = load_ns + 100;
    lines.push(format!(
        r#"{{"type":"event","task":{loads},"worker":0,"start":{load_ns},"end":{wall},"status":"done","bytes":8}}"#
    ));
    lines.push(format!(
        r#"{{"type":"end","tasks":{},"edges":{loads},"status":"ok","wall":{wall}}}"#,
        loads + 1
    ));
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn each_budget_kind_passes_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    // BASE: 3 tasks, 2 edges, wall 1,100 ns, busy 2,100 ns, RSS 10 MB, held 2,000 B.
    // NEW: 4 tasks, 3 edges, wall 1,600 ns, busy 4,600 ns, RSS 12 MB, held 3,000 B.
    let base = run(dir.path(), "base.jsonl", 2, 1000, 10_000_000);
    let new = run(dir.path(), "new.jsonl", 3, 1500, 12_000_000);
    let cases: [(&str, bool); 27] = [
        ("tasks=+50%", true),
        ("tasks=+33%", false),
        ("tasks=+1", true),
        ("edges=+0", false),
        ("edges=+1", true),
        ("depth=+0", true),
        ("width=+0", false),
        ("critical_path_tasks=+0", true),
        ("wall=+50%", true),
        ("wall=+45%", false),
        ("wall=+500ns", true),
        ("wall=+0.4us", false),
        ("busy=+0.0025ms", true),
        ("busy=+2us", false),
        ("critical_path=+0", false),
        ("peak_rss=+2MB", true),
        ("peak_rss=+1.9MB", false),
        ("peak_rss=+1MiB", false),
        ("peak_held=+1KB", true),
        ("peak_held=+999B", false),
        ("failed=+0", true),
        ("group:load=+1", true),
        ("group:load=+0", false),
        ("group:sum=+0", true),
        ("group:load.time=+2.5us", true),
        ("group:load.time=+2us", false),
        ("group:load.bytes=+999b", false),
    ];
    for (budget, passes) in cases {
        let out = taskscope(&["diff", &base, &new, "--budget", budget]);
        let stderr = text(&out.stderr);
        if passes {
            assert_eq!(out.status.code(), Some(0), "{budget}: {stderr}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{budget}: {stderr}");
            assert!(
                stderr.contains(&format!("{budget} EXCEEDED: ")) && stderr.contains("over by"),
                "{budget}: {stderr}"
            );
        }
    }
    // `-` asks for an improvement: 1,600 -> 1,100 ns is -31.25%.
    let ok = taskscope(&["diff", &new, &base, "--budget", "wall=-30%"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let short = taskscope(&["diff", &new, &base, "--budget", "wall=-35%"]);
    assert_eq!(short.status.code(), Some(1));
    assert!(
        text(&short.stderr).contains(
            "wall=-35% EXCEEDED: 1.6 us -> 1.1 us (-31.2%), allowed up to 1.0 us, over by 60 ns"
        ),
        "{}",
        text(&short.stderr)
    );
    // Several budgets: each exceeded one is named.
    let out = taskscope(&[
        "diff",
        &base,
        &new,
        "--budget",
        "tasks=+0",
        "--budget",
        "wall=+50%",
        "--budget",
        "edges=+0",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("2 of 3 budgets exceeded"), "{stderr}");
    assert!(stderr.contains("tasks=+0 EXCEEDED") && stderr.contains("edges=+0 EXCEEDED"));
    assert!(!stderr.contains("wall=+50% EXCEEDED"), "{stderr}");
}

#[test]
fn malformed_budgets_are_exit_code_2_with_a_clear_message() {
    let (small, big) = tutorial_pair();
    let chrome = repo("tests/fixtures/chrome/tracing_chrome.json");
    let cases: [(&[&str], &str); 7] = [
        (
            &[&small, &big, "--budget", "tasks=+10x"],
            r#"error: --budget tasks=+10x: unknown unit "x"; use %, or a plain number"#,
        ),
        (
            &[&small, &big, "--budget", "tasks"],
            "error: --budget tasks: expected FIGURE=CHANGE",
        ),
        (
            &[&small, &big, "--budget", "wall=+20"],
            "error: --budget wall=+20: wall is a time: give a unit (%, or ns, us, ms, s)",
        ),
        (
            &[&small, &big, "--budget", "peak_rss=+5ms"],
            r#"error: --budget peak_rss=+5ms: "ms" is a unit of time, but peak_rss is a number of bytes"#,
        ),
        (
            &[&small, &big, "--budget", "nodes=+1"],
            r#"error: --budget nodes=+1: unknown figure "nodes"; use one of tasks, edges"#,
        ),
        (
            &[&small, &big, "--budget", "group:nope=+0"],
            r#"error: --budget group:nope=+0: neither file has a group "nope"; groups: mean_agg-aggregate"#,
        ),
        (
            &[&chrome, &chrome, "--budget", "peak_rss=+0"],
            "has no peak_rss: its run has no memory samples",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["diff"];
        all.extend_from_slice(args);
        let out = taskscope(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(want),
            "{args:?}: want {want:?} in {stderr:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // Bad input is exit code 2 too, budgets or not.
    let out = taskscope(&["diff", &small, "/no/such/file.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/no/such/file.jsonl"));
}

#[test]
fn help_teaches_budgets_with_examples() {
    let out = taskscope(&["diff", "--help"]);
    let help = text(&out.stdout);
    assert!(out.status.success());
    assert!(help.contains("--budget tasks=+10%"), "{help}");
    assert!(help.contains("KiB, MiB, GiB"), "{help}");
}
