//! Properties of drawings of random graphs: every task and every edge drawn exactly
//! once, edges from box to box, boxes never overlapping, everything inside the
//! drawing, the same bytes every time.

use proptest::prelude::*;
use taskscope_core::trace::Trace;
use taskscope_core::{GraphBuilder, TaskSpec};
use taskscope_exporters::layout::{Direction, LayoutInput, layout};
use taskscope_exporters::{RankDir, RenderOptions, View, graph_scene, write_svg};

/// A random DAG: each node reads up to 3 earlier nodes; groups from a small set.
fn dags() -> impl Strategy<Value = Vec<(usize, Vec<usize>)>> {
    (1usize..60).prop_flat_map(|n| {
        prop::collection::vec(
            (
                0usize..5,
                prop::collection::vec(any::<prop::sample::Index>(), 0..4),
            ),
            n,
        )
        .prop_map(|nodes| {
            nodes
                .into_iter()
                .enumerate()
                .map(|(i, (g, deps))| {
                    let mut d: Vec<usize> = if i == 0 {
                        vec![]
                    } else {
                        deps.iter().map(|x| x.index(i)).collect()
                    };
                    d.sort_unstable();
                    d.dedup();
                    (g, d)
                })
                .collect()
        })
    })
}

fn rankdirs() -> impl Strategy<Value = RankDir> {
    prop_oneof![
        Just(RankDir::TB),
        Just(RankDir::BT),
        Just(RankDir::LR),
        Just(RankDir::RL)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn drawings_of_random_graphs_are_complete_and_clean(dag in dags(), rankdir in rankdirs()) {
        let mut b = GraphBuilder::new();
        for (i, (g, deps)) in dag.iter().enumerate() {
            let mut spec = TaskSpec::new(format!("('g{g}', {i})"), "op");
            for d in deps {
                spec = spec.dep(format!("('g{}', {d})", dag[*d].0));
            }
            b.add(spec);
        }
        let graph = b.build().unwrap();
        let edges = graph.edge_count();
        let trace = Trace::of_graph(graph, Some("random"));
        let options = RenderOptions { view: View::Tasks, rankdir, ..Default::default() };
        let scene = graph_scene(&trace, &options);
        prop_assert_eq!(scene.tasks.len(), dag.len());
        prop_assert_eq!(scene.edges.len(), edges);
        let mut keys: Vec<&str> = scene.tasks.iter().map(|t| t.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        prop_assert_eq!(keys.len(), dag.len());
        for (i, a) in scene.tasks.iter().enumerate() {
            prop_assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= scene.width + 1e-6 && a.y + a.h <= scene.height + 1e-6);
            for b in &scene.tasks[i + 1..] {
                let apart = a.x + a.w <= b.x + 1e-6 || b.x + b.w <= a.x + 1e-6 || a.y + a.h <= b.y + 1e-6 || b.y + b.h <= a.y + 1e-6;
                prop_assert!(apart, "{:?} overlaps {:?}", (a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h));
            }
        }
        for e in &scene.edges {
            prop_assert!(e.points.len() >= 2);
        }
        let svg = |s| { let mut v = Vec::new(); write_svg(&mut v, s).unwrap(); v };
        prop_assert_eq!(svg(&scene), svg(&graph_scene(&trace, &options)));
    }

    #[test]
    fn edges_start_and_end_on_their_boxes(dag in dags()) {
        let sizes: Vec<(f64, f64)> = dag.iter().enumerate().map(|(i, _)| (40.0 + (i % 3) as f64 * 10.0, 24.0)).collect();
        let edges: Vec<(usize, usize)> = dag.iter().enumerate().flat_map(|(i, (_, d))| d.iter().map(move |&d| (d, i))).collect();
        let l = layout(&LayoutInput { sizes: sizes.clone(), edges: edges.clone(), direction: Direction::TopToBottom, ..LayoutInput::default() });
        prop_assert_eq!(l.edges.len(), edges.len());
        let on_border = |p: (f64, f64), v: usize| {
            let (cx, cy) = l.centers[v];
            let (w, h) = sizes[v];
            (p.0 - cx).abs() <= w / 2.0 + 1e-6 && ((p.1 - (cy - h / 2.0)).abs() < 1e-6 || (p.1 - (cy + h / 2.0)).abs() < 1e-6)
        };
        for (pts, &(a, b)) in l.edges.iter().zip(&edges) {
            prop_assert!(on_border(pts[0], a), "edge {a}->{b} starts off its box: {:?}", pts);
            prop_assert!(on_border(*pts.last().unwrap(), b), "edge {a}->{b} ends off its box: {:?}", pts);
        }
    }
}

#[test]
fn cycles_from_raw_files_are_still_drawn() {
    let l = layout(&LayoutInput {
        sizes: vec![(30.0, 20.0); 3],
        edges: vec![(0, 1), (1, 2), (2, 0), (1, 1)],
        ..LayoutInput::default()
    });
    assert_eq!(l.edges.len(), 4);
    assert!(l.edges[..3].iter().all(|e| e.len() >= 2));
    assert!(
        l.edges[3].len() >= 3,
        "a self-loop is drawn as a loop beside its box"
    );
}
