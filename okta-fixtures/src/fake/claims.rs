//! Token contents as Okta writes them (section 6): claim sets, claim order, signing keys.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use okta_fixtures_config::ClaimValue;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::FakeState;
use super::directory::{ServerEntry, UserEntry};
use super::ids;
use super::json::Obj;
use super::jwt;
use super::keys::SigningKey;
use super::sessions::Amr;

/// `updated_at` of every fake profile (2024-01-01T00:00:00Z): fixed, so claims are stable.
const PROFILE_UPDATED_AT: u64 = 1_704_067_200;
const LOCALE: &str = "en-US";
const ZONEINFO: &str = "America/Los_Angeles";

/// A signed token with what the issuer needs to remember about it.
#[derive(Debug)]
pub(crate) struct Minted {
    pub(crate) token: String,
    pub(crate) jti: String,
}

/// The user a token speaks for, and when they authenticated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    pub(crate) user: &'a UserEntry,
    pub(crate) auth_time: u64,
    /// How the session was authenticated: the ID token's `amr`.
    pub(crate) amr: Amr,
}

/// The key that now signs `server`'s access tokens: the server's own; on the org server one
/// it publishes nowhere (see `keys.rs`).
pub(crate) fn access_key(st: &FakeState, server: &ServerEntry) -> Arc<SigningKey> {
    st.keys.signing(&server.id).access
}

/// base64url of the left half of SHA-256: `at_hash` / `c_hash`.
pub(crate) fn half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

