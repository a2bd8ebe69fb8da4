//! Crash safety: a traced run killed with SIGKILL leaves a trace that reads as
//! truncated; a render that fails (a full disk, a folder it cannot write) says so and
//! leaves the file that was there before, with no half file and no temporary file.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{repo, taskscope, text};

fn binary() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_taskscope"));
    c.env_remove("RUST_BACKTRACE");
    c
}

/// Waits until `path` holds a task event, failing after a minute.
fn wait_for_events(path: &Path) {
    let start = Instant::now();
    while !std::fs::read_to_string(path)
        .unwrap_or_default()
        .contains("\"type\":\"event\"")
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no events were written"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_run_killed_with_sigkill_leaves_a_trace_that_reads_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("norm.trace.jsonl");
    let mut child = binary()
        .args(["demo", "--out", dir.path().to_str().unwrap()])
        .args(["--shape", "4000x4000", "--chunks", "20x20"])
        .args(["--workers", "2", "--sample-ms", "5", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_events(&trace);
    std::thread::sleep(Duration::from_millis(20));
    child.kill().unwrap(); // SIGKILL: no handler runs, no end record is written
    child.wait().unwrap();
    let out = taskscope(&["stats", trace.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["truncated"], true, "{json}");
    let events = json["events"].as_u64().unwrap();
    assert!(events > 0, "{json}");
    // The other commands read it too.
    let svg = dir.path().join("cut.svg");
    let out = taskscope(
        &["render", trace.to_str().unwrap(), "--timeline", "-o"]
            .into_iter()
            .chain([svg.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Where the complete blocks of a compact file end, from its framing alone
/// (docs/compact-format.md): the length of its longest prefix of whole blocks, and the
/// kind of the last of them.
fn complete_blocks(file: &[u8]) -> (usize, u8) {
    fn varint(file: &[u8], at: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *file.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let (mut at, mut kind) = (9, 0);
    loop {
        let mut p = at + 2;
        let (Some(_), Some(stored)) = (varint(file, &mut p), varint(file, &mut p)) else {
            return (at, kind);
        };
        let end = p + 4 + stored as usize;
        if end > file.len() {
            return (at, kind);
        }
        (at, kind) = (end, file[at]);
    }
}

fn stats_json(path: &Path) -> serde_json::Value {
    let out = taskscope(&["stats", path.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_compact_writer_killed_at_ten_random_moments_leaves_every_complete_block() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = seed | 1;
    let run = |out: &Path| {
        binary()
            .args([
                "demo",
                "--out",
                out.to_str().unwrap(),
                "--trace-format",
                "compact",
            ])
            .args(["--shape", "2000x2000", "--chunks", "20x20"])
            .args(["--workers", "2", "--sample-ms", "5", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // A whole run first: the moments to kill at are spread over the bytes it writes.
    let whole = dir.path().join("whole");
    assert!(run(&whole).wait().unwrap().success());
    let length = std::fs::metadata(whole.join("norm.taskscope"))
        .unwrap()
        .len();
    let (mut cut_runs, mut with_events) = (0, 0);
    for i in 0..10 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let moment = rng % length;
        let out = dir.path().join(format!("kill{i}"));
        let path = out.join("norm.taskscope");
        let mut child = run(&out);
        let start = Instant::now();
        while std::fs::metadata(&path).map_or(0, |m| m.len()) <= moment
            && start.elapsed() < Duration::from_secs(120)
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap(); // SIGKILL: no handler runs, no end block is written
        child.wait().unwrap();
        let file = std::fs::read(&path).unwrap();
        let what = format!("kill {i} at byte {moment} (seed {seed})");
        let (whole, last) = complete_blocks(&file);
        // The end block (kind 6) is the last a finished file has.
        let finished = whole == file.len() && last == 6;
        if whole < 16 {
            continue; // Killed before its header block was complete: not yet a file.
        }
        let json = stats_json(&path);
        assert_eq!(json["truncated"], !finished, "{what}: {json}");
        // Every complete block is read, and nothing of the block cut short: the file
        // reads exactly as its whole blocks alone do.
        let blocks = dir.path().join(format!("blocks{i}.taskscope"));
        std::fs::write(&blocks, &file[..whole]).unwrap();
        let alone = stats_json(&blocks);
        for figure in ["tasks", "edges", "events", "busy_ns"] {
            assert_eq!(json[figure], alone[figure], "{what}: {figure}");
        }
        cut_runs += usize::from(!finished);
        with_events += usize::from(json["events"].as_u64().unwrap() > 0);
    }
    assert!(
        cut_runs >= 3,
        "only {cut_runs} of 10 runs were cut (seed {seed})"
    );
    assert!(with_events >= 1, "no cut run had events yet (seed {seed})");
}

/// The files in `dir`, by name.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_full_disk_fails_the_render_and_keeps_the_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("graph.svg");
    let small = repo("tests/fixtures/v1/pipeline.trace.jsonl");
    let o = taskscope(&["render", &small, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let good = std::fs::read(&out).unwrap();
    assert!(good.len() < 32 << 10);
    // A file-size limit makes writes past 32 KiB fail with EFBIG, as a full disk would
    // with ENOSPC; SIGXFSZ ignored (inherited through exec) turns the signal into the error.
    let big = repo("samples/norm.trace.jsonl");
    let mut render = binary();
    render.args(["render", &big, "-o", out.to_str().unwrap()]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        render.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 32 << 10,
                rlim_max: 32 << 10,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = render.output().unwrap();
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("graph.svg"), "{stderr}");
    assert!(stderr.contains("too large"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), good, "the good file is kept");
    assert_eq!(
        listing(dir.path()),
        ["graph.svg"],
        "no temporary file is left"
    );
}

#[test]
fn a_folder_that_cannot_be_written_is_a_clear_error() {
    let small = repo("tests/fixtures/v1/pipeline.trace.jsonl");
    // /proc refuses new files even to root; a read-only folder refuses them to others.
    let mut targets = vec![("/proc/taskscope-test.svg".to_string(), None)];
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: getuid has no effects.
    if unsafe { libc::getuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let path = ro.join("graph.svg").to_str().unwrap().to_string();
        targets.push((path, Some(ro)));
    }
    for (target, folder) in targets {
        for args in [
            vec!["render", &small, "-o", &target],
            vec!["report", &small, "-o", &target],
        ] {
            let o = taskscope(&args);
            let stderr = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(&target), "{stderr}");
            assert!(stderr.contains("cannot write"), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
        if let Some(folder) = folder {
            assert!(listing(&folder).is_empty());
        }
    }
}
