//! An org reached by URL for the Redis tests: the embedded fake served on loopback by this
//! test process (its runtime kept alive here), and fixtures.yaml files pointing at it.

use std::path::PathBuf;

use okta_fixtures::fake::FakeOkta;

/// alice's password: no output may hold it.
pub(crate) const PASSWORD: &str = "pw-of-alice-7781";

/// The fake and the folder of the configs written for it.
pub(crate) struct ServedOrg {
    // Dropped last: the fake serves on it.
    fake: FakeOkta,
    dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl ServedOrg {
    /// Starts the fake (one app, `spa`; one user, `alice`).
    pub(crate) fn start(tag: &str) -> ServedOrg {
        let runtime = super::runtime(false);
        let dir = super::temp_dir(tag);
        let config = okta_fixtures::config::parse_str(&yaml("fake", ""), None, &|_| None)
            .expect("valid YAML");
        let fake = runtime
            .block_on(
                FakeOkta::builder()
                    .config(&config)
                    .key_dir(dir.path().join("fake-keys"))
                    .start(),
            )
            .expect("the fake starts");
        ServedOrg {
            fake,
            dir,
            _runtime: runtime,
        }
    }

    /// The fake's stats.
    pub(crate) fn fake(&self) -> &FakeOkta {
        &self.fake
    }

    /// Writes `{name}.yaml` for this org with `cache` as its `cache:` block's body (one line of
    /// flow-style YAML), and returns its path.
    pub(crate) fn config(&self, name: &str, cache: &str) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, yaml(self.fake.org_url(), cache)).expect("write fixtures.yaml");
        path
    }

    /// A cache folder of this test (each "machine" gets its own).
    pub(crate) fn cache_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn yaml(org_url: &str, cache: &str) -> String {
    let cache = if cache.is_empty() {
        String::new()
    } else {
        format!("cache: {cache}\n")
    };
    format!(
        "org_url: {org_url}\nauthorization_server: default\n{cache}apps:\n  spa:\n    \
         client_id: spa-client\n    redirect_uri: http://localhost:8080/cb\n    flow: code\n\
         users:\n  alice: {{ username: alice@example.com, password: {PASSWORD}, app: spa }}\n"
    )
}
