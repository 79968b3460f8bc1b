//! The annotated function, and which of the three shapes it has: a sync fn, an
//! `async fn`, or a method that `#[async_trait]` has already rewritten.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{
    AttrStyle, Attribute, Block, Expr, ExprAsync, ExprCall, GenericArgument, Item, ItemFn, Local, Pat, PathArguments,
    ReturnType, Signature, Stmt, TraitItemFn, Type, TypeParamBound, Visibility,
};

pub struct RetryFn {
    pub outer_attrs: Vec<Attribute>,
    pub inner_attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub block: Block,
    pub kind: Kind,
}

pub enum Kind {
    Sync,
    Async,
    /// A method after `#[async_trait]`: `fn f(..) -> Pin<Box<dyn Future<Output = R> + ..>>`
    /// whose body is `Box::pin(async move { <prefix> <rest> })`.
    AsyncTrait(Box<AsyncTrait>),
}

pub struct AsyncTrait {
    /// `R`, the `Output` of the boxed future: what the attempts return.
    pub output: Type,
    /// The `Box::pin` path, as async-trait wrote it.
    pub box_pin: Expr,
    pub async_attrs: Vec<Attribute>,
    /// async-trait's return-type marker and argument rebindings (`let x = x;`,
    /// `let __self = self;`): they move the arguments into the future, so they run
    /// once, before the loop.
    pub prefix: Vec<Stmt>,
    /// The original body: what each attempt runs.
    pub rest: Vec<Stmt>,
}

impl RetryFn {
    pub fn parse(item: TokenStream) -> syn::Result<RetryFn> {
        let func: ItemFn = match syn::parse2(item.clone()) {
            Ok(func) => func,
            Err(_) => return Err(not_a_function(item)),
        };
        let ItemFn { attrs, vis, sig, block } = func;
        let (inner_attrs, outer_attrs) = attrs.into_iter().partition(|a| matches!(a.style, AttrStyle::Inner(_)));
        let kind = match (&sig.asyncness, async_trait_output(&sig)) {
            (Some(_), _) => Kind::Async,
            (None, Some(output)) => match AsyncTrait::split(output, &block) {
                Some(parts) => Kind::AsyncTrait(Box::new(parts)),
                None => Kind::Sync,
            },
            (None, None) => Kind::Sync,
        };
        Ok(RetryFn { outer_attrs, inner_attrs, vis, sig, block: *block, kind })
    }

    /// What one attempt returns, with `impl Trait` (which the body cannot name)
    /// replaced by `_`. `None` if the function returns nothing.
    pub fn attempt_type(&self) -> Option<Type> {
        self.written_return_type().map(|ty| {
            erase_impl_trait(ty, |span| Type::Infer(syn::TypeInfer { underscore_token: syn::Token![_](span) }))
        })
    }

    /// The return type with `impl Trait` replaced by `()`, to name its error type
    /// (`<R as RetryResult>::Err`) where no inference fills a `_`: `impl Trait` can
    /// only be the success type there, and the error type does not depend on it.
    pub fn error_naming_type(&self) -> Option<Type> {
        self.written_return_type().map(|ty| erase_impl_trait(ty, |span| syn::parse_quote_spanned!(span=> ())))
    }

    pub fn written_return_type(&self) -> Option<&Type> {
        match (&self.kind, &self.sig.output) {
            (Kind::AsyncTrait(parts), _) => Some(&parts.output),
            (_, ReturnType::Type(_, ty)) => Some(ty),
            (_, ReturnType::Default) => None,
        }
    }

    /// Where to point at for errors about the return type.
    pub fn return_span(&self) -> proc_macro2::Span {
        match (&self.kind, &self.sig.output) {
            (Kind::AsyncTrait(parts), _) => parts.output.span(),
            (_, ReturnType::Type(_, ty)) => ty.span(),
            (_, ReturnType::Default) => self.sig.ident.span(),
        }
    }
}

/// The error for an item that is not a function with a body.
fn not_a_function(item: TokenStream) -> syn::Error {
    if let Ok(method) = syn::parse2::<TraitItemFn>(item.clone()) {
        let (sig, semi) = (&method.sig, &method.semi_token);
        return syn::Error::new_spanned(
            quote::quote!(#sig #semi),
            "`#[retry]` needs the function's body to retry: put it on the implementation, not on this declaration",
        );
    }
    match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => syn::Error::new_spanned(
            item_head(&parsed),
            format!("`#[retry]` goes on a function, not on {}", describe(&parsed)),
        ),
        Err(_) => syn::Error::new_spanned(item, "`#[retry]` goes on a function"),
    }
}

