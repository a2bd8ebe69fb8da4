//! Two pieces of work side by side, for the steps of reading and analysing large files
//! that do not depend on each other (the machines taskscope runs on have a few cores,
//! and a 10^7-task file keeps one busy for seconds).

/// Below this many items, [`join`] runs both closures on the calling thread: a thread
/// costs tens of microseconds, more than small work takes.
pub const PARALLEL_FROM: usize = 100_000;

/// Runs `a` and `b` and returns both results: `b` on a second thread when `items` (the
/// size of the work) is at least [`PARALLEL_FROM`] and the machine has more than one
/// core, otherwise one after the other. A panic in either is resumed here.
///
/// ```
/// use taskscope_core::parallel::join;
///
/// let v: Vec<u64> = (0..1_000_000).collect();
/// let (sum, max) = join(v.len(), || v.iter().sum::<u64>(), || v.iter().max().copied());
/// assert_eq!((sum, max), (499_999_500_000, Some(999_999)));
/// ```
pub fn join<A, B, RA, RB>(items: usize, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if items < PARALLEL_FROM || cores < 2 {
        let ra = a();
        return (ra, b());
    }
    std::thread::scope(|s| {
        let other = s.spawn(b);
        let ra = a();
        match other.join() {
            Ok(rb) => (ra, rb),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
