// Okta's browserless sign-in, done by hand the way a test harness does it (steps 1 and 2 of
// the brief): POST /api/v1/authn for a sessionToken, then GET /authorize with that token and
// prompt=none. No cookie travels between requests and no redirect is followed. The result is
// what a browser would deliver to the redirect URI, handed to openid-client as is.

import { parse } from 'parse5';

/** What this script asked of the org, to compare with the fake's own counts. */
export const asked = {
  authn: 0,
  /** Successful /authorize answers by `username|client_id|server`. */
  signIns: new Map(),
};

/** How often a 429 is waited out, and the longest wait for one `X-Rate-Limit-Reset`. */
const RATE_LIMIT_RETRIES = 3;
const MAX_RATE_LIMIT_WAIT_MS = 5000;

/**
 * Step 1: POST /api/v1/authn; returns the sessionToken of a SUCCESS transaction. Okta allows
 * 4 of these per second and user (okta-wire.md 2.5) and this check signs alice in more often
 * than that, so a 429 is waited out until its `X-Rate-Limit-Reset`, as a harness must do
 * against a real org.
 */
export async function authn(orgUrl, user) {
  let res;
  for (let attempt = 0; ; attempt += 1) {
    asked.authn += 1;
    res = await fetch(`${orgUrl}/api/v1/authn`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        username: user.username,
        password: user.password,
        options: { multiOptionalFactorEnroll: false, warnBeforePasswordExpired: false },
      }),
      redirect: 'manual',
    });
    if (res.status !== 429 || attempt >= RATE_LIMIT_RETRIES) break;
    const reset = Number(res.headers.get('x-rate-limit-reset'));
    const wait = Number.isFinite(reset) ? reset * 1000 - Date.now() : 1000;
    if (wait > MAX_RATE_LIMIT_WAIT_MS) break;
    await res.body?.cancel();
    // A real wait for the org's reset time, not synchronisation.
    await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0)));
  }
  const body = await res.json().catch(() => undefined);
  if (res.status !== 200) {
    throw new Error(
      `POST /api/v1/authn answered HTTP ${res.status}` +
        (body?.errorCode ? ` ${body.errorCode} (${body.errorSummary})` : ''),
    );
  }
  if (body?.status !== 'SUCCESS' || typeof body.sessionToken !== 'string') {
    throw new Error(`POST /api/v1/authn answered status ${body?.status} without a sessionToken`);
  }
  return body.sessionToken;
}

/**
 * Step 2: GET the authorization URL (which carries sessionToken and prompt=none) and turn the
 * answer into what the redirect URI receives: a URL (query mode, from the 302 Location) or a
 * POST Request (form_post mode, from the auto-submitting page). Returns `present()`, which
 * makes a fresh copy each time (so the same answer can be presented twice), and the answer's
 * parameters.
 */
export async function authorize(url, { redirectUri, mode }) {
  const res = await fetch(url, { redirect: 'manual' });
  const text = await res.text();
  if (mode === 'query') {
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) {
      throw new Error(`GET /authorize (query) answered HTTP ${res.status} without a redirect`);
    }
    if (!location.startsWith(`${redirectUri}?`)) {
      throw new Error(`GET /authorize redirected to ${stripQuery(location)}, not ${redirectUri}`);
    }
    return { present: () => new URL(location), params: new URL(location).searchParams };
  }
  if (res.status !== 200 || !/^text\/html\b/i.test(res.headers.get('content-type') ?? '')) {
    throw new Error(
      `GET /authorize (form_post) answered HTTP ${res.status} ` +
        `${res.headers.get('content-type') ?? 'without content-type'}, not a 200 HTML page`,
    );
  }
  const form = formPost(text);
  if (form.action !== redirectUri) {
    throw new Error(`the form_post page posts to ${stripQuery(form.action)}, not ${redirectUri}`);
  }
  return {
    present: () =>
      new Request(form.action, { method: 'POST', body: new URLSearchParams(form.fields) }),
    params: new URLSearchParams(form.fields),
  };
}

/** Records a sign-in the fake should have counted. */
export function countSignIn(user, app, server) {
  const key = `${user.username}|${app.clientId}|${server.id}`;
  asked.signIns.set(key, (asked.signIns.get(key) ?? 0) + 1);
}

/**
 * Reads Okta's form_post page as a browser would: the `<form id="appForm" method="post">`
 * and its hidden inputs, entities decoded by a spec-compliant HTML parser.
 */
export function formPost(html) {
  const forms = [...elements(parse(html))].filter((e) => e.nodeName === 'form');
  const form = forms.find((f) => attr(f, 'id') === 'appForm');
  if (!form) {
    throw new Error(
      `the form_post page has no <form id="appForm"> (forms: ${forms.length}; ` +
        `ids: ${forms.map((f) => attr(f, 'id') ?? '-').join(', ') || 'none'})`,
    );
  }
  if ((attr(form, 'method') ?? '').toLowerCase() !== 'post') {
    throw new Error(`the form_post form has method ${attr(form, 'method') ?? '(none)'}, not post`);
  }
  const fields = [...elements(form)]
    .filter((e) => e.nodeName === 'input' && (attr(e, 'type') ?? '').toLowerCase() === 'hidden')
    .map((e) => [attr(e, 'name') ?? '', attr(e, 'value') ?? '']);
  return { action: attr(form, 'action') ?? '', fields };
}

function* elements(node) {
  for (const child of node.childNodes ?? []) {
    if (child.attrs) yield child;
    yield* elements(child);
  }
  // <template> content is a separate fragment in parse5.
  if (node.content) yield* elements(node.content);
}

function attr(element, name) {
  return element.attrs.find((a) => a.name === name)?.value;
}

/** A URL without query or fragment: they may carry a code or tokens. */
export function stripQuery(url) {
  return url.replace(/[?#].*$/s, '');
}
