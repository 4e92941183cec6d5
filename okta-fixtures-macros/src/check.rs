//! The compile-time check: users, apps and servers named in the attribute must be names of
//! fixtures.yaml.
//!
//! The file is found exactly as the run time finds it (`okta_fixtures_config::discover` from the
//! crate's `CARGO_MANIFEST_DIR`, honouring `OKTA_FIXTURES_CONFIG`), and only its names are read:
//! no `${VAR}` is expanded, so the check works without the secrets a real org needs. When the
//! file cannot be found or read here, every check is left to run time, which reports the same
//! problem with its full context.

use std::path::{Path, PathBuf};

use okta_fixtures_config::{Error, Flow, Names};
use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

/// The fixtures.yaml the crate under compilation will read, and its names.
pub(crate) struct Fixtures {
    path: PathBuf,
    names: Names,
}

impl Fixtures {
    /// Finds and reads fixtures.yaml as the run time will; `None` defers the checks to run time.
    pub(crate) fn discover() -> Option<Self> {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
        let path = okta_fixtures_config::discover(
            None,
            &|key| std::env::var(key).ok(),
            Path::new(&manifest_dir),
        )
        .ok()?;
        let names = okta_fixtures_config::load_names(&path).ok()?;
        Some(Fixtures { path, names })
    }

    /// For tests: names as if read from `path`.
    #[cfg(test)]
    pub(crate) fn new(path: impl Into<PathBuf>, names: Names) -> Self {
        Fixtures {
            path: path.into(),
            names,
        }
    }

    /// An error at the literal unless `user` is a key of `users:` and, when the attribute names
    /// no app, has an app to sign in with (its `app`, else the file's only user app).
    pub(crate) fn check_user(&self, user: &LitStr, app_given: bool) -> syn::Result<()> {
        let key = user.value();
        let result = if app_given {
            self.names.check_user(&key)
        } else {
            self.names.default_app(&key).map(drop)
        };
        result.map_err(|e| self.error_at(user, e))
    }

    /// An error at the literal unless `app` is a key of `apps:` whose flow signs users in.
    pub(crate) fn check_app(&self, app: &LitStr) -> syn::Result<()> {
        let key = app.value();
        self.names
            .check_app(&key)
            .map_err(|e| self.error_at(app, e))?;
        if self.names.apps.get(&key) == Some(&Flow::ClientCredentials) {
            return Err(syn::Error::new(
                app.span(),
                format!(
                    "app `{key}` has `flow: client_credentials`, which signs no user in: name an \
                     app with `flow: code` or `flow: implicit`, or call \
                     `okta_fixtures::app_tokens(\"{key}\")` for the service app's own tokens"
                ),
            ));
        }
        Ok(())
    }

    /// An error at the literal unless `server` is `org`, `default` or a key of `servers:`.
    pub(crate) fn check_server(&self, server: &LitStr) -> syn::Result<()> {
        self.names
            .check_server(&server.value())
            .map_err(|e| self.error_at(server, e))
    }

    fn error_at(&self, lit: &LitStr, error: Error) -> syn::Error {
        let message = match error {
            Error::UnknownName {
                kind: "authorization server",
                name,
                hint,
                ..
            } => format!(
                "unknown authorization server `{name}`: not `org`, `default` or a key of \
                 `servers` in {}{hint}",
                self.path.display()
            ),
            Error::UnknownName {
                kind, name, hint, ..
            } => {
                let section = if kind == "app" { "apps" } else { "users" };
                format!(
                    "unknown {kind} `{name}`: not a key of `{section}` in {}{hint}",
                    self.path.display()
                )
            }
            other => format!("{}: {other}", self.path.display()),
        };
        syn::Error::new(lit.span(), message)
    }

