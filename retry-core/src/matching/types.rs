use super::chain::{ErrorChain, downcast, is_a};
use super::{Decision, RetryOn};
use std::error::Error;
use std::marker::PhantomData;

/// Matches errors of type `T` anywhere in the chain. Made by [`error_type`].
pub struct ErrorType<T>(PhantomData<fn() -> T>);

/// Matches errors of any type in the tuple `L`. Made by [`error_types`].
pub struct ErrorTypes<L>(PhantomData<fn() -> L>);

/// Retry errors of type `T`: the error itself, any error in its `source()` chain,
/// or, for type-erased errors, whatever they downcast to. A `Box<T>` or an
/// `Arc<T>` is a `T` here, wherever it is in the chain.
///
/// ```
/// use retry_core::{RetryOn, error_type};
/// use retry_core::Decision;
///
/// #[derive(Debug, thiserror::Error)]
/// enum DbError {
///     #[error("i/o")]
///     Io(#[from] std::io::Error),
///     #[error("constraint")]
///     Constraint,
/// }
///
/// let on = error_type::<std::io::Error>();
/// assert_eq!(on.decide(&DbError::Io(std::io::Error::other("reset"))), Decision::Retry);
/// assert_eq!(on.decide(&DbError::Constraint), Decision::Stop);
///
/// // What clippy's `result_large_err` asks for: `Result<_, Box<DbError>>`.
/// let on = error_type::<DbError>();
/// assert_eq!(on.decide(&Box::new(DbError::Constraint)), Decision::Retry);
/// assert_eq!(on.decide(&std::sync::Arc::new(DbError::Constraint)), Decision::Retry);
/// ```
#[must_use]
pub const fn error_type<T: Error + 'static>() -> ErrorType<T> {
    ErrorType(PhantomData)
}

/// Retry errors of any type in the tuple `L`, e.g. `error_types::<(io::Error, fmt::Error)>()`.
///
/// ```
/// use retry_core::{RetryOn, error_types};
/// use retry_core::Decision;
/// use std::{fmt, io};
///
/// let on = error_types::<(io::Error, fmt::Error)>();
/// let boxed: Box<dyn std::error::Error> = Box::new(fmt::Error);
/// assert_eq!(on.decide(&boxed), Decision::Retry);
/// ```
#[must_use]
pub const fn error_types<L: TypeList>() -> ErrorTypes<L> {
    ErrorTypes(PhantomData)
}

impl<T> ErrorType<T> {
    /// The matcher without the `T: Error` bound: its `RetryOn` impl checks it,
    /// where the attribute reports it once.
    pub(crate) const fn new() -> Self {
        ErrorType(PhantomData)
    }
}

impl<L> ErrorTypes<L> {
    /// The matcher without the `L: TypeList` bound (see [`ErrorType::new`]).
    pub(crate) const fn new() -> Self {
        ErrorTypes(PhantomData)
    }
}

impl<T> Clone for ErrorType<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ErrorType<T> {}
impl<L> Clone for ErrorTypes<L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for ErrorTypes<L> {}

impl<T> std::fmt::Debug for ErrorType<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ErrorType<{}>", std::any::type_name::<T>())
    }
}
impl<L> std::fmt::Debug for ErrorTypes<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ErrorTypes<{}>", std::any::type_name::<L>())
    }
}

/// Marker: matching by error type.
#[doc(hidden)]
pub struct ByType<M>(PhantomData<fn() -> M>);

impl<T: Error + 'static, E: ErrorChain<M>, M> RetryOn<E, ByType<M>> for ErrorType<T> {
    fn decide(&self, error: &E) -> Decision {
        (is_a::<E, M, T>() || error.any_in_chain(&mut |e| downcast::<T>(e).is_some())).into()
    }
}

impl<L: TypeList, E: ErrorChain<M>, M> RetryOn<E, ByType<M>> for ErrorTypes<L> {
    fn decide(&self, error: &E) -> Decision {
        error.any_in_chain(&mut |e| L::contains(e)).into()
    }
}

