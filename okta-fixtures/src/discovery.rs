//! Each authorization server's issuer and endpoints, read from its discovery document
//! (`/.well-known/openid-configuration`) for an org reached by URL.
//!
//! Okta's issuer need not start with the org URL: with a custom URL domain, or the "Dynamic"
//! issuer mode, tokens say `https://id.example.com/oauth2/default` while the org answers at
//! `https://example.okta.com` (help.okta.com, "Create an authorization server", Settings >
//! Issuer: <https://help.okta.com/en-us/content/topics/security/api-config-auth-server.htm>;
//! the Authorization Servers API's `issuerMode`, `ORG_URL` | `CUSTOM_URL` | `DYNAMIC`:
//! <https://developer.okta.com/docs/reference/api/authorization-servers/>). Our wire reference
//! (`okta-wire.md` §2) gives the issuer as `https://{oktaDomain}/oauth2/{id}` only; Okta's docs
//! win.
//! So the issuer that ID tokens are checked against, and the endpoints that sign-ins use, are
//! the ones the document names, never built from `org_url`. Endpoints must be `https://` or on
//! this machine (loopback), so session tokens, codes, PKCE verifiers and client secrets go
//! nowhere else; with `http.allow_plain_http`, plain `http://` to the org's own host is
//! allowed too (a fake Okta in a sidecar container), with a warning.
//!
//! A document is fetched once and kept in the token cache folder (or, with `cache.store:
//! redis` and a `cache.signing_key`, in Redis) for an hour, so the processes of a test run
//! share one fetch per server.

use std::sync::Once;
use std::time::{Duration, SystemTime};

use okta_fixtures_config::Config;
use reqwest::Client;
use serde::Deserialize;
use url::Url;

use crate::cache::Shared;
use crate::error::{Error, Result};
use crate::flow::http::{BODY_LIMIT, BodyError, read_limited};
use crate::org::{Endpoints, Org};

/// How long a document kept in the cache folder is used before it is fetched again.
const KEEP_FOR: Duration = Duration::from_secs(3600);

