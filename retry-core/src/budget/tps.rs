//! [`TpsBudget`]: retries as a share of recent calls, with a floor.

use super::{Clock, MonotonicClock, RetryBudget};
use crate::ConfigError;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The window is kept in this many slots; an entry expires between
/// `ttl * (SLOTS - 1) / SLOTS` and `ttl` after it was made. Finagle and tower use
/// 10; 20 keeps the window within 5 % of `ttl` for 320 bytes and a sweep of 40
/// atomics once per slot (the simulator's steady stream shows the difference).
const SLOTS: usize = 20;
/// The ratio is kept in parts per million, so the hot path is integer arithmetic.
const PPM: u64 = 1_000_000;
/// One deposit in the `totals` word (deposits live in its high half).
const DEPOSIT: u64 = 1 << 32;
/// One withdrawal in the `totals` word (the low half).
const WITHDRAWAL: u64 = 1;

/// A retry budget in the model of Finagle's `RetryBudget`, gRPC's retry throttling
/// and tower's `TpsBudget`: every call deposits, every retry withdraws, and within
/// any window of `ttl` the retries granted never exceed
///
/// ```text
/// max(min_per_sec * ttl, retry_ratio * calls in the window)
/// ```
///
/// So a busy client adds at most `retry_ratio` (20 % by default) to its traffic,
/// however many of its calls fail, and a quiet one can still make `min_per_sec`
/// retries a second (10 by default). Both calls and retries leave the window
/// `ttl` after they happened (10 s by default), so after an
/// outage the budget refills by itself as the retries it granted age out.
/// (The window moves in steps of `ttl / 20`: an entry counts for 95 % to 100 %
/// of `ttl`.)
///
/// The floor is a floor, not a bonus: Finagle and tower add the reserve to the
/// earned share, which lets a busy client exceed its ratio by the floor; here
/// `retry_ratio` is the exact bound whenever the calls earn more than the floor.
///
/// One budget is meant to be shared by every call to one backend, across threads:
/// put it in an `Arc` or a `static`. [`deposit`](RetryBudget::deposit) and
/// [`withdraw`](RetryBudget::withdraw) are lock-free (a clock read and a few
/// atomic operations), and the count is exact under contention: however many
/// threads race, the retries granted never exceed the allowance, and none of it
/// is lost.
///
/// ```
/// use retry_core::budget::{ManualClock, RetryBudget, TpsBudget};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// // 10 s window, no floor, one retry per five calls.
/// let budget = TpsBudget::with_clock(Duration::from_secs(10), 0, 0.2, clock.clone())?;
/// assert!(!budget.withdraw(), "no calls yet, no floor: no retries");
///
/// for _ in 0..10 {
///     budget.deposit();
/// }
/// assert_eq!(budget.available(), 2);
/// assert!(budget.withdraw() && budget.withdraw());
/// assert!(!budget.withdraw(), "20 % of 10 calls is 2 retries");
///
/// // A window later the calls and the retries have both aged out.
/// clock.advance(Duration::from_secs(10));
/// assert_eq!(budget.available(), 0);
/// # Ok::<(), retry_core::ConfigError>(())
/// ```
///
/// With a policy, every call deposits once and every retry withdraws; an empty
/// budget ends the call at once with its last error:
///
/// ```
/// use retry_core::budget::TpsBudget;
/// use retry_core::{Retry, error_type};
/// use std::{io, sync::Arc};
///
/// let budget = Arc::new(TpsBudget::default());
/// let policy = Retry::default().on(error_type::<io::Error>()).budget(budget.clone());
/// let value = policy.call(|_| Ok::<_, io::Error>(7))?;
/// assert_eq!(value, 7);
/// # Ok::<(), io::Error>(())
/// ```
pub struct TpsBudget<C = MonotonicClock> {
    clock: C,
    ttl: Duration,
    min_per_sec: u32,
    retry_ratio: f64,
    slot_nanos: u64,
    /// Retries a window grants even without calls: `min_per_sec * ttl`.
    reserve: u64,
    ratio_ppm: u64,
    /// Deposits (high half) and withdrawals (low half) in the window: the one word
    /// every withdrawal compares and swaps, which makes the count exact.
    totals: AtomicU64,
    /// Per slot: its epoch (high half) and the deposits made in it (low half).
    deposits: [AtomicU64; SLOTS],
    /// Per slot: its epoch and the withdrawals made in it.
    withdrawals: [AtomicU64; SLOTS],
    /// The last epoch whose expiries were swept.
    swept: AtomicU64,
}

