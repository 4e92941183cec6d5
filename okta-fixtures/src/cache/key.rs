//! What identifies cached tokens: everything that changes them, and nothing secret.

use std::fmt::{self, Write as _};
use std::ops::Deref;
use std::sync::Arc;

use okta_fixtures_config::{Flow, ResponseType};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The cache key: org URL, authorization server, client id, username, flow, response types and
/// the sorted scopes. Never a password or secret.
///
/// Cloning is an `Arc` clone: memory and every flight share one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key(Arc<KeyParts>);

/// What a [`Key`] is made of.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyParts {
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
        Key(Arc::new(KeyParts {
            org: org.to_owned(),
            server: server.to_owned(),
            client_id: client_id.to_owned(),
            username: username.map(str::to_owned),
            flow,
            response_types,
            scopes,
        }))
    }

    /// The key as a disk entry records it.
    pub(crate) fn record(&self) -> KeyRecord {
        KeyRecord {
            org: self.org.clone(),
            server: self.server.clone(),
            client_id: self.client_id.clone(),
            username: self.username.clone(),
            flow: self.flow.as_str().to_owned(),
            response_types: self
                .response_types
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            scopes: self.scopes.clone(),
        }
    }

    /// Whether `record` was written for this key.
    pub(crate) fn matches(&self, record: &KeyRecord) -> bool {
        record.org == self.org
            && record.server == self.server
            && record.client_id == self.client_id
            && record.username == self.username
            && record.flow == self.flow.as_str()
            && record.scopes == self.scopes
            && record.response_types.len() == self.response_types.len()
            && record
                .response_types
                .iter()
                .zip(&self.response_types)
                .all(|(a, b)| a == b.as_str())
    }

    /// The hex SHA-256 of every field, each length-prefixed: a file name that says nothing
    /// about the user, the org or the app.
    pub(crate) fn digest(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |s: &[u8]| {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s);
        };
        field(b"okta-fixtures token cache key v1");
        field(self.org.as_bytes());
        field(self.server.as_bytes());
        field(self.client_id.as_bytes());
        field(self.username.as_deref().unwrap_or("\0 no user").as_bytes());
        field(self.flow.as_str().as_bytes());
        field(&(self.response_types.len() as u64).to_le_bytes());
        for r in &self.response_types {
            field(r.as_str().as_bytes());
        }
        for scope in &self.scopes {
            field(scope.as_bytes());
        }
        hex(&h.finalize())
    }
}

/// A key as a disk entry records it (plain strings), for matching and for
/// `okta-fixtures cache list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    org: String,
    server: String,
    client_id: String,
    username: Option<String>,
    flow: String,
    response_types: Vec<String>,
    scopes: Vec<String>,
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl fmt::Display for KeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.username {
            write!(f, "{u} ")?;
        }
        write!(f, "{} {} {}", self.client_id, self.server, self.flow)?;
        for r in &self.response_types {
            write!(f, " {r}")?;
        }
        write!(f, " [{}] {}", self.scopes.join(" "), self.org)
    }
}

impl Deref for Key {
    type Target = KeyParts;

    fn deref(&self) -> &KeyParts {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.record().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

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

    fn implicit(response_types: &[ResponseType]) -> Key {
        let scopes = ["openid".into()];
        Key::new(
            "o",
            "s",
            "c",
            Some("u"),
            Flow::Implicit,
            response_types,
            &scopes,
        )
    }

    #[rstest]
    #[case::org("dev-2", "default", "spa", "alice", Flow::Code, &[])]
    #[case::server("dev-1", "org", "spa", "alice", Flow::Code, &[])]
    #[case::client("dev-1", "default", "web", "alice", Flow::Code, &[])]
    #[case::user("dev-1", "default", "spa", "bob", Flow::Code, &[])]
    #[case::flow("dev-1", "default", "spa", "alice", Flow::Implicit, &[ResponseType::IdToken])]
    fn everything_that_changes_tokens_is_in_the_key(
        #[case] org: &str,
        #[case] server: &str,
        #[case] client: &str,
        #[case] user: &str,
        #[case] flow: Flow,
        #[case] response_types: &[ResponseType],
    ) {
        let org = format!("https://{org}.okta.com");
        let (client, user) = (format!("{client}-client"), format!("{user}@example.com"));
        let scopes = ["openid".into()];
        let other = Key::new(
            &org,
            server,
            &client,
            Some(&user),
            flow,
            response_types,
            &scopes,
        );
        assert_ne!(key(&["openid"]), other);
    }

    #[test]
    fn response_type_order_does_not_matter() {
        let a = implicit(&[ResponseType::Token, ResponseType::IdToken]);
        assert_eq!(a, implicit(&[ResponseType::IdToken, ResponseType::Token]));
        assert_eq!(a.to_string(), "u c s implicit id_token token [openid] o");
    }

    #[test]
    fn file_names_are_hashes_that_say_nothing() {
        let a = key(&["openid", "email"]);
        let name = a.digest();
        assert_eq!(name.len(), 64);
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(name, key(&["email", "openid"]).digest());
        assert_ne!(name, key(&["openid"]).digest());
        for part in ["alice", "okta", "spa", "openid"] {
            assert!(!name.contains(part), "{part} in {name}");
        }
        // Fields cannot run into each other.
        let joined = |org: &str, server: &str| {
            Key::new(org, server, "c", None, Flow::Code, &[], &[]).digest()
        };
        assert_ne!(joined("ab", "c"), joined("a", "bc"));
        assert_eq!(hex(&[0x00, 0x9f, 0xff]), "009fff");
    }

    #[test]
    fn records_match_their_key_only() {
        let a = key(&["openid", "email"]);
        let record = a.record();
        assert!(a.matches(&record));
        assert!(!key(&["openid"]).matches(&record));
        assert_eq!(
            record.to_string(),
            "alice@example.com spa-client default code [email openid] https://dev-1.okta.com"
        );
        assert_eq!(a.to_string(), record.to_string());
        let json = serde_json::to_string(&record).unwrap();
        let back: KeyRecord = serde_json::from_str(&json).unwrap();
        assert!(a.matches(&back));
        let token = implicit(&[ResponseType::Token]);
        assert!(!token.matches(&implicit(&[ResponseType::IdToken]).record()));
    }
}
