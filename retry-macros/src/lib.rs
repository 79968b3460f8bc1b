//! The `#[retry]` attribute of retry-core. Depend on `retry-core` and use it as
//! `retry_core::retry`: the code it generates calls into retry-core.
//!
//! The crate is laid out as
//! - `attr.rs`: the arguments, one entry per key in `KEYS`;
//! - `duration.rs`: duration literals (`10`, `2.5`, `"1500ms"`) to exact nanoseconds;
//! - `ast.rs`: the annotated function and its shape (sync, `async`, `#[async_trait]`);
//! - `valid.rs`: the checks that relate keys to each other and to the function;
//! - `expand.rs`: the generated body.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod duration;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Retries the function when it fails with an error that `on` names.
///
/// Use it as `retry_core::retry`, whose documentation (<https://docs.rs/retry-core/latest/retry_core/attr.retry.html>)
/// lists every key with examples; the repository's `docs/attribute.md` is the full guide.
///
/// ```ignore
/// use retry_core::retry;
///
/// #[retry(on = std::io::Error, attempts = 5, timeout = "30s")]
/// fn fetch(path: &str) -> std::io::Result<String> {
///     std::fs::read_to_string(path)
/// }
/// ```
///
/// Only the body changes: the signature, attributes, generics and receiver stay as
/// written. Each attempt runs the whole body; `return` and `?` inside it end that
/// attempt, and the caller gets either the first success or the last error itself.
///
/// # Keys
///
/// | key | value | default |
/// |---|---|---|
/// | `on` (required) | an error type `std::io::Error`, a tuple `(A, B)`, a closure <code>\|e\| ..</code> returning `bool` or `Decision`, a predicate function `is_transient`, or any value implementing `RetryOn` | — |
/// | `attempts` | a number of at least 1 (a literal, or a constant expression of type `u32`), or `None` | 10 |
/// | `timeout` | a duration, or `None` | 45 s |
/// | `wait_initial`, `wait_max`, `wait_jitter` | a duration | 100 ms, 45 s, 1 s |
/// | `wait_exp_base` | a number of at least 1 | 2 |
/// | `backoff` | any `Backoff` value, instead of the `wait_*` keys | the default schedule |
/// | `name` | a string literal | `module::path::function` (methods: `Type::method`) |
/// | `crate` | the path to retry-core | `::retry_core` |
/// | `sleeper` | an async sleeper (`async fn` only) | tokio's, with the `tokio` feature |
/// | `budget` | a retry budget, evaluated once per function and shared by its calls | none |
/// | `on_retry` | a hook for this function's retries, beside the global ones | none |
///
/// A duration is a number of seconds (`10`, `2.5`), a string with a unit
/// (`"1500ms"`, `"2s"`, `"3m"`), or any expression of type `Duration`. No
/// number takes a suffix (`10u64`, `3u32`).
///
/// `on` tells a type from a function by its last path segment: `on = MyError` and
/// `on = errors::Timeout` are types, `on = is_transient` and
/// `on = errors::is_transient` are predicate functions. Wrap any other value in
/// braces: `on = { MATCHER }`.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::retry(args.into(), item.into()).into()
}
