//! Code generation: the function comes back with the same attributes and
//! signature, and a body that runs the original body once per attempt.

use crate::ast::{AsyncTrait, Kind, RetryFn};
use crate::attr::{self, Args, Attempts, Errors, On, Wait};
use crate::valid;
use proc_macro2::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Path, Type};

/// The attribute: the function with a retrying body, or, if anything is wrong,
/// the errors and the function unchanged (so that no second error follows).
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = errors.take(attr::parse(args));
    let func = errors.take(RetryFn::parse(item.clone()));
    if let (Some(args), Some(func)) = (&args, &func) {
        errors.take(valid::check(args, func));
    }
    match (errors.finish(), args, func) {
        (Ok(()), Some(args), Some(func)) => Expansion::new(&args, &func).function(),
        (Err(errors), ..) => {
            let errors = errors.to_compile_error();
            quote!(#errors #item)
        }
        // Unreachable: an `Errors` without errors means both parsed.
        (Ok(()), ..) => item,
    }
}

/// `tokens` with every span set to `span`, so that an error in code generated for
/// one value points at that value, not at the whole attribute.
fn respan(tokens: impl ToTokens, span: Span) -> TokenStream {
    let respan_tree = |mut tree: TokenTree| {
        if let TokenTree::Group(group) = &tree {
            let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
            respanned.set_span(span);
            tree = respanned.into();
        } else {
            tree.set_span(span);
        }
        tree
    };
    tokens.into_token_stream().into_iter().map(respan_tree).collect()
}

/// The spans of the first and last tokens of `tokens`: together, the whole of it
/// (a proc macro on stable cannot join spans; the compiler joins them for us when
/// a generated expression starts at one and ends at the other).
fn span_range(tokens: impl ToTokens, fallback: Span) -> (Span, Span) {
    let mut spans = tokens.into_token_stream().into_iter().map(|token| token.span());
    let first = spans.next().unwrap_or(fallback);
    (first, spans.last().unwrap_or(first))
}

