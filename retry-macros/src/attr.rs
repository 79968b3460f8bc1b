//! The attribute's arguments: `#[retry(on = .., attempts = .., ..)]`.
//!
//! Every key is one entry of [`KEYS`]: its name and how to read its value. Each
//! value is checked on its own here (`attempts = 0`, a bad unit); checks that
//! relate keys to each other or to the function live in `valid.rs`.
//!
//! A new key is an entry in `KEYS`, a field in `Args`, and
//! its place in the policy built by `Expansion::policy` in `expand.rs`; "unknown
//! key", "given twice" and the "did you mean" suggestions follow from the table.

use crate::duration;
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, ExprBlock, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitStr, Path, Stmt, Token, Type, TypePath, UnOp};

/// One key of the attribute.
pub struct Key {
    /// As written in the attribute.
    pub name: &'static str,
    /// Reads the value after `name =` into `Args`.
    read: fn(ParseStream, &mut Args) -> syn::Result<()>,
}

/// The keys, in the order the docs list them.
pub const KEYS: &[Key] = &[
    Key { name: "on", read: |input, args| set(&mut args.on, On::parse(input)?) },
    Key { name: "attempts", read: |input, args| set(&mut args.attempts, Attempts::from_expr(input.parse()?)?) },
    Key { name: "timeout", read: |input, args| set(&mut args.timeout, Wait::from_expr("timeout", input.parse()?)?) },
    Key {
        name: "wait_initial",
        read: |input, args| set(&mut args.wait_initial, Wait::from_expr("wait_initial", input.parse()?)?),
    },
    Key { name: "wait_max", read: |input, args| set(&mut args.wait_max, Wait::from_expr("wait_max", input.parse()?)?) },
    Key {
        name: "wait_jitter",
        read: |input, args| set(&mut args.wait_jitter, Wait::from_expr("wait_jitter", input.parse()?)?),
    },
    Key {
        name: "wait_exp_base",
        read: |input, args| set(&mut args.wait_exp_base, ExpBase::from_expr(input.parse()?)?),
    },
    Key { name: "backoff", read: |input, args| set(&mut args.backoff, input.parse()?) },
    Key { name: "name", read: |input, args| set(&mut args.name, name(input.parse()?)?) },
    Key { name: "crate", read: |input, args| set(&mut args.krate, krate(input.parse()?)?) },
    Key { name: "sleeper", read: |input, args| set(&mut args.sleeper, input.parse()?) },
    Key { name: "budget", read: |input, args| set(&mut args.budget, input.parse()?) },
];

fn set<T>(slot: &mut Option<T>, value: T) -> syn::Result<()> {
    *slot = Some(value);
    Ok(())
}

/// The keys that configure the default schedule, which `backoff` replaces.
pub const WAIT_KEYS: &[&str] = &["wait_initial", "wait_max", "wait_jitter", "wait_exp_base"];

/// The arguments as given, each value already checked on its own.
#[derive(Default)]
pub struct Args {
    pub on: Option<On>,
    pub attempts: Option<Attempts>,
    pub timeout: Option<Wait>,
    pub wait_initial: Option<Wait>,
    pub wait_max: Option<Wait>,
    pub wait_jitter: Option<Wait>,
    pub wait_exp_base: Option<ExpBase>,
    pub backoff: Option<Expr>,
    pub name: Option<LitStr>,
    pub krate: Option<Path>,
    pub sleeper: Option<Expr>,
    pub budget: Option<Expr>,
    /// Every key given, as written, for the checks that relate keys.
    pub given: Vec<Ident>,
}

impl Args {
    /// The key named `name`, if given.
    pub fn key(&self, name: &str) -> Option<&Ident> {
        self.given.iter().find(|key| *key == name)
    }
}

/// Which errors to retry.
pub enum On {
    /// `on = std::io::Error`: a type path whose last segment starts uppercase.
    Type(Type),
    /// `on = (A, B)`: a tuple of types.
    Types(Type),
    /// `on = |e| ..`, or a predicate function `on = is_transient` (a path whose
    /// last segment starts lowercase): given the function's error type.
    Closure(Expr),
    /// Any other expression: a value implementing `RetryOn`.
    Value(Expr),
}

