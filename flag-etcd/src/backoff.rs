//! Exponential backoff with full jitter.

use std::time::Duration;

/// Waits drawn uniformly between `min` and a cap that doubles per attempt up to `max`.
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            attempt: 0,
            rng: fastrand::Rng::new(),
        }
    }

    /// The next wait.
    pub(crate) fn next_wait(&mut self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        let cap = self.min.saturating_mul(factor).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let (lo, hi) = (self.min.as_nanos() as u64, cap.as_nanos() as u64);
        Duration::from_nanos(if hi > lo { self.rng.u64(lo..=hi) } else { lo })
    }

    /// Starts again from `min`.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_within_bounds_and_reset() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(10));
        let mut b = Backoff::new(min, max);
        for attempt in 0..40u32 {
            let w = b.next_wait();
            let cap = min.saturating_mul(1 << attempt.min(20)).min(max);
            assert!(w >= min && w <= cap, "attempt {attempt}: {w:?}");
        }
        b.reset();
        assert!(b.next_wait() <= min);
    }

    #[test]
    fn jitter_spreads_waits() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
        b.attempt = 10;
        let waits: std::collections::HashSet<_> = (0..20)
            .map(|_| {
                b.attempt = 10;
                b.next_wait()
            })
            .collect();
        assert!(waits.len() > 10);
    }
}
