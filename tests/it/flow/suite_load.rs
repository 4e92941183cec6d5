//! A suite's load on Okta's limits: the cache signs each user in once, so many tests of many
//! users stay within Okta's client-based limit on `/authorize` (60 a minute, 5 at once per
//! client), which the embedded fake enforces.

use super::*;

#[tokio::test]
async fn many_tests_of_many_users_stay_within_the_client_limit() {
    const USERS: usize = 12;
    const TESTS_PER_USER: usize = 10;
    let mut yaml = format!("org_url: fake\nauthorization_server: default\n{APPS}users:\n");
    for i in 0..USERS {
        yaml.push_str(&format!(
            "  u{i}: {{ username: u{i}@example.com, password: pw-{i}, app: spa }}\n"
        ));
    }
    yaml.push_str("servers:\n  default:\n    scopes: [orders:read, reports:read]\n");
    let f = Fixtures::new(parse_str(&yaml, None, &|_| None).expect("test YAML is valid"));
    // Every test at once, as a parallel test run asks.
    let mut tests = tokio::task::JoinSet::new();
    for t in 0..USERS * TESTS_PER_USER {
        let f = f.clone();
        tests.spawn(async move { f.request(format!("u{}", t % USERS)).tokens().await });
    }
    let mut users = std::collections::BTreeSet::new();
    while let Some(done) = tests.join_next().await {
        let tokens = done.expect("the test task").expect("tokens");
        users.insert(tokens.user().map(str::to_owned));
    }
    assert_eq!(users.len(), USERS);
    let stats = stats(&f).await;
    // 120 tests, one sign-in per user: 12 requests at /authorize, far inside 60 a minute.
    assert_eq!(stats.requests("authorize"), USERS as u64);
    assert_eq!(stats.requests("authn"), USERS as u64);
}
