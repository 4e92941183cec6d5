// Conformance of the embedded fake Okta, judged by Okta's own and certified client libraries:
// @okta/jwt-verifier (Okta's JWT verifier for Node) and openid-client (a certified OpenID
// Connect relying party). For the org authorization server and the custom server `default`,
// with a public client (spa: PKCE, query mode) and a confidential one (web:
// client_secret_basic, form_post mode): discovery, the code flow from a sessionToken, ID token
// validation, userinfo, introspection, refresh, revocation; plus the implicit flow (legacy),
// client_credentials (reports), okta-auth-js's okta_post_message code with PKCE, refusals
// the fake must not be more lenient about (a wrong PKCE verifier, a spent sessionToken, an
// undefined scope), and its keys: an org-server access token verifies against no key it
// publishes, and a token of one server against no other server's JWKS.
//
//   node conformance/check.mjs <orgUrl>
//
// One line per check on stdout, then `N passed, M failed`; exit code 1 if any failed.
// conformance/run.sh starts the fake from the root fixtures.yaml and runs this against it.

import { createHash } from 'node:crypto';

import OktaJwtVerifier from '@okta/jwt-verifier';
import * as oidc from 'openid-client';

import { apps, jwksUris, servers as serversAt, users } from './fixtures.mjs';
import { Harness, expect, expectOAuthError, expectUnknownKey, need } from './harness.mjs';
import { asked, authn, authorize, countSignIn } from './okta.mjs';

const orgUrl = process.argv[2]?.replace(/\/+$/, '');
if (!orgUrl || !/^https?:\/\/[^/]+$/.test(orgUrl)) {
  console.error('usage: node check.mjs <orgUrl>   (e.g. http://127.0.0.1:41234)');
  process.exit(2);
}
// The fake serves plain HTTP on loopback; both libraries refuse that unless told.
const insecure = orgUrl.startsWith('http:');

const h = new Harness();
/** A scope no server of the root fixtures.yaml defines. */
const UNDEFINED_SCOPE = 'conformance:undefined';
const servers = serversAt(orgUrl);
/** Every JWKS the fake publishes, by server id. */
const published = jwksUris(orgUrl);
/** Discovered metadata by server id. */
const discovered = {};
/** The SPA's tokens (openid-client's token response) by server id, for the key checks. */
const issued = {};

console.log(`# org ${orgUrl}`);
if (insecure) {
  console.log(
    '# plain http: openid-client allowInsecureRequests, @okta/jwt-verifier testing.disableHttpsCheck',
  );
}

for (const server of Object.values(servers)) {
  await discovery(server);
  issued[server.id] = await codeFlow(server, apps.spa, users.alice, 'query');
  await codeFlow(server, apps.web, users.alice, 'form_post');
  await refusals(server, apps.spa, users.bob);
}
await implicitFlow(servers.org, apps.legacy, users.alice);
await clientCredentials(servers.default, apps.reports);
await postMessageCode(servers.default, apps.spa, users.alice);
await keysPerServer();
await fakeStats();
process.exitCode = h.finish();

// ---------------------------------------------------------------------------------------------

async function discovery(server) {
  discovered[server.id] = await h.check(
    `${server.id}: openid-client discovery of ${server.issuer}`,
    async () => {
      const config = await oidc.discovery(
        new URL(server.issuer),
        apps.spa.clientId,
        undefined,
        oidc.None(),
        { execute: insecure ? [oidc.allowInsecureRequests] : [] },
      );
      const m = config.serverMetadata();
      expectEndpoints(m, server, true);
      expect(m.id_token_signing_alg_values_supported?.includes('RS256'), 'no RS256 ID tokens');
      const logout = await fetch(m.end_session_endpoint, { redirect: 'manual' });
      expect(logout.status === 400, `end_session_endpoint answers ${logout.status} without a hint`);
      return {
        value: m,
        detail: 'issuer and endpoints (end_session_endpoint too) match Okta layout, S256, RS256',
      };
    },
  );
  await h.check(`${server.id}: openid-client RFC 8414 discovery (oauth-authorization-server)`, async () => {
    const config = await oidc.discovery(
      new URL(server.issuer),
      apps.spa.clientId,
      undefined,
      oidc.None(),
      { algorithm: 'oauth2', execute: insecure ? [oidc.allowInsecureRequests] : [] },
    );
    const m = config.serverMetadata();
    expectEndpoints(m, server, false);
    const path = server.id === 'org' ? '' : `/oauth2/${server.id}`;
    return { detail: `/.well-known/oauth-authorization-server${path}` };
  });
}

