use super::Sleeper;
use std::time::{Duration, Instant};

/// Sleeps with `tokio::time::sleep` and reads `tokio::time::Instant`, so under
/// `#[tokio::test(start_paused = true)]` a whole schedule of waits runs instantly
/// and exactly.
///
/// ```
/// use retry_core::sleep::{Sleeper, TokioSleeper};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let before = TokioSleeper.now();
/// TokioSleeper.sleep(Duration::from_secs(30)).await;
/// assert_eq!(TokioSleeper.now() - before, Duration::from_secs(30));
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    type Sleep = tokio::time::Sleep;

    fn sleep(&self, wait: Duration) -> Self::Sleep {
        tokio::time::sleep(wait)
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn skips_zero_waits(&self) -> bool {
        true
    }
}