/// A tuple of error types, `(A,)` up to eight.
pub trait TypeList {
    /// Whether `error` is one of the types.
    fn contains(error: &(dyn Error + 'static)) -> bool;
}

macro_rules! type_list {
    ($($t:ident),+) => {
        impl<$($t: Error + 'static),+> TypeList for ($($t,)+) {
            fn contains(error: &(dyn Error + 'static)) -> bool {
                false $(|| downcast::<$t>(error).is_some())+
            }
        }
    };
}
type_list!(A);
type_list!(A, B);
type_list!(A, B, C);
type_list!(A, B, C, D);
type_list!(A, B, C, D, F);
type_list!(A, B, C, D, F, G);
type_list!(A, B, C, D, F, G, H);
type_list!(A, B, C, D, F, G, H, I);

#[cfg(test)]
mod tests {
    use super::*;
    use std::{fmt, io};

    #[derive(Debug)]
    struct Outer(io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("outer")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[derive(Debug)]
    struct Custom;
    impl fmt::Display for Custom {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("custom")
        }
    }
    impl Error for Custom {}

    #[test]
    fn matches_the_error_itself_and_its_sources() {
        assert_eq!(error_type::<io::Error>().decide(&io::Error::other("x")), Decision::Retry);
        assert_eq!(error_type::<io::Error>().decide(&Outer(io::Error::other("x"))), Decision::Retry);
        assert_eq!(error_type::<fmt::Error>().decide(&Outer(io::Error::other("x"))), Decision::Stop);
    }

    #[test]
    fn looks_inside_io_errors() {
        let wrapped = io::Error::other(Custom);
        assert_eq!(error_type::<Custom>().decide(&wrapped), Decision::Retry);
        assert_eq!(error_type::<Custom>().decide(&Outer(wrapped)), Decision::Retry);
    }

    #[test]
    fn downcasts_boxed_errors() {
        let b: Box<dyn Error + Send + Sync> = Box::new(Outer(io::Error::other("x")));
        assert_eq!(error_type::<io::Error>().decide(&b), Decision::Retry);
        assert_eq!(error_type::<Outer>().decide(&b), Decision::Retry);
        let b: Box<dyn Error> = Box::new(Custom);
        assert_eq!(error_type::<Custom>().decide(&b), Decision::Retry);
        assert_eq!(error_type::<io::Error>().decide(&b), Decision::Stop);
        let b: Box<dyn Error + Send> = Box::new(fmt::Error);
        assert_eq!(error_type::<fmt::Error>().decide(&b), Decision::Retry);
    }

    #[test]
    fn tuples_match_any_member() {
        let on = error_types::<(fmt::Error, Custom)>();
        assert_eq!(on.decide(&Custom), Decision::Retry);
        assert_eq!(on.decide(&fmt::Error), Decision::Retry);
        assert_eq!(on.decide(&io::Error::other("x")), Decision::Stop);
        let eight = error_types::<(
            fmt::Error,
            fmt::Error,
            fmt::Error,
            fmt::Error,
            fmt::Error,
            fmt::Error,
            fmt::Error,
            Custom,
        )>();
        assert_eq!(eight.decide(&Custom), Decision::Retry);
    }

    #[cfg(feature = "anyhow")]
    #[test]
    fn downcasts_anyhow_errors_through_context() {
        let e = anyhow::Error::new(io::Error::other("x")).context("while saving");
        assert_eq!(error_type::<io::Error>().decide(&e), Decision::Retry);
        assert_eq!(error_type::<fmt::Error>().decide(&e), Decision::Stop);
    }

    #[test]
    fn closures_answer_bool_or_decision() {
        let by_kind = |e: &io::Error| e.kind() == io::ErrorKind::TimedOut;
        assert_eq!(by_kind.decide(&io::Error::from(io::ErrorKind::TimedOut)), Decision::Retry);
        assert_eq!(by_kind.decide(&io::Error::other("x")), Decision::Stop);
        let pushback = |_: &io::Error| Decision::RetryAfter(std::time::Duration::from_secs(3));
        assert_eq!(pushback.decide(&io::Error::other("x")), Decision::RetryAfter(std::time::Duration::from_secs(3)));
    }
}