/// `callee(args)` spanning `range`, so that an error in the call underlines the
/// whole user value in `range`: the callee's first token moves to the start of the
/// range, the parentheses to its end (give the callee's own tokens the end too).
fn call(callee: TokenStream, args: TokenStream, (first, last): (Span, Span)) -> TokenStream {
    let mut parens = Group::new(Delimiter::Parenthesis, args);
    parens.set_span(last);
    let mut callee: Vec<TokenTree> = callee.into_iter().collect();
    if let Some(head) = callee.first_mut() {
        head.set_span(first);
    }
    quote!(#(#callee)* #parens)
}

fn statements(stmts: &[syn::Stmt]) -> TokenStream {
    quote!(#(#stmts)*)
}

/// A hygienic local: the body cannot see it, and it shadows nothing of the body's.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The constant of `attempts = <constant expression>`: an item, as `declared()`.
fn attempts_const() -> Ident {
    Ident::new("__RETRY_ATTEMPTS", Span::mixed_site())
}

/// The `static` that tells whether the function's callable was declared: an
/// item, so not hygienic; its name is one no user writes.
fn declared() -> Ident {
    Ident::new("__RETRY_DECLARED", Span::mixed_site())
}

struct Expansion<'a> {
    args: &'a Args,
    func: &'a RetryFn,
    krate: Path,
    /// What one attempt returns (`impl Trait` erased to `_`).
    ret: Type,
    ret_span: Span,
}

impl<'a> Expansion<'a> {
    fn new(args: &'a Args, func: &'a RetryFn) -> Self {
        Expansion {
            args,
            func,
            krate: args.krate.clone().unwrap_or_else(|| syn::parse_quote!(::retry_core)),
            ret: func.attempt_type().unwrap_or_else(|| syn::parse_quote!(())),
            ret_span: func.return_span(),
        }
    }

    fn function(&self) -> TokenStream {
        let RetryFn { outer_attrs, inner_attrs, vis, sig, block, kind } = self.func;
        let body = match kind {
            // The body's statements, not its block: as the tail of the attempt, a
            // block `{ x }` would trip `unused_braces`.
            Kind::Sync => self.sync_body(statements(&block.stmts)),
            Kind::Async => self.async_loop(statements(&block.stmts)),
            Kind::AsyncTrait(parts) => {
                let AsyncTrait { box_pin, async_attrs, prefix, rest, .. } = &**parts;
                let retry_loop = self.async_loop(statements(rest));
                quote! {
                    #box_pin(#(#async_attrs)* async move {
                        #(#prefix)*
                        #retry_loop
                    })
                }
            }
        };
        quote! {
            #(#outer_attrs)*
            #vis #sig {
                #(#inner_attrs)*
                #body
            }
        }
    }

    /// `if false { return <a value of the return type>; }`: tells type inference
    /// what the attempt returns before it reads the body, so that `?` converts
    /// errors into the function's error type.
    fn fake_return(&self) -> TokenStream {
        let (ret, fake) = (&self.ret, local("__retry_fake"));
        quote_spanned! {self.ret_span=>
            #[allow(unreachable_code, clippy::diverging_sub_expression, clippy::empty_loop)]
            if false {
                let #fake: #ret = loop {};
                return #fake;
            }
        }
    }

    #[allow(clippy::needless_pass_by_value, reason = "the callers build `attempt` for this call and hand it over")]
    fn sync_body(&self, attempt: TokenStream) -> TokenStream {
        let k = &self.krate;
        let [ret, fake] = [&self.ret.to_token_stream(), &self.fake_return()];
        let (state, outcome, _, _) = self.locals();
        let (run, declared) = (local("__retry_run"), declared());
        let (into_result, success) = self.result_conversions(&outcome, &declared);
        // Spanned over the return type like `into_result`: a return type that is
        // not a `Result` is reported once, there.
        let range = span_range(&self.ret, self.ret_span);
        let at_ret = respan(k, range.0);
        let retry_blocking = call(
            quote_spanned!(range.1=> #at_ret::__private::retry_blocking),
            quote!(#outcome, &#declared, #run),
            range,
        );
        let new_policy = self.policy(quote!(()));
        let (budget, attempts) = (self.budget(), self.attempts_item());
        let arms = quote! {
            #k::__private::Run::Attempt => {
                #[allow(clippy::redundant_closure_call)]
                let #outcome: #ret = (|| { #fake #attempt })();
                #k::__private::Ran::Attempt(#outcome)
            }
            #state => #state.with_policy(#new_policy),
        };
        // The closure is spanned at the body's `{`, a span of the user's code:
        // rustc names a variable the body moves out of a closure only when the
        // closure is not from a macro ("cannot move out of `message`, a captured
        // variable in an `FnMut` closure", not "out of value").
        let runner = quote_spanned!(self.func.block.brace_token.span.open()=> |#run| match #run { #arms });
        quote! {
            #budget
            #attempts
            static #declared: #k::__private::Declared = #k::__private::Declared::new();
            let mut #run = #k::__private::runner(#runner);
            let #outcome = #run(#k::__private::Run::Attempt).into_attempt();
            match #into_result {
                #success,
                #outcome => #retry_blocking,
            }
        }
    }

    #[allow(clippy::needless_pass_by_value, reason = "the callers build `attempt` for this call and hand it over")]
    fn async_loop(&self, attempt: TokenStream) -> TokenStream {
        let k = &self.krate;
        let [ret, fake] = [&self.ret.to_token_stream(), &self.fake_return()];
        let (state, outcome, _, wait) = self.locals();
        let declared = declared();
        let (into_result, success) = self.result_conversions(&outcome, &declared);
        let as_result = self.as_result();
        let range = self.sleeper_range();
        let at_sleeper = respan(k, range.0);
        let new_policy = self.policy(match &self.args.sleeper {
            Some(sleeper) => sleeper.to_token_stream(),
            None => call(quote_spanned!(range.1=> #at_sleeper::__private::default_sleeper::<()>), quote!(), range),
        });
        // Checked where the sleeper is written, so that a wrong one is reported there.
        let checked_policy = call(quote_spanned!(range.1=> #at_sleeper::__private::require_sleeper), new_policy, range);
        let (budget, attempts) = (self.budget(), self.attempts_item());
        quote! {
            #budget
            #attempts
            static #declared: #k::__private::Declared = #k::__private::Declared::new();
            let mut #state = #k::__private::Option::None;
            loop {
                let #outcome: #ret = async { #fake #attempt }.await;
                let #outcome = match #into_result {
                    #success,
                    #outcome => #outcome,
                };
                // The policy is built and dropped out of line, after a failure or
                // the first call, so the future never carries it across an await;
                // the wait is started in its pinned slot.
                let #wait = ::core::pin::pin!(#k::__private::Option::None);
                let #wait = match #k::__private::after_attempt_async(&#declared, &mut #state, || #checked_policy, #outcome, #wait) {
                    #k::__private::AfterAttempt::Wait(#wait) => #wait,
                    #k::__private::AfterAttempt::Return(#outcome) => return #as_result::from_result(#outcome),
                };
                #k::__private::wait(#wait).await;
            }
        }
    }

    #[allow(clippy::unused_self, reason = "a method like the other parts of the expansion, though it needs no key")]
    fn locals(&self) -> (Ident, Ident, Ident, Ident) {
        (local("__retry_state"), local("__retry_outcome"), local("__retry_error"), local("__retry_wait"))
    }

    /// The `RetryResult` conversion of an attempt's outcome and the arm that
    /// returns a success once the callable is declared, spanned from the first to
    /// the last token of the return type, so that a function that does not return
    /// a `Result` gets one error, underlining its return type.
    fn result_conversions(&self, outcome: &Ident, declared: &Ident) -> (TokenStream, TokenStream) {
        let (k, value, as_result) = (&self.krate, local("__retry_value"), self.as_result());
        let last = span_range(&self.ret, self.ret_span).1;
        (
            quote_spanned!(last=> #as_result::into_result(#outcome)),
            quote! {
                #k::__private::Result::Ok(#value) if #declared.is_done() => return #as_result::from_ok(#value)
            },
        )
    }

    /// Where sleeper errors point: the `sleeper` value, else the `async` keyword.
    /// `<RET as RetryResult>`, spanning the return type.
    fn as_result(&self) -> TokenStream {
        self.as_result_of(&self.ret)
    }

    fn as_result_of(&self, ret: &Type) -> TokenStream {
        let k = &self.krate;
        let (first, last) = span_range(ret, self.ret_span);
        let open = quote_spanned!(first=> <);
        quote_spanned!(last=> #open #ret as #k::__private::RetryResult>)
    }

    fn sleeper_range(&self) -> (Span, Span) {
        match (&self.args.sleeper, &self.func.sig.asyncness) {
            (Some(sleeper), _) => span_range(sleeper, sleeper.span()),
            (None, Some(asyncness)) => (asyncness.span, asyncness.span),
            (None, None) => (self.func.sig.ident.span(), self.func.sig.ident.span()),
        }
    }

    /// `from_attribute(..)`: evaluated at each failure, never on the success path.
    #[allow(clippy::needless_pass_by_value, reason = "the callers build `sleeper` for this call and hand it over")]
    fn policy(&self, sleeper: TokenStream) -> TokenStream {
        let k = &self.krate;
        let (attempts, timeout, backoff) = (self.attempts(), self.timeout(), self.backoff());
        let (on, name) = (self.on(), self.name());
        let mut policy = quote!(#k::__private::from_attribute(#attempts, #timeout, #backoff, #on, #sleeper, #name));
        if let Some(hook) = &self.args.on_retry {
            // Spanned at the hook, so that a wrong one is reported there.
            let range = span_range(hook, hook.span());
            let at_hook = respan(k, range.0);
            let with = quote_spanned!(range.1=> #at_hook::__private::with_on_retry);
            policy = call(with, quote!(#policy, #hook), range);
        }
        match &self.args.budget {
            Some(_) => {
                let budget = local("__retry_budget");
                quote!(#k::__private::with_budget(#policy, &#budget))
            }
            None => policy,
        }
    }

    /// With `budget = ..`: the call's budget, deposited once per call before the
    /// first attempt. Without it, nothing at all.
    ///
    /// An expression that reads none of the call's values (no `self`, argument,
    /// `Self` or generic parameter) is evaluated once per function, in a `static`
    /// `LazyLock`, so that every spelling shares one budget between the calls
    /// (`budget = Arc::new(TpsBudget::default())` included); one that reads them
    /// (`budget = self.budget.clone()`) is evaluated per call, and shares what the
    /// values share.
    fn budget(&self) -> TokenStream {
        let Some(expr) = &self.args.budget else { return TokenStream::new() };
        let budget = local("__retry_budget");
        let range = span_range(expr, expr.span());
        let k = respan(&self.krate, range.0);
        if self.names_generics(expr) || self.names_call_values(expr) {
            let deposit = call(quote_spanned!(range.1=> #k::__private::deposit), expr.to_token_stream(), range);
            return quote!(let #budget = #deposit;);
        }
        let once = call(quote_spanned!(range.1=> #k::__private::budget_once), expr.to_token_stream(), range);
        let shared = Ident::new("__RETRY_BUDGET", Span::mixed_site());
        quote! {
            static #shared: #k::__private::LazyBudget = #k::__private::LazyBudget::new(|| #once);
            let #budget = #k::__private::deposit_shared(&#shared);
        }
    }

    /// Whether `expr` names `self` or one of the function's arguments.
    fn names_call_values(&self, expr: &syn::Expr) -> bool {
        crate::valid::names_call_values(expr.to_token_stream(), self.func).is_some()
    }

    fn attempts(&self) -> TokenStream {
        let k = &self.krate;
        match &self.args.attempts {
            None => quote!(#k::__private::DEFAULT_ATTEMPTS),
            Some(Attempts::Limit(lit, n)) => {
                // The literal keeps the macro's span: lints that read the source at a
                // literal's span (`zero_prefixed_literal`, ..) must not see the user's.
                let (k, n) = (respan(k, lit.span()), Literal::u32_suffixed(*n));
                quote_spanned!(lit.span()=> #k::__private::Option::Some(#n))
            }
            Some(Attempts::Unlimited(span)) => {
                let k = respan(k, *span);
                quote_spanned!(*span=> #k::__private::Option::None)
            }
            Some(Attempts::Const(expr)) => {
                let range = span_range(expr, expr.span());
                if self.names_generics(expr) {
                    // `Self::ATTEMPTS`, `N`: only an inline `const` block may name
                    // them, evaluated when the function is compiled for its types.
                    let k = respan(k, range.0);
                    let checked =
                        call(quote_spanned!(range.1=> #k::__private::attempts), expr.to_token_stream(), range);
                    quote_spanned!(range.0=> const { #checked })
                } else {
                    attempts_const().to_token_stream()
                }
            }
        }
    }

    /// With `attempts = <constant expression>` that names no generic parameter:
    /// the item that evaluates it, `const __RETRY_ATTEMPTS: Option<u32> = ..;`.
    /// Item constants are evaluated by `cargo check` too, so a zero fails there,
    /// at the expression, with the message of `__private::attempts`.
    fn attempts_item(&self) -> TokenStream {
        let Some(Attempts::Const(expr)) = &self.args.attempts else { return TokenStream::new() };
        if self.names_generics(expr) {
            return TokenStream::new();
        }
        let range = span_range(expr, expr.span());
        let k = respan(&self.krate, range.0);
        let checked = call(quote_spanned!(range.1=> #k::__private::attempts), expr.to_token_stream(), range);
        let (name, option) = (attempts_const(), quote!(#k::__private::Option<u32>));
        quote_spanned!(range.0=> const #name: #option = #checked;)
    }

    /// Whether `expr` names `Self` or one of the function's generic parameters,
    /// which an item inside the function cannot see.
    fn names_generics(&self, expr: &syn::Expr) -> bool {
        fn mentions(tokens: TokenStream, names: &[String]) -> bool {
            tokens.into_iter().any(|token| match token {
                TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
                TokenTree::Group(group) => mentions(group.stream(), names),
                _ => false,
            })
        }
        let generics: Vec<String> = self
            .func
            .sig
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                syn::GenericParam::Type(ty) => Some(ty.ident.to_string()),
                syn::GenericParam::Const(c) => Some(c.ident.to_string()),
                syn::GenericParam::Lifetime(_) => None,
            })
            .chain(["Self".to_owned()])
            .collect();
        mentions(expr.to_token_stream(), &generics)
    }

    fn timeout(&self) -> TokenStream {
        let k = &self.krate;
        match &self.args.timeout {
            None => quote!(#k::__private::DEFAULT_TIMEOUT),
            Some(Wait::Unset(span)) => {
                let k = respan(k, *span);
                quote_spanned!(*span=> #k::__private::Option::None)
            }
            Some(wait) => {
                let range = match wait {
                    Wait::Expr(expr) => span_range(expr, expr.span()),
                    Wait::Nanos(_, span) | Wait::Unset(span) => (*span, *span),
                };
                let (k, duration) = (respan(k, range.0), self.duration(wait, TokenStream::new()));
                call(quote_spanned!(range.1=> #k::__private::Option::Some), duration, range)
            }
        }
    }

    /// A duration knob, or `default` if not given.
    fn duration(&self, wait: &Wait, default: TokenStream) -> TokenStream {
        let k = &self.krate;
        match wait {
            Wait::Nanos(nanos, span) => {
                let (k, nanos) = (respan(k, *span), Literal::u64_suffixed(*nanos));
                quote_spanned!(*span=> #k::__private::Duration::from_nanos(#nanos))
            }
            Wait::Expr(expr) => expr.to_token_stream(),
            Wait::Unset(_) => default,
        }
    }

    fn backoff(&self) -> TokenStream {
        let k = &self.krate;
        if let Some(backoff) = &self.args.backoff {
            return backoff.to_token_stream();
        }
        let knob = |wait: &Option<Wait>, default: &str| {
            let default = Ident::new(default, Span::call_site());
            let default = quote!(#k::__private::DefaultBackoff::#default);
            match wait {
                Some(wait) => self.duration(wait, default),
                None => default,
            }
        };
        let initial = knob(&self.args.wait_initial, "WAIT_INITIAL");
        let max = knob(&self.args.wait_max, "WAIT_MAX");
        let jitter = knob(&self.args.wait_jitter, "WAIT_JITTER");
        #[allow(clippy::single_match_else, reason = "the two cases of an optional key, as in the other keys' code")]
        let exp_base = match &self.args.wait_exp_base {
            // `from_expr` checked that it is finite.
            Some(base) => Literal::f64_suffixed(base.value).to_token_stream(),
            None => quote!(#k::__private::DefaultBackoff::WAIT_EXP_BASE),
        };
        quote!(#k::__private::default_backoff(#initial, #exp_base, #max, #jitter))
    }

    /// The matcher, checked against the function's error type where `on` is
    /// written, so that a wrong `on` is reported there, once.
    fn on(&self) -> TokenStream {
        // The function's error type; if the function does not return a `Result`,
        // this is reported at the return type, as one error with the others there.
        let ret = self.func.error_naming_type().unwrap_or_else(|| self.ret.clone());
        let (as_result, last) = (self.as_result_of(&ret), span_range(&ret, self.ret_span).1);
        let error_type = quote_spanned!(last=> #as_result::Err);
        let Some(on) = &self.args.on else { return TokenStream::new() };
        let (value, check) = match on {
            On::Type(ty) => (ty.to_token_stream(), "matcher"),
            On::Types(tuple) => (tuple.to_token_stream(), "matcher"),
            On::Closure(closure) => (closure.to_token_stream(), "closure_on"),
            On::Value(value) => (value.to_token_stream(), "matcher"),
        };
        let range = span_range(&value, on.span());
        let k = respan(&self.krate, range.0);
        let check = Ident::new(check, range.0);
        match on {
            // Checked by one trait each, whose message says what a type in `on`
            // must be: one error, where `error_type::<T>()`'s `T: Error` and then
            // the matcher check gave two.
            On::Type(ty) => {
                let name = if self.names_anyhow() { "anyhow_matcher" } else { "type_matcher" };
                let function = Ident::new(name, range.0);
                call(quote_spanned!(range.1=> #k::__private::#function::<#error_type, #ty, _>), quote!(), range)
            }
            On::Types(tuple) => {
                let name = if self.names_anyhow() { "anyhow_types_matcher" } else { "types_matcher" };
                let function = Ident::new(name, range.0);
                call(quote_spanned!(range.1=> #k::__private::#function::<#error_type, #tuple, _>), quote!(), range)
            }
            On::Closure(_) | On::Value(_) => {
                call(quote_spanned!(range.1=> #k::__private::#check::<#error_type, _, _>), value, range)
            }
        }
    }

    /// Whether the return type names `anyhow` (`anyhow::Result<T>`,
    /// `Result<T, anyhow::Error>`): its matcher then says which feature it needs.
    fn names_anyhow(&self) -> bool {
        fn mentions(tokens: TokenStream) -> bool {
            tokens.into_iter().any(|token| match token {
                TokenTree::Ident(ident) => ident == "anyhow",
                TokenTree::Group(group) => mentions(group.stream()),
                _ => false,
            })
        }
        self.func.written_return_type().is_some_and(|ty| mentions(ty.to_token_stream()))
    }

    fn name(&self) -> TokenStream {
        let k = &self.krate;
        let sig = &self.func.sig;
        let function = sig.ident.unraw().to_string();
        if let Some(name) = &self.args.name {
            quote!(#k::__private::CallableName::from(#name))
        } else if sig.receiver().is_some() {
            quote!(#k::__private::CallableName::method(#k::__private::type_name::<Self>, #function))
        } else {
            quote!(#k::__private::CallableName::from(::core::concat!(::core::module_path!(), "::", #function)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::retry;
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::{Expr, ItemFn, Stmt};

    fn expand(args: TokenStream, item: TokenStream) -> ItemFn {
        syn::parse2(retry(args, item)).expect("the expansion is a function")
    }

    #[test]
    fn keeps_the_signature_and_attributes() {
        let func = expand(
            quote!(on = std::io::Error),
            quote! {
                /// Docs.
                #[inline]
                pub(crate) fn f<'a, T: Clone>(x: &'a T) -> std::io::Result<&'a T> where T: Send {
                    #![allow(unused)]
                    Ok(x)
                }
            },
        );
        let original: ItemFn = syn::parse_quote! {
            /// Docs.
            #[inline]
            pub(crate) fn f<'a, T: Clone>(x: &'a T) -> std::io::Result<&'a T> where T: Send {}
        };
        assert_eq!(func.sig, original.sig);
        assert_eq!(func.vis, original.vis);
        assert_eq!(func.attrs.len(), 3, "doc, inline and the inner allow");
        // The first attempt's outcome, matched: success returns it, failure goes out of line.
        let Some(Stmt::Expr(Expr::Match(first), None)) = func.block.stmts.last() else { panic!("a match last") };
        assert!(quote!(#first).to_string().contains("retry_blocking"));
    }

    /// What async-trait 0.1 makes of `async fn call(&self, request: String) -> io::Result<String>`.
    fn async_trait_output() -> TokenStream {
        quote! {
            fn call<'life0, 'async_trait>(&'life0 self, request: String)
                -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = io::Result<String>>
                    + ::core::marker::Send + 'async_trait>>
            where 'life0: 'async_trait, Self: 'async_trait
            {
                Box::pin(async move {
                    if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<io::Result<String>> {
                        #[allow(unreachable_code)]
                        return __ret;
                    }
                    let __self = self;
                    let request = request;
                    let __ret: io::Result<String> = { __self.send(&request) };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        }
    }

    #[test]
    fn async_trait_rebindings_stay_before_the_loop() {
        let func = expand(quote!(on = io::Error), async_trait_output());
        let [Stmt::Expr(Expr::Call(pin), None)] = func.block.stmts.as_slice() else { panic!("one Box::pin call") };
        let Some(Expr::Async(future)) = pin.args.first() else { panic!("an async block") };
        let stmts = &future.block.stmts;
        assert_eq!(stmts.len(), 6, "marker, two rebindings, the declared flag, state, the loop");
        assert!(matches!(stmts[0], Stmt::Expr(Expr::If(_), None)));
        assert_eq!(quote!(#(#stmts)*).to_string().matches("let __self = self ;").count(), 1);
        assert!(matches!(stmts[1], Stmt::Local(_)) && matches!(stmts[2], Stmt::Local(_)));
        assert!(matches!(stmts[3], Stmt::Item(syn::Item::Static(_))));
        let Stmt::Expr(Expr::Loop(retry_loop), None) = &stmts[5] else { panic!("the retry loop last") };
        let attempt = quote!(#retry_loop).to_string();
        assert!(attempt.contains("let __ret : io :: Result < String > = { __self . send (& request) } ;"));
        assert!(attempt.contains("type_name :: < Self >"), "a method: named by its type");
    }

    #[test]
    fn errors_come_with_the_function_unchanged() {
        let item = quote!(
            fn f() -> std::io::Result<()> {
                Ok(())
            }
        );
        let out = retry(quote!(attempts = 0, bogus = 1), item.clone()).to_string();
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        assert!(out.ends_with(&item.to_string()), "{out}");

        let item = quote!(
            struct S;
        );
        let out = retry(quote!(on = E), item.clone()).to_string();
        assert!(out.contains("goes on a function, not on a struct"), "{out}");
        assert!(out.ends_with(&item.to_string()), "{out}");
    }

    #[test]
    fn impl_trait_is_erased_where_the_body_names_the_type() {
        let out = retry(
            quote!(on = E),
            quote!(
                fn f() -> Result<impl Display, E> {
                    Ok(1)
                }
            ),
        )
        .to_string();
        assert!(out.contains("let __retry_outcome : Result < _ , E >"), "{out}");
        assert!(out.contains("< Result < () , E > as :: retry_core :: __private :: RetryResult > :: Err"), "{out}");
        assert!(out.starts_with("fn f () -> Result < impl Display , E >"), "{out}");
    }
}