impl TpsBudget {
    /// Default window: 10 s, as in Finagle and tower.
    ///
    /// ```
    /// # use retry_core::budget::TpsBudget;
    /// assert_eq!(TpsBudget::default().ttl(), TpsBudget::DEFAULT_TTL);
    /// ```
    pub const DEFAULT_TTL: Duration = Duration::from_secs(10);
    /// Default floor: 10 retries a second for a client that makes few calls.
    ///
    /// ```
    /// # use retry_core::budget::TpsBudget;
    /// assert_eq!(TpsBudget::default().min_per_sec(), TpsBudget::DEFAULT_MIN_PER_SEC);
    /// ```
    pub const DEFAULT_MIN_PER_SEC: u32 = 10;
    /// Default share: retries add at most 20 % to a busy client's calls.
    ///
    /// ```
    /// # use retry_core::budget::TpsBudget;
    /// assert_eq!(TpsBudget::default().retry_ratio(), TpsBudget::DEFAULT_RETRY_RATIO);
    /// ```
    pub const DEFAULT_RETRY_RATIO: f64 = 0.2;

    /// A budget on the real clock.
    ///
    /// - `ttl`: how long a call or a retry counts, from 1 s to 60 s.
    /// - `min_per_sec`: the floor, retries a second that even a quiet client may
    ///   make (`min_per_sec * ttl` per window).
    /// - `retry_ratio`: retries allowed per call, from 0 to 1000 (0.2 = 20 %).
    ///
    /// ```
    /// use retry_core::budget::TpsBudget;
    /// use std::time::Duration;
    ///
    /// let budget = TpsBudget::new(Duration::from_secs(5), 2, 0.1)?;
    /// assert_eq!(budget.available(), 10, "the floor: 2 a second for 5 s");
    ///
    /// let err = TpsBudget::new(Duration::from_secs(5), 2, f64::NAN).unwrap_err();
    /// assert_eq!(err.knob(), "retry_ratio");
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A `ttl` outside 1 s ..= 60 s, or a `retry_ratio` that is not a number
    /// from 0 to 1000.
    pub fn new(ttl: Duration, min_per_sec: u32, retry_ratio: f64) -> Result<Self, ConfigError> {
        TpsBudget::with_clock(ttl, min_per_sec, retry_ratio, MonotonicClock::new())
    }
}

impl Default for TpsBudget {
    /// 10 s window, 10 retries a second floor, 20 % of calls.
    ///
    /// ```
    /// use retry_core::budget::TpsBudget;
    ///
    /// let budget = TpsBudget::default();
    /// assert_eq!(budget.available(), 100, "10 a second for 10 s");
    /// assert_eq!(budget.retry_ratio(), 0.2);
    /// ```
    fn default() -> Self {
        Self::new(Self::DEFAULT_TTL, Self::DEFAULT_MIN_PER_SEC, Self::DEFAULT_RETRY_RATIO)
            .expect("the defaults are valid")
    }
}