function expectEndpoints(m, server, oidcDocument) {
  const endpoints = {
    authorization_endpoint: 'authorize',
    token_endpoint: 'token',
    jwks_uri: 'keys',
    introspection_endpoint: 'introspect',
    revocation_endpoint: 'revoke',
    // Every server, the org server included, publishes its RP-initiated logout endpoint.
    end_session_endpoint: 'logout',
    ...(oidcDocument ? { userinfo_endpoint: 'userinfo' } : {}),
  };
  for (const [field, path] of Object.entries(endpoints)) {
    expect(m[field] === `${server.base}/${path}`, `${field} is ${m[field]}, not ${server.base}/${path}`);
  }
  expect(m.code_challenge_methods_supported?.includes('S256'), 'no S256 PKCE');
  for (const mode of ['query', 'form_post']) {
    expect(m.response_modes_supported?.includes(mode), `response mode ${mode} not supported`);
  }
  for (const auth of ['client_secret_basic', 'none']) {
    expect(m.token_endpoint_auth_methods_supported?.includes(auth), `no ${auth} client auth`);
  }
}

/** An openid-client configuration for `app` on the discovered server. */
function clientFor(metadata, app) {
  const auth = app.clientSecret ? oidc.ClientSecretBasic(app.clientSecret) : oidc.None();
  const config = new oidc.Configuration(metadata, app.clientId, app.clientSecret, auth);
  if (insecure) oidc.allowInsecureRequests(config);
  // Verify ID token signatures against the server's JWKS, not only the claims.
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/**
 * An @okta/jwt-verifier for the server, asserting `assertClaims`; with `jwksUri`, checking
 * signatures against that JWKS instead of the server's.
 */
function oktaVerifier(server, assertClaims = {}, jwksUri = undefined) {
  const options = { issuer: server.issuer, assertClaims, testing: { disableHttpsCheck: insecure } };
  // The org server's keys are not at `{issuer}/v1/keys`; Okta's README says to name them.
  // Custom servers use the library's own derivation, which the fake must match.
  if (server.id === 'org') options.jwksUri = `${server.base}/keys`;
  if (jwksUri) options.jwksUri = jwksUri;
  // With disableHttpsCheck the constructor warns on every call; the header says it once.
  const warn = console.warn;
  console.warn = () => {};
  try {
    return new OktaJwtVerifier(options);
  } finally {
    console.warn = warn;
  }
}

/** Steps 1 and 2 by hand; the answer must carry a code (or an ID token). */
async function signIn(config, server, app, user, { mode, scope, responseType = 'code' }) {
  const sessionToken = await authn(orgUrl, user);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params = {
    redirect_uri: app.redirectUri,
    response_type: responseType,
    response_mode: mode,
    scope,
    state,
    nonce,
    prompt: 'none',
    sessionToken,
  };
  if (responseType === 'code') {
    params.code_challenge = await oidc.calculatePKCECodeChallenge(verifier);
    params.code_challenge_method = 'S256';
  }
  const answer = await authorize(oidc.buildAuthorizationUrl(config, params), {
    redirectUri: app.redirectUri,
    mode,
  });
  const error = answer.params.get('error');
  if (error) {
    throw new Error(
      `/authorize answered error=${error} error_description="${answer.params.get('error_description')}"`,
    );
  }
  countSignIn(user, app, server);
  return { sessionToken, verifier, state, nonce, answer };
}

async function codeFlow(server, app, user, mode) {
  const name = `${server.id}/${app.name}`;
  const metadata = discovered[server.id];
  const config = metadata && clientFor(metadata, app);
  const custom = server.id === 'org' ? [] : app.customScopes;
  const scopes = ['openid', 'profile', 'email', 'offline_access', ...custom];
  const auth = app.clientSecret ? 'client_secret_basic' : 'public client';

  const flow = await h.check(
    `${name}: sign in for a code (authn, /authorize ${mode}, sessionToken, prompt=none, PKCE)`,
    async () => {
      need(config, `${server.id} discovery`);
      return signIn(config, server, app, user, { mode, scope: scopes.join(' ') });
    },
  );

  const tokens = await h.check(
    `${name}: openid-client authorizationCodeGrant (${auth}) validates state, nonce, ID token and its signature`,
    async () => {
      const f = need(flow, 'the sign-in');
      const t = await oidc.authorizationCodeGrant(config, f.answer.present(), {
        pkceCodeVerifier: f.verifier,
        expectedState: f.state,
        expectedNonce: f.nonce,
        idTokenExpected: true,
      });
      expect(t.refresh_token, 'no refresh_token although offline_access was granted');
      return {
        value: t,
        detail: `scope "${t.scope}", expires_in ${t.expires_in}, refresh_token`,
      };
    },
  );

  await h.check(`${name}: the ID token has Okta's header and claims`, async () => {
    const t = need(tokens, 'the code grant');
    const c = t.claims();
    const problems = idTokenProblems(t.id_token, c, app, user);
    if (c.at_hash !== leftHash(t.access_token)) problems.push('at_hash does not match the access token');
    expect(problems.length === 0, problems.join('; '));
    return { detail: `sub ${c.sub}, amr ${JSON.stringify(c.amr)}, at_hash` };
  });

  await h.check(`${name}: @okta/jwt-verifier verifies the ID token`, async () => {
    const t = need(tokens, 'the code grant');
    const { nonce } = need(flow, 'the sign-in');
    const jwt = await oktaVerifier(server).verifyIdToken(t.id_token, app.clientId, nonce);
    return { detail: `iss ${jwt.claims.iss}` };
  });

  // Org-server access tokens are for Okta's own APIs: Okta publishes their key in no JWKS
  // ("Okta is the only app that should consume or validate access tokens from the org
  // authorization server", developer.okta.com/docs/guides/validate-access-tokens/).
  const verifyAccess = async (accessToken, idToken) => {
    if (server.id === 'org') return unpublishedKey(accessToken, idToken, server);
    const assertClaims = { cid: app.clientId, 'scp.includes': scopes, 'groups.includes': user.groups };
    const jwt = await oktaVerifier(server, assertClaims).verifyAccessToken(accessToken, server.audience);
    const c = jwt.claims;
    expect(c.sub === user.username, `sub ${c.sub} is not the username ${user.username}`);
    expect(c.uid === decode(idToken).sub, `uid ${c.uid} is not the ID token's sub`);
    expect(jwt.header.kid === jwtHeader(idToken).kid, 'a custom server signs with one key');
    return `aud ${c.aud}, cid, scp ${JSON.stringify(c.scp)}, sub = username, uid`;
  };

  await h.check(
    server.id === 'org'
      ? `${name}: an org-server access token verifies against no key the fake publishes (@okta/jwt-verifier)`
      : `${name}: @okta/jwt-verifier verifies the access token (aud ${server.audience})`,
    async () => {
      const t = need(tokens, 'the code grant');
      return { detail: await verifyAccess(t.access_token, t.id_token) };
    },
  );

  await h.check(`${name}: openid-client fetchUserInfo`, async () => {
    const t = need(tokens, 'the code grant');
    const info = await oidc.fetchUserInfo(config, t.access_token, t.claims().sub);
    expect(info.email === user.username, `email ${info.email}`);
    expect(info.preferred_username === user.username, `preferred_username ${info.preferred_username}`);
    return { detail: Object.keys(info).join(' ') };
  });

  await h.check(`${name}: openid-client tokenIntrospection of the access token`, async () => {
    const t = need(tokens, 'the code grant');
    const r = await oidc.tokenIntrospection(config, t.access_token, {
      token_type_hint: 'access_token',
    });
    expect(r.active === true, `active ${r.active}`);
    expect(r.client_id === app.clientId, `client_id ${r.client_id}`);
    expect(r.username === user.username, `username ${r.username}`);
    expect(r.token_type === 'Bearer', `token_type ${r.token_type}`);
    return { detail: `active, ${Object.keys(r).join(' ')}` };
  });

  await h.check(`${name}: the code is single use (replay refused)`, async () => {
    const f = need(flow, 'the sign-in');
    need(tokens, 'the code grant');
    const replay = oidc.authorizationCodeGrant(config, f.answer.present(), {
      pkceCodeVerifier: f.verifier,
      expectedState: f.state,
      expectedNonce: f.nonce,
    });
    return { detail: await expectOAuthError(replay, 'invalid_grant') };
  });

  const rotates = !app.clientSecret;
  const refreshed = await h.check(
    `${name}: openid-client refreshTokenGrant (${rotates ? 'rotating' : 'persistent'} refresh token)`,
    async () => {
      const t = need(tokens, 'the code grant');
      const r = await oidc.refreshTokenGrant(config, t.refresh_token);
      expect(r.access_token && r.access_token !== t.access_token, 'no new access token');
      expect(r.id_token, 'no ID token although openid was granted');
      expect(r.claims().sub === t.claims().sub, `ID token sub ${r.claims().sub} changed`);
      if (rotates) {
        expect(r.refresh_token && r.refresh_token !== t.refresh_token, 'the refresh token was not rotated');
      } else {
        expect(r.refresh_token === t.refresh_token, 'the refresh token changed');
      }
      return { value: r, detail: `new access token and ID token, scope "${r.scope}"` };
    },
  );

  const refreshedName =
    server.id === 'org'
      ? '@okta/jwt-verifier verifies the refreshed ID token; the refreshed access token verifies against no key the fake publishes'
      : '@okta/jwt-verifier verifies the refreshed tokens';
  await h.check(`${name}: ${refreshedName}`, async () => {
    const r = need(refreshed, 'the refresh');
    await oktaVerifier(server).verifyIdToken(r.id_token, app.clientId);
    return { detail: await verifyAccess(r.access_token, r.id_token) };
  });

  await h.check(`${name}: openid-client tokenRevocation of the refresh token; then it is refused`, async () => {
    const rt = need(refreshed, 'the refresh').refresh_token;
    await oidc.tokenRevocation(config, rt, { token_type_hint: 'refresh_token' });
    const r = await oidc.tokenIntrospection(config, rt, { token_type_hint: 'refresh_token' });
    expect(r.active === false, `introspection says active ${r.active} after revocation`);
    return { detail: `inactive; ${await expectOAuthError(oidc.refreshTokenGrant(config, rt), 'invalid_grant')}` };
  });
  return tokens;
}

/**
 * What the fake must refuse as Okta does: a wrong PKCE verifier, a spent sessionToken, a scope
 * the server does not define.
 */
async function refusals(server, app, user) {
  const name = `${server.id}/${app.name}`;
  const metadata = discovered[server.id];
  const config = metadata && clientFor(metadata, app);
  const scope = 'openid profile email';

  const spent = await h.check(`${name}: a wrong PKCE code_verifier is refused`, async () => {
    need(config, `${server.id} discovery`);
    const f = await signIn(config, server, app, user, { mode: 'query', scope });
    const grant = oidc.authorizationCodeGrant(config, f.answer.present(), {
      pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
      expectedState: f.state,
      expectedNonce: f.nonce,
    });
    return { value: f.sessionToken, detail: await expectOAuthError(grant, 'invalid_grant') };
  });

  await h.check(`${name}: a spent sessionToken with prompt=none answers login_required`, async () => {
    const grant = refusedGrant(config, app, need(spent, 'a sign-in'), scope);
    return { detail: await expectOAuthError(grant, 'login_required') };
  });

  await h.check(`${name}: an undefined scope is refused (invalid_scope)`, async () => {
    need(config, `${server.id} discovery`);
    const sessionToken = await authn(orgUrl, user);
    const grant = refusedGrant(config, app, sessionToken, `${scope} ${UNDEFINED_SCOPE}`);
    return { detail: await expectOAuthError(grant, 'invalid_scope') };
  });
}

/**
 * Step 2 (query mode) with `sessionToken` and `scope`, and the code grant openid-client makes
 * of its answer: a promise that rejects with the OAuth error the answer carries (or with any
 * failure on the way).
 */
async function refusedGrant(config, app, sessionToken, scope) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: app.redirectUri,
    response_type: 'code',
    response_mode: 'query',
    scope,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    prompt: 'none',
    sessionToken,
  });
  const answer = await authorize(url, { redirectUri: app.redirectUri, mode: 'query' });
  return oidc.authorizationCodeGrant(config, answer.present(), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
}

