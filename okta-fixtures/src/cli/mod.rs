//! The `okta-fixtures` command line (feature `cli`).
