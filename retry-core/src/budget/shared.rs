//! [`SharedBudget`]: how a policy holds the budget that many calls share.

use super::RetryBudget;
use std::fmt;
use std::sync::Arc;

/// A handle on a budget shared by many calls: a `&'static` reference (a `static`
/// or a `LazyLock`, at no cost per call) or an `Arc`.
///
/// [`Retry::budget`](crate::Retry::budget) takes anything that converts into one.
///
/// ```
/// use retry_core::budget::{RetryBudget, SharedBudget, TpsBudget};
/// use std::sync::{Arc, LazyLock};
///
/// static BACKEND: LazyLock<TpsBudget> = LazyLock::new(TpsBudget::default);
///
/// let from_static = SharedBudget::from(&BACKEND);
/// let from_arc = SharedBudget::from(Arc::new(TpsBudget::default()));
/// let copy = from_static.clone();
/// copy.deposit();
/// assert!(from_static.withdraw() && from_arc.withdraw());
/// ```
#[derive(Clone)]
pub struct SharedBudget(Handle);

#[derive(Clone)]
enum Handle {
    Static(&'static dyn RetryBudget),
    Shared(Arc<dyn RetryBudget>),
}

impl SharedBudget {
    /// Shares `budget` behind an `Arc`.
    ///
    /// ```
    /// use retry_core::budget::{SharedBudget, TpsBudget};
    ///
    /// let budget = SharedBudget::new(TpsBudget::default());
    /// assert!(format!("{budget:?}").starts_with("TpsBudget"));
    /// ```
    pub fn new(budget: impl RetryBudget + 'static) -> Self {
        Self(Handle::Shared(Arc::new(budget)))
    }

    fn get(&self) -> &dyn RetryBudget {
        match &self.0 {
            Handle::Static(budget) => *budget,
            Handle::Shared(budget) => &**budget,
        }
    }
}

impl RetryBudget for SharedBudget {
    fn deposit(&self) {
        self.get().deposit();
    }

    fn withdraw(&self) -> bool {
        self.get().withdraw()
    }
}

impl fmt::Debug for SharedBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

impl<B: RetryBudget + 'static> From<Arc<B>> for SharedBudget {
    fn from(budget: Arc<B>) -> Self {
        Self(Handle::Shared(budget))
    }
}

impl From<Arc<dyn RetryBudget>> for SharedBudget {
    fn from(budget: Arc<dyn RetryBudget>) -> Self {
        Self(Handle::Shared(budget))
    }
}

impl<B: RetryBudget> From<&'static B> for SharedBudget {
    fn from(budget: &'static B) -> Self {
        Self(Handle::Static(budget))
    }
}

impl From<&'static dyn RetryBudget> for SharedBudget {
    fn from(budget: &'static dyn RetryBudget) -> Self {
        Self(Handle::Static(budget))
    }
}