async function implicitFlow(server, app, user) {
  const name = `${server.id}/${app.name}`;
  const scope = 'openid profile email';
  const flow = await h.check(
    `${name}: openid-client implicitAuthentication (id_token, form_post) verifies the ID token and its signature`,
    async () => {
      const config = clientFor(need(discovered[server.id], `${server.id} discovery`), app);
      oidc.useIdTokenResponseType(config);
      const f = await signIn(config, server, app, user, {
        mode: 'form_post',
        scope,
        responseType: 'id_token',
      });
      const c = await oidc.implicitAuthentication(config, f.answer.present(), f.nonce, {
        expectedState: f.state,
      });
      const problems = idTokenProblems(f.answer.params.get('id_token'), c, app, user);
      expect(problems.length === 0, problems.join('; '));
      return { value: f, detail: `sub ${c.sub}, profile and email claims` };
    },
  );
  await h.check(`${name}: @okta/jwt-verifier verifies the implicit ID token`, async () => {
    const f = need(flow, 'the implicit sign-in');
    await oktaVerifier(server).verifyIdToken(f.answer.params.get('id_token'), app.clientId, f.nonce);
    return { detail: 'signature, iss, aud, exp, nonce' };
  });
}

async function clientCredentials(server, app) {
  const name = `${server.id}/${app.name}`;
  const tokens = await h.check(
    `${name}: openid-client clientCredentialsGrant (client_secret_basic, ${app.scopes.join(' ')})`,
    async () => {
      const config = clientFor(need(discovered[server.id], `${server.id} discovery`), app);
      const t = await oidc.clientCredentialsGrant(config, { scope: app.scopes.join(' ') });
      expect(!t.id_token && !t.refresh_token, 'an ID token or refresh token for a service app');
      return { value: t, detail: `scope "${t.scope}", expires_in ${t.expires_in}` };
    },
  );
  await h.check(`${name}: @okta/jwt-verifier verifies the client_credentials access token`, async () => {
    const t = need(tokens, 'the client_credentials grant');
    const verifier = oktaVerifier(server, { cid: app.clientId, 'scp.includes': app.scopes });
    const jwt = await verifier.verifyAccessToken(t.access_token, server.audience);
    expect(jwt.claims.sub === app.clientId, `sub ${jwt.claims.sub} is not the client id`);
    expect(!('uid' in jwt.claims), 'uid present in a token without a user');
    return { detail: `aud ${jwt.claims.aud}, sub = cid, scp ${JSON.stringify(jwt.claims.scp)}` };
  });
  await h.check(`${name}: an undefined scope is refused (invalid_scope)`, async () => {
    const config = clientFor(need(discovered[server.id], `${server.id} discovery`), app);
    const grant = oidc.clientCredentialsGrant(config, { scope: UNDEFINED_SCOPE });
    return { detail: await expectOAuthError(grant, 'invalid_scope') };
  });
}

