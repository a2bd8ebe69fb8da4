//! What the process uses right now: resident memory and CPU time.

/// Resident set size of this process in bytes (Linux; `None` elsewhere or on error).
pub fn rss_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        (page > 0).then(|| pages * page as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// CPU time this process has used (user + system) in ns (Unix; `None` elsewhere).
pub fn cpu_ns() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: getrusage writes into the zeroed struct we pass.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0;
        let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
        ok.then(|| ns(usage.ru_utime) + ns(usage.ru_stime))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Gives the memory the allocator holds free back to the system (glibc's
/// `malloc_trim`; nothing elsewhere): after a large piece of work whose scratch memory
/// was freed in many pieces, on several threads' heaps. The viewer calls it when a
/// file is open.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim has no preconditions; it only returns free pages.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn rss_and_cpu_are_plausible() {
        let rss = super::rss_bytes().unwrap();
        assert!(rss > 1 << 20 && rss < 1 << 40, "{rss}");
        let before = super::cpu_ns().unwrap();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(super::cpu_ns().unwrap() > before);
    }
}
