//! The `#[retry]` attribute of retry-core. Depend on `retry-core` and use it as
//! `retry_core::retry`, where it is documented (every key, with examples): the code
//! it generates calls into retry-core.
//!
//! The crate is laid out as
//! - `attr.rs`: the arguments, one entry per key in `KEYS`;
//! - `duration.rs`: duration literals (`10`, `2.5`, `"1500ms"`) to exact nanoseconds;
//! - `ast.rs`: the annotated function and its shape (sync, `async`, `#[async_trait]`);
//! - `valid.rs`: the checks that relate keys to each other and to the function;
//! - `expand.rs`: the generated body.
#![forbid(unsafe_code)]
// Clippy's pedantic group is on for the workspace (root `Cargo.toml`). Allowed
// for the whole crate: nothing; the few allows are on their items, with reasons.

mod ast;
mod attr;
mod duration;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// (The attribute is implemented by the retry-macros crate; depend on retry-core alone.)
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::retry(args.into(), item.into()).into()
}