impl<C: Clock> TpsBudget<C> {
    /// A budget on `clock`: [`ManualClock`](super::ManualClock) in tests and
    /// simulations. The knobs are those of [`new`](TpsBudget::new).
    ///
    /// ```
    /// use retry_core::budget::{ManualClock, TpsBudget};
    ///
    /// let budget = TpsBudget::with_clock(TpsBudget::DEFAULT_TTL, 1, 0.5, ManualClock::new())?;
    /// assert_eq!(budget.available(), 10);
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`new`](TpsBudget::new).
    pub fn with_clock(ttl: Duration, min_per_sec: u32, retry_ratio: f64, clock: C) -> Result<Self, ConfigError> {
        if !(Duration::from_secs(1)..=Duration::from_secs(60)).contains(&ttl) {
            return Err(ConfigError::new("ttl", format!("must be from 1 s to 60 s, got {ttl:?}")));
        }
        if !(retry_ratio.is_finite() && (0.0..=1000.0).contains(&retry_ratio)) {
            return Err(ConfigError::new(
                "retry_ratio",
                format!("must be a number from 0 to 1000 (retries per call), got {retry_ratio}"),
            ));
        }
        let ttl_nanos = ttl.as_nanos();
        // ttl is at most 60 s, so these fit their types.
        let slot_nanos = u64::try_from(ttl_nanos / SLOTS as u128).unwrap_or(u64::MAX);
        let reserve = u64::try_from(u128::from(min_per_sec) * ttl_nanos / 1_000_000_000).unwrap_or(u64::MAX);
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "PPM is 10^6, exact in f64, and retry_ratio is checked above to be from 0 to 1000"
        )]
        let ratio_ppm = (retry_ratio * PPM as f64).round() as u64;
        Ok(Self {
            clock,
            ttl,
            min_per_sec,
            retry_ratio,
            slot_nanos,
            reserve,
            ratio_ppm,
            totals: AtomicU64::new(0),
            deposits: [const { AtomicU64::new(0) }; SLOTS],
            withdrawals: [const { AtomicU64::new(0) }; SLOTS],
            swept: AtomicU64::new(0),
        })
    }

    /// How long a call or a retry counts.
    ///
    /// ```
    /// # use retry_core::budget::TpsBudget;
    /// assert_eq!(TpsBudget::default().ttl(), std::time::Duration::from_secs(10));
    /// ```
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The floor: retries a second even without calls.
    ///
    /// ```
    /// # use retry_core::budget::TpsBudget;
    /// assert_eq!(TpsBudget::default().min_per_sec(), 10);
    /// ```
    pub fn min_per_sec(&self) -> u32 {
        self.min_per_sec
    }

    /// Retries allowed per call.
    ///
    /// ```
    /// # use retry_core::budget::TpsBudget;
    /// assert_eq!(TpsBudget::default().retry_ratio(), 0.2);
    /// ```
    pub fn retry_ratio(&self) -> f64 {
        self.retry_ratio
    }

    /// The clock the window runs on.
    ///
    /// ```
    /// use retry_core::budget::{Clock, ManualClock, TpsBudget};
    ///
    /// let budget = TpsBudget::with_clock(TpsBudget::DEFAULT_TTL, 10, 0.2, ManualClock::new())?;
    /// assert_eq!(budget.clock().now(), std::time::Duration::ZERO);
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// How many retries the budget would grant now, if nothing else happened.
    ///
    /// ```
    /// use retry_core::budget::{ManualClock, RetryBudget, TpsBudget};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let budget = TpsBudget::with_clock(Duration::from_secs(10), 1, 0.5, clock.clone())?;
    /// assert_eq!(budget.available(), 10, "the floor alone");
    /// for _ in 0..40 {
    ///     budget.deposit();
    /// }
    /// assert_eq!(budget.available(), 20, "half of 40 calls, more than the floor");
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    pub fn available(&self) -> u64 {
        self.advance();
        let (deposits, withdrawals) = unpack(self.totals.load(Ordering::Acquire));
        self.allowance(deposits).saturating_sub(u64::from(withdrawals))
    }

    /// The retries a window with `deposits` calls grants.
    fn allowance(&self, deposits: u32) -> u64 {
        // At most 2^32 * 10^9: no overflow.
        (u64::from(deposits) * self.ratio_ppm / PPM).max(self.reserve)
    }

    fn epoch(&self) -> u64 {
        u64::try_from(self.clock.now().as_nanos() / u128::from(self.slot_nanos.max(1))).unwrap_or(u64::MAX)
    }

    /// The current epoch, after expiring what left the window (once per epoch:
    /// the thread that moves `swept` forward does the sweep).
    fn advance(&self) -> u64 {
        let now = self.epoch();
        let swept = self.swept.load(Ordering::Acquire);
        if now > swept && self.swept.compare_exchange(swept, now, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            for slot in &self.deposits {
                self.expire(slot, now, DEPOSIT);
            }
            for slot in &self.withdrawals {
                self.expire(slot, now, WITHDRAWAL);
            }
        }
        now
    }

    /// Empties `slot` if its entries are older than the window, and takes them
    /// off the totals. The compare-and-swap makes exactly one thread do it.
    fn expire(&self, slot: &AtomicU64, now: u64, unit: u64) {
        let mut word = slot.load(Ordering::Acquire);
        loop {
            let (epoch, count) = unpack(word);
            #[allow(clippy::cast_possible_wrap, reason = "SLOTS is 20")]
            if count == 0 || age(now, epoch) < SLOTS as i64 {
                return;
            }
            match slot.compare_exchange_weak(word, pack(epoch, 0), Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return self.take_off(count, unit),
                Err(actual) => word = actual,
            }
        }
    }

    /// Records one entry, already counted in `totals`, in the slot of epoch `now`.
    /// A slot still holding an older epoch is recycled, and what it held expires.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "the slot index is below SLOTS (20); epochs are kept as their low 32 bits (see `age`)"
    )]
    fn record(&self, slots: &[AtomicU64; SLOTS], now: u64, unit: u64) {
        let slot = &slots[(now % SLOTS as u64) as usize];
        let mut word = slot.load(Ordering::Acquire);
        loop {
            let (epoch, count) = unpack(word);
            // A slot of this epoch or, if this thread was delayed, of a later
            // one: add to it. Otherwise its entries are a whole window old.
            let (new, expired) = if age(now, epoch) <= 0 {
                (pack(epoch, count.saturating_add(1)), 0)
            } else {
                (pack(now as u32, 1), count)
            };
            match slot.compare_exchange_weak(word, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return self.take_off(expired, unit),
                Err(actual) => word = actual,
            }
        }
    }

    fn take_off(&self, count: u32, unit: u64) {
        if count > 0 {
            // Every entry in a slot was added to the totals before it reached the
            // slot (and that add happens-before this through the slot's
            // acquire/release), so this never underflows.
            let before = self.totals.fetch_sub(u64::from(count) * unit, Ordering::AcqRel);
            debug_assert!(before >= u64::from(count) * unit, "budget totals underflow");
        }
    }
}

