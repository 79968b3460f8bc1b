//! Checks that relate the keys to each other and to the function.

use crate::ast::{Kind, RetryFn};
use crate::attr::{Args, Attempts, Errors, WAIT_KEYS};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{FnArg, Pat, Type};

pub fn check(args: &Args, func: &RetryFn) -> syn::Result<()> {
    let mut errors = Errors::default();

    if args.on.is_none() {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[retry]` needs `on`, the errors to retry: e.g. `#[retry(on = std::io::Error)]`, \
             `on = (TimeoutError, ConnectError)` or `on = |e: &MyError| e.is_transient()`",
        ));
    }

    if let Some(backoff) = args.key("backoff") {
        for wait in WAIT_KEYS.iter().filter_map(|name| args.key(name)) {
            errors.push(syn::Error::new(
                wait.span(),
                format!(
                    "`{wait}` configures the default schedule, which `{backoff} = ..` replaces: \
                     drop `{wait}`, or configure the backoff value itself"
                ),
            ));
        }
    }

    if let (Some(sleeper), Kind::Sync) = (args.key("sleeper"), &func.kind) {
        errors.push(syn::Error::new(
            sleeper.span(),
            "`sleeper` is for `async fn`s: a sync function blocks its thread between attempts",
        ));
    }

    if let Some(Attempts::Const(expr)) = &args.attempts
        && let Some(name) = names_call_values(expr.to_token_stream(), func)
    {
        errors.push(syn::Error::new_spanned(
            expr,
            format!(
                "`attempts` takes a constant (`attempts = MAX_ATTEMPTS`), checked at compile time, and `{name}` is \
                 known only at run time; for a limit known at run time, retry with a policy value: \
                 `Retry::builder().attempts(n).build()?.on(..).call(..)`"
            ),
        ));
    }

    if let Some(track_caller) = func.outer_attrs.iter().find(|attr| attr.path().is_ident("track_caller")) {
        errors.push(syn::Error::new_spanned(
            track_caller,
            "`#[track_caller]` cannot work under `#[retry]`: each attempt runs the body inside a closure, and \
             stable Rust does not pass the caller's location into closures, so `Location::caller()` and panics \
             in the body would report the body, silently; remove `#[track_caller]`",
        ));
    }

    if let Some(constness) = &func.sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            "`#[retry]` cannot go on a `const fn`: retrying sleeps and reads the clock, which const code cannot",
        ));
    }

    match func.attempt_type() {
        Some(Type::Tuple(unit)) if unit.elems.is_empty() => errors.push(returns_nothing(func)),
        None => errors.push(returns_nothing(func)),
        Some(_) => {}
    }

    errors.finish()
}

fn returns_nothing(func: &RetryFn) -> syn::Error {
    let ident = &func.sig.ident;
    syn::Error::new(
        func.return_span(),
        format!(
            "`#[retry]` needs a function that returns a `Result`, and `{ident}` returns `()`: \
             retrying is decided by the error"
        ),
    )
}

/// The first of `self` and the function's argument names that `tokens` mention.
pub fn names_call_values(tokens: TokenStream, func: &RetryFn) -> Option<String> {
    let mut names = vec!["self".to_owned()];
    for input in &func.sig.inputs {
        if let FnArg::Typed(typed) = input
            && let Pat::Ident(ident) = &*typed.pat
        {
            names.push(ident.ident.to_string());
        }
    }
    tokens.into_iter().find_map(|token| match token {
        TokenTree::Ident(ident) => names.iter().find(|name| ident == name).cloned(),
        TokenTree::Group(group) => names_call_values(group.stream(), func),
        _ => None,
    })
}
