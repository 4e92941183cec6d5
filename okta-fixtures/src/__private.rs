//! What macro expansions call. Hidden and exempt from semver.
