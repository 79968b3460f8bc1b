use super::Backoff;
use super::Rng;
use std::time::Duration;

/// No wait at all: every retry follows its failure at once.
///
/// ```text
/// wait(n) = 0
/// ```
///
/// The `NoBackoff` of redis-py and valkey-py. It never draws from the random source.
///
/// ```
/// use retry_core::backoff::{Backoff, NoBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let mut rng = Rng::seeded(0);
/// assert_eq!(NoBackoff.wait(1, Duration::ZERO, &mut rng), Duration::ZERO);
/// assert_eq!(NoBackoff::default().wait(u32::MAX, Duration::MAX, &mut rng), Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoBackoff;

impl Backoff for NoBackoff {
    fn wait(&self, _retry_num: u32, _previous: Duration, _rng: &mut Rng) -> Duration {
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_zero() {
        let mut rng = Rng::seeded(0);
        for n in [0, 1, 2, 10, 1000, u32::MAX] {
            for previous in [Duration::ZERO, Duration::from_millis(8), Duration::MAX] {
                assert_eq!(NoBackoff.wait(n, previous, &mut rng), Duration::ZERO);
            }
        }
    }

    #[test]
    fn draws_no_randomness() {
        let mut rng = Rng::seeded(5);
        NoBackoff.wait(3, Duration::ZERO, &mut rng);
        assert_eq!(rng, Rng::seeded(5));
    }

    #[test]
    fn default_is_the_unit_value() {
        fn make<T: Default>() -> T {
            T::default()
        }
        assert_eq!(make::<NoBackoff>(), NoBackoff);
    }
}
