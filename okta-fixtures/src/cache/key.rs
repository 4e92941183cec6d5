//! What identifies cached tokens: everything that changes them, and nothing secret.

use std::fmt;

use okta_fixtures_config::{Flow, ResponseType};

/// The cache key: org URL, authorization server, client id, username, flow, response types and
/// the sorted scopes. Never a password or secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) org: String,
    pub(crate) server: String,
    pub(crate) client_id: String,
    /// `None` for a `client_credentials` app.
    pub(crate) username: Option<String>,
    pub(crate) flow: Flow,
    pub(crate) response_types: Vec<ResponseType>,
    /// Sorted and without duplicates: the order a test names them in changes nothing.
    pub(crate) scopes: Vec<String>,
}

impl Key {
    pub(crate) fn new(
        org: &str,
        server: &str,
        client_id: &str,
        username: Option<&str>,
        flow: Flow,
        response_types: &[ResponseType],
        scopes: &[String],
    ) -> Self {
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let mut response_types = match flow {
            Flow::Implicit => response_types.to_vec(),
            Flow::Code | Flow::ClientCredentials => Vec::new(),
        };
        response_types.sort();
        Key {
            org: org.to_owned(),
            server: server.to_owned(),
            client_id: client_id.to_owned(),
            username: username.map(str::to_owned),
            flow,
            response_types,
            scopes,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.username {
            write!(f, "{u} ")?;
        }
        write!(
            f,
            "{} {} {}",
            self.client_id,
            self.server,
            self.flow.as_str()
        )?;
        for r in &self.response_types {
            write!(f, " {}", r.as_str())?;
        }
        write!(f, " [{}] {}", self.scopes.join(" "), self.org)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scopes: &[&str]) -> Key {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        Key::new(
            "https://dev-1.okta.com",
            "default",
            "spa-client",
            Some("alice@example.com"),
            Flow::Code,
            &[],
            &scopes,
        )
    }

    #[test]
    fn scope_order_and_duplicates_do_not_matter() {
        assert_eq!(
            key(&["openid", "email", "profile"]),
            key(&["profile", "openid", "email", "openid"])
        );
        assert_ne!(key(&["openid"]), key(&["openid", "email"]));
    }

    #[test]
    fn everything_that_changes_tokens_is_in_the_key() {
        let base = key(&["openid"]);
        let scopes = vec!["openid".to_string()];
        for other in [
            Key::new(
                "https://dev-2.okta.com",
                "default",
                "spa-client",
                Some("alice@example.com"),
                Flow::Code,
                &[],
                &scopes,
            ),
            Key::new(
                "https://dev-1.okta.com",
                "org",
                "spa-client",
                Some("alice@example.com"),
                Flow::Code,
                &[],
                &scopes,
            ),
            Key::new(
                "https://dev-1.okta.com",
                "default",
                "web-client",
                Some("alice@example.com"),
                Flow::Code,
                &[],
                &scopes,
            ),
            Key::new(
                "https://dev-1.okta.com",
                "default",
                "spa-client",
                Some("bob@example.com"),
                Flow::Code,
                &[],
                &scopes,
            ),
            Key::new(
                "https://dev-1.okta.com",
                "default",
                "spa-client",
                Some("alice@example.com"),
                Flow::Implicit,
                &[ResponseType::IdToken],
                &scopes,
            ),
        ] {
            assert_ne!(base, other);
        }
        let a = Key::new(
            "o",
            "s",
            "c",
            Some("u"),
            Flow::Implicit,
            &[ResponseType::Token, ResponseType::IdToken],
            &scopes,
        );
        let b = Key::new(
            "o",
            "s",
            "c",
            Some("u"),
            Flow::Implicit,
            &[ResponseType::IdToken, ResponseType::Token],
            &scopes,
        );
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "u c s implicit id_token token [openid] o");
    }
}