/// `attempts = ..`.
pub enum Attempts {
    Limit(syn::LitInt, u32),
    Unlimited(Span),
}

/// A duration knob: `timeout` or one of the `wait_*`.
pub enum Wait {
    /// A literal, in exact nanoseconds.
    Nanos(u64, Span),
    /// `None` (only `timeout`).
    Unset(Span),
    /// An expression of type `Duration`.
    Expr(Expr),
}

/// `wait_exp_base = ..`.
pub struct ExpBase {
    pub value: f64,
}

/// Parses the attribute's arguments, reporting every bad key and value at once.
pub fn parse(tokens: TokenStream) -> syn::Result<Args> {
    (|input: ParseStream| {
        let mut args = Args::default();
        let mut errors = Errors::default();
        while !input.is_empty() {
            let key = Ident::parse_any(input)
                .map_err(|e| syn::Error::new(e.span(), "expected a key such as `on = std::io::Error`"))?;
            if input.is_empty() || input.peek(Token![,]) {
                errors.push(syn::Error::new(key.span(), format!("`{key}` needs a value: `{key} = ..`")));
            } else {
                input.parse::<Token![=]>()?;
                match KEYS.iter().find(|k| key == k.name) {
                    None => {
                        errors.push(unknown_key(&key));
                        skip_value(input);
                    }
                    Some(_) if args.key(&key.to_string()).is_some() => {
                        errors.push(syn::Error::new(key.span(), format!("`{key}` is given twice")));
                        skip_value(input);
                    }
                    Some(k) => {
                        let fork = input.fork();
                        match (k.read)(&fork, &mut args).and_then(|()| end_of_value(&fork)) {
                            Ok(()) => input.advance_to(&fork),
                            Err(e) => {
                                errors.push(e);
                                skip_value(input);
                            }
                        }
                    }
                }
                args.given.push(key);
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        errors.finish()?;
        Ok(args)
    })
    .parse2(tokens)
}

/// Several errors reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The value, or `None` after recording its error.
    pub fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn end_of_value(input: ParseStream) -> syn::Result<()> {
    if input.is_empty() || input.peek(Token![,]) { Ok(()) } else { Err(input.error("expected `,` between keys")) }
}

/// Skips a value that could not be read, so that the keys after it are still checked.
fn skip_value(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _ = input.parse::<proc_macro2::TokenTree>();
    }
}

/// Names other retry libraries use, and the key that means the same here.
const ALIASES: &[(&str, &str)] = &[
    ("retries", "attempts"),
    ("max_attempts", "attempts"),
    ("tries", "attempts"),
    ("stop_after_attempt", "attempts"),
    ("deadline", "timeout"),
    ("stop_after_delay", "timeout"),
    ("max_elapsed_time", "timeout"),
    ("errors", "on"),
    ("exceptions", "on"),
    ("retry_on", "on"),
    ("when", "on"),
    ("jitter", "wait_jitter"),
    ("factor", "wait_exp_base"),
    ("multiplier", "wait_exp_base"),
    ("delay", "wait_initial"),
    ("min_delay", "wait_initial"),
    ("max_delay", "wait_max"),
];

fn unknown_key(key: &Ident) -> syn::Error {
    let written = key.unraw().to_string();
    let alias = ALIASES.iter().find(|(alias, _)| *alias == written).map(|(_, name)| *name);
    let nearest = || {
        KEYS.iter()
            .map(|k| (edit_distance(&written, k.name), k.name))
            .filter(|(distance, name)| {
                *distance <= 2.max(name.len() / 3) || (written.len() > 3 && written.starts_with(name))
            })
            .min()
            .map(|(_, name)| name)
    };
    let message = match alias.or_else(nearest) {
        Some(name) if written == "retries" => format!(
            "unknown key `{written}`; did you mean `{name}`? It counts the first call too: 3 retries are `attempts = 4`"
        ),
        Some(name) => format!("unknown key `{written}`; did you mean `{name}`?"),
        None => {
            let names: Vec<String> = KEYS.iter().map(|k| format!("`{}`", k.name)).collect();
            format!("unknown key `{written}`; the keys are {}", names.join(", "))
        }
    };
    syn::Error::new(key.span(), message)
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Looks through the invisible groups that `macro_rules!` puts around `$e:expr`.
fn ungroup(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungroup(*group.expr),
        expr => expr,
    }
}

/// `{ MATCHER }` or `(MATCHER)` as `MATCHER`: the braces only tell `on` that an
/// uppercase path is a value, and left in the call they would trip `unused_braces`.
fn unbrace(expr: Expr) -> Expr {
    match expr {
        Expr::Block(ExprBlock { attrs, label: None, block, .. })
            if attrs.is_empty() && matches!(block.stmts.as_slice(), [Stmt::Expr(_, None)]) =>
        {
            match block.stmts.into_iter().next() {
                Some(Stmt::Expr(inner, None)) => unbrace(inner),
                _ => Expr::Verbatim(TokenStream::new()),
            }
        }
        Expr::Paren(paren) if paren.attrs.is_empty() => unbrace(*paren.expr),
        expr => expr,
    }
}

fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(ExprPath { qself: None, path, .. }) if path.is_ident("None"))
}

