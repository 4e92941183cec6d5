//! The sign-in context of one fixtures.yaml: its config, its org (the embedded fake starts on
//! first use) and its token cache, and the renewals it runs on the worker.

use std::path::PathBuf;
use std::sync::Arc;

use okta_fixtures_config::{Config, OrgUrl};
use tracing::Instrument as _;

use crate::Secret;
#[cfg(feature = "redis")]
use crate::cache::Shared;
use crate::cache::{Cache, Key, Refusals, Store, TokenClock, Waiter};
use crate::discovery;
use crate::error::{Error, Result};
use crate::flow::{self, KeySets, Plan};
use crate::org::Org;
use crate::tokens::Tokens;
use crate::worker;

/// One config's state.
pub(crate) struct Context {
    pub(crate) config: Config,
    /// Set once, on the worker (starting the fake there when `org_url: fake`).
    org: tokio::sync::OnceCell<Org>,
    cache: Arc<Cache>,
    keys: KeySets,
    /// Passwords Okta refused, kept beside the disk store's tokens when there is one.
    refusals: Refusals,
}

impl Context {
    /// The context of `config`, with its disk cache under `cache_dir` (else
    /// [`crate::dirs::cache_root`]) when it gets one, aging tokens by `clock`.
    pub(crate) fn new(config: Config, cache_dir: Option<PathBuf>, clock: TokenClock) -> Self {
        let store = Store::for_config(&config, cache_dir);
        let lock_wait = flow_timeout(&config);
        Context {
            cache: Arc::new(Cache::new(&config.cache, store, clock, lock_wait)),
            config,
            org: tokio::sync::OnceCell::new(),
            keys: KeySets::default(),
            refusals: Refusals::default(),
        }
    }

    /// The org, once started.
    pub(crate) fn started_org(&self) -> Option<&Org> {
        self.org.get()
    }

    /// Usable cached tokens for `key`, from memory or disk, on the caller's thread.
    pub(crate) fn lookup(&self, key: &Key) -> Option<Tokens> {
        self.cache.lookup(key)
    }

    /// The org; call on the worker only (the fake must live on the worker's runtime).
    pub(crate) async fn org(&self) -> Result<Org> {
        self.org
            .get_or_try_init(|| start_org(&self.config, &self.cache))
            .await
            .cloned()
    }

    /// Joins or starts the renewal of `key` (or, `fresh`, signs in for this caller alone);
    /// `waiter` gets the result.
    pub(crate) fn fetch(self: &Arc<Self>, plan: Plan, key: &Key, fresh: bool, waiter: Waiter) {
        // A store that cannot be built (`store: redis` without the feature) fails fresh
        // requests too: they would share refused passwords through it.
        if let Some(e) = self.cache.refused() {
            waiter(Err(e.clone()));
            return;
        }
        if fresh {
            let ctx = self.clone();
            let span = sign_in_span(&plan);
            let run = async move {
                tracing::info!("signing in for a fresh() request, bypassing the cache");
                let result = ctx.run(&plan, None).await;
                waiter(result.map(|t| ctx.cache.clock().rebase(t)));
            };
            // If the worker cannot take it, the dropped waiter ends the caller's wait.
            let _ = worker::spawn(run.instrument(span));
            return;
        }
        let ctx = self.clone();
        self.cache.fetch(key, waiter, move |lead| {
            let span = sign_in_span(&plan);
            let plan = Arc::new(plan);
            let (sign_in_ctx, sign_in_plan) = (ctx.clone(), plan.clone());
            let sign_in = move || async move {
                let result = sign_in_ctx.run(&sign_in_plan, None).await;
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "sign-in failed");
                }
                result
            };
            let refresh = move |rt: Secret| async move { ctx.run(&plan, Some(&rt)).await };
            // If the worker cannot take it, the dropped lead wakes the waiters.
            let _ = worker::spawn(lead.renew(sign_in, refresh).instrument(span));
        });
    }

    /// Signs in, or with `refresh_token` renews with it; on the worker.
    async fn run(&self, plan: &Plan, refresh_token: Option<&Secret>) -> Result<Tokens> {
        let org = self.org().await?;
        let client = worker::client().map_err(|source| Error::Http {
            sign_in: Box::new(plan.sign_in()),
            endpoint: "(building the HTTP client)".into(),
            source,
        })?;
        let okta = flow::Okta {
            client,
            config: &self.config,
            org: &org,
            keys: &self.keys,
            refusals: &self.refusals,
            store: self.cache.shared(),
        };
        match refresh_token {
            None => flow::sign_in(&okta, plan).await,
            Some(rt) => flow::refresh(&okta, plan, rt).await,
        }
    }
}

/// The span of one renewal: who, never a secret.
fn sign_in_span(plan: &Plan) -> tracing::Span {
    tracing::info_span!(
        "okta_fixtures::sign_in",
        user = plan.user.as_ref().map(|u| u.name.as_str()),
        app = %plan.app.name,
        server = %plan.server,
    )
}

/// The longest a sign-in may take, and so the longest wait for another process's: the
/// discovery documents of an org by URL (one per server in use, and the org server's) the first
/// time, four requests (authn, authorize, token, keys), and every rate-limit wait allowed.
fn flow_timeout(config: &Config) -> std::time::Duration {
    let http = &config.http;
    let discovery = match config.org_url {
        OrgUrl::Url(_) => config.servers_in_use().len() as u32 + 1,
        OrgUrl::Fake => 0,
    };
    http.timeout * (4 + discovery) + http.max_rate_limit_wait * http.rate_limit_retries
}

async fn start_org(config: &Config, cache: &Cache) -> Result<Org> {
    let clock = cache.clock();
    match &config.org_url {
        OrgUrl::Url(url) => {
            let client = worker::client().map_err(|source| Error::Http {
                sign_in: Box::new(crate::error::SignIn::new(
                    None,
                    "(discovery)",
                    &config.authorization_server,
                )),
                endpoint: "(building the HTTP client)".into(),
                source,
            })?;
            #[cfg(feature = "redis")]
            if let Shared::Redis(r) = cache.shared() {
                // Unreachable at first use is an error naming cache.redis_url, never a
                // fallback (which would multiply sign-ins).
                r.check().await?;
            }
            discovery::discover(url, config, client, cache.shared()).await
        }
        #[cfg(feature = "fake")]
        OrgUrl::Fake => {
            let mut builder = crate::fake::FakeOkta::builder().config(config);
            if let TokenClock::Fake(clock) = clock {
                builder = builder.clock(clock.clone());
            }
            let fake = builder.start().await?;
            tracing::info!(url = %fake.org_url(), "started the embedded fake Okta");
            Ok(Org::with_fake(config, fake))
        }
        #[cfg(not(feature = "fake"))]
        OrgUrl::Fake => {
            let _ = clock;
            Err(Error::FakeDisabled)
        }
    }
}
