// The apps, users and servers of the root fixtures.yaml, resolved as that file resolves them:
// `${VAR:-default}` is the environment variable when set and not empty, else the default.
// run.sh starts the fake from that file, so both sides see the same values.

const env = (name, fallback) => process.env[name] || fallback;

export const users = {
  alice: {
    username: env('OKTA_ALICE_USERNAME', 'alice@example.com'),
    password: env('OKTA_ALICE_PASSWORD', 'correct-horse'),
    // fake.users.alice.groups
    groups: ['Everyone', 'admins'],
  },
  bob: {
    username: env('OKTA_BOB_USERNAME', 'bob@example.com'),
    password: env('OKTA_BOB_PASSWORD', 'battery-staple'),
    groups: ['Everyone'],
  },
};

export const apps = {
  // Public client: code flow + PKCE, no secret.
  spa: {
    name: 'spa',
    clientId: env('OKTA_SPA_CLIENT_ID', 'spa-client'),
    redirectUri: 'http://localhost:8080/login/callback',
    customScopes: [],
  },
  // Confidential client: client_secret_basic.
  web: {
    name: 'web',
    clientId: env('OKTA_WEB_CLIENT_ID', 'web-client'),
    clientSecret: env('OKTA_WEB_CLIENT_SECRET', 'web-secret'),
    redirectUri: 'http://localhost:8080/authorization-code/callback',
    customScopes: ['orders:read'],
  },
  // Implicit flow on the org server.
  legacy: {
    name: 'legacy',
    clientId: env('OKTA_LEGACY_CLIENT_ID', 'legacy-client'),
    redirectUri: 'http://localhost:8080/implicit/callback',
  },
  // Service app: client_credentials.
  reports: {
    name: 'reports',
    clientId: env('OKTA_REPORTS_CLIENT_ID', 'reports-client'),
    clientSecret: env('OKTA_REPORTS_SECRET', 'reports-secret'),
    scopes: ['reports:read'],
  },
};

/** The authorization servers under test, for an org at `orgUrl` (no trailing slash). */
export function servers(orgUrl) {
  return {
    org: {
      id: 'org',
      issuer: orgUrl,
      base: `${orgUrl}/oauth2/v1`,
      // Org-server access tokens are for Okta's own APIs: their audience is the org.
      audience: orgUrl,
    },
    default: {
      id: 'default',
      issuer: `${orgUrl}/oauth2/default`,
      base: `${orgUrl}/oauth2/default/v1`,
      // `default`'s built-in audience (servers.default.audience may override it)
      audience: 'api://default',
    },
  };
}

/**
 * Every JWKS the fake publishes for the root fixtures.yaml, by server id: the org server's,
 * `default`'s and that of `servers.orders` (whose Okta id is `OKTA_ORDERS_SERVER_ID`).
 */
export function jwksUris(orgUrl) {
  return {
    org: `${orgUrl}/oauth2/v1/keys`,
    default: `${orgUrl}/oauth2/default/v1/keys`,
    orders: `${orgUrl}/oauth2/${env('OKTA_ORDERS_SERVER_ID', 'orders')}/v1/keys`,
  };
}