/// A negated literal: `-1`, `-2.5`, `-"1s"`.
fn negated_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) if matches!(ungroup((**expr).clone()), Expr::Lit(_)))
}

/// Whether an identifier names a type by the convention `on` relies on.
fn starts_uppercase(ident: &Ident) -> bool {
    ident.unraw().to_string().starts_with(|c: char| c.is_uppercase())
}

fn is_type_path(ty: &Type) -> bool {
    match ty {
        Type::Path(TypePath { path, .. }) => path.segments.last().is_some_and(|s| starts_uppercase(&s.ident)),
        Type::Group(inner) => is_type_path(&inner.elem),
        _ => false,
    }
}

impl On {
    fn parse(input: ParseStream) -> syn::Result<On> {
        let closure_ahead = input.peek(Token![|]) || input.peek(Token![||]) || input.peek(Token![move]);
        if !closure_ahead {
            let fork = input.fork();
            if let Ok(ty) = fork.parse::<Type>()
                && end_of_value(&fork).is_ok()
                && let Some(on) = On::from_type(ty)?
            {
                input.advance_to(&fork);
                return Ok(on);
            }
        }
        let expr = ungroup(input.parse()?);
        Ok(match expr {
            Expr::Closure(closure) if closure.asyncness.is_some() => {
                return Err(syn::Error::new(
                    closure.asyncness.span(),
                    "`on` decides at once, so its closure cannot be `async`: return `bool` or `retry_core::Decision`",
                ));
            }
            Expr::Closure(_) => On::Closure(expr),
            Expr::Path(ExprPath { qself: None, ref path, .. })
                if path.segments.last().is_some_and(|s| !starts_uppercase(&s.ident)) =>
            {
                On::Closure(expr)
            }
            expr => On::Value(unbrace(expr)),
        })
    }

    /// `Some` if `ty` is one of the type forms of `on`.
    fn from_type(ty: Type) -> syn::Result<Option<On>> {
        match ty {
            ty if is_type_path(&ty) => Ok(Some(On::Type(ty))),
            Type::Tuple(tuple) if tuple.elems.is_empty() => Err(syn::Error::new_spanned(
                tuple,
                "`on = ()` would retry nothing: name the error types to retry, e.g. `on = (std::io::Error, MyError)`",
            )),
            Type::Tuple(tuple) => {
                if let Some(bad) = tuple.elems.iter().find(|elem| !is_type_path(elem)) {
                    return Err(syn::Error::new_spanned(
                        bad,
                        "a tuple in `on` lists error types (whose last path segment starts with an uppercase \
                         letter, e.g. `(std::io::Error, MyError)`); for a predicate, give it alone: `on = is_transient`",
                    ));
                }
                Ok(Some(On::Types(Type::Tuple(tuple))))
            }
            _ => Ok(None),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            On::Type(ty) | On::Types(ty) => ty.span(),
            On::Closure(expr) | On::Value(expr) => expr.span(),
        }
    }
}

