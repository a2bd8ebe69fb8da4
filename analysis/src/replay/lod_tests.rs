use super::*;

fn span(task: u32, worker: u32, start: u64, end: u64) -> TaskSpan {
    TaskSpan {
        task: TaskId(task),
        worker,
        start,
        end,
        nbytes: 0,
        failed: false,
    }
}

/// Group of a task in these tests: its id modulo 10, unless told otherwise.
fn by_tens(t: TaskId) -> GroupId {
    GroupId(t.0 % 10)
}

fn task(id: u32, starts_inside: bool, ends_inside: bool) -> Column {
    Column::Task {
        task: TaskId(id),
        starts_inside,
        ends_inside,
    }
}

#[test]
fn columns_show_gaps_long_tasks_and_merged_runs() {
    let mut spans = vec![span(0, 0, 0, 10), span(1, 0, 20, 50)];
    // Five 1 ns tasks in [50, 60): three of group 2, two of group 3.
    for (k, id) in [2, 12, 3, 22, 13].into_iter().enumerate() {
        spans.push(span(id, 0, 50 + 2 * k as u64, 51 + 2 * k as u64));
    }
    spans.push(span(4, 0, 65, 75));
    // [80, 90): 3 ns of group 5, then 7 ns of group 6.
    spans.push(span(5, 0, 80, 83));
    spans.push(span(6, 0, 83, 90));
    let lanes = Lanes::new(&spans, by_tens);
    let merged = |count, busy_ns, busy, group| Column::Merged {
        count,
        busy_ns,
        busy,
        group: GroupId(group),
    };
    assert_eq!(
        lanes.columns(0, 0, 100, 10),
        vec![
            task(0, true, true),
            Column::Empty,
            task(1, true, false),
            task(1, false, false),
            task(1, false, true),
            merged(5, 5, 0.5, 2),
            task(4, true, false),
            task(4, false, true),
            merged(2, 10, 1.0, 6),
            Column::Empty,
        ]
    );
    // Zoomed in on the middle of task 1, every column is inside it.
    assert_eq!(lanes.columns(0, 30, 40, 5), vec![task(1, false, false); 5]);
    // Zoomed out, a column cuts tasks at both of its edges.
    assert_eq!(
        lanes.columns(0, 5, 70, 1),
        vec![merged(8, 5 + 30 + 5 + 5, 45.0 / 65.0, 1)]
    );
    // Narrower than a nanosecond per column: the extra columns are empty.
    let fine = lanes.columns(0, 0, 4, 8);
    assert_eq!(fine.iter().filter(|c| **c == Column::Empty).count(), 4);
    assert_eq!(lanes.busy_ns(0, 0, 100), 10 + 30 + 5 + 10 + 10);
}

#[test]
fn task_at_finds_the_running_task() {
    let lanes = Lanes::new(
        &[
            span(0, 7, 0, 10),
            span(1, 3, 5, 6),
            span(2, 7, 10, 20),
            span(3, 7, 30, 30),
        ],
        by_tens,
    );
    assert_eq!(lanes.len(), 2);
    assert_eq!((lanes.worker(0), lanes.worker(1)), (3, 7));
    assert_eq!(lanes.task_at(1, 0), Some(TaskId(0)));
    assert_eq!(lanes.task_at(1, 9), Some(TaskId(0)));
    assert_eq!(lanes.task_at(1, 10), Some(TaskId(2)));
    assert_eq!(lanes.task_at(1, 25), None);
    assert_eq!(lanes.task_at(1, 30), Some(TaskId(3)));
    assert_eq!(lanes.task_at(1, 31), None);
    assert_eq!(lanes.task_at(0, 4), None);
    assert_eq!(lanes.task_at(0, 5), Some(TaskId(1)));
    assert_eq!(lanes.task_at(2, 5), None);
}

#[test]
fn a_majority_group_wins_a_column_of_many_tasks() {
    // 1,000 tasks of 1 ns every 2 ns; 70% in group 1, 30% in group 2, interleaved.
    let spans: Vec<TaskSpan> = (0..1000)
        .map(|i| span(i, 0, 2 * i as u64, 2 * i as u64 + 1))
        .collect();
    let group = |t: TaskId| GroupId(if t.0 % 10 < 7 { 1 } else { 2 });
    let lanes = Lanes::new(&spans, group);
    let Column::Merged {
        count,
        busy_ns,
        busy,
        group,
    } = lanes.columns(0, 0, 2000, 1)[0]
    else {
        panic!("expected a merged column");
    };
    assert_eq!((count, busy_ns, busy, group), (1000, 1000, 0.5, GroupId(1)));
    // A column that cuts tasks: back-to-back 10 ns tasks, [5, 1005) holds 101 of them.
    let full: Vec<TaskSpan> = (0..200)
        .map(|i| span(i, 0, 10 * i as u64, 10 * i as u64 + 10))
        .collect();
    let lanes = Lanes::new(&full, |_| GroupId(4));
    assert_eq!(
        lanes.columns(0, 5, 1005, 1),
        vec![Column::Merged {
            count: 101,
            busy_ns: 1000,
            busy: 1.0,
            group: GroupId(4)
        }]
    );
}

