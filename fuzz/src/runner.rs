//! Running a target on many inputs: catching panics, stopping hangs, measuring the
//! memory each input takes, and saving every input that went wrong.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::mutate::{Rng, mutate};
use crate::targets::{Target, shape};

/// Bytes allocated now, and the most since the last reset.
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// No input may make the process hold more than this: an allocation past it fails,
/// which aborts, and the abort handler saves the input.
const HARD_CAP: usize = 2 << 30;

/// A global allocator that counts bytes, so the runner can check that each input
/// takes memory in proportion to its size; the binary installs it with
/// `#[global_allocator]`.
pub struct CountingAlloc;

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same layout, forwarded.
        counted(layout.size(), || unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same layout, forwarded.
        counted(layout.size(), || unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same pointer and layout, forwarded.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !reserve(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: same pointer and layout, forwarded.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        match (p.is_null(), new_size > old) {
            (true, true) => {
                CURRENT.fetch_sub(new_size - old, Ordering::Relaxed);
            }
            (false, false) => {
                CURRENT.fetch_sub(old - new_size, Ordering::Relaxed);
            }
            _ => {}
        }
        p
    }
}

/// Allocates `size` bytes with `alloc`, counted, unless that passes [`HARD_CAP`].
fn counted(size: usize, alloc: impl FnOnce() -> *mut u8) -> *mut u8 {
    if !reserve(size) {
        return std::ptr::null_mut();
    }
    let p = alloc();
    if p.is_null() {
        CURRENT.fetch_sub(size, Ordering::Relaxed);
    }
    p
}

/// Counts `size` more bytes, unless that passes [`HARD_CAP`].
fn reserve(size: usize) -> bool {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    if now > HARD_CAP {
        CURRENT.fetch_sub(size, Ordering::Relaxed);
        return false;
    }
    PEAK.fetch_max(now, Ordering::Relaxed);
    true
}

/// Runs `f` and returns its result and the most bytes it held allocated at once
/// (counted only when [`CountingAlloc`] is the global allocator; 0 otherwise).
pub fn peak_bytes<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// When the runner stops an input, and what counts as too much.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// An input running this long is a hang: the watchdog saves it and exits.
    pub hang: Duration,
    /// An input running this long is reported (and saved) as slow.
    pub slow: Duration,
    /// Most bytes an input may allocate at its peak: `per_byte` times its size plus
    /// `base`.
    pub per_byte: usize,
    /// Bytes every input may allocate whatever its size.
    pub base: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hang: Duration::from_secs(20),
            slow: Duration::from_secs(5),
            per_byte: 512,
            base: 256 << 20,
        }
    }
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Inputs run so far, seeds included.
    pub inputs: u64,
    /// Inputs the reader read.
    pub ok: u64,
    /// Inputs the reader rejected with an error (as it should, for most).
    pub errors: u64,
    /// Inputs that panicked: the saved file and the panic message.
    pub crashes: Vec<(PathBuf, String)>,
    /// Inputs over the memory limit: the saved file and the bytes they took.
    pub memory: Vec<(PathBuf, usize)>,
    /// Inputs over the slow limit: the saved file and how long they ran.
    pub slow: Vec<(PathBuf, Duration)>,
    /// The longest any input ran.
    pub slowest: Duration,
    /// The longest outcome (error message), in bytes: messages quote the input, and
    /// must quote it short.
    pub longest_message: usize,
    /// The size of the largest input, in bytes.
    pub largest_input: usize,
    /// The most bytes any input allocated at its peak, and that input's size.
    pub peak: (usize, usize),
    /// How many different outcomes (error kinds and shapes) the inputs had.
    pub outcomes: usize,
    /// How many inputs the corpus holds: the seeds and every input with a new outcome.
    pub corpus: usize,
    /// How long the run has taken.
    pub elapsed: Duration,
}

impl Report {
    /// True when nothing went wrong.
    pub fn clean(&self) -> bool {
        self.crashes.is_empty() && self.memory.is_empty() && self.slow.is_empty()
    }
}

/// The input being run, for the watchdog and the abort handler.
static INPUT_PTR: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static INPUT_LEN: AtomicUsize = AtomicUsize::new(0);
/// When the input started (ns since [`epoch`]), or 0 between inputs.
static STARTED: AtomicU64 = AtomicU64::new(0);
/// Where the abort handler and the watchdog save the input (a leaked C string).
static SAVE_PATH: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    epoch().elapsed().as_nanos() as u64 + 1
}

/// Writes the input being run to [`SAVE_PATH`] with async-signal-safe calls only.
fn save_current_input() {
    let path = SAVE_PATH.load(Ordering::SeqCst);
    let data = INPUT_PTR.load(Ordering::SeqCst);
    if path.is_null() || data.is_null() {
        return;
    }
    let len = INPUT_LEN.load(Ordering::SeqCst);
    // SAFETY: `path` is a leaked C string; `data` points to `len` bytes of the input
    // that the stopped main thread still owns.
    unsafe {
        let fd = libc::open(path, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC, 0o644);
        if fd >= 0 {
            let mut done = 0;
            while done < len {
                let n = libc::write(fd, data.add(done).cast(), len - done);
                if n <= 0 {
                    break;
                }
                done += n as usize;
            }
            libc::close(fd);
        }
    }
}

