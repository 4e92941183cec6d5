//! Blocking versions of the token functions, for sync tests.
