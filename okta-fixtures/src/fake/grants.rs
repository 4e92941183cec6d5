//! What the token endpoint redeems: authorization codes and refresh tokens, plus the record of
//! revoked access tokens.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use okta_fixtures_config::Rotation;

use super::expiring::Expiring;
use super::ids;
use super::sessions::Amr;
use super::sessions::lock;

/// What an authorization code was issued for; `/token` checks each field.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    pub(crate) server: String,
    pub(crate) redirect_uri: String,
    pub(crate) challenge: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) user_key: String,
    pub(crate) auth_time: u64,
    /// How the session behind it was authenticated.
    pub(crate) amr: Amr,
}

/// Who a refresh token belongs to and what it may be traded for.
#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) server: String,
    pub(crate) user_key: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) auth_time: u64,
    /// How the session behind it was authenticated.
    pub(crate) amr: Amr,
    /// Tokens descended from one sign-in share a family; reuse of a rotated-out token
    /// revokes the whole family.
    pub(crate) family: u64,
}

#[derive(Clone, Debug)]
enum RefreshState {
    Active,
    /// Rotated out at this time; honoured until the grace period ends.
    Rotated(SystemTime),
}

#[derive(Clone, Debug)]
struct RefreshRecord {
    grant: RefreshGrant,
    state: RefreshState,
    expires_at: SystemTime,
}

/// Why a refresh token was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RefreshRefused {
    /// Unknown, expired, revoked or another client's.
    Invalid,
    /// A rotated-out token was replayed after its grace period: the family is now revoked.
    Reused,
}

#[derive(Debug, Default)]
struct RefreshStore {
    tokens: HashMap<String, RefreshRecord>,
    revoked_families: HashMap<u64, SystemTime>,
    next_family: u64,
    inserts_since_sweep: usize,
}

impl RefreshStore {
    fn insert(&mut self, token: String, record: RefreshRecord, now: SystemTime) {
        self.inserts_since_sweep += 1;
        if self.inserts_since_sweep >= 1024 {
            self.tokens.retain(|_, r| r.expires_at > now);
            self.revoked_families.retain(|_, until| *until > now);
            self.inserts_since_sweep = 0;
        }
        self.tokens.insert(token, record);
    }

    fn revoke_family(&mut self, family: u64, until: SystemTime) {
        self.tokens.retain(|_, r| r.grant.family != family);
        self.revoked_families.insert(family, until);
    }
}

/// The token endpoint's memory. No `Debug`: it holds live codes and refresh tokens.
#[derive(Default)]
pub(crate) struct Grants {
    codes: Mutex<Expiring<String, CodeGrant>>,
    refresh: Mutex<RefreshStore>,
    /// `jti`s of access tokens revoked one by one, kept until the token would have expired.
    revoked_access: Mutex<Expiring<String, ()>>,
    /// `jti` → refresh family, for access tokens minted alongside a refresh token.
    access_family: Mutex<Expiring<String, u64>>,
}

impl Grants {
    /// Issues a single-use code.
    pub(crate) fn issue_code(
        &self,
        grant: CodeGrant,
        now: SystemTime,
        lifetime: Duration,
    ) -> String {
        let code = ids::opaque_token();
        lock(&self.codes).insert(code.clone(), grant, now + lifetime, now);
        code
    }

    /// The user a live code was issued for, without spending it.
    pub(crate) fn peek_code(&self, code: &str, now: SystemTime) -> Option<String> {
        lock(&self.codes)
            .get(&code.to_owned(), now)
            .map(|g| g.user_key.clone())
    }

    /// Forgets every code, refresh token and revocation.
    pub(crate) fn clear(&self) {
        lock(&self.codes).clear();
        *lock(&self.refresh) = RefreshStore::default();
        lock(&self.revoked_access).clear();
        lock(&self.access_family).clear();
    }

    /// Spends a code: whatever happens next, it never works again.
    pub(crate) fn redeem_code(&self, code: &str, now: SystemTime) -> Option<CodeGrant> {
        lock(&self.codes).take(&code.to_owned(), now)
    }

    /// A new refresh family id.
    pub(crate) fn new_family(&self) -> u64 {
        let mut store = lock(&self.refresh);
        store.next_family += 1;
        store.next_family
    }