extern "C" fn on_fatal_signal(signal: libc::c_int) {
    save_current_input();
    let msg = b"\ntaskscope-fuzz: the input died of a signal (stack overflow or abort); saved it as crash-signal in the artifacts folder\n";
    // SAFETY: async-signal-safe calls only.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Saves the input on SIGSEGV (stack overflow), SIGABRT (a failed allocation) and
/// SIGBUS, on the alternate signal stack that Rust sets up for the main thread.
fn install_signal_handlers() {
    for signal in [libc::SIGSEGV, libc::SIGBUS, libc::SIGABRT, libc::SIGILL] {
        // SAFETY: a zeroed sigaction with a valid handler and flags.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fatal_signal as *const () as usize;
            action.sa_flags = libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

fn start_watchdog(limits: Limits) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let started = STARTED.load(Ordering::SeqCst);
            if started != 0 && now_ns().saturating_sub(started) > limits.hang.as_nanos() as u64 {
                save_current_input();
                eprintln!(
                    "\ntaskscope-fuzz: an input ran over {:?} (a hang); saved it as crash-signal \
                     in the artifacts folder",
                    limits.hang
                );
                std::process::exit(3);
            }
        }
    });
}

/// Sets up the panic hook, the signal handlers and the watchdog, once per process.
fn setup(limits: Limits) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        epoch();
        std::panic::set_hook(Box::new(|info| {
            if let Ok(mut last) = LAST_PANIC.lock() {
                *last = info.to_string();
            }
        }));
        install_signal_handlers();
        start_watchdog(limits);
    });
}

/// Reads the seed corpus of a target: every file in `dir`.
pub fn read_corpus(dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    names.iter().map(std::fs::read).collect()
}

/// A short, stable name for an input.
fn name_of(data: &[u8]) -> String {
    format!("{:016x}", fnv(data))
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn save(dir: &Path, prefix: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(format!("{prefix}-{}", name_of(data)));
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(&path, data);
    path
}

/// Runs `target` on the seeds and then on `count` mutated inputs in all, saving every
/// input that panics, runs slow or takes too much memory under `artifacts`.
/// `progress` is called now and then with the report so far.
pub fn run(
    target: Target,
    seeds: Vec<Vec<u8>>,
    count: u64,
    seed: u64,
    limits: Limits,
    artifacts: &Path,
    mut progress: impl FnMut(&Report),
) -> Report {
    setup(limits);
    let _ = std::fs::create_dir_all(artifacts);
    let signal_path = artifacts.join("crash-signal");
    let c_path =
        std::ffi::CString::new(signal_path.to_string_lossy().into_owned()).unwrap_or_default();
    let old = SAVE_PATH.swap(c_path.into_raw(), Ordering::SeqCst);
    if !old.is_null() {
        // SAFETY: made by CString::into_raw above, in an earlier call.
        drop(unsafe { std::ffi::CString::from_raw(old) });
    }
    let words = target.dictionary();
    let mut rng = Rng::new(seed);
    let mut corpus = if seeds.is_empty() {
        vec![Vec::new()]
    } else {
        seeds
    };
    let mut seen = std::collections::HashSet::new();
    let mut report = Report::default();
    let start = Instant::now();
    let mut queue: Vec<Vec<u8>> = corpus.clone();
    while report.inputs < count {
        let data = match queue.pop() {
            Some(d) => d,
            None => {
                let base = &corpus[rng.below(corpus.len())];
                mutate(base, &corpus, &words, &mut rng)
            }
        };
        report.inputs += 1;
        report.largest_input = report.largest_input.max(data.len());
        INPUT_PTR.store(data.as_ptr().cast_mut(), Ordering::SeqCst);
        INPUT_LEN.store(data.len(), Ordering::SeqCst);
        let began = Instant::now();
        STARTED.store(now_ns(), Ordering::SeqCst);
        let (result, peak) = peak_bytes(|| catch_unwind(AssertUnwindSafe(|| target.run(&data))));
        STARTED.store(0, Ordering::SeqCst);
        let took = began.elapsed();
        INPUT_PTR.store(std::ptr::null_mut(), Ordering::SeqCst);
        if peak > report.peak.0 {
            report.peak = (peak, data.len());
        }
        report.slowest = report.slowest.max(took);
        if peak > limits.per_byte.saturating_mul(data.len()) + limits.base {
            report.memory.push((save(artifacts, "memory", &data), peak));
        }
        if took > limits.slow {
            report.slow.push((save(artifacts, "slow", &data), took));
        }
        match result {
            Ok(outcome) => {
                report.longest_message = report.longest_message.max(outcome.len());
                if outcome.starts_with("ok") {
                    report.ok += 1;
                } else {
                    report.errors += 1;
                }
                if seen.insert(shape(&outcome)) && data.len() <= 16 << 10 && corpus.len() < 4096 {
                    corpus.push(data);
                }
            }
            Err(_) => {
                let message = LAST_PANIC.lock().map(|m| m.clone()).unwrap_or_default();
                report
                    .crashes
                    .push((save(artifacts, "crash", &data), message));
            }
        }
        if report.inputs.is_multiple_of(50_000) {
            report.elapsed = start.elapsed();
            progress(&report);
        }
    }
    report.outcomes = seen.len();
    report.corpus = corpus.len();
    report.elapsed = start.elapsed();
    report
}
