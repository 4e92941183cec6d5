//! The embedded fake Okta org (feature `fake`).
