//! The file as written: serde structs mirroring the YAML, strings not yet expanded.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub(crate) org_url: Option<String>,
    pub(crate) authorization_server: Option<String>,
    #[serde(default)]
    pub(crate) apps: BTreeMap<String, RawApp>,
    #[serde(default)]
    pub(crate) users: BTreeMap<String, RawUser>,
    pub(crate) cache: Option<RawCache>,
    pub(crate) verify: Option<RawVerify>,
    pub(crate) http: Option<RawHttp>,
    pub(crate) fake: Option<RawFake>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawApp {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) flow: String,
    pub(crate) scopes: Option<Vec<String>>,
    pub(crate) response_type: Option<Vec<String>>,
    pub(crate) authorization_server: Option<String>,
    pub(crate) token_endpoint_auth: Option<String>,
    pub(crate) pkce: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUser {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) app: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCache {
    pub(crate) store: Option<String>,
    pub(crate) refresh_before: Option<RawDuration>,
    pub(crate) persist_refresh: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVerify {
    pub(crate) id_token: Option<bool>,
    pub(crate) leeway: Option<RawDuration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHttp {
    pub(crate) timeout: Option<RawDuration>,
    pub(crate) rate_limit_retries: Option<u32>,
    pub(crate) max_rate_limit_wait: Option<RawDuration>,
}

/// `30`, `30s`, `5m`, `1h`, `250ms`, `7d`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(crate) enum RawDuration {
    Secs(u64),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFake {
    pub(crate) org_name: Option<String>,
    #[serde(default)]
    pub(crate) users: BTreeMap<String, RawFakeUser>,
    #[serde(default)]
    pub(crate) servers: BTreeMap<String, RawFakeServer>,
    #[serde(default)]
    pub(crate) apps: BTreeMap<String, RawFakeApp>,
    pub(crate) lifetimes: Option<RawLifetimes>,
    #[serde(default)]
    pub(crate) faults: Vec<RawFault>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFakeUser {
    pub(crate) id: Option<String>,
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) groups: Vec<String>,
    #[serde(default)]
    pub(crate) claims: BTreeMap<String, serde_json::Value>,
    pub(crate) status: Option<String>,
    pub(crate) apps: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFakeServer {
    pub(crate) audience: Option<String>,
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
    #[serde(default)]
    pub(crate) access_claims: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub(crate) id_claims: BTreeMap<String, serde_json::Value>,
    pub(crate) lifetimes: Option<RawLifetimes>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLifetimes {
    pub(crate) access_token: Option<RawDuration>,
    pub(crate) id_token: Option<RawDuration>,
    pub(crate) refresh_token: Option<RawDuration>,
    pub(crate) code: Option<RawDuration>,
    pub(crate) session_token: Option<RawDuration>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFakeApp {
    pub(crate) grant_types: Option<Vec<String>>,
    pub(crate) rotation: Option<String>,
    pub(crate) rotation_grace: Option<RawDuration>,
    pub(crate) pkce_required: Option<bool>,
    #[serde(default)]
    pub(crate) redirect_uris: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub(crate) endpoint: String,
    /// `rate_limit`, `status`, `latency`, `drop`, `malformed_page`
    pub(crate) kind: String,
    pub(crate) status: Option<u16>,
    pub(crate) latency: Option<RawDuration>,
    pub(crate) reset: Option<u64>,
    pub(crate) user: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) times: Option<u32>,
}
