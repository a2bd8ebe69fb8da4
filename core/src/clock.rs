//! Time stamps for tracing: read on the traced thread (twice a task, three times a
//! `tracing` span), so as cheap as can be; turned into nanoseconds by the writer.
//!
//! Where the kernel itself keeps time with the CPU's time stamp counter (Linux on
//! x86-64 with the `tsc` clock source: the counter ticks at one rate on every core), a
//! stamp is the counter's ticks since the clock was made, read in about 10 ns
//! (`Instant::now` takes about 26). Ticks become ns at the rate measured between the
//! layer's start and the last time the writer looked, against the monotonic clock:
//! with the reading error of a few tens of ns spread over the whole interval, a
//! stamp is off by no more than that. The rate is kept once a second has passed.
//! Anywhere else a stamp is ns from the monotonic clock, as they are.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Makes stamps and reads them as ns since it was made.
pub struct Clock {
    origin: Instant,
    /// The counter at `origin`, when stamps are ticks of it.
    ticks0: Option<u64>,
    /// ns per tick, as `f64` bits; 0 until measured.
    rate: AtomicU64,
    /// The rate is final (measured over a second or more).
    final_rate: std::sync::atomic::AtomicBool,
}

/// The time stamp counter, where the kernel keeps time with it.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn counter() -> Option<u64> {
    static TRUSTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let trusted = TRUSTED.get_or_init(|| {
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .is_ok_and(|source| source.trim() == "tsc")
    });
    trusted.then(read_counter)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn counter() -> Option<u64> {
    None
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[inline]
fn read_counter() -> u64 {
    // SAFETY: `rdtsc` reads a register; it touches no memory. x86-64 always has it.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
#[inline]
fn read_counter() -> u64 {
    0
}

/// Interval after which the measured rate is kept: its error is then below 1e-7.
const FINAL_AFTER_NS: f64 = 1e9;

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Clock {
        let ticks0 = counter();
        Clock {
            origin: Instant::now(),
            ticks0,
            rate: AtomicU64::new(0),
            final_rate: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A stamp of now: ns since the clock was made, or ticks to read with
    /// [`ns`](Self::ns).
    #[inline]
    pub fn stamp(&self) -> u64 {
        match self.ticks0 {
            Some(t0) => read_counter().wrapping_sub(t0),
            None => self.origin.elapsed().as_nanos() as u64,
        }
    }

    /// Measures the rate of ticks again (the writer calls it before it reads stamps).
    pub fn measure(&self) {
        let Some(t0) = self.ticks0 else { return };
        if self.final_rate.load(Ordering::Relaxed) {
            return;
        }
        let ns = self.origin.elapsed().as_nanos() as f64;
        let ticks = read_counter().wrapping_sub(t0);
        if ticks > 0 && ns > 0.0 {
            self.rate
                .store((ns / ticks as f64).to_bits(), Ordering::Relaxed);
            self.final_rate
                .store(ns >= FINAL_AFTER_NS, Ordering::Relaxed);
        }
    }

    /// A stamp (or a difference of stamps) in ns.
    #[inline]
    pub fn ns(&self, stamp: u64) -> u64 {
        if self.ticks0.is_none() {
            return stamp;
        }
        let mut rate = f64::from_bits(self.rate.load(Ordering::Relaxed));
        if rate == 0.0 {
            self.measure();
            rate = f64::from_bits(self.rate.load(Ordering::Relaxed));
        }
        (stamp as f64 * rate) as u64
    }

    /// ns since it was made.
    pub fn now_ns(&self) -> u64 {
        self.measure();
        self.ns(self.stamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_as_the_monotonic_clock_does() {
        let clock = Clock::new();
        let start = clock.stamp();
        let wall = Instant::now();
        while wall.elapsed().as_millis() < 30 {
            std::hint::spin_loop();
        }
        let end = clock.stamp();
        let measured = wall.elapsed().as_nanos() as f64;
        clock.measure();
        let ns = clock.ns(end - start) as f64;
        // Within 2%, and the stamps in order.
        assert!(end > start);
        assert!(
            (ns - measured).abs() < 0.02 * measured,
            "{ns} ns vs {measured}"
        );
        assert!(clock.now_ns() >= clock.ns(end));
    }
}
