//! Budgets: parsing (each unit, each error) and checking (each kind passes and fails).

use std::collections::BTreeMap;

use super::*;
use crate::stats::tests::stats;
use crate::stats::{GroupFigure, GroupRun, MeasuredPath, RunStats};

fn parse(text: &str) -> Budget {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} should parse: {e}"))
}

fn error(text: &str) -> String {
    text.parse::<Budget>().unwrap_err().to_string()
}

#[test]
fn every_unit_parses_to_the_figures_base_unit() {
    let cases: [(&str, Figure, Allowance); 15] = [
        ("wall=+5µs", Figure::Wall, Allowance::Absolute(5e3)),
        ("tasks=+10%", Figure::Tasks, Allowance::Relative(0.1)),
        ("edges=+0", Figure::Edges, Allowance::Absolute(0.0)),
        ("depth=2", Figure::Depth, Allowance::Absolute(2.0)),
        ("wall=-5%", Figure::Wall, Allowance::Relative(-0.05)),
        ("wall=+20ms", Figure::Wall, Allowance::Absolute(20e6)),
        ("busy=+1.5s", Figure::Busy, Allowance::Absolute(1.5e9)),
        (
            "critical_path=+250us",
            Figure::CriticalPath,
            Allowance::Absolute(250e3),
        ),
        ("wall=+900ns", Figure::Wall, Allowance::Absolute(900.0)),
        ("wall=+0", Figure::Wall, Allowance::Absolute(0.0)),
        ("peak_rss=+50MB", Figure::PeakRss, Allowance::Absolute(50e6)),
        (
            "peak_rss=+1 GiB",
            Figure::PeakRss,
            Allowance::Absolute(1073741824.0),
        ),
        (
            "peak_held=+64kib",
            Figure::PeakHeld,
            Allowance::Absolute(65536.0),
        ),
        (
            "group:mean_chunk=+0",
            Figure::Group("mean_chunk".into(), GroupFigure::Tasks),
            Allowance::Absolute(0.0),
        ),
        (
            "group:var.bytes=+10B",
            Figure::Group("var".into(), GroupFigure::Bytes),
            Allowance::Absolute(10.0),
        ),
    ];
    for (text, figure, allowance) in cases {
        let b = parse(text);
        assert_eq!((b.figure, b.allowance), (figure, allowance), "{text}");
        assert_eq!(b.text, text);
    }
}

