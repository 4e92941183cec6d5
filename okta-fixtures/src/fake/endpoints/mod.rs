//! One file per Okta endpoint: each reads its request, consults the shared parts beside this
//! folder (directory, keys, sessions, grants, faults) and answers as Okta does.

pub(super) mod admin;
pub(super) mod authn;
pub(super) mod authorize;
pub(super) mod discovery;
pub(super) mod introspect;
pub(super) mod keys;
pub(super) mod logout;
pub(super) mod revoke;
pub(super) mod token;
pub(super) mod userinfo;
pub(super) mod verify;
