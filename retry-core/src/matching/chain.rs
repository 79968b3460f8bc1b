use std::error::Error;

/// Access to the chain of an error: itself, then each `source()`.
///
/// Implemented for every `E: Error + 'static`, for boxed `dyn Error`s and, with the
/// `anyhow` feature, for `anyhow::Error`. Those cannot share one blanket impl
/// (neither a box of `dyn Error` nor `anyhow::Error` implements `Error`), so
/// `Marker` keeps the impls apart; it is always inferred.
///
/// ```
/// use retry_core::matching::ErrorChain;
/// use std::error::Error;
///
/// let boxed: Box<dyn Error + Send + Sync> = Box::new(std::io::Error::other("boom"));
/// assert!(boxed.any_in_chain(&mut |e| e.is::<std::io::Error>()));
/// ```
pub trait ErrorChain<Marker> {
    /// Whether `predicate` holds for any error in the chain.
    fn any_in_chain(&self, predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool;

    /// Whether this error type is `T` itself, known at compile time: `on = T`
    /// on a function whose error type is `T` then decides without walking the
    /// chain (a constant instead of a few dozen instructions per retry).
    ///
    /// An implementation returns `true` only if `Self` is `T` (the default,
    /// `false`, is always correct): a `true` makes `on = T` retry every error of
    /// this type.
    #[doc(hidden)]
    #[must_use]
    fn is_exactly<T: 'static>() -> bool
    where
        Self: Sized,
    {
        false
    }
}

/// Marker: the error implements `std::error::Error`.
#[doc(hidden)]
pub struct ViaError;
/// Marker: the error is a box of `dyn Error`.
#[doc(hidden)]
pub struct ViaBox;
/// Marker: the error is an `anyhow::Error`.
#[cfg(feature = "anyhow")]
#[doc(hidden)]
pub struct ViaAnyhow;

/// `error` as a `T`, also when it is a `Box<T>` or an `Arc<T>`: spec 4 says a box
/// of `T` is a `T`, and `Result<_, Box<MyError>>` is what clippy's
/// `result_large_err` recommends. Neither forwards to `T` in the chain (their
/// `source()` is `T`'s source, not `T`), so without this `T` is never seen.
#[inline]
pub(crate) fn downcast<'e, T: Error + 'static>(error: &'e (dyn Error + 'static)) -> Option<&'e T> {
    match error.downcast_ref::<T>() {
        Some(error) => Some(error),
        None => match error.downcast_ref::<Box<T>>() {
            Some(boxed) => Some(boxed),
            None => error.downcast_ref::<std::sync::Arc<T>>().map(|arc| &**arc),
        },
    }
}

/// Whether `E` is `T`, a `Box<T>` or an `Arc<T>`, known at compile time: see
/// [`ErrorChain::is_exactly`].
#[inline(always)]
pub(crate) fn is_a<E: ErrorChain<M>, M, T: 'static>() -> bool {
    E::is_exactly::<T>() || E::is_exactly::<Box<T>>() || E::is_exactly::<std::sync::Arc<T>>()
}

/// Walks `first` and its sources. `io::Error` hides the error it wraps from
/// `source()` (it forwards to the inner error's source), so look inside it too:
/// `on = MyError` should match `io::Error::other(MyError)`.
pub(crate) fn walk(first: &(dyn Error + 'static), predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool {
    let mut current = Some(first);
    while let Some(error) = current {
        if predicate(error) {
            return true;
        }
        if let Some(inner) = downcast::<std::io::Error>(error).and_then(|io| io.get_ref())
            && walk(inner, predicate)
        {
            return true;
        }
        current = error.source();
    }
    false
}

impl<E: Error + 'static> ErrorChain<ViaError> for E {
    fn any_in_chain(&self, predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool {
        walk(self, predicate)
    }

    fn is_exactly<T: 'static>() -> bool {
        std::any::TypeId::of::<E>() == std::any::TypeId::of::<T>()
    }
}

impl ErrorChain<ViaBox> for Box<dyn Error + Send + Sync + 'static> {
    fn any_in_chain(&self, predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool {
        walk(&**self, predicate)
    }
}

impl ErrorChain<ViaBox> for Box<dyn Error + Send + 'static> {
    fn any_in_chain(&self, predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool {
        walk(&**self, predicate)
    }
}

impl ErrorChain<ViaBox> for Box<dyn Error + 'static> {
    fn any_in_chain(&self, predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool {
        walk(&**self, predicate)
    }
}

#[cfg(feature = "anyhow")]
impl ErrorChain<ViaAnyhow> for anyhow::Error {
    fn any_in_chain(&self, predicate: &mut dyn FnMut(&(dyn Error + 'static)) -> bool) -> bool {
        // `anyhow::Error::chain` starts at the outermost context; walking from its
        // `dyn Error` view covers the same chain plus errors inside `io::Error`s.
        let first: &(dyn Error + Send + Sync + 'static) = self.as_ref();
        walk(first, predicate)
    }
}