fn describe(item: &Item) -> &'static str {
    match item {
        Item::Struct(_) => "a struct",
        Item::Enum(_) => "an enum",
        Item::Union(_) => "a union",
        Item::Impl(_) => "an `impl` block (put it on the methods inside)",
        Item::Trait(_) => "a trait (put it on the methods inside that have a body)",
        Item::Mod(_) => "a module",
        Item::Const(_) => "a constant",
        Item::Static(_) => "a static",
        Item::Type(_) => "a type alias",
        Item::Use(_) => "a `use`",
        Item::Macro(_) => "a macro",
        _ => "this item",
    }
}

/// The item's keyword and name, for a short span.
fn item_head(item: &Item) -> TokenStream {
    fn pair(keyword: impl ToTokens, name: impl ToTokens) -> TokenStream {
        quote::quote!(#keyword #name)
    }
    match item {
        Item::Struct(s) => pair(s.struct_token, &s.ident),
        Item::Enum(e) => pair(e.enum_token, &e.ident),
        Item::Union(u) => pair(u.union_token, &u.ident),
        Item::Impl(i) => pair(i.impl_token, &i.self_ty),
        Item::Trait(t) => pair(t.trait_token, &t.ident),
        Item::Mod(m) => pair(m.mod_token, &m.ident),
        Item::Const(c) => pair(c.const_token, &c.ident),
        Item::Static(s) => pair(s.static_token, &s.ident),
        Item::Type(t) => pair(t.type_token, &t.ident),
        other => other.to_token_stream(),
    }
}

/// `R` if the signature returns `Pin<Box<dyn Future<Output = R> + ..>>`, as
/// async-trait writes it.
fn async_trait_output(sig: &Signature) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else { return None };
    let pinned = single_type_argument(ty, "Pin")?;
    let Type::TraitObject(object) = single_type_argument(pinned, "Box")? else { return None };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else { return None };
        let future = bound.path.segments.last().filter(|s| s.ident == "Future")?;
        let PathArguments::AngleBracketed(args) = &future.arguments else { return None };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

fn single_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last().filter(|s| s.ident == name)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else { return None };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

impl AsyncTrait {
    /// Splits `Box::pin(async move { .. })` into what runs once and what each
    /// attempt runs. `None` if the body does not have that shape.
    fn split(output: &Type, block: &Block) -> Option<AsyncTrait> {
        let [Stmt::Expr(Expr::Call(ExprCall { func, args, .. }), None)] = block.stmts.as_slice() else { return None };
        let Expr::Path(path) = &**func else { return None };
        if path.path.segments.last()?.ident != "pin" || args.len() != 1 {
            return None;
        }
        let Expr::Async(ExprAsync { attrs, capture: Some(_), block: inner, .. }) = &args[0] else { return None };

        let stmts = &inner.stmts;
        let marked = stmts.first().is_some_and(is_return_type_marker);
        let prefix_len = if marked {
            // Everything before `let __ret: R = { body };` is async-trait's.
            stmts.iter().position(is_typed_let).unwrap_or(stmts.len())
        } else {
            // No marker (a return type naming an `impl Trait` associated type):
            // only plain rebindings such as `let x = x;` are async-trait's.
            stmts.iter().take_while(|stmt| is_rebinding(stmt)).count()
        };
        Some(AsyncTrait {
            output: output.clone(),
            box_pin: (**func).clone(),
            async_attrs: attrs.clone(),
            prefix: stmts[..prefix_len].to_vec(),
            rest: stmts[prefix_len..].to_vec(),
        })
    }
}

/// `if let Some(__ret) = None::<R> { return __ret; }`
fn is_return_type_marker(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(Expr::If(expr_if), _) if matches!(&*expr_if.cond, Expr::Let(_)))
}

fn is_typed_let(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Local(Local { pat: Pat::Type(_), .. }))
}

/// `let x = x;`, `let mut __self = self;`
fn is_rebinding(stmt: &Stmt) -> bool {
    let Stmt::Local(Local { pat: Pat::Ident(binding), init: Some(init), .. }) = stmt else { return false };
    matches!(&*init.expr, Expr::Path(path) if path.path.get_ident().is_some_and(|source| {
        *source == binding.ident || (binding.ident == "__self" && source == "self")
    }))
}

/// `ty` with each `impl Trait` replaced by `with(span of impl)`.
fn erase_impl_trait(ty: &Type, with: fn(proc_macro2::Span) -> Type) -> Type {
    struct Erase(fn(proc_macro2::Span) -> Type);

    impl VisitMut for Erase {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(impl_trait) = ty {
                *ty = (self.0)(impl_trait.impl_token.span);
            } else {
                visit_mut::visit_type_mut(self, ty);
            }
        }
    }

    let mut ty = ty.clone();
    Erase(with).visit_type_mut(&mut ty);
    ty
}
