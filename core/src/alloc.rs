//! An opt-in counting allocator: how many bytes each task allocates, and its peak.
//!
//! A program installs it as its global allocator (the `taskscope` binary does with
//! `--features count-alloc`):
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: taskscope_core::alloc::CountingAlloc = taskscope_core::alloc::CountingAlloc;
//! ```
//!
//! It forwards to the system allocator and keeps per-thread counters (no atomics, no
//! locks), which the trace recorder reads when a task starts and ends on its worker
//! thread. Without it, traces simply carry no `alloc`/`peak` fields.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);

struct Counters {
    allocated: Cell<u64>,
    freed: Cell<u64>,
    /// Highest `allocated - freed` since the last [`mark`].
    peak: Cell<i64>,
}

thread_local! {
    static COUNTERS: Counters = const {
        Counters { allocated: Cell::new(0), freed: Cell::new(0), peak: Cell::new(0) }
    };
}

fn on_alloc(n: usize) {
    let _ = COUNTERS.try_with(|c| {
        let a = c.allocated.get() + n as u64;
        c.allocated.set(a);
        let net = a as i64 - c.freed.get() as i64;
        if net > c.peak.get() {
            c.peak.set(net);
        }
    });
}

fn on_free(n: usize) {
    let _ = COUNTERS.try_with(|c| c.freed.set(c.freed.get() + n as u64));
}

/// The system allocator, counting bytes per thread.
pub struct CountingAlloc;

// SAFETY: every call forwards to `System` with the same arguments; the counters only
// touch thread-local cells and never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            on_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        on_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            on_free(layout.size());
            on_alloc(new_size);
        }
        p
    }
}

impl CountingAlloc {
    /// Tells the recorder that the counters are live. Call once at start-up, after
    /// installing the allocator.
    pub fn activate() {
        ACTIVE.store(true, Ordering::Relaxed);
    }
}

/// The counters of this thread at one moment.
#[derive(Clone, Copy, Debug)]
pub struct AllocMark {
    allocated: u64,
    net: i64,
}

/// Marks this thread's counters and restarts its peak; `None` when the counting
/// allocator is not active.
pub fn mark() -> Option<AllocMark> {
    if !ACTIVE.load(Ordering::Relaxed) {
        return None;
    }
    COUNTERS
        .try_with(|c| {
            let net = c.allocated.get() as i64 - c.freed.get() as i64;
            c.peak.set(net);
            AllocMark {
                allocated: c.allocated.get(),
                net,
            }
        })
        .ok()
}

/// Bytes this thread allocated since `mark`, and its highest net bytes above the mark.
pub fn since(mark: AllocMark) -> (u64, u64) {
    COUNTERS
        .try_with(|c| {
            let alloc = c.allocated.get().saturating_sub(mark.allocated);
            let peak = (c.peak.get() - mark.net).max(0) as u64;
            (alloc, peak)
        })
        .unwrap_or((0, 0))
}