impl Attempts {
    fn from_expr(expr: Expr) -> syn::Result<Attempts> {
        let help = "`attempts` takes a whole number of at least 1 (the first call counts), or `None` for no limit";
        match ungroup(expr) {
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => match lit.base10_parse::<u32>() {
                Ok(0) => Err(syn::Error::new(
                    lit.span(),
                    "`attempts = 0` would never call the function: give at least 1 (the first call counts), \
                     or `None` for no limit",
                )),
                Ok(n) => Ok(Attempts::Limit(lit, n)),
                Err(_) => Err(syn::Error::new(lit.span(), format!("{help}; at most {}", u32::MAX))),
            },
            expr if is_none(&expr) => Ok(Attempts::Unlimited(expr.span())),
            expr => Err(syn::Error::new_spanned(expr, help)),
        }
    }
}

impl Wait {
    fn from_expr(key: &str, expr: Expr) -> syn::Result<Wait> {
        let expr = ungroup(expr);
        let span = expr.span();
        let nanos = match &expr {
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => unsuffixed(lit.suffix(), span)
                .and_then(|()| duration::seconds_literal(lit.base10_digits()).map_err(|e| syn::Error::new(span, e))),
            Expr::Lit(ExprLit { lit: Lit::Float(lit), .. }) => unsuffixed(lit.suffix(), span)
                .and_then(|()| duration::seconds_literal(lit.base10_digits()).map_err(|e| syn::Error::new(span, e))),
            Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => {
                duration::string_literal(&lit.value()).map_err(|e| syn::Error::new(span, e))
            }
            Expr::Lit(_) => Err(syn::Error::new(span, duration_help(key))),
            expr if negated_literal(expr) => Err(syn::Error::new_spanned(
                expr,
                format!("`{key}` cannot be negative: a wait or deadline is 0 or longer"),
            )),
            expr if is_none(expr) => {
                return if key == "timeout" {
                    Ok(Wait::Unset(span))
                } else {
                    Err(syn::Error::new(
                        span,
                        format!("`{key}` cannot be `None`: give a duration (`0` for none), e.g. `{key} = \"100ms\"`"),
                    ))
                };
            }
            _ => return Ok(Wait::Expr(expr)),
        };
        nanos.map(|nanos| Wait::Nanos(nanos, span))
    }
}

fn duration_help(key: &str) -> String {
    let none = if key == "timeout" { ", `None`" } else { "" };
    format!(
        "`{key}` takes seconds (`10`, `2.5`), a string with a unit (`\"1500ms\"`, `\"2s\"`, `\"3m\"`){none}, \
         or an expression of type `Duration`"
    )
}

fn unsuffixed(suffix: &str, span: Span) -> syn::Result<()> {
    if suffix.is_empty() {
        Ok(())
    } else {
        Err(syn::Error::new(
            span,
            format!(
                "drop the `{suffix}` suffix: a number is seconds (`10`, `2.5`); a string carries a unit (\"1500ms\")"
            ),
        ))
    }
}

impl ExpBase {
    fn from_expr(expr: Expr) -> syn::Result<ExpBase> {
        let expr = ungroup(expr);
        let value = match &expr {
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => lit.base10_parse::<f64>().ok(),
            Expr::Lit(ExprLit { lit: Lit::Float(lit), .. }) => lit.base10_parse::<f64>().ok(),
            _ => None,
        };
        match value {
            Some(value) if value.is_finite() && value >= 1.0 => Ok(ExpBase { value }),
            _ => Err(syn::Error::new_spanned(
                expr,
                "`wait_exp_base` is the growth factor of the waits: a number literal of at least 1, e.g. `2` or `1.5`",
            )),
        }
    }
}

fn name(expr: Expr) -> syn::Result<LitStr> {
    match ungroup(expr) {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) if lit.value().is_empty() => {
            Err(syn::Error::new(lit.span(), "`name` cannot be empty"))
        }
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(lit),
        expr => Err(syn::Error::new_spanned(
            expr,
            "`name` takes a string literal, e.g. `name = \"db::save\"` (hooks and metrics show it)",
        )),
    }
}