#[test]
fn malformed_budgets_say_what_is_wrong() {
    let cases = [
        (
            "tasks",
            "--budget tasks: expected FIGURE=CHANGE, like tasks=+10%",
        ),
        ("=+1", "--budget =+1: expected FIGURE=CHANGE"),
        ("tasks=", "--budget tasks=: expected FIGURE=CHANGE"),
        (
            "tasks=+10x",
            r#"--budget tasks=+10x: unknown unit "x"; use %, or a plain number"#,
        ),
        (
            "wall=+10m",
            r#"--budget wall=+10m: unknown unit "m"; use %, or ns, us, ms, s"#,
        ),
        (
            "peak_rss=+5mb/s",
            r#"--budget peak_rss=+5mb/s: unknown unit "mb/s"; use %, or B, KB, MB, GB, KiB, MiB, GiB"#,
        ),
        (
            "tasks=+10MB",
            r#"--budget tasks=+10MB: "MB" is a unit of bytes, but tasks is a count; use %, or a plain number"#,
        ),
        (
            "peak_rss=+3s",
            r#"--budget peak_rss=+3s: "s" is a unit of time, but peak_rss is a number of bytes"#,
        ),
        (
            "wall=+20",
            "--budget wall=+20: wall is a time: give a unit (%, or ns, us, ms, s)",
        ),
        (
            "tasks=+",
            r#"--budget tasks=+: expected a number after the sign, like +10% or +0, found """#,
        ),
        (
            "tasks=+1.2.3",
            r#"expected a number after the sign, like +10% or +0, found "1.2.3""#,
        ),
        ("tasks=lots", r#"found "lots""#),
        (
            "walltime=+1s",
            r#"--budget walltime=+1s: unknown figure "walltime"; use one of tasks, edges, depth, width, critical_path_tasks, wall, busy, critical_path, peak_rss, peak_held, failed, group:NAME"#,
        ),
        (
            "utilization=+5%",
            "--budget utilization=+5%: utilization cannot have a budget (higher is better)",
        ),
        ("group:=+0", r#"unknown figure "group:""#),
    ];
    for (text, want) in cases {
        let got = error(text);
        assert!(got.contains(want), "{text}: want {want:?} in {got:?}");
    }
}

#[test]
fn limits_round_down_to_whole_units() {
    assert_eq!(parse("tasks=+10%").limit(590.0), 649.0);
    assert_eq!(parse("tasks=+0").limit(590.0), 590.0);
    assert_eq!(parse("tasks=-10%").limit(590.0), 531.0);
    assert_eq!(parse("edges=+3").limit(870.0), 873.0);
    assert_eq!(parse("wall=+20%").limit(1_000_000.0), 1_200_000.0);
    // 0.7 * 100 is 70.00000000000001 and 0.29 * 100 is 28.999999999999996 in floats.
    assert_eq!(parse("tasks=+29%").limit(100.0), 129.0);
    assert_eq!(parse("tasks=-30%").limit(100.0), 70.0);
}

/// Stats of a run over the graph of [`stats`]: group `a` took `a_ns` in all.
fn run(n: usize, wall_ns: u64, rss: Option<u64>, a_ns: u64) -> Stats {
    let mut s = stats(n, 0);
    s.graph.kind = "run";
    let mut group_runs = BTreeMap::new();
    group_runs.insert(
        "a".to_string(),
        GroupRun {
            bytes: 8 * n as u64,
            max_ns: a_ns,
            mean_ns: a_ns / n as u64,
            tasks: n,
            time_ns: a_ns,
        },
    );
    s.run = Some(RunStats {
        busy_ns: wall_ns,
        critical_path: MeasuredPath {
            duration_ns: wall_ns / 2,
            steps: Vec::new(),
            tasks: 2,
        },
        events: 2 * n,
        failed: 0,
        group_runs,
        peak_held_bytes: 16,
        peak_rss_bytes: rss,
        status: None,
        utilization: 1.0,
        wall_ns,
        workers: Vec::new(),
    });
    s
}

fn check(text: &str, base: &Stats, new: &Stats) -> Result<BudgetCheck, BudgetError> {
    let diff = Diff::new("base.jsonl", base, "new.jsonl", new);
    parse(text).check(&diff, base, new)
}

#[test]
fn each_budget_kind_passes_and_fails() {
    let (base, bigger) = (stats(10, 0), stats(11, 0));
    // tasks 20 -> 22: +10% exactly is within, +0 and +9% are not.
    let ok = check("tasks=+10%", &base, &bigger).unwrap();
    assert!(!ok.exceeded);
    assert_eq!(
        (ok.base, ok.new, ok.allowed, ok.over_by()),
        (20.0, 22.0, 22.0, 0.0)
    );
    let over = check("tasks=+9%", &base, &bigger).unwrap();
    assert!(over.exceeded);
    assert_eq!((over.allowed, over.over_by()), (21.0, 1.0));
    assert_eq!(
        over.describe(),
        "tasks=+9% EXCEEDED: 20 -> 22 (+10.0%), allowed up to 21, over by 1"
    );
    assert!(check("edges=+0", &base, &bigger).unwrap().exceeded);
    assert!(!check("edges=+1", &base, &bigger).unwrap().exceeded);
    assert!(!check("edges=+0", &bigger, &base).unwrap().exceeded);
    // An improvement required: 22 -> 20 is -9.1%.
    assert!(!check("tasks=-9%", &bigger, &base).unwrap().exceeded);
    assert!(check("tasks=-10%", &bigger, &base).unwrap().exceeded);
    assert!(check("group:a=+0", &base, &bigger).unwrap().exceeded);
    assert!(!check("group:a.tasks=+1", &base, &bigger).unwrap().exceeded);

    let (slow, fast) = (
        run(2, 1_000_000, Some(100_000_000), 400),
        run(2, 1_250_000, Some(149_000_000), 500),
    );
    assert!(!check("wall=+25%", &slow, &fast).unwrap().exceeded);
    assert!(check("wall=+20%", &slow, &fast).unwrap().exceeded);
    assert!(!check("wall=+250us", &slow, &fast).unwrap().exceeded);
    let wall = check("wall=+249us", &slow, &fast).unwrap();
    assert!(wall.exceeded);
    assert!(
        wall.describe()
            .ends_with("allowed up to 1.25 ms, over by 1.0 us"),
        "{}",
        wall.describe()
    );
    assert!(!check("peak_rss=+50MB", &slow, &fast).unwrap().exceeded);
    assert!(check("peak_rss=+48MB", &slow, &fast).unwrap().exceeded);
    assert!(check("peak_rss=+45MiB", &slow, &fast).unwrap().exceeded);
    assert!(!check("busy=+0.25ms", &slow, &fast).unwrap().exceeded);
    assert!(check("critical_path=+0", &slow, &fast).unwrap().exceeded);
    assert!(!check("peak_held=+0", &slow, &fast).unwrap().exceeded);
    assert!(!check("failed=+0", &slow, &fast).unwrap().exceeded);
    assert!(!check("group:a.time=+25%", &slow, &fast).unwrap().exceeded);
    assert!(check("group:a.time=+99ns", &slow, &fast).unwrap().exceeded);
    assert!(!check("group:a.bytes=+0", &slow, &fast).unwrap().exceeded);
}

#[test]
fn a_figure_one_file_lacks_is_an_error_naming_it() {
    let (graph, traced) = (stats(2, 0), run(2, 1_000, None, 10));
    let e = check("wall=+20%", &graph, &traced).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--budget wall=+20%: BASE (base.jsonl) has no wall: it holds a graph, not a trace of a run"
    );
    let e = check("peak_rss=+1MB", &traced, &traced).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--budget peak_rss=+1MB: BASE (base.jsonl) has no peak_rss: its run has no memory samples"
    );
    let e = check("group:a.time=+0", &traced, &graph).unwrap_err();
    assert!(
        e.to_string()
            .contains("NEW (new.jsonl) has no group:a.time"),
        "{e}"
    );
    let e = check("group:nope=+0", &graph, &graph).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--budget group:nope=+0: neither file has a group \"nope\"; groups: a, b"
    );
    // A group one file lacks counts as 0 there.
    let with_c = stats(2, 3);
    assert!(check("group:c=+2", &graph, &with_c).unwrap().exceeded);
    assert!(!check("group:c=+0", &with_c, &graph).unwrap().exceeded);
}

