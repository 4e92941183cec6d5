// A tiny check runner: one line per check on stdout (`ok`/`FAIL`, name, time, detail or
// reason), then `N passed, M failed` alone on the last line.

import { performance } from 'node:perf_hooks';

export class Harness {
  passed = 0;
  failed = 0;
  started = performance.now();

  /**
   * Runs `fn` as one check and returns its value, or `undefined` when it failed. `fn` may
   * return `{ value, detail }` to print a detail; anything else is the value.
   */
  async check(name, fn) {
    const t0 = performance.now();
    try {
      const out = await fn();
      const { value, detail } =
        out && typeof out === 'object' && 'detail' in out ? out : { value: out, detail: '' };
      this.passed += 1;
      console.log(`ok   ${name} (${ms(t0)})${detail ? ` - ${redact(detail)}` : ''}`);
      return value ?? true;
    } catch (err) {
      this.failed += 1;
      console.log(`FAIL ${name} (${ms(t0)}): ${redact(describe(err))}`);
      return undefined;
    }
  }

  /** Prints the total time and the summary line; returns the process exit code. */
  finish() {
    console.log(`# total ${ms(this.started)}`);
    console.log(`${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}

/** Throws unless `value` is present: a check that needs an earlier check's result. */
export function need(value, what) {
  if (value === undefined) throw new NotRun(what);
  return value;
}

class NotRun extends Error {
  constructor(what) {
    super(`not run: needs ${what}, which failed`);
    this.name = 'NotRun';
  }
}

/** Throws with `message` unless `condition` holds. */
export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * Expects `promise` to reject with the OAuth `error` code `code` (from the token endpoint or
 * the authorization response); returns a detail naming what came back.
 */
export async function expectOAuthError(promise, code) {
  let value;
  try {
    value = await promise;
  } catch (err) {
    if (err?.error === code) {
      return `refused: ${code}${err.error_description ? ` "${err.error_description}"` : ''}`;
    }
    throw new Error(`expected OAuth error ${code}, got ${describe(err)}`);
  }
  throw new Error(`expected OAuth error ${code}, but it succeeded (${typeof value})`);
}

/**
 * Expects `promise` (an @okta/jwt-verifier verification) to reject because the JWKS has no key
 * with the token's `kid`; returns a detail naming the error.
 */
export async function expectUnknownKey(promise) {
  try {
    await promise;
  } catch (err) {
    // njwt wraps the key resolver's error; jwks-rsa's for a `kid` the JWKS lacks is this one
    // (a JWKS that cannot be fetched is another, and does not count).
    if (err?.innerError?.name === 'SigningKeyNotFoundError') {
      return `refused: ${err.innerError.message}`;
    }
    throw new Error(`expected an unknown signing key, got ${describe(err)}`);
  }
  throw new Error('expected an unknown signing key, but the token verified');
}

/**
 * One line about an error of openid-client, oauth4webapi, @okta/jwt-verifier or this script:
 * its message, the OAuth error and description, the HTTP status, the code, the claim or
 * attribute compared, and the causes that are errors.
 */
export function describe(err) {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof NotRun) return err.message;
  const parts = [`${err.name}: ${err.message}`];
  if (err.error) {
    parts.push(
      `error=${err.error}` +
        (err.error_description ? ` error_description="${err.error_description}"` : ''),
    );
  }
  if (typeof err.status === 'number') parts.push(`HTTP ${err.status}`);
  if (err.code) parts.push(`code ${err.code}`);
  const cause = err.cause;
  if (cause && !(cause instanceof Error) && typeof cause === 'object') {
    const name = cause.claim ?? cause.attribute;
    if (name !== undefined) {
      const actual = (cause.claims ?? cause.body)?.[name];
      parts.push(
        `${cause.claim ? 'claim' : 'attribute'} ${name}: expected ${short(cause.expected)}, ` +
          `got ${short(actual)}`,
      );
    }
  }
  let text = parts.join('; ');
  if (cause instanceof Error) text += ` <- caused by ${describe(cause)}`;
  return text;
}

function short(value) {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** No token reaches the log: JWTs are shortened to their first characters. */
export function redact(text) {
  return String(text).replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, (jwt) => `${jwt.slice(0, 8)}…[jwt]`);
}

function ms(t0) {
  return `${Math.round(performance.now() - t0)} ms`;
}