/**
 * Refuses an org-server access token: with each JWKS the fake publishes, @okta/jwt-verifier finds
 * no key for its `kid` (only its ID token's key is published).
 */
async function unpublishedKey(accessToken, idToken, server) {
  const kid = jwtHeader(accessToken).kid;
  expect(kid !== jwtHeader(idToken).kid, 'signed with the ID token key');
  let refused = '';
  for (const [id, jwksUri] of Object.entries(published)) {
    const verifier = oktaVerifier(server, {}, jwksUri);
    refused = await expectUnknownKey(verifier.verifyAccessToken(accessToken, server.audience));
    const keys = await (await fetch(jwksUri)).json();
    expect(!keys.keys.some((k) => k.kid === kid), `${id} publishes kid ${kid}`);
  }
  return `kid in none of ${Object.keys(published).join(', ')} (${refused})`;
}

/** Each server's tokens verify against its own JWKS only, as on Okta. */
async function keysPerServer() {
  await h.check("keys: a token of one server does not verify against another server's JWKS", async () => {
    const details = [];
    for (const server of Object.values(servers)) {
      const t = need(issued[server.id], `the ${server.id}/spa code flow`);
      const own = published[server.id];
      const nonce = t.claims().nonce;
      await oktaVerifier(server, {}, own).verifyIdToken(t.id_token, apps.spa.clientId, nonce);
      for (const [other, jwksUri] of Object.entries(published)) {
        if (jwksUri === own) continue;
        const verifier = oktaVerifier(server, {}, jwksUri);
        await expectUnknownKey(verifier.verifyIdToken(t.id_token, apps.spa.clientId, nonce));
        await expectUnknownKey(verifier.verifyAccessToken(t.access_token, server.audience));
        details.push(`${server.id}→${other}`);
      }
    }
    return { detail: `ID and access tokens refused for an unknown kid: ${details.join(', ')}` };
  });
}