#[test]
fn checks_serialize_with_whole_numbers() {
    let c = check("tasks=+10%", &stats(100, 0), &stats(150, 0)).unwrap();
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        serde_json::json!({"allowed": 220, "base": 200, "budget": "tasks=+10%",
            "exceeded": true, "figure": "tasks", "new": 300, "over_by": 80})
    );
}

#[test]
fn errors_quote_a_huge_budget_cut_short() {
    // The budget fuzz target found a 3 MB message: the budget text quoted whole, twice.
    let huge = format!("tasks=+{}", "9".repeat(1_000_000) + "zz");
    let e = huge.parse::<Budget>().unwrap_err().to_string();
    assert!(e.chars().count() < 1_000, "{} chars", e.chars().count());
    assert!(
        e.starts_with("--budget tasks=+999") && e.contains('…'),
        "{e}"
    );
    let unknown = format!("{}=+1", "x".repeat(100_000));
    assert!(
        unknown
            .parse::<Budget>()
            .unwrap_err()
            .to_string()
            .chars()
            .count()
            < 1_000
    );
}

#[test]
fn a_missing_group_with_a_huge_name_is_quoted_cut_short() {
    let graph = stats(2, 3);
    let huge = format!("group:{}=+0", "g".repeat(100_000));
    let e = check(&huge, &graph, &graph).unwrap_err().to_string();
    assert!(e.chars().count() < 1_000, "{} chars", e.chars().count());
    assert!(e.contains("\"; groups: "), "{e}");
}
