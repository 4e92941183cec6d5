//! What a file may say of Okta's policies for the embedded fake: a server's access `policy`,
//! an app's `sign_on` and `consent`; and each mistake there, located and named.

use super::*;

/// Two user-flow apps, a service app, three users (bob in `admins`) and a custom server.
const ORG: &str = "\
apps:
  spa: {client_id: a, redirect_uri: http://a/cb, flow: code}
  web: {client_id: b, client_secret: s, redirect_uri: http://a/cb, flow: code}
  svc: {client_id: c, client_secret: s, flow: client_credentials, scopes: [x:read]}
users:
  alice: {username: alice@example.com, password: p}
  bob: {username: bob@example.com, password: p}
servers:
  orders: {scopes: [x:read]}
fake:
  users:
    bob: {groups: [admins]}
";

/// [`ORG`] followed by `extra`, which continues its `fake:` section (line 13 on).
fn org(extra: &str) -> String {
    format!("{ORG}{extra}")
}

#[test]
fn a_policy_names_apps_users_groups_and_grant_types() {
    let yaml = org("  servers:
    orders:
      policy:
        apps: [web, svc]
        users: [alice]
        groups: [Everyone, '${GROUP:-admins}']
        grant_types: [authorization_code, client_credentials]
    default:
      policy: {apps: []}
  apps:
    spa: {sign_on: second_factor, consent: required}
    web: {consent: trusted}
");
    let c = parse(&yaml).unwrap();
    let orders = c.fake.servers["orders"].policy.as_ref().unwrap();
    assert_eq!(
        orders.apps.as_deref(),
        Some(&["web".to_owned(), "svc".to_owned()][..])
    );
    assert_eq!(orders.users.as_deref(), Some(&["alice".to_owned()][..]));
    assert_eq!(
        orders.groups.as_deref(),
        Some(&["Everyone".to_owned(), "admins".to_owned()][..])
    );
    assert_eq!(orders.grant_types.as_ref().map(Vec::len), Some(2));
    // An empty list covers nothing: a server whose policy no request meets.
    let default = c.fake.servers["default"].policy.as_ref().unwrap();
    assert_eq!(default.apps.as_deref(), Some(&[][..]));
    assert_eq!(default.users, None);
    assert_eq!(c.fake.apps["spa"].sign_on, SignOn::SecondFactor);
    assert_eq!(c.fake.apps["spa"].consent, Consent::Required);
    assert_eq!(c.fake.apps["web"].sign_on, SignOn::Password, "the default");
    assert_eq!(c.fake.apps["web"].consent, Consent::Trusted);
    // A group from the environment is checked once expanded.
    let e = parse_env(&yaml, &[("GROUP", "admin")]).unwrap_err();
    assert_at(&e, "fake.servers.orders.policy.groups[1]", (18, 28));
    assert!(e.to_string().contains("did you mean `admins`?"), "{e}");
}

#[rstest]
#[case::unknown_app(
    "  servers:\n    orders:\n      policy: {apps: [wbe]}\n",
    "UnknownName", "fake.servers.orders.policy.apps[0]", (15, 23), "unknown app `wbe`, did you mean `web`?"
)]
#[case::unknown_user(
    "  servers:\n    orders:\n      policy: {users: [alcie]}\n",
    "UnknownName", "fake.servers.orders.policy.users[0]", (15, 24), "unknown user `alcie`, did you mean `alice`?"
)]
#[case::unknown_group(
    "  servers:\n    orders:\n      policy: {groups: [admin]}\n",
    "UnknownName", "fake.servers.orders.policy.groups[0]", (15, 25), "unknown group `admin`, did you mean `admins`?"
)]
#[case::group_nobody_is_in(
    "  servers:\n    orders:\n      policy: {groups: [auditors]}\n",
    "UnknownName", "fake.servers.orders.policy.groups[0]", (15, 25), "`fake.users.<user>.groups`"
)]
#[case::app_from_a_variable(
    "  servers:\n    orders:\n      policy: {apps: ['${APP}']}\n",
    "Invalid", "fake.servers.orders.policy.apps[0]", (15, 23), "never expanded"
)]
#[case::misspelt_condition(
    "  servers:\n    orders:\n      policy: {app: [web]}\n",
    "UnknownKey", "fake.servers.orders.policy", (15, 16), "did you mean `apps`?"
)]
#[case::refresh_token_grant(
    "  servers:\n    orders:\n      policy: {grant_types: [refresh_token]}\n",
    "Invalid", "fake.servers.orders.policy.grant_types[0]", (15, 30), "covered by the rule that covered the grant"
)]
#[case::misspelt_grant(
    "  servers:\n    orders:\n      policy: {grant_types: [authorisation_code]}\n",
    "Invalid", "fake.servers.orders.policy.grant_types[0]", (15, 30), "did you mean `authorization_code`?"
)]
#[case::policy_of_the_org_server(
    "  servers:\n    org:\n      policy: {apps: [web]}\n",
    "Conflict", "fake.servers.org.policy", (15, 7), "org authorization server has no access policies"
)]
#[case::policy_not_a_mapping(
    "  servers:\n    orders:\n      policy: [web]\n",
    "Invalid", "fake.servers.orders.policy", (15, 15), "an access policy"
)]
#[case::misspelt_sign_on(
    "  apps:\n    spa: {sign_on: second-factor}\n",
    "Invalid", "fake.apps.spa.sign_on", (14, 20), "did you mean `second_factor`?"
)]
#[case::misspelt_consent(
    "  apps:\n    web: {consent: requried}\n",
    "Invalid", "fake.apps.web.consent", (14, 20), "expected one of: trusted, required; did you mean `required`?"
)]
#[case::sign_on_of_a_service_app(
    "  apps:\n    svc: {sign_on: second_factor}\n",
    "Conflict", "fake.apps.svc.sign_on", (14, 11), "`flow: client_credentials`, which signs in no user"
)]
#[case::consent_of_a_service_app(
    "  apps:\n    svc: {consent: required}\n",
    "Conflict", "fake.apps.svc.consent", (14, 11), "remove `consent`"
)]
fn a_policy_mistake_is_located_and_named(
    #[case] extra: &str,
    #[case] variant: &str,
    #[case] path: &str,
    #[case] line_col: (usize, usize),
    #[case] says: &str,
) {
    let e = err(&org(extra));
    assert!(
        format!("{e:?}").starts_with(&format!("{variant} ")),
        "{e:?}"
    );
    assert_at(&e, path, line_col);
    assert!(e.to_string().contains(says), "{e}");
}

#[test]
fn the_macro_sees_a_policys_references_too() {
    let yaml = org("  servers:\n    orders:\n      policy: {users: [carol]}\n");
    let e = parse_names(&yaml, Some(Path::new(FILE))).unwrap_err();
    assert_at(&e, "fake.servers.orders.policy.users[0]", (15, 24));
}