/**
 * okta-auth-js's `token.getWithoutPrompt` (lib/oidc/getWithoutPrompt.ts) asks /authorize for
 * `response_mode=okta_post_message` and, with PKCE on by default, `response_type=code`; Okta
 * answers a page whose script posts the code to the parent window. The check reads that
 * script as the SDK's iframe listener receives it and redeems the code with openid-client.
 */
async function postMessageCode(server, app, user) {
  const name = `${server.id}/${app.name}`;
  const metadata = discovered[server.id];
  const page = await h.check(
    `${name}: okta_post_message with code and PKCE (okta-auth-js getWithoutPrompt) posts a code`,
    async () => {
      const config = clientFor(need(metadata, `${server.id} discovery`), app);
      const sessionToken = await authn(orgUrl, user);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: app.redirectUri,
        response_type: 'code',
        response_mode: 'okta_post_message',
        scope: 'openid profile',
        state,
        nonce,
        prompt: 'none',
        sessionToken,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const res = await fetch(url, { redirect: 'manual' });
      const html = await res.text();
      expect(res.status === 200, `HTTP ${res.status}`);
      const data = postedData(html);
      expect(!data.error, `error=${data.error} error_description="${data.error_description}"`);
      expect(typeof data.code === 'string' && data.code.length > 0, 'no data.code in the page');
      expect(data.state === state, 'data.state is not the state sent');
      countSignIn(user, app, server);
      return {
        value: { config, verifier, state, nonce, code: data.code },
        detail: 'data.code, data.state',
      };
    },
  );
  await h.check(`${name}: the posted code redeems with the PKCE verifier (openid-client)`, async () => {
    const p = need(page, 'the okta_post_message page');
    const callback = new URL(app.redirectUri);
    callback.search = new URLSearchParams({ code: p.code, state: p.state }).toString();
    const t = await oidc.authorizationCodeGrant(p.config, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
      idTokenExpected: true,
    });
    return { detail: `scope "${t.scope}"` };
  });
}

