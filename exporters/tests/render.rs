//! Drawings: the SVG contract, views, timeline, PNG and PDF, determinism, escaping,
//! and boxes that never overlap.

use std::path::PathBuf;

use taskscope_collections::array::tutorial_normalization;
use taskscope_collections::delayed;
use taskscope_core::trace::{self, Trace};
use taskscope_core::{GraphBuilder, TaskSpec};
use taskscope_exporters::{
    ColorBy, Format, RankDir, RenderOptions, View, graph_scene, render_graph, render_timeline,
};

fn fixture(path: &str) -> Trace {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    trace::read(&p).unwrap_or_else(|e| panic!("{e}"))
}

fn svg(trace: &Trace, options: &RenderOptions) -> String {
    String::from_utf8(render_graph(trace, options, Format::Svg).unwrap()).unwrap()
}

fn norm() -> Trace {
    let (_, y) = tutorial_normalization(&[1000, 1000], &[100, 100], 0).unwrap();
    Trace::of_graph(y.program().unwrap().graph().clone(), Some("norm"))
}

#[test]
fn every_task_and_edge_is_drawn_once() {
    let t = norm();
    let text = svg(
        &t,
        &RenderOptions {
            view: View::Tasks,
            ..Default::default()
        },
    );
    assert_eq!(text.matches("<g class=\"task\" data-key=").count(), 590);
    assert_eq!(text.matches("<g class=\"edge\">").count(), 870);
    for (_, task) in t.graph.tasks() {
        let attr = format!(
            "data-key=\"{}\"",
            taskscope_exporters::xml_escape(task.key())
        );
        assert_eq!(text.matches(&attr).count(), 1, "{}", task.key());
    }
    assert!(text.contains("<text class=\"title\""));
    assert!(text.contains("norm: 590 tasks, 870 edges"));
    assert!(text.contains("<g class=\"legend\">"));
    // It is XML that an SVG library reads.
    usvg::Tree::from_str(&text, &usvg::Options::default()).unwrap();
}

#[test]
fn same_input_same_bytes() {
    let t = norm();
    for rankdir in [RankDir::TB, RankDir::LR] {
        let options = RenderOptions {
            rankdir,
            ..Default::default()
        };
        assert_eq!(svg(&t, &options), svg(&t, &options));
    }
}

#[test]
fn boxes_never_overlap() {
    for t in [norm(), fixture("tests/fixtures/v1/run.trace.jsonl")] {
        for rankdir in [RankDir::TB, RankDir::BT, RankDir::LR, RankDir::RL] {
            let scene = graph_scene(
                &t,
                &RenderOptions {
                    view: View::Tasks,
                    rankdir,
                    ..Default::default()
                },
            );
            let mut boxes: Vec<(f64, f64, f64, f64)> = scene
                .tasks
                .iter()
                .map(|b| (b.x, b.y, b.x + b.w, b.y + b.h))
                .collect();
            boxes.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    if b.0 >= a.2 {
                        break;
                    }
                    assert!(
                        a.3 <= b.1 || b.3 <= a.1,
                        "{rankdir:?}: {a:?} overlaps {b:?}"
                    );
                }
                assert!(a.0 >= 0.0 && a.1 >= 0.0 && a.2 <= scene.width && a.3 <= scene.height);
            }
        }
    }
}

#[test]
fn the_tutorial_is_drawn_near_square_not_as_a_strip() {
    let scene = graph_scene(
        &norm(),
        &RenderOptions {
            view: View::Tasks,
            ..Default::default()
        },
    );
    let ratio = scene.width / scene.height;
    assert!(
        (1.0 / 3.0..=3.0).contains(&ratio),
        "{} x {}",
        scene.width,
        scene.height
    );
}

#[test]
fn the_group_view_has_one_box_per_group_with_counts() {
    let t = norm();
    let text = svg(
        &t,
        &RenderOptions {
            view: View::Groups,
            ..Default::default()
        },
    );
    assert_eq!(text.matches("<g class=\"task\"").count(), 10);
    assert!(text.contains("data-key=\"mean_combine-partial\""));
    assert!(text.contains(">30 tasks</tspan>"));
    // random_sample feeds mean_chunk, var and sub; then the two reductions, sqrt,
    // sub and truediv: 11 group edges.
    assert_eq!(text.matches("<g class=\"edge\">").count(), 11);
}

#[test]
fn runs_show_durations_bytes_and_the_critical_path() {
    let t = fixture("tests/fixtures/v1/run.trace.jsonl");
    let text = svg(
        &t,
        &RenderOptions {
            view: View::Tasks,
            color: ColorBy::Duration,
            ..Default::default()
        },
    );
    assert!(text.contains("duration: 60.0 us"), "{text}");
    assert!(
        text.contains("bytes: 4000 B") || text.contains("bytes: 3.91 kiB"),
        "{text}"
    );
    assert!(
        text.contains("stroke=\"#d62728\""),
        "the critical path is outlined"
    );
    assert!(text.contains("FAILED"));
}

#[test]
fn hostile_keys_are_escaped_everywhere() {
    let mut b = GraphBuilder::new();
    let evil = "</script><g class=\"task\" data-key=\"x\">&amp; \u{202e}'\u{1}\n";
    b.add(TaskSpec::new(evil, "load").group("<b>"));
    b.add(TaskSpec::new("ok", "sum").dep(evil));
    let t = Trace::of_graph(b.build().unwrap(), Some("<title>"));
    let text = svg(&t, &RenderOptions::default());
    assert_eq!(text.matches("<g class=\"task\"").count(), 2);
    assert!(!text.contains("</script>"));
    usvg::Tree::from_str(&text, &usvg::Options::default()).unwrap();
    let dot = String::from_utf8(render_graph(&t, &RenderOptions::default(), Format::Dot).unwrap())
        .unwrap();
    assert_eq!(dot.matches(" -> ").count(), 1);
}

