//! End-to-end tests of `taskscope report`: one self-contained HTML file, escaped,
//! small for large graphs, with the comparison and budgets when given a BASE.

use std::path::Path;
use std::process::Output;

mod common;
use common::{repo, taskscope, text};

fn report(args: &[&str], out: &Path) -> (Output, String) {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    all.extend(["-o", out.to_str().unwrap()]);
    let result = taskscope(&all);
    let html = std::fs::read_to_string(out).unwrap_or_default();
    (result, html)
}

/// Nothing in the page is fetched or run: no script, no external reference.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..100]);
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script",
        "<link",
        "<iframe",
        "src=",
        "href=\"http",
        "url(",
        "@import",
    ] {
        assert!(!lower.contains(banned), "the report holds {banned}");
    }
}

#[test]
fn a_run_gets_its_figures_graph_and_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let (result, html) = report(&[&repo("samples/norm.trace.jsonl")], &out);
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(text(&result.stdout).contains("report.html (590 tasks"));
    assert_self_contained(&html);
    assert!(html.contains("<section id=\"graph\">") && html.contains("<section id=\"timeline\">"));
    // 590 task boxes in the graph and 590 in the timeline (no merging under 2,000).
    assert_eq!(html.matches("<g class=\"task\"").count(), 2 * 590);
    assert_eq!(html.matches("<g class=\"edge\"").count(), 870);
    assert!(html.contains("<div class=\"k\">tasks</div><div class=\"v\">590</div>"));
    assert!(
        html.contains("<caption>critical path, measured: 6 tasks"),
        "no path table"
    );
    assert!(!html.contains("id=\"diff\""), "no BASE, no comparison");
    // Same input, same bytes.
    let again = dir.path().join("again.html");
    let (_, html2) = report(&[&repo("samples/norm.trace.jsonl")], &again);
    assert_eq!(html, html2);
}

#[test]
fn a_large_graph_is_drawn_by_group_and_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.html");
    let big = repo("tests/fixtures/dask/norm_4000.trace.jsonl");
    let (result, html) = report(&[&big, &repo("samples/norm.trace.jsonl")], &out);
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert_self_contained(&html);
    // 9,160 tasks in 10 groups: one box per group.
    assert_eq!(html.matches("<g class=\"task\"").count(), 10);
    assert!(html.contains("One box per group (9,160 tasks is more than 1,000"));
    assert!(html.len() < 2 << 20, "{} bytes", html.len());
    // The comparison: 590 -> 9,160 tasks.
    assert!(html.contains("<section id=\"diff\">"));
    assert!(
        html.contains("<tr><td>tasks</td><td class=\"num\">590</td><td class=\"num\">9,160</td><td class=\"num\">+8,570</td><td class=\"num\">+1452.5%</td></tr>"),
        "no tasks row"
    );
}

#[test]
fn budgets_show_in_the_report_and_decide_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let (small, big) = (
        repo("samples/norm.trace.jsonl"),
        repo("tests/fixtures/dask/norm_4000.trace.jsonl"),
    );
    let (result, html) = report(&[&big, &small, "--budget", "tasks=+10%"], &out);
    assert_eq!(result.status.code(), Some(1), "{}", text(&result.stderr));
    assert!(text(&result.stderr).contains("tasks=+10% EXCEEDED"));
    assert!(html.contains("<p class=\"verdict fail\">1 of 1 budgets exceeded</p>"));
    assert!(html.contains("<tr class=\"flagged\"><td>tasks=+10%</td>"));

    let (result, html) = report(&[&big, &small, "--budget", "depth=+1"], &out);
    assert_eq!(result.status.code(), Some(0), "{}", text(&result.stderr));
    assert!(html.contains("<p class=\"verdict pass\">all 1 budgets met</p>"));

    let (result, _) = report(
        &[&small, "--budget", "tasks=+10%"],
        &dir.path().join("no.html"),
    );
    assert_eq!(result.status.code(), Some(2));
    assert!(text(&result.stderr).contains("--budget needs BASE"));
    assert!(!dir.path().join("no.html").exists());
}

#[test]
fn hostile_keys_and_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let evil = r#"</script><img src=x onerror=alert(1)>&"'"#;
    let key = serde_json::to_string(&format!("('{evil}', 0)")).unwrap();
    let group = serde_json::to_string(evil).unwrap();
    let name = serde_json::to_string(&format!("<b>{evil}")).unwrap();
    let body = format!(
        "{{\"type\":\"header\",\"format\":\"taskscope\",\"version\":1,\"tool\":\"t\",\"clock\":\"ns\",\"name\":{name}}}\n\
         {{\"type\":\"task\",\"id\":0,\"key\":{key},\"group\":{group},\"op\":\"x\"}}\n\
         {{\"type\":\"task\",\"id\":1,\"key\":\"b\",\"group\":\"b\",\"op\":\"x\",\"deps\":[0]}}\n\
         {{\"type\":\"event\",\"task\":0,\"worker\":0,\"start\":0,\"end\":10,\"status\":\"done\",\"bytes\":1}}\n\
         {{\"type\":\"event\",\"task\":1,\"worker\":0,\"start\":10,\"end\":20,\"status\":\"done\",\"bytes\":1}}\n\
         {{\"type\":\"end\",\"tasks\":2,\"edges\":1,\"status\":\"ok\",\"wall\":20}}\n"
    );
    let input = dir.path().join("a<b>&c.trace.jsonl");
    std::fs::write(&input, body).unwrap();
    let out = dir.path().join("r.html");
    let (result, html) = report(
        &[
            input.to_str().unwrap(),
            input.to_str().unwrap(),
            "--title",
            "<i>title</i>",
        ],
        &out,
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("<img"), "a key became markup");
    assert!(
        !html.contains("<b>") && !html.contains("<i>"),
        "a name became markup"
    );
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&apos;"));
    assert!(html.contains("a&lt;b&gt;&amp;c.trace.jsonl"));
    assert!(html.contains("<h1>&lt;i&gt;title&lt;/i&gt;</h1>"));
}

#[test]
fn a_dot_file_gets_a_report_without_a_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dot.html");
    let (result, html) = report(&[&repo("samples/norm_dask.dot")], &out);
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert_self_contained(&html);
    assert_eq!(html.matches("<g class=\"task\"").count(), 590);
    assert!(!html.contains("id=\"timeline\""));
    assert!(!html.contains("<div class=\"k\">wall</div>"));
}

#[test]
fn help_teaches_with_examples() {
    let out = taskscope(&["report", "--help"]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout)
            .contains("taskscope report pr.trace.jsonl main.trace.jsonl -o report.html")
    );
}
