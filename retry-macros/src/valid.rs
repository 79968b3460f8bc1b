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

    if let Some(written) = func.written_return_type() {
        if let (Kind::Sync, Some(output)) = (&func.kind, future_output(written)) {
            errors.push(returns_a_future(func, written, output));
        } else if let Some(error) = result_error_type(written).filter(|error| matches!(error, Type::ImplTrait(_))) {
            errors.push(syn::Error::new_spanned(
                error,
                format!(
                    "`#[retry]` cannot decide on an `{}` error: `on` needs the error's type, which `impl Trait` \
                     hides; name it (`Result<_, std::io::Error>`), or box it \
                     (`Result<_, Box<dyn std::error::Error + Send + Sync>>`)",
                    render(error)
                ),
            ));
        }
        if let Some(borrow) = borrow_of_mut_self(func, written) {
            errors.push(syn::Error::new_spanned(
                borrow,
                "`#[retry]` cannot return a borrow of `&mut self`: each attempt borrows `self` again, and the borrow \
                 checker cannot yet let one attempt's borrow leave the retry loop (the case Polonius will accept); \
                 return an owned value (a clone, an index, a key), or retry the part that fails and borrow after it",
            ));
        }
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

/// `tokens` as written, without `to_string`'s spaces inside paths.
fn render(tokens: impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    text.replace(" :: ", "::").replace(" < ", "<").replace(" > ", ">").replace(" >", ">").replace("< ", "<")
}

/// `R` if `ty` is `impl Future<Output = R>` or `Pin<Box<dyn Future<Output = R> ..>>`.
fn future_output(ty: &Type) -> Option<&Type> {
    let bounds = match ty {
        Type::ImplTrait(impl_trait) => &impl_trait.bounds,
        Type::Path(path) => {
            let pinned = single_argument(&path.path, "Pin")?;
            let Type::Path(boxed) = pinned else { return None };
            match single_argument(&boxed.path, "Box")? {
                Type::TraitObject(object) => &object.bounds,
                _ => return None,
            }
        }
        Type::Group(group) => return future_output(&group.elem),
        Type::Paren(paren) => return future_output(&paren.elem),
        _ => return None,
    };
    bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else { return None };
        let future = bound.path.segments.last().filter(|s| s.ident == "Future")?;
        let syn::PathArguments::AngleBracketed(args) = &future.arguments else { return None };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

fn single_argument<'a>(path: &'a syn::Path, name: &str) -> Option<&'a Type> {
    let segment = path.segments.last().filter(|s| s.ident == name)?;
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn returns_a_future(func: &RetryFn, written: &Type, output: &Type) -> syn::Error {
    let ident = &func.sig.ident;
    syn::Error::new_spanned(
        written,
        format!(
            "`#[retry]` retries a function that returns a `Result`, and `{ident}` returns a future: make it an \
             `async fn` that returns the `Result` (`async fn {ident}(..) -> {}`); each attempt then awaits the body",
            render(output)
        ),
    )
}

/// `E` of a return type written `Result<T, E>` (any path ending in `Result` with
/// two type arguments).
fn result_error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last().filter(|s| s.ident == "Result")?;
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    types.nth(1)
}

/// A reference in the return type that borrows from a `&mut self` receiver: one
/// with an elided lifetime (which elision gives the receiver's) or the receiver's.
fn borrow_of_mut_self<'a>(func: &RetryFn, written: &'a Type) -> Option<&'a syn::TypeReference> {
    fn find<'t>(ty: &'t Type, lifetime: Option<&syn::Lifetime>) -> Option<&'t syn::TypeReference> {
        match ty {
            Type::Reference(reference) => {
                let borrows_self = match (&reference.lifetime, lifetime) {
                    (None, _) => true,
                    (Some(written), Some(receiver)) => written.ident == receiver.ident,
                    (Some(written), None) => written.ident == "_",
                };
                if borrows_self { Some(reference) } else { find(&reference.elem, lifetime) }
            }
            Type::Path(path) => path.path.segments.iter().find_map(|segment| match &segment.arguments {
                syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    syn::GenericArgument::Type(ty) => find(ty, lifetime),
                    _ => None,
                }),
                _ => None,
            }),
            Type::Tuple(tuple) => tuple.elems.iter().find_map(|ty| find(ty, lifetime)),
            Type::Slice(slice) => find(&slice.elem, lifetime),
            Type::Array(array) => find(&array.elem, lifetime),
            Type::Group(group) => find(&group.elem, lifetime),
            Type::Paren(paren) => find(&paren.elem, lifetime),
            _ => None,
        }
    }
    let receiver = func.sig.receiver()?;
    let self_lifetime = match &*receiver.ty {
        Type::Reference(reference) if reference.mutability.is_some() => reference.lifetime.as_ref(),
        _ => return None,
    };
    find(written, self_lifetime)
}