/**
 * The `data.name = '…';` assignments of an okta_post_message page, JavaScript `\xHH` escapes
 * read by JSON.parse once written as `\u00HH`.
 */
function postedData(html) {
  const data = {};
  for (const m of html.matchAll(/^data\.(\w+) = '((?:[^'\\]|\\.)*)';$/gm)) {
    data[m[1]] = JSON.parse(`"${m[2].replaceAll('\\x', '\\u00')}"`);
  }
  return data;
}

/** The fake's own counts (not an Okta endpoint) must match what this script asked. */
async function fakeStats() {
  await h.check('fake: /_fake/stats counts the authn calls and sign-ins of this check', async () => {
    const res = await fetch(`${orgUrl}/_fake/stats`);
    expect(res.status === 200, `GET /_fake/stats answered HTTP ${res.status}`);
    const stats = await res.json();
    expect(
      stats.requests?.authn === asked.authn,
      `requests.authn is ${stats.requests?.authn}; this check made ${asked.authn}`,
    );
    const counted = new Map(
      (stats.sign_ins ?? []).map((s) => [`${s.username}|${s.client_id}|${s.server}`, s.count]),
    );
    const diff = [...new Set([...counted.keys(), ...asked.signIns.keys()])]
      .filter((k) => counted.get(k) !== asked.signIns.get(k))
      .map((k) => `${k}: fake ${counted.get(k) ?? 0}, expected ${asked.signIns.get(k) ?? 0}`);
    expect(diff.length === 0, `sign_ins differ: ${diff.join('; ')}`);
    const total = [...asked.signIns.values()].reduce((a, b) => a + b, 0);
    return { detail: `${asked.authn} authn, ${total} sign-ins` };
  });
}

