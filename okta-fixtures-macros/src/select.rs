//! Which parameter the attribute fills: the one named like the user, else the only one of type
//! `Tokens` (or `&Tokens`).
//!
//! Beyond this the macro ignores types. Parameters carrying attributes (`#[case]`, `#[values]`,
//! `#[future]`, `#[with]`, …) belong to rstest and are never taken, nor are those named after the
//! user of another `#[okta_user]` on the same function, so stacked attributes work in any order.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Pat, PatType, Signature, Type};

/// What the attribute is looking for.
pub(crate) enum Wanted<'a> {
    /// `#[okta_user("alice")]`: a parameter named `alice`, else the only `Tokens` one.
    User(&'a str),
    /// `#[okta_users(…)]`: the only `Tokens` parameter.
    AnyUser,
}

/// The index in `sig.inputs` of the parameter to fill, or an error saying what to write.
pub(crate) fn select(sig: &Signature, wanted: &Wanted, claimed: &[String]) -> syn::Result<usize> {
    if let Wanted::User(user) = wanted {
        let by_name = typed_params(sig)
            .find(|(_, p)| p.attrs.is_empty() && ident_of(p).is_some_and(|i| i == *user));
        if let Some((index, _)) = by_name {
            return Ok(index);
        }
    }
    let found = candidates(sig, claimed);
    match found.as_slice() {
        [index] => Ok(*index),
        [] => Err(syn::Error::new(params_span(sig), missing_message(wanted))),
        [_, second, ..] => {
            let names: Vec<String> = found
                .iter()
                .map(|&i| format!("`{}`", pat_text(param(sig, i))))
                .collect();
            let all = if names.len() == 2 { "both" } else { "all" };
            let mut message = format!(
                "cannot tell which parameter receives the tokens: {} {all} have type `Tokens`",
                names.join(", ")
            );
            match wanted {
                Wanted::User(user) => message.push_str(&format!(
                    "; name the one for this user `{user}`, and the others after their own `#[okta_user(\"…\")]`"
                )),
                Wanted::AnyUser => message.push_str(
                    "; `#[okta_users]` fills one of them: name the others after the users of their own `#[okta_user(\"…\")]`",
                ),
            }
            Err(syn::Error::new(param(sig, *second).pat.span(), message))
        }
    }
}

/// Parameters of type `Tokens` or `&Tokens` that carry no attribute and are not claimed by name
/// by another `#[okta_user]`.
pub(crate) fn candidates(sig: &Signature, claimed: &[String]) -> Vec<usize> {
    typed_params(sig)
        .filter(|(_, p)| p.attrs.is_empty() && is_tokens(&p.ty))
        .filter(|(_, p)| !ident_of(p).is_some_and(|i| claimed.contains(&i)))
        .map(|(i, _)| i)
        .collect()
}

/// The user keys of the other `#[okta_user("…")]` attributes on the function: parameters named
/// after them are theirs.
pub(crate) fn claimed_names(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "okta_user")
        })
        .filter_map(|a| a.meta.require_list().ok())
        .flat_map(|list| crate::args::leading_users(list.tokens.clone()))
        .map(|(user, _)| user)
        .collect()
}

/// `Tokens`, `&Tokens`, `&mut Tokens` or any path ending in `Tokens`, such as
/// `okta_fixtures::Tokens`.
pub(crate) fn is_tokens(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_tokens(&r.elem),
        Type::Paren(p) => is_tokens(&p.elem),
        Type::Group(g) => is_tokens(&g.elem),
        Type::Path(p) => {
            p.qself.is_none()
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Tokens" && s.arguments.is_none())
        }
        _ => false,
    }
}

/// The parameter at `index`, which `select` or `candidates` returned.
pub(crate) fn param(sig: &Signature, index: usize) -> &PatType {
    match &sig.inputs[index] {
        FnArg::Typed(p) => p,
        FnArg::Receiver(_) => unreachable!("select and candidates only return typed parameters"),
    }
}

fn typed_params(sig: &Signature) -> impl Iterator<Item = (usize, &PatType)> {
    sig.inputs
        .iter()
        .enumerate()
        .filter_map(|(i, arg)| match arg {
            FnArg::Typed(p) => Some((i, p)),
            FnArg::Receiver(_) => None,
        })
}

fn ident_of(param: &PatType) -> Option<String> {
    match &*param.pat {
        Pat::Ident(p) => Some(p.ident.to_string()),
        _ => None,
    }
}

fn pat_text(param: &PatType) -> String {
    ident_of(param).unwrap_or_else(|| quote::ToTokens::to_token_stream(&param.pat).to_string())
}

/// The parentheses of the parameter list, where a missing parameter belongs.
fn params_span(sig: &Signature) -> Span {
    sig.paren_token.span.join()
}