#[test]
fn png_and_pdf_come_from_the_same_svg() {
    let total = delayed::tutorial();
    let t = Trace::of_graph(total.program().unwrap().graph().clone(), Some("delayed"));
    let png = render_graph(&t, &RenderOptions::default(), Format::Png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let pdf = render_graph(&t, &RenderOptions::default(), Format::Pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdf.windows(8).any(|w| w == b"FontFile"),
        "the bundled font is embedded"
    );
}

#[test]
fn the_timeline_has_one_box_per_event_and_needs_a_run() {
    let t = fixture("tests/fixtures/v1/run.trace.jsonl");
    let text = String::from_utf8(render_timeline(&t, None, Format::Svg).unwrap()).unwrap();
    assert_eq!(text.matches("<g class=\"task\"").count(), t.events.len());
    assert!(text.contains("worker 0") && text.contains("worker 1"));
    assert!(text.contains("critical path: 2 tasks"));
    let graph_only = fixture("tests/fixtures/v1/pipeline.trace.jsonl");
    let e = render_timeline(&graph_only, None, Format::Svg).unwrap_err();
    assert!(e.to_string().contains("needs a trace of a run"), "{e}");
}

/// Golden file of a small drawing; bless a reviewed change with
/// `INSTA_UPDATE=always cargo test -p taskscope-exporters --test render` (or
/// `cargo insta review`).
#[test]
fn golden_svg_of_the_pipeline_fixture() {
    let t = fixture("tests/fixtures/v1/pipeline.trace.jsonl");
    insta::assert_snapshot!(svg(&t, &RenderOptions::default()));
}

#[test]
fn the_tutorial_has_no_more_crossings_than_graphviz() {
    // `dot -v -Tsvg` of this graph's DOT (Graphviz 2.43) reports "mincross: 840
    // crossings" (84 in each of the 10 row components); see BENCHMARKS.md.
    let scene = graph_scene(
        &norm(),
        &RenderOptions {
            view: View::Tasks,
            ..Default::default()
        },
    );
    let ours = scene.crossings.unwrap();
    eprintln!("crossings: ours {ours}, Graphviz 840");
    assert!(ours <= 840, "{ours} crossings");
}

#[test]
fn labels_contrast_with_their_boxes_by_duration_memory_and_group() {
    use taskscope_exporters::palette::{contrast_ratio, parse_hex};
    // The sample run of the tutorial: durations and bytes spread over the whole
    // viridis ramp, from its dark purple to its yellow.
    let t = fixture("samples/norm.trace.jsonl");
    for color in [ColorBy::Duration, ColorBy::Memory, ColorBy::Group] {
        let text = svg(
            &t,
            &RenderOptions {
                view: View::Tasks,
                color,
                ..Default::default()
            },
        );
        let (mut labels, mut light_text) = (0, 0);
        for task in text.split("<g class=\"task\"").skip(1) {
            let attr = |after: &str| {
                let at = task.find(after)? + after.len();
                let rest = &task[at..];
                let fill = rest.split("fill=\"").nth(1)?;
                parse_hex(&fill[..7])
            };
            let (Some(fill), Some(ink)) = (attr("<rect"), attr("<text")) else {
                continue;
            };
            labels += 1;
            light_text += usize::from(ink == [255, 255, 255]);
            let ratio = contrast_ratio(fill, ink);
            assert!(
                ratio >= 4.5,
                "{color:?}: {ratio:.2} for {fill:?} on {ink:?}"
            );
        }
        assert!(labels > 500, "{color:?}: {labels} labels");
        if color != ColorBy::Group {
            assert!(light_text > 0, "{color:?}: dark boxes get light text");
        }
    }
}

#[test]
fn a_timeline_of_many_tasks_stays_small_in_every_format() {
    use taskscope_core::TaskId;
    use taskscope_core::trace::{TaskEvent, TaskStatus};
    // 100,000 tasks of 900 ns on two workers: a box each would be tens of MB of SVG.
    let n = 100_000u32;
    let mut b = GraphBuilder::new();
    for i in 0..n {
        b.add(TaskSpec::new(
            format!("t-{i}"),
            if i % 3 == 0 { "load" } else { "sum" },
        ));
    }
    let mut t = Trace::of_graph(b.build().unwrap(), Some("many"));
    for i in 0..n {
        let start = u64::from(i / 2) * 1000;
        let e = TaskEvent::new(TaskId(i), i % 2, start, start + 900, TaskStatus::Done);
        t.events.push(e);
    }
    let svg = render_timeline(&t, None, Format::Svg).unwrap();
    let text = String::from_utf8(svg).unwrap();
    let boxes = text.matches("<g class=\"task\"").count();
    assert!(text.len() < 2_000_000, "{} bytes", text.len());
    assert!((2..5_000).contains(&boxes), "{boxes} boxes");
    // Each merged box counts its tasks: all of them are somewhere.
    let counted: usize = text
        .split("<title>")
        .skip(1)
        .map(|t| match t.split_once(" tasks on worker") {
            Some((n, _)) => n.parse::<usize>().unwrap_or(1),
            None => 1,
        })
        .sum();
    assert_eq!(counted, n as usize);
    let png = render_timeline(&t, None, Format::Png).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let pdf = render_timeline(&t, None, Format::Pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
}