/// A small deterministic generator, so the tests need no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// Back-to-back or spaced tasks on `lanes` lanes; task i in group `i % groups`, with
/// group 0 made long so that it often holds the majority.
fn random_spans(n: u32, lanes: u32, groups: u32, seed: u64) -> Vec<TaskSpan> {
    let mut rng = Lcg(seed);
    let mut now = vec![0u64; lanes as usize];
    (0..n)
        .map(|i| {
            let w = i % lanes;
            let t = &mut now[w as usize];
            *t += rng.next(3);
            let long = if i % groups == 0 { 4 } else { 1 };
            let d = rng.next(5 * long);
            let s = span(i, w, *t, *t + d);
            *t += d;
            s
        })
        .collect()
}

#[test]
fn columns_agree_with_a_scan_of_every_task() {
    for seed in 0..20 {
        let spans = random_spans(3000, 2, 3, seed);
        let lanes = Lanes::new(&spans, |t| GroupId(t.0 % 3));
        let mut rng = Lcg(seed + 100);
        let t0 = rng.next(4000);
        let t1 = t0 + 1 + rng.next(8000);
        let columns = 1 + rng.next(300) as usize;
        for lane in 0..2 {
            let mine: Vec<&TaskSpan> = spans.iter().filter(|s| s.worker == lane as u32).collect();
            for (c, got) in lanes.columns(lane, t0, t1, columns).into_iter().enumerate() {
                let (a, b) = column_bounds(t0, t1, columns, c);
                let inside: Vec<&&TaskSpan> = mine
                    .iter()
                    .filter(|s| a < b && s.start < b && s.end.max(s.start + 1) > a)
                    .collect();
                let clip = |s: &TaskSpan| s.end.min(b).saturating_sub(s.start.max(a));
                let mut per_group = [0u64; 3];
                for s in &inside {
                    per_group[(s.task.0 % 3) as usize] += clip(s);
                }
                let busy: u64 = per_group.iter().sum();
                match got {
                    Column::Empty => assert!(inside.is_empty(), "seed {seed} column {c}"),
                    Column::Task { task, .. } => {
                        assert_eq!(inside.len(), 1);
                        assert_eq!(task, inside[0].task);
                    }
                    Column::Merged {
                        count,
                        busy_ns,
                        group,
                        ..
                    } => {
                        assert_eq!(count as usize, inside.len(), "seed {seed} column {c}");
                        assert_eq!(busy_ns, busy, "seed {seed} column {c}");
                        let top = *per_group.iter().max().unwrap();
                        if inside.len() <= EXACT_UP_TO || 2 * top > busy {
                            assert_eq!(per_group[group.0 as usize], top, "seed {seed} column {c}");
                        }
                    }
                }
            }
        }
    }
}

/// 10^6 tasks, 2 lanes, back to back with small gaps.
fn million() -> (Vec<TaskSpan>, Lanes) {
    let spans = random_spans(1_000_000, 2, 7, 42);
    let lanes = Lanes::new(&spans, |t| GroupId(t.0 % 7));
    (spans, lanes)
}

#[test]
fn a_million_tasks_sum_up_across_columns() {
    let (spans, lanes) = million();
    let end = spans.iter().map(|s| s.end).max().unwrap();
    for (t0, t1) in [
        (0, end),
        (end / 3, end / 3 + end / 50),
        (end / 2, end / 2 + 3000),
    ] {
        for lane in 0..2 {
            let columns = lanes.columns(lane, t0, t1, 2000);
            let drawn: u64 = columns
                .iter()
                .enumerate()
                .map(|(c, col)| {
                    let (a, b) = column_bounds(t0, t1, 2000, c);
                    match *col {
                        Column::Empty => 0,
                        Column::Task { task, .. } => {
                            let s = &spans[task.index()];
                            s.end.min(b).saturating_sub(s.start.max(a))
                        }
                        Column::Merged { busy_ns, busy, .. } => {
                            assert!((busy as f64 - busy_ns as f64 / (b - a) as f64).abs() < 1e-6);
                            busy_ns
                        }
                    }
                })
                .sum();
            let expected: u64 = spans
                .iter()
                .filter(|s| s.worker == lane as u32)
                .map(|s| s.end.min(t1).saturating_sub(s.start.max(t0)))
                .sum();
            assert_eq!(drawn, expected);
            assert_eq!(lanes.busy_ns(lane, t0, t1), expected);
            let tasks: u64 = columns
                .iter()
                .map(|c| match c {
                    Column::Merged { count, .. } => u64::from(*count),
                    _ => 0,
                })
                .sum();
            assert!(tasks > 0);
        }
    }
}

/// `cargo test -p taskscope-viewer --release -- --ignored --nocapture lod_query_time`
#[test]
#[ignore = "timing; run in release"]
fn lod_query_time() {
    let built = std::time::Instant::now();
    let (spans, lanes) = million();
    println!(
        "built lanes for {} tasks in {:?}",
        spans.len(),
        built.elapsed()
    );
    let end = spans.iter().map(|s| s.end).max().unwrap();
    for (name, t0, t1) in [
        ("full zoom-out", 0, end),
        ("1/100 of the run", end / 2, end / 2 + end / 100),
        ("3,000 ns", end / 2, end / 2 + 3000),
    ] {
        let runs = 50;
        let start = std::time::Instant::now();
        let mut drawn = 0;
        for _ in 0..runs {
            for lane in 0..lanes.len() {
                drawn += lanes.columns(lane, t0, t1, 2000).len();
            }
        }
        let per_query = start.elapsed() / (runs * lanes.len() as u32);
        println!("{name}: 2,000 columns of one lane in {per_query:?} ({drawn} columns)");
        assert!(per_query < std::time::Duration::from_millis(16));
    }
}