fn missing_message(wanted: &Wanted) -> String {
    match wanted {
        Wanted::User(user) if is_ident(user) => format!(
            "no parameter receives `{user}`'s tokens: add `{user}: Tokens` \
             (or one parameter of type `Tokens`, e.g. `token: Tokens`)"
        ),
        Wanted::User(user) => format!(
            "no parameter receives `{user}`'s tokens: add one parameter of type `Tokens`, \
             e.g. `token: Tokens`"
        ),
        Wanted::AnyUser => "no parameter receives the tokens: add one parameter of type \
                            `Tokens`, e.g. `token: Tokens`"
            .to_owned(),
    }
}

/// Whether `name` can be written as a parameter name.
fn is_ident(name: &str) -> bool {
    syn::parse_str::<syn::Ident>(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn pick(sig: Signature, wanted: Wanted, claimed: &[&str]) -> Result<String, String> {
        let claimed: Vec<String> = claimed.iter().map(|s| s.to_string()).collect();
        select(&sig, &wanted, &claimed)
            .map(|i| pat_text(param(&sig, i)))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_parameter_named_after_the_user_wins() {
        let sig = parse_quote!(fn t(token: Tokens, alice: Tokens));
        assert_eq!(pick(sig, Wanted::User("alice"), &[]).unwrap(), "alice");
        // Any type: the name says it all.
        let sig = parse_quote!(fn t(alice: MyTokens));
        assert_eq!(pick(sig, Wanted::User("alice"), &[]).unwrap(), "alice");
    }

    #[test]
    fn else_the_only_tokens_parameter_by_last_path_segment() {
        for sig in [
            parse_quote!(fn t(n: u32, token: Tokens)),
            parse_quote!(fn t(token: &Tokens, n: u32)),
            parse_quote!(async fn t(mut token: okta_fixtures::Tokens)),
            parse_quote!(fn t(token: &'static ::okta_fixtures::Tokens)),
        ] {
            assert_eq!(pick(sig, Wanted::User("alice"), &[]).unwrap(), "token");
        }
    }

    #[test]
    fn parameters_with_rstest_attributes_are_left_alone() {
        let sig =
            parse_quote!(fn t(#[case] alice: Tokens, #[values(a, b)] v: Tokens, token: Tokens));
        assert_eq!(pick(sig, Wanted::User("alice"), &[]).unwrap(), "token");
    }

    #[test]
    fn parameters_claimed_by_another_attribute_are_skipped() {
        let sig = parse_quote!(fn t(token: Tokens, bob: Tokens));
        assert_eq!(pick(sig, Wanted::User("alice"), &["bob"]).unwrap(), "token");
        let sig = parse_quote!(fn t(token: Tokens, bob: Tokens));
        assert_eq!(pick(sig, Wanted::AnyUser, &["bob"]).unwrap(), "token");
    }

    #[test]
    fn missing_says_what_to_add() {
        let sig = parse_quote!(fn t(n: u32));
        assert_eq!(
            pick(sig, Wanted::User("alice"), &[]).unwrap_err(),
            "no parameter receives `alice`'s tokens: add `alice: Tokens` \
             (or one parameter of type `Tokens`, e.g. `token: Tokens`)"
        );
        let sig = parse_quote!(fn t());
        assert!(
            pick(sig, Wanted::User("qa-admin"), &[])
                .unwrap_err()
                .contains("add one parameter of type `Tokens`")
        );
    }

    #[test]
    fn ambiguous_names_the_candidates() {
        let sig = parse_quote!(fn t(a: Tokens, b: &Tokens));
        let err = pick(sig, Wanted::User("alice"), &[]).unwrap_err();
        assert!(err.contains("`a`, `b` both have type `Tokens`"), "{err}");
        assert!(err.contains("name the one for this user `alice`"), "{err}");
    }

    #[test]
    fn claimed_names_come_from_other_okta_user_attributes() {
        let f: syn::ItemFn = parse_quote! {
            #[okta_user("bob", app = "web")]
            #[okta_fixtures::okta_user(carol)]
            #[rstest]
            fn t() {}
        };
        assert_eq!(claimed_names(&f.attrs), ["bob", "carol"]);
    }

    #[test]
    fn is_tokens_looks_at_the_last_segment_only() {
        assert!(is_tokens(&parse_quote!(Tokens)));
        assert!(is_tokens(&parse_quote!(&mut a::Tokens)));
        assert!(!is_tokens(&parse_quote!(Tokens<T>)));
        assert!(!is_tokens(&parse_quote!(Option<Tokens>)));
        assert!(!is_tokens(&parse_quote!(TokensX)));
    }
}