fn has(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

fn claim_value(value: &ClaimValue, user: Option<&UserEntry>) -> Option<Value> {
    match value {
        ClaimValue::Groups => user.map(|u| Value::from(u.groups.clone())),
        ClaimValue::Value(v) => Some(v.clone()),
    }
}

/// Appends configured claims, never overwriting one already written.
fn extras(
    mut obj: Obj,
    taken: &mut HashSet<String>,
    server_claims: &BTreeMap<String, ClaimValue>,
    user: Option<&UserEntry>,
) -> Obj {
    for (name, value) in server_claims {
        if let Some(v) = claim_value(value, user)
            && taken.insert(name.clone())
        {
            obj = obj.value(name, &v);
        }
    }
    if let Some(user) = user {
        for (name, v) in &user.claims {
            if taken.insert(name.clone()) {
                obj = obj.value(name, v);
            }
        }
    }
    obj
}

/// An access token for `client_id` on `server`: a user's (`subject`) or a service's.
pub(crate) fn access_token(
    st: &FakeState,
    server: &ServerEntry,
    client_id: &str,
    subject: Option<Subject<'_>>,
    scopes: &[String],
    now: u64,
) -> Minted {
    let jti = ids::jti("AT");
    let exp = now + server.lifetimes.access_token.as_secs();
    let mut obj = Obj::new()
        .num("ver", 1)
        .str("jti", &jti)
        .str("iss", &server.issuer)
        .str("aud", &server.audience)
        .num("iat", now)
        .num("exp", exp)
        .str("cid", client_id);
    let mut taken: HashSet<String> = [
        "ver", "jti", "iss", "aud", "iat", "exp", "cid", "scp", "sub",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    match subject {
        Some(s) => {
            obj = obj
                .str("uid", &s.user.id)
                .strs("scp", scopes)
                .num("auth_time", s.auth_time)
                .str("sub", &s.user.username);
            taken.extend(["uid".to_owned(), "auth_time".to_owned()]);
        }
        None => obj = obj.strs("scp", scopes).str("sub", client_id),
    }
    let obj = extras(
        obj,
        &mut taken,
        &server.access_claims,
        subject.map(|s| s.user),
    );
    Minted {
        token: jwt::sign(&access_key(st, server), &obj.finish()),
        jti,
    }
}

/// What an ID token is being minted for.
#[derive(Debug)]
pub(crate) struct IdTokenFor<'a> {
    pub(crate) server: &'a ServerEntry,
    pub(crate) client_id: &'a str,
    pub(crate) subject: Subject<'a>,
    pub(crate) scopes: &'a [String],
    pub(crate) nonce: Option<&'a str>,
    /// The access token issued alongside, if any: adds `at_hash` and, as Okta does, keeps
    /// profile claims for `/userinfo`.
    pub(crate) access_token: Option<&'a str>,
    /// The code issued alongside (hybrid flow): adds `c_hash`.
    pub(crate) code: Option<&'a str>,
    pub(crate) now: u64,
}

/// An ID token, claims in the order Okta emits them.
pub(crate) fn id_token(st: &FakeState, t: &IdTokenFor<'_>) -> String {
    let user = t.subject.user;
    let profile = has(t.scopes, "profile");
    let email = has(t.scopes, "email");
    // With an access token alongside, Okta keeps all but these scope claims for /userinfo.
    let full = t.access_token.is_none();
    let mut obj = Obj::new()
        .str("sub", &user.id)
        .opt_str("name", profile.then_some(user.name.as_str()))
        .opt_str("email", email.then_some(user.email.as_str()))
        .num("ver", 1)
        .str("iss", &t.server.issuer)
        .str("aud", t.client_id)
        .num("iat", t.now)
        .num("exp", t.now + t.server.lifetimes.id_token.as_secs())
        .str("jti", &ids::jti("ID"))
        .strs("amr", t.subject.amr)
        .str("idp", &st.dir.org_id)
        .opt_str("nonce", t.nonce);
    let mut taken: HashSet<String> = [
        "sub",
        "name",
        "email",
        "ver",
        "iss",
        "aud",
        "iat",
        "exp",
        "jti",
        "amr",
        "idp",
        "nonce",
        "email_verified",
        "preferred_username",
        "given_name",
        "family_name",
        "locale",
        "zoneinfo",
        "updated_at",
        "groups",
        "auth_time",
        "at_hash",
        "c_hash",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    if email && full {
        obj = obj.bool("email_verified", true);
    }
    if profile {
        obj = obj.str("preferred_username", &user.username);
        if full {
            obj = obj
                .opt_str("given_name", user.given_name.as_deref())
                .opt_str("family_name", user.family_name.as_deref())
                .str("locale", LOCALE)
                .str("zoneinfo", ZONEINFO)
                .num("updated_at", PROFILE_UPDATED_AT);
        }
    }
    if full && t.server.is_org() && has(t.scopes, "groups") {
        obj = obj.strs("groups", &user.groups);
    }
    obj = obj
        .num("auth_time", t.subject.auth_time)
        .opt_str("at_hash", t.access_token.map(half_hash).as_deref())
        .opt_str("c_hash", t.code.map(half_hash).as_deref());
    let obj = extras(obj, &mut taken, &t.server.id_claims, Some(user));
    jwt::sign(&st.keys.signing(&t.server.id).id, &obj.finish())
}

/// The `/userinfo` answer for `scopes`.
pub(crate) fn userinfo(server: &ServerEntry, user: &UserEntry, scopes: &[String]) -> String {
    let mut obj = Obj::new().str("sub", &user.id);
    if has(scopes, "profile") {
        obj = obj
            .str("name", &user.name)
            .str("locale", LOCALE)
            .str("preferred_username", &user.username)
            .opt_str("given_name", user.given_name.as_deref())
            .opt_str("family_name", user.family_name.as_deref())
            .str("zoneinfo", ZONEINFO)
            .num("updated_at", PROFILE_UPDATED_AT);
    }
    if has(scopes, "email") {
        obj = obj.str("email", &user.email).bool("email_verified", true);
    }
    if server.is_org() && has(scopes, "groups") {
        obj = obj.strs("groups", &user.groups);
    }
    let mut taken: HashSet<String> = [
        "sub",
        "name",
        "locale",
        "preferred_username",
        "given_name",
        "family_name",
        "zoneinfo",
        "updated_at",
        "email",
        "email_verified",
        "groups",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    extras(obj, &mut taken, &server.id_claims, Some(user)).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_hash_matches_the_oidc_example() {
        // OpenID Connect Core 1.0, the hybrid-flow example's code and its c_hash.
        assert_eq!(
            half_hash("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"),
            "LDktKdoQak3Pk0cnXxCltA"
        );
    }
}

#[cfg(test)]
mod claim_sets {
    use super::*;
    use crate::fake::test_support;

    const YAML: &str = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost/cb", flow: code }
users:
  alice: { username: alice@example.com, password: pw }
fake:
  users:
    alice: { given_name: Alice, family_name: Anderson, groups: [admins], claims: { sub: evil, team: blue } }
  servers:
    default: { access_claims: { groups: $groups, iss: evil, plan: { tier: gold } }, id_claims: { role: admin } }
"#;

    fn decode(token: &str) -> Value {
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    }

    #[test]
    fn access_token_claims_and_extras_never_override_standard_ones() {
        let st = test_support::state(YAML);
        let server = st.dir.server("default").unwrap();
        let user = st.dir.user("alice").unwrap();
        let scopes = vec!["openid".to_owned(), "email".to_owned()];
        let subject = Subject {
            user,
            auth_time: 1_700_000_000,
            amr: crate::fake::sessions::PASSWORD_AMR,
        };
        let at = access_token(
            &st,
            server,
            "spa-client",
            Some(subject),
            &scopes,
            1_700_000_100,
        );
        let c = decode(&at.token);
        assert_eq!(c["iss"], "http://127.0.0.1:1/oauth2/default");
        assert_eq!(c["sub"], "alice@example.com");
        assert_eq!(c["uid"], user.id.as_str());
        assert_eq!(c["scp"], serde_json::json!(["openid", "email"]));
        assert_eq!(c["groups"], serde_json::json!(["admins"]));
        assert_eq!(c["plan"], serde_json::json!({"tier": "gold"}));
        assert_eq!(c["team"], "blue");
        assert_eq!(c["auth_time"], 1_700_000_000);
        assert_eq!(c["exp"], 1_700_003_700);
        assert_eq!(c["jti"], at.jti.as_str());

        let service = decode(&access_token(&st, server, "svc", None, &scopes, 1).token);
        assert_eq!(service["sub"], "svc");
        assert!(service.get("uid").is_none() && service.get("groups").is_none());
        assert!(service.get("team").is_none());

        let org = st.dir.server("org").unwrap();
        let org_at = access_token(&st, org, "spa-client", Some(subject), &scopes, 1);
        let org_keys = st.keys.get("org").unwrap();
        assert!(jwt::verify(&org_at.token, &org_keys.access_verifiers()).is_some());
        assert!(jwt::verify(&org_at.token, &org_keys.id_verifiers()).is_none());
        let default_keys = st.keys.get("default").unwrap();
        assert!(jwt::verify(&at.token, &default_keys.access_verifiers()).is_some());
        assert!(jwt::verify(&at.token, &org_keys.access_verifiers()).is_none());
        assert_eq!(decode(&org_at.token)["aud"], "http://127.0.0.1:1");
    }

    #[test]
    fn id_token_claims_follow_scopes_and_the_access_token_rule() {
        let st = test_support::state(YAML);
        let server = st.dir.server("default").unwrap();
        let user = st.dir.user("alice").unwrap();
        let scopes: Vec<String> = ["openid", "profile", "email"].map(String::from).to_vec();
        let mut t = IdTokenFor {
            server,
            client_id: "spa-client",
            subject: Subject {
                user,
                auth_time: 5,
                amr: crate::fake::sessions::TOTP_AMR,
            },
            scopes: &scopes,
            nonce: Some("n-1"),
            access_token: None,
            code: None,
            now: 10,
        };
        let full = decode(&id_token(&st, &t));
        assert_eq!(full["sub"], user.id.as_str());
        assert_eq!(full["aud"], "spa-client");
        assert_eq!(full["nonce"], "n-1");
        assert_eq!(full["given_name"], "Alice");
        assert_eq!(full["email_verified"], true);
        assert_eq!(full["role"], "admin");
        assert_eq!(full["auth_time"], 5);
        assert!(full.get("at_hash").is_none());

        t.access_token = Some("the-access-token");
        t.code = Some("the-code");
        let limited = decode(&id_token(&st, &t));
        assert_eq!(limited["name"], "Alice Anderson");
        assert_eq!(limited["email"], "alice@example.com");
        assert_eq!(limited["preferred_username"], "alice@example.com");
        assert!(limited.get("given_name").is_none() && limited.get("email_verified").is_none());
        assert_eq!(limited["at_hash"], half_hash("the-access-token").as_str());
        assert_eq!(limited["c_hash"], half_hash("the-code").as_str());
        assert_eq!(limited["role"], "admin");

        let openid_only = vec!["openid".to_owned()];
        t.scopes = &openid_only;
        let bare = decode(&id_token(&st, &t));
        assert!(bare.get("name").is_none() && bare.get("email").is_none());
        assert_eq!(bare["sub"], user.id.as_str());
    }
}