impl<C: Clock> RetryBudget for TpsBudget<C> {
    fn deposit(&self) {
        let now = self.advance();
        let counted = self
            .totals
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |totals| {
                // 2^32 calls inside one window is beyond any client; past it the
                // extra calls earn nothing rather than wrap around.
                (unpack(totals).0 < u32::MAX).then_some(totals + DEPOSIT)
            })
            .is_ok();
        if counted {
            self.record(&self.deposits, now, DEPOSIT);
        }
    }

    fn withdraw(&self) -> bool {
        let now = self.advance();
        let granted = self
            .totals
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |totals| {
                let (deposits, withdrawals) = unpack(totals);
                (withdrawals < u32::MAX && u64::from(withdrawals) < self.allowance(deposits))
                    .then_some(totals + WITHDRAWAL)
            })
            .is_ok();
        if granted {
            self.record(&self.withdrawals, now, WITHDRAWAL);
        }
        granted
    }
}

impl<C: Clock> fmt::Debug for TpsBudget<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (deposits, withdrawals) = unpack(self.totals.load(Ordering::Acquire));
        f.debug_struct("TpsBudget")
            .field("ttl", &self.ttl)
            .field("min_per_sec", &self.min_per_sec)
            .field("retry_ratio", &self.retry_ratio)
            .field("deposits", &deposits)
            .field("withdrawals", &withdrawals)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

fn pack(high: u32, low: u32) -> u64 {
    (u64::from(high) << 32) | u64::from(low)
}

#[allow(clippy::cast_possible_truncation, reason = "splitting a word in two halves")]
fn unpack(word: u64) -> (u32, u32) {
    ((word >> 32) as u32, word as u32)
}