    /// Items that make cargo rebuild the test crate when fixtures.yaml changes.
    ///
    /// `include_bytes!` records the file as an input of the crate; binding it to an unused
    /// constant keeps its bytes (and the passwords in them) out of the binary.
    fn track_file(&self) -> TokenStream {
        match self.path.to_str() {
            Some(path) => quote! {
                const _: &[::core::primitive::u8] = ::core::include_bytes!(#path);
            },
            None => TokenStream::new(),
        }
    }
}

/// Items that make cargo rebuild when fixtures.yaml or `OKTA_FIXTURES_CONFIG` changes.
///
/// `option_env!` records the variable as an input even while it is unset, so setting it later
/// triggers a rebuild (and a fresh check against the file it names).
pub(crate) fn tracking(fixtures: Option<&Fixtures>) -> TokenStream {
    let file = fixtures.map(Fixtures::track_file).unwrap_or_default();
    let env = okta_fixtures_config::CONFIG_ENV;
    quote! {
        #file
        const _: ::core::option::Option<&::core::primitive::str> = ::core::option_env!(#env);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> Fixtures {
        let yaml = "
apps:
  spa: { client_id: x, redirect_uri: 'http://localhost/cb', flow: code }
  web: { client_id: y, redirect_uri: 'http://localhost/cb', flow: code }
  reports: { client_id: z, client_secret: s, flow: client_credentials }
users:
  alice: { username: a, password: b, app: spa }
  bob: { username: c, password: d, app: spa }
  carol: { username: e, password: f }
";
        Fixtures::new(
            "/ws/fixtures.yaml",
            okta_fixtures_config::parse_names(yaml, None).unwrap(),
        )
    }

    fn lit(s: &str) -> LitStr {
        LitStr::new(s, proc_macro2::Span::call_site())
    }

    #[test]
    fn known_names_pass() {
        let f = fixtures();
        f.check_user(&lit("alice"), false).unwrap();
        f.check_user(&lit("carol"), true).unwrap();
        f.check_app(&lit("web")).unwrap();
    }

    #[test]
    fn a_typo_gets_a_suggestion_and_the_file() {
        let f = fixtures();
        assert_eq!(
            f.check_user(&lit("alcie"), false).unwrap_err().to_string(),
            "unknown user `alcie`: not a key of `users` in /ws/fixtures.yaml, did you mean `alice`?"
        );
        assert_eq!(
            f.check_app(&lit("wbe")).unwrap_err().to_string(),
            "unknown app `wbe`: not a key of `apps` in /ws/fixtures.yaml, did you mean `web`?"
        );
    }

    #[test]
    fn a_name_far_from_all_lists_the_known_ones() {
        let err = fixtures().check_user(&lit("mallory"), true).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("unknown user `mallory`"), "{message}");
        assert!(
            message.contains("alice") && message.contains("bob"),
            "{message}"
        );
        assert!(!message.contains("did you mean"), "{message}");
    }

    #[test]
    fn a_user_without_an_app_needs_the_app_option() {
        let err = fixtures().check_user(&lit("carol"), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/ws/fixtures.yaml: users.carol: missing key `app`"
        );
    }

    #[test]
    fn a_service_app_signs_no_user_in() {
        let err = fixtures()
            .check_app(&lit("reports"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("app `reports` has `flow: client_credentials`"),
            "{err}"
        );
        assert!(
            err.contains("okta_fixtures::app_tokens(\"reports\")"),
            "{err}"
        );
    }

    #[test]
    fn tracking_includes_the_file_and_the_variable() {
        let tokens = tracking(Some(&fixtures())).to_string();
        assert!(
            tokens.contains("include_bytes ! (\"/ws/fixtures.yaml\")"),
            "{tokens}"
        );
        assert!(
            tokens.contains("option_env ! (\"OKTA_FIXTURES_CONFIG\")"),
            "{tokens}"
        );
        let without = tracking(None).to_string();
        assert!(!without.contains("include_bytes"), "{without}");
        assert!(without.contains("option_env"), "{without}");
    }
}