/// The fields of a discovery document that sign-ins use.
#[derive(Deserialize)]
struct Document {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// `org` with the issuer and endpoints of each server in use (and of the org server) read
/// from their discovery documents: from the shared store when a process fetched them within the hour,
/// else from the org.
pub(crate) async fn discover(
    url: &str,
    config: &Config,
    client: &Client,
    shared: Shared<'_>,
) -> Result<Org> {
    // Where Okta's URL layout puts the documents.
    let org = Org::new(url, config);
    let plain_http_host = plain_http_host(url, config);
    let mut names: Vec<&str> = config
        .servers_in_use()
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    if !names.contains(&okta_fixtures_config::ORG_SERVER) {
        names.push(okta_fixtures_config::ORG_SERVER);
    }
    let mut found = Vec::new();
    for name in names {
        let server = org.server(name)?;
        let url = server.discovery_url();
        let endpoints = endpoints(url, config, client, shared, plain_http_host.as_deref())
            .await
            .map_err(|problem| Error::Discovery {
                server: name.to_owned(),
                id: server.id().to_owned(),
                url: url.to_owned(),
                problem,
            });
        match &endpoints {
            Ok(e) => tracing::debug!(server = name, issuer = %e.issuer, "discovered"),
            Err(e) => tracing::warn!(error = %e, "discovery failed"),
        }
        found.push((name.to_owned(), endpoints));
    }
    // An org that answers for no server at all is retried by the next caller (the network may
    // be back); otherwise each server that failed keeps its error.
    if let Some((_, Err(first))) = found.iter().find(|(_, e)| e.is_err())
        && found.iter().all(|(_, e)| e.is_err())
    {
        return Err(first.clone());
    }
    Ok(Org::discovered(url, config, found))
}

/// The endpoints of the document at `url`: kept in the shared store by a process within the hour,
/// else fetched (and kept).
async fn endpoints(
    url: &str,
    config: &Config,
    client: &Client,
    shared: Shared<'_>,
    plain_http_host: Option<&str>,
) -> std::result::Result<Endpoints, String> {
    let kept = kept(url, shared).await;
    if let Some(Ok(endpoints)) = kept.as_deref().map(|b| read(b, plain_http_host)) {
        return Ok(endpoints);
    }
    let body = fetch(client, url, config.http.timeout).await?;
    let endpoints = read(&body, plain_http_host)?;
    keep(url, &body, shared).await;
    Ok(endpoints)
}

/// The document of `url` kept within the hour, if any. A Redis that fails here is logged, and
/// the document fetched: it is public, and fetching it again signs no one in.
async fn kept(url: &str, shared: Shared<'_>) -> Option<Vec<u8>> {
    match shared {
        Shared::None => None,
        Shared::Disk(d) => d.document(url, KEEP_FOR, SystemTime::now()),
        #[cfg(feature = "redis")]
        Shared::Redis(r) => r
            .document(url)
            .await
            .inspect_err(
                |e| tracing::info!(error = %e, "could not read a discovery document from Redis"),
            )
            .ok()
            .flatten(),
    }
}

/// Keeps the document `body` of `url` for an hour.
async fn keep(url: &str, body: &[u8], shared: Shared<'_>) {
    let kept = match shared {
        Shared::None => return,
        Shared::Disk(d) => d.store_document(url, body),
        #[cfg(feature = "redis")]
        Shared::Redis(r) => r.store_document(url, body).await,
    };
    if let Err(e) = kept {
        tracing::info!(error = %e, "could not keep a discovery document in the cache");
    }
}

/// The document's body, or what went wrong, in words that say what to check.
async fn fetch(
    client: &Client,
    url: &str,
    timeout: Duration,
) -> std::result::Result<Vec<u8>, String> {
    let res = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "got no answer in time (http.timeout); check org_url and the network".to_owned()
            } else {
                "could not be fetched; check org_url and the network".to_owned()
            }
        })?;
    let status = res.status().as_u16();
    match status {
        200 => {}
        404 => {
            return Err(
                "answered 404: the org has no authorization server of this id; fix \
                        `servers.<name>.id` in fixtures.yaml (Admin Console: Security > API > \
                        Authorization Servers), or create the server"
                    .to_owned(),
            );
        }
        429 => {
            return Err(
                "answered 429: Okta's rate limit; let the token cache share sign-ins".to_owned(),
            );
        }
        _ => {
            return Err(format!(
                "answered HTTP {status}; is org_url an Okta org URL?"
            ));
        }
    }
    read_limited(res, BODY_LIMIT).await.map_err(|e| match e {
        BodyError::TooLarge => format!(
            "is over {BODY_LIMIT} bytes, more than Okta sends; check org_url and any proxy in \
             between"
        ),
        BodyError::Transport(_) => "was cut off; check the network".to_owned(),
    })
}

/// The host that plain `http://` may reach beside this machine: the org's, when
/// `http.allow_plain_http` is set and the org URL is plain `http://` (warned about once per
/// process).
fn plain_http_host(url: &str, config: &Config) -> Option<String> {
    static WARNED: Once = Once::new();
    let url = Url::parse(url).ok()?;
    if !config.http.allow_plain_http
        || url.scheme() != "http"
        || okta_fixtures_config::is_loopback(&url)
    {
        return None;
    }
    let host = url.host_str()?.to_owned();
    WARNED.call_once(|| {
        tracing::warn!(
            host = %host,
            "http.allow_plain_http: passwords and tokens go to this host in cleartext; use \
             it only for a fake Okta on a private network"
        );
    });
    Some(host)
}