/// How many epochs `epoch` (kept as its low 32 bits) lies before `now`; negative
/// if it is later. Exact for ages below 2^31 epochs (3.4 years of 50 ms slots).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    reason = "the wrapping difference of the low 32 bits, read as signed, as said above"
)]
fn age(now: u64, epoch: u32) -> i64 {
    i64::from((now as u32).wrapping_sub(epoch) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::ManualClock;

    fn budget(min_per_sec: u32, ratio: f64) -> (TpsBudget<ManualClock>, ManualClock) {
        let clock = ManualClock::new();
        (TpsBudget::with_clock(Duration::from_secs(10), min_per_sec, ratio, clock.clone()).unwrap(), clock)
    }

    /// The totals equal the sum of the slots once nothing is in flight.
    fn assert_consistent<C: Clock>(b: &TpsBudget<C>) {
        let sum = |slots: &[AtomicU64; SLOTS]| -> u64 {
            slots.iter().map(|s| u64::from(unpack(s.load(Ordering::Acquire)).1)).sum()
        };
        let (d, w) = unpack(b.totals.load(Ordering::Acquire));
        assert_eq!((u64::from(d), u64::from(w)), (sum(&b.deposits), sum(&b.withdrawals)));
    }

    #[test]
    fn validates_its_knobs() {
        for ttl in [Duration::ZERO, Duration::from_millis(999), Duration::from_secs(61)] {
            assert_eq!(TpsBudget::new(ttl, 1, 0.2).unwrap_err().knob(), "ttl");
        }
        for ratio in [f64::NAN, f64::INFINITY, -0.1, 1000.5] {
            assert_eq!(TpsBudget::new(Duration::from_secs(1), 1, ratio).unwrap_err().knob(), "retry_ratio");
        }
        assert!(TpsBudget::new(Duration::from_secs(60), u32::MAX, 1000.0).is_ok());
        assert!(TpsBudget::new(Duration::from_secs(1), 0, 0.0).is_ok());
    }

    #[test]
    fn the_floor_is_a_floor_not_a_bonus() {
        let (b, _) = budget(1, 0.5);
        assert_eq!(b.available(), 10);
        for _ in 0..10 {
            b.deposit();
        }
        assert_eq!(b.available(), 10, "5 earned is below the floor of 10");
        for _ in 0..30 {
            b.deposit();
        }
        assert_eq!(b.available(), 20, "20 earned, not 20 + 10");
    }

    #[test]
    fn entries_expire_a_window_later_to_a_slot() {
        let (b, clock) = budget(0, 1.0);
        b.deposit();
        clock.advance(Duration::from_millis(9_499));
        assert_eq!(b.available(), 1);
        clock.advance(Duration::from_millis(501));
        assert_eq!(b.available(), 0, "made in slot 0 (of 500 ms), gone when slot 20 begins");
        assert_consistent(&b);
    }

    #[test]
    fn withdrawals_expire_too_so_the_budget_refills() {
        let (b, clock) = budget(0, 0.2);
        for second in 0..30 {
            clock.set(Duration::from_secs(second));
            for _ in 0..100 {
                b.deposit();
            }
            if second == 15 {
                // An outage: everything it has is spent.
                while b.withdraw() {}
                assert_eq!(b.available(), 0);
            }
        }
        // 15 s later the withdrawals have aged out; 10 s of 100 calls remain.
        assert_eq!(b.available(), 200);
        assert_consistent(&b);
    }

    #[test]
    fn a_recycled_slot_gives_back_what_it_held() {
        let (b, clock) = budget(0, 1.0);
        b.deposit();
        b.deposit();
        // Skip the sweep: record straight into epoch 20's slot, which is slot 0.
        clock.set(Duration::from_secs(10));
        b.totals.fetch_add(DEPOSIT, Ordering::AcqRel);
        b.record(&b.deposits, 20, DEPOSIT);
        let (d, _) = unpack(b.totals.load(Ordering::Acquire));
        assert_eq!(d, 1, "the two old deposits left when their slot was recycled");
        assert_consistent(&b);
    }

    #[test]
    fn a_long_idle_gap_expires_everything() {
        let (b, clock) = budget(0, 1.0);
        for _ in 0..5 {
            b.deposit();
            assert!(b.withdraw());
            b.deposit();
        }
        clock.advance(Duration::from_secs(3600));
        assert_eq!(b.available(), 0);
        assert_eq!(unpack(b.totals.load(Ordering::Acquire)), (0, 0));
        assert_consistent(&b);
    }

    #[test]
    fn a_delayed_entry_lands_in_the_newer_slot() {
        let (b, clock) = budget(0, 1.0);
        clock.set(Duration::from_secs(12));
        b.deposit();
        // A thread that read epoch 4 (2 s) before the clock moved records late
        // into slot 4, which epoch 24 (12 s) holds now.
        b.totals.fetch_add(DEPOSIT, Ordering::AcqRel);
        b.record(&b.deposits, 4, DEPOSIT);
        assert_eq!(b.available(), 2);
        assert_consistent(&b);
        clock.set(Duration::from_secs(22));
        assert_eq!(b.available(), 0);
        assert_consistent(&b);
    }

    #[test]
    fn ages_wrap_around() {
        assert_eq!(age(5, 3), 2);
        assert_eq!(age(3, 5), -2);
        assert_eq!(age(u64::from(u32::MAX) + 3, u32::MAX), 3);
        assert_eq!(age(1 << 40, 0), 0, "only the low 32 bits are kept");
    }

    #[test]
    fn debug_shows_the_counts() {
        let (b, _) = budget(0, 1.0);
        b.deposit();
        let text = format!("{b:?}");
        assert!(text.contains("deposits: 1") && text.contains("withdrawals: 0"), "{text}");
    }
}
