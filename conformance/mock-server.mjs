// Starts oauth2-mock-server (npm, a devDependency of this folder) on 127.0.0.1 with a free
// port and an RS256 signing key, prints its URL alone on the first line of stdout, and serves
// until stdin closes, SIGTERM or Ctrl-C. benches/fake.rs runs it to measure its
// client_credentials tokens per second next to the embedded fake's, on the same machine.
//
//   node conformance/mock-server.mjs     (needs `npm ci` in conformance/)

import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(0, '127.0.0.1');
console.log(`http://127.0.0.1:${server.address().port}`);

// Whoever started us holds stdin: when it goes away, so do we.
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