// ---------------------------------------------------------------------------------------------

/** Okta's ID token shape (okta-wire.md 6.1, 6.2) beyond what the libraries check. */
function idTokenProblems(idToken, c, app, user) {
  const problems = [];
  const want = (ok, problem) => ok || problems.push(problem);
  const header = jwtHeader(idToken);
  want(
    header.alg === 'RS256' && typeof header.kid === 'string' && !('typ' in header),
    `header ${JSON.stringify(header)} is not {"kid":…,"alg":"RS256"}`,
  );
  want(c.ver === 1, `ver is ${c.ver}, not 1`);
  want(/^ID\./.test(c.jti ?? ''), `jti ${c.jti} does not start with ID.`);
  want(/^00u/.test(c.sub ?? ''), `sub ${c.sub} is not a user id (00u…)`);
  want(c.aud === app.clientId, `aud ${JSON.stringify(c.aud)} is not the client id`);
  want(Array.isArray(c.amr) && c.amr.includes('pwd'), `amr ${JSON.stringify(c.amr)} lacks pwd`);
  want(/^00o/.test(c.idp ?? ''), `idp ${c.idp} is not an org id (00o…)`);
  want(Number.isInteger(c.auth_time), 'no auth_time');
  want(c.exp - c.iat === 3600, `lives ${c.exp - c.iat} s, not 3600`);
  want(c.email === user.username, `email ${c.email}`);
  want(c.preferred_username === user.username, `preferred_username ${c.preferred_username}`);
  want(typeof c.name === 'string' && c.name.length > 0, 'no name');
  return problems;
}

/** base64url of the left half of SHA-256: at_hash / c_hash. */
function leftHash(value) {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}

function jwtHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}

function decode(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}