    /// Issues a refresh token valid until `expires_at`.
    pub(crate) fn issue_refresh(
        &self,
        grant: RefreshGrant,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> String {
        let token = ids::opaque_token();
        let record = RefreshRecord {
            grant,
            state: RefreshState::Active,
            expires_at,
        };
        lock(&self.refresh).insert(token.clone(), record, now);
        token
    }

    /// Trades a refresh token for `client_id` on `server`. Returns the grant and the refresh
    /// token to hand back: the same one (static) or a successor (rotation).
    pub(crate) fn use_refresh(
        &self,
        token: &str,
        client_id: &str,
        server: &str,
        rotation: Rotation,
        grace: Duration,
        now: SystemTime,
    ) -> Result<(RefreshGrant, String), RefreshRefused> {
        let mut store = lock(&self.refresh);
        let record = store
            .tokens
            .get(token)
            .cloned()
            .ok_or(RefreshRefused::Invalid)?;
        if record.expires_at <= now
            || record.grant.client_id != client_id
            || record.grant.server != server
        {
            return Err(RefreshRefused::Invalid);
        }
        if let RefreshState::Rotated(at) = record.state
            && now.duration_since(at).unwrap_or_default() > grace
        {
            store.revoke_family(record.grant.family, record.expires_at);
            return Err(RefreshRefused::Reused);
        }
        match rotation {
            Rotation::Static => Ok((record.grant, token.to_owned())),
            Rotation::Rotate => {
                if let Some(r) = store.tokens.get_mut(token)
                    && matches!(r.state, RefreshState::Active)
                {
                    r.state = RefreshState::Rotated(now);
                }
                let next = ids::opaque_token();
                // A rotated token inherits the first token's expiry (Okta refresh-token guide).
                store.insert(
                    next.clone(),
                    RefreshRecord {
                        grant: record.grant.clone(),
                        state: RefreshState::Active,
                        expires_at: record.expires_at,
                    },
                    now,
                );
                Ok((record.grant, next))
            }
        }
    }

    /// The live grant behind a refresh token, without using it (introspection).
    pub(crate) fn peek_refresh(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Option<(RefreshGrant, SystemTime)> {
        let store = lock(&self.refresh);
        let r = store.tokens.get(token)?;
        (r.expires_at > now).then(|| (r.grant.clone(), r.expires_at))
    }

    /// Revokes a refresh token of `client_id` on `server` and everything minted in its
    /// family.
    pub(crate) fn revoke_refresh(&self, token: &str, client_id: &str, server: &str) -> bool {
        let mut store = lock(&self.refresh);
        let Some(r) = store.tokens.get(token) else {
            return false;
        };
        if r.grant.client_id != client_id || r.grant.server != server {
            return false;
        }
        let (family, until) = (r.grant.family, r.expires_at);
        store.revoke_family(family, until);
        true
    }

    /// Records that access token `jti` belongs to refresh `family`.
    pub(crate) fn link_access(&self, jti: &str, family: u64, now: SystemTime, until: SystemTime) {
        lock(&self.access_family).insert(jti.to_owned(), family, until, now);
    }

    /// Revokes one access token until it would have expired anyway.
    pub(crate) fn revoke_access(&self, jti: &str, now: SystemTime, until: SystemTime) {
        lock(&self.revoked_access).insert(jti.to_owned(), (), until, now);
    }

    /// Whether access token `jti` was revoked, alone or with its refresh family.
    pub(crate) fn access_revoked(&self, jti: &str, now: SystemTime) -> bool {
        if lock(&self.revoked_access)
            .get(&jti.to_owned(), now)
            .is_some()
        {
            return true;
        }
        let family = lock(&self.access_family).get(&jti.to_owned(), now).copied();
        family.is_some_and(|f| lock(&self.refresh).revoked_families.contains_key(&f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::sessions::PASSWORD_AMR;

    fn grant(g: &Grants) -> RefreshGrant {
        RefreshGrant {
            client_id: "spa".into(),
            server: "default".into(),
            user_key: "alice".into(),
            scopes: vec!["openid".into(), "offline_access".into()],
            auth_time: 1,
            amr: PASSWORD_AMR,
            family: g.new_family(),
        }
    }

    #[test]
    fn codes_are_single_use_and_expire() {
        let g = Grants::default();
        let now = SystemTime::now();
        let code_grant = CodeGrant {
            client_id: "spa".into(),
            server: "default".into(),
            redirect_uri: "http://x".into(),
            challenge: None,
            nonce: None,
            scopes: vec![],
            user_key: "alice".into(),
            auth_time: 1,
            amr: PASSWORD_AMR,
        };
        let code = g.issue_code(code_grant.clone(), now, Duration::from_secs(300));
        assert_eq!(code.len(), 43);
        assert!(g.redeem_code(&code, now).is_some());
        assert!(g.redeem_code(&code, now).is_none());
        let code = g.issue_code(code_grant, now, Duration::from_secs(300));
        assert!(
            g.redeem_code(&code, now + Duration::from_secs(300))
                .is_none()
        );
    }

    #[test]
    fn static_refresh_returns_the_same_token() {
        let g = Grants::default();
        let now = SystemTime::now();
        let t = g.issue_refresh(grant(&g), now, now + Duration::from_secs(60));
        for _ in 0..3 {
            let (_, same) = g
                .use_refresh(&t, "spa", "default", Rotation::Static, Duration::ZERO, now)
                .unwrap();
            assert_eq!(same, t);
        }
        assert_eq!(
            g.use_refresh(&t, "web", "default", Rotation::Static, Duration::ZERO, now)
                .unwrap_err(),
            RefreshRefused::Invalid
        );
        assert_eq!(
            g.use_refresh(&t, "spa", "org", Rotation::Static, Duration::ZERO, now)
                .unwrap_err(),
            RefreshRefused::Invalid
        );
        assert_eq!(
            g.use_refresh(
                &t,
                "spa",
                "default",
                Rotation::Static,
                Duration::ZERO,
                now + Duration::from_secs(60)
            )
            .unwrap_err(),
            RefreshRefused::Invalid
        );
    }

    #[test]
    fn rotation_grace_then_reuse_detection_revokes_the_family() {
        let g = Grants::default();
        let now = SystemTime::now();
        let grace = Duration::from_secs(30);
        let first = g.issue_refresh(grant(&g), now, now + Duration::from_secs(3600));
        let (fam, second) = g
            .use_refresh(&first, "spa", "default", Rotation::Rotate, grace, now)
            .unwrap();
        assert_ne!(first, second);
        g.link_access("AT.1", fam.family, now, now + Duration::from_secs(3600));
        // Within grace the old token still works.
        let t10 = now + Duration::from_secs(10);
        assert!(
            g.use_refresh(&first, "spa", "default", Rotation::Rotate, grace, t10)
                .is_ok()
        );
        assert!(!g.access_revoked("AT.1", t10));
        // After grace: reuse detected, family revoked, even the newest token is dead.
        let t40 = now + Duration::from_secs(40);
        assert_eq!(
            g.use_refresh(&first, "spa", "default", Rotation::Rotate, grace, t40)
                .unwrap_err(),
            RefreshRefused::Reused
        );
        assert_eq!(
            g.use_refresh(&second, "spa", "default", Rotation::Rotate, grace, t40)
                .unwrap_err(),
            RefreshRefused::Invalid
        );
        assert!(g.access_revoked("AT.1", t40));
    }

    #[test]
    fn revocation_is_per_client() {
        let g = Grants::default();
        let now = SystemTime::now();
        let t = g.issue_refresh(grant(&g), now, now + Duration::from_secs(60));
        assert!(!g.revoke_refresh(&t, "web", "default"));
        assert!(!g.revoke_refresh(&t, "spa", "org"));
        assert!(g.peek_refresh(&t, now).is_some());
        assert!(g.revoke_refresh(&t, "spa", "default"));
        assert!(g.peek_refresh(&t, now).is_none());
        g.revoke_access("AT.x", now, now + Duration::from_secs(5));
        assert!(g.access_revoked("AT.x", now));
        assert!(!g.access_revoked("AT.x", now + Duration::from_secs(5)));
    }
}