fn krate(expr: Expr) -> syn::Result<Path> {
    match ungroup(expr) {
        Expr::Path(ExprPath { qself: None, path, attrs }) if attrs.is_empty() => {
            if let Some(args) = path.segments.iter().find(|s| !s.arguments.is_none()) {
                return Err(syn::Error::new_spanned(&args.arguments, "`crate` takes a path without generic arguments"));
            }
            Ok(path)
        }
        expr => Err(syn::Error::new_spanned(
            expr,
            "`crate` takes the path of retry-core as your crate names it, e.g. `crate = ::my_retry`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn error(tokens: TokenStream) -> String {
        match parse(tokens) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        }
    }

    #[test]
    fn reads_every_form() {
        let args = parse(quote!(
            on = std::io::Error,
            attempts = None,
            timeout = 2.5,
            wait_initial = "1500ms",
            wait_max = Duration::from_secs(1),
            wait_jitter = 0,
            wait_exp_base = 3,
            name = "x",
            crate = ::r,
            sleeper = S
        ))
        .unwrap();
        assert!(matches!(args.on, Some(On::Type(_))));
        assert!(matches!(args.attempts, Some(Attempts::Unlimited(_))));
        assert!(matches!(args.timeout, Some(Wait::Nanos(2_500_000_000, _))));
        assert!(matches!(args.wait_initial, Some(Wait::Nanos(1_500_000_000, _))));
        assert!(matches!(args.wait_max, Some(Wait::Expr(_))));
        assert!(matches!(args.wait_jitter, Some(Wait::Nanos(0, _))));
        assert_eq!(args.wait_exp_base.map(|b| b.value), Some(3.0));
        assert_eq!(args.given.len(), 10);
    }

    #[test]
    fn on_forms() {
        let on = |tokens| parse(tokens).unwrap().on.unwrap();
        assert!(matches!(on(quote!(on = io::Error)), On::Type(_)));
        assert!(matches!(on(quote!(on = MyError<A, B>)), On::Type(_)));
        assert!(matches!(on(quote!(on = <T as Trait>::Error)), On::Type(_)));
        assert!(matches!(on(quote!(on = (io::Error, fmt::Error))), On::Types(_)));
        assert!(matches!(on(quote!(on = |e| e.is_timeout())), On::Closure(_)));
        assert!(matches!(on(quote!(on = move |e: &E| true)), On::Closure(_)));
        assert!(matches!(on(quote!(on = is_transient)), On::Closure(_)));
        assert!(matches!(on(quote!(on = errors::is_transient)), On::Closure(_)));
        assert!(matches!(on(quote!(on = Matcher::new())), On::Value(_)));
        assert!(matches!(on(quote!(on = { MATCHER })), On::Value(_)));
    }

    #[test]
    fn reports_every_bad_key() {
        let e = error(quote!(attempt = 3, on = io::Error, on = x, timeout = "2h", wait_max = -1, bogus = 1));
        assert!(e.contains("unknown key `attempt`; did you mean `attempts`?"), "{e}");
        assert!(e.contains("`on` is given twice"), "{e}");
        assert!(e.contains("unknown unit `h`"), "{e}");
        assert!(e.contains("`wait_max` cannot be negative"), "{e}");
        assert!(e.contains("unknown key `bogus`; the keys are `on`, `attempts`"), "{e}");
        let e = error(quote!(retries = 3, wait_maximum = 2, deadline = 1));
        assert!(e.contains("`retries`; did you mean `attempts`? It counts the first call too"), "{e}");
        assert!(e.contains("`wait_maximum`; did you mean `wait_max`?"), "{e}");
        assert!(e.contains("`deadline`; did you mean `timeout`?"), "{e}");
    }

    #[test]
    fn rejects_bad_values() {
        assert!(error(quote!(attempts = 0)).contains("`attempts = 0` would never call"));
        assert!(error(quote!(attempts = x)).contains("whole number"));
        assert!(error(quote!(wait_initial = None)).contains("cannot be `None`"));
        assert!(error(quote!(wait_exp_base = 0.5)).contains("at least 1"));
        assert!(error(quote!(name = 3)).contains("string literal"));
        assert!(error(quote!(crate = "retry_core")).contains("path"));
        assert!(error(quote!(on = ())).contains("retry nothing"));
        assert!(error(quote!(on = (io::Error, is_transient))).contains("lists error types"));
        assert!(error(quote!(on)).contains("`on` needs a value"));
        assert!(error(quote!(timeout = 10u64)).contains("suffix"));
        assert!(error(quote!(attempts = 3 4)).contains("expected `,`"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("attempt", "attempts"), 1);
        assert_eq!(edit_distance("", "on"), 2);
        assert_eq!(edit_distance("timout", "timeout"), 1);
    }
}