/// The issuer and endpoints a document names, each checked; `plain_http_host` may be reached
/// by plain `http://` too.
fn read(body: &[u8], plain_http_host: Option<&str>) -> std::result::Result<Endpoints, String> {
    let doc: Document = serde_json::from_slice(body).map_err(|_| {
        "is not a discovery document (no issuer, authorization_endpoint, token_endpoint and \
         jwks_uri); is org_url an Okta org URL?"
            .to_owned()
    })?;
    for (field, value) in [
        ("issuer", &doc.issuer),
        ("authorization_endpoint", &doc.authorization_endpoint),
        ("token_endpoint", &doc.token_endpoint),
        ("jwks_uri", &doc.jwks_uri),
    ] {
        safe_endpoint(value, plain_http_host)
            .map_err(|why| format!("names a `{field}` that {why}"))?;
    }
    Ok(Endpoints {
        issuer: doc.issuer.trim_end_matches('/').to_owned(),
        authorize_url: doc.authorization_endpoint,
        token_url: doc.token_endpoint,
        jwks_uri: doc.jwks_uri,
    })
}

/// `Ok` for an `https://` URL, or an `http://` one on this machine or on `plain_http_host`;
/// else why not.
fn safe_endpoint(
    value: &str,
    plain_http_host: Option<&str>,
) -> std::result::Result<(), &'static str> {
    let url = Url::parse(value).map_err(|_| "is not a URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("holds credentials");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if okta_fixtures_config::is_loopback(&url) => Ok(()),
        "http" if plain_http_host.is_some() && url.host_str() == plain_http_host => Ok(()),
        "http" => Err(
            "is plain http:// to another machine; secrets go only to https:// \
                       endpoints (or to this machine)",
        ),
        _ => Err("is not an https:// URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(issuer: &str, base: &str) -> Vec<u8> {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{base}/v1/authorize"),
            "token_endpoint": format!("{base}/v1/token"),
            "jwks_uri": format!("{base}/v1/keys"),
            "response_types_supported": ["code"],
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_custom_domain_issuer_is_taken_as_the_document_names_it() {
        let e = read(
            &doc(
                "https://id.example.com/oauth2/default",
                "https://id.example.com/oauth2/default",
            ),
            None,
        )
        .unwrap();
        assert_eq!(e.issuer, "https://id.example.com/oauth2/default");
        assert_eq!(
            e.authorize_url,
            "https://id.example.com/oauth2/default/v1/authorize"
        );
        assert_eq!(
            e.token_url,
            "https://id.example.com/oauth2/default/v1/token"
        );
        assert_eq!(e.jwks_uri, "https://id.example.com/oauth2/default/v1/keys");
    }

    #[test]
    fn endpoints_must_be_https_or_on_this_machine() {
        for ok in [
            "https://dev-1.okta.com/oauth2/default",
            "http://127.0.0.1:8080/oauth2/default",
            "http://127.1.2.3/x",
            "http://localhost:9/x",
            "http://[::1]:9/x",
        ] {
            assert!(read(&doc(ok, ok), None).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://dev-1.okta.com/oauth2/default", "plain http://"),
            ("http://10.0.0.1/oauth2/default", "plain http://"),
            ("https://user:pw@dev-1.okta.com/x", "credentials"),
            ("ftp://dev-1.okta.com/x", "not an https:// URL"),
            ("dev-1.okta.com/x", "not a URL"),
        ] {
            let e = read(&doc("https://dev-1.okta.com/oauth2/default", bad), None).unwrap_err();
            assert!(
                e.contains("`authorization_endpoint`") && e.contains(why),
                "{bad}: {e}"
            );
            assert!(!e.contains("pw"), "{e}");
        }
        let e = read(
            &doc("http://id.example.com/oauth2/default", "https://x.okta.com"),
            None,
        )
        .unwrap_err();
        assert!(e.contains("`issuer`"), "{e}");
        assert!(
            read(b"{\"issuer\": \"https://x\"}", None)
                .unwrap_err()
                .contains("not a discovery document")
        );
    }

    #[test]
    fn allow_plain_http_opens_the_org_host_alone() {
        let okta = "http://okta-fake:8080/oauth2/default";
        assert!(
            read(&doc(okta, okta), None)
                .unwrap_err()
                .contains("plain http://")
        );
        assert!(read(&doc(okta, okta), Some("okta-fake")).is_ok());
        let e = read(&doc(okta, "http://elsewhere:8080/x"), Some("okta-fake")).unwrap_err();
        assert!(
            e.contains("`authorization_endpoint`") && e.contains("plain http://"),
            "{e}"
        );
    }
}
