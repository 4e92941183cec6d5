//! Step 2: `GET /authorize` with the sessionToken and `response_mode=form_post` → tokens
//! (implicit flow) or a code, read from the hidden inputs of Okta's auto-post form.
//!
//! Okta's HTML-attribute encoder writes `:` `/` `=` `?` and spaces as `&#x3a;` `&#x2f;` … and
//! uses named entities where HTML has them; the tokenizer ([`Page`]) decodes them all. Anything other than a
//! form posting to our redirect URI with our `state` is an error saying what Okta wanted.

use std::collections::HashMap;

use okta_fixtures_config::{App, Flow, ResponseType};
use reqwest::header::ACCEPT;
use url::{Url, form_urlencoded};

use super::http::{Answer, Http, strip_url};
use super::page::{Form, Page};
use super::token::TokenAnswer;
use crate::Secret;
use crate::error::{AuthorizePage, Error, Result, SignIn};

/// The query of one `/authorize` request.
pub(crate) struct Authorize<'a> {
    pub(crate) url: &'a str,
    pub(crate) client_id: &'a str,
    /// `code`, or the implicit app's response types joined with spaces.
    pub(crate) response_type: &'a str,
    pub(crate) scope: &'a str,
    pub(crate) redirect_uri: &'a str,
    pub(crate) state: &'a str,
    pub(crate) nonce: &'a str,
    /// The S256 PKCE challenge, for the code flow.
    pub(crate) code_challenge: Option<&'a str>,
    pub(crate) session_token: &'a Secret,
}

/// The values the form_post page carried (tokens or a code). No `Debug`: they are secrets.
pub(crate) struct FormPost(HashMap<String, String>);

impl FormPost {
    /// The code a code flow's page carried.
    pub(crate) fn code(mut self, sign_in: &SignIn) -> Result<Secret> {
        let code = self.take("code").ok_or_else(|| missing(sign_in, "code"))?;
        Ok(Secret::new(code))
    }

    /// The tokens an implicit flow's page carried, checked against the response types asked
    /// for.
    pub(crate) fn implicit_tokens(
        mut self,
        asked: &[ResponseType],
        sign_in: &SignIn,
    ) -> Result<TokenAnswer> {
        let answer = TokenAnswer {
            token_type: self.take("token_type"),
            expires_in: self.take("expires_in").map(serde_json::Value::String),
            access_token: self.take("access_token"),
            scope: self.take("scope"),
            refresh_token: None,
            id_token: self.take("id_token"),
        };
        for wanted in asked {
            match wanted {
                ResponseType::IdToken if answer.id_token.is_none() => {
                    return Err(missing(sign_in, "id_token"));
                }
                ResponseType::Token if answer.access_token.is_none() => {
                    return Err(missing(sign_in, "access_token"));
                }
                _ => {}
            }
        }
        Ok(answer)
    }

    /// Removes and returns one value.
    fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name).filter(|v| !v.is_empty())
    }
}

fn missing(sign_in: &SignIn, what: &'static str) -> Error {
    Error::MissingInForm {
        sign_in: Box::new(sign_in.clone()),
        missing: what,
    }
}

/// `code`, or the implicit app's response types (`id_token token`).
pub(crate) fn response_type(app: &App) -> String {
    match app.flow {
        Flow::Implicit => app
            .response_type
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Flow::Code | Flow::ClientCredentials => "code".into(),
    }
}

/// Sends the request and reads the form_post page.
pub(crate) async fn authorize(http: &Http<'_>, a: &Authorize<'_>) -> Result<FormPost> {
    let mut query = vec![
        ("client_id", a.client_id),
        ("response_type", a.response_type),
        ("response_mode", "form_post"),
        // With prompt=none a spent or expired sessionToken comes back as `login_required`
        // instead of a sign-in page.
        ("prompt", "none"),
        ("scope", a.scope),
        ("redirect_uri", a.redirect_uri),
        ("state", a.state),
        ("nonce", a.nonce),
        ("sessionToken", a.session_token.expose()),
    ];
    if let Some(challenge) = a.code_challenge {
        query.push(("code_challenge", challenge));
        query.push(("code_challenge_method", "S256"));
    }
    let answer = http
        .send(|c| c.get(a.url).header(ACCEPT, "text/html").query(&query))
        .await?;
    read_answer(&answer, a.redirect_uri, a.state, http.sign_in)
}

/// Interprets what `/authorize` answered. Never follows a redirect: a 302 is an answer too.
fn read_answer(
    answer: &Answer,
    redirect_uri: &str,
    state: &str,
    sign_in: &SignIn,
) -> Result<FormPost> {
    let status = answer.status.as_u16();
    if answer.status.is_redirection() {
        return Err(read_redirect(answer, redirect_uri, state, sign_in));
    }
    if answer.is_json() {
        if let Some(e) = answer.okta_error(sign_in) {
            return Err(e);
        }
        if let Ok(params) = serde_json::from_str::<HashMap<String, String>>(&answer.body)
            && let Some(e) = oauth_error(params, sign_in)
        {
            return Err(e);
        }
        return Err(answer.unexpected(sign_in, "JSON instead of a form_post page"));
    }
    let page = Page::read(&answer.body);
    if answer.status.is_success()
        && let Some(params) = form_post_to(&page, redirect_uri)
    {
        return check_form(params, state, sign_in);
    }
    Err(Error::NotFormPost {
        sign_in: Box::new(sign_in.clone()),
        status,
        page: classify(&page, &answer.body, &answer.url, status),
    })
}

/// The hidden inputs of the form posting to `redirect_uri`, if the page has one.
fn form_post_to(page: &Page, redirect_uri: &str) -> Option<HashMap<String, String>> {
    let form = page
        .forms
        .iter()
        .find(|f| f.action.as_deref() == Some(redirect_uri))?;
    Some(inputs(form))
}

/// A form's inputs by name; of two with one name, the last wins, as it did with a map.
fn inputs(form: &Form) -> HashMap<String, String> {
    form.inputs.iter().cloned().collect()
}

fn check_form(
    mut params: HashMap<String, String>,
    state: &str,
    sign_in: &SignIn,
) -> Result<FormPost> {
    let sent_back = params.remove("state");
    if sent_back.as_deref() != Some(state) {
        // An error without a state is still worth reporting as the error it is.
        if sent_back.is_none()
            && let Some(e) = oauth_error(params, sign_in)
        {
            return Err(e);
        }
        return Err(Error::StateMismatch {
            sign_in: Box::new(sign_in.clone()),
        });
    }
    if let Some(e) = oauth_error(params.clone(), sign_in) {
        return Err(e);
    }
    Ok(FormPost(params))
}

/// `error` / `error_description` as [`Error::Authorize`].
fn oauth_error(mut params: HashMap<String, String>, sign_in: &SignIn) -> Option<Error> {
    let error = params.remove("error").filter(|e| !e.is_empty())?;
    Some(Error::Authorize {
        sign_in: Box::new(sign_in.clone()),
        error,
        description: params.remove("error_description"),
    })
}

fn read_redirect(answer: &Answer, redirect_uri: &str, state: &str, sign_in: &SignIn) -> Error {
    let location = answer.location.as_deref().filter(|l| !l.is_empty());
    // A relative Location resolves against the /authorize URL, as a browser's would.
    let resolved = location.and_then(|l| answer.url.join(l).ok());
    let to_redirect_uri = resolved
        .as_ref()
        .is_some_and(|l| Url::parse(redirect_uri).is_ok_and(|r| strip_url(l) == strip_url(&r)));
    if to_redirect_uri && let Some(l) = &resolved {
        // Query or fragment mode: an error is still an error to report, when it is ours.
        let fragment = form_urlencoded::parse(l.fragment().unwrap_or_default().as_bytes());
        let params: HashMap<String, String> = l
            .query_pairs()
            .chain(fragment)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let ours = params.get("state").is_none_or(|s| s == state);
        if ours && let Some(e) = oauth_error(params, sign_in) {
            return e;
        }
    }
    let location = match (location, resolved) {
        (None, _) => "(no Location)".into(),
        (Some(_), Some(l)) => strip_url(&l).to_string(),
        (Some(_), None) => "(a Location that is not a URL)".into(),
    };
    Error::AuthorizeRedirect {
        sign_in: Box::new(sign_in.clone()),
        status: answer.status.as_u16(),
        location,
        to_redirect_uri,
    }
}

/// What a page that is not our form_post is; `html` is its source, `page_url` where it came from.
fn classify(page: &Page, html: &str, page_url: &Url, status: u16) -> AuthorizePage {
    let texts: Vec<String> = page
        .texts
        .iter()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .collect();
    let code = labelled(&texts, "Error Code");
    let description = labelled(&texts, "Description");
    if code.is_some() || description.is_some() {
        return AuthorizePage::OktaError { code, description };
    }
    if let Some(form) = page.forms.iter().find(|f| {
        let i = inputs(f);
        ["code", "id_token", "access_token", "error", "state"]
            .iter()
            .any(|k| i.contains_key(*k))
    }) {
        let action = form.action.as_deref().unwrap_or_default();
        let action = match page_url.join(action) {
            Ok(url) => strip_url(&url).to_string(),
            Err(_) => "(an action that is not a URL)".into(),
        };
        return AuthorizePage::OtherForm { action };
    }
    let title = page
        .title
        .as_deref()
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty());
    let looks_like_sign_in = page.has_password
        || html.contains("okta-sign-in")
        || html.contains("stateToken")
        || title
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("sign in"));
    if looks_like_sign_in {
        return AuthorizePage::SignIn;
    }
    if status >= 400 {
        return AuthorizePage::OktaError {
            code: None,
            description: title,
        };
    }
    AuthorizePage::Other { title }
}

/// The value after `label:` in a page's text: in the same text node, else the next one.
fn labelled(texts: &[String], label: &str) -> Option<String> {
    let i = texts.iter().position(|t| t.contains(label))?;
    let after = texts[i]
        .split_once(label)
        .map(|(_, rest)| rest.trim_start_matches(':').trim())
        .unwrap_or_default();
    let value = if after.is_empty() {
        texts.get(i + 1)?.trim_start_matches(':').trim()
    } else {
        after
    };
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    const REDIRECT: &str = "http://localhost:8080/login/callback";

    fn sign_in() -> SignIn {
        SignIn::new(Some("alice"), "spa", "default")
    }

    fn page(status: u16, body: &str) -> Answer {
        let url = "https://x/oauth2/default/v1/authorize";
        Answer::canned(Method::GET, url, status, "text/html;charset=utf-8", body)
    }

    /// Okta's form_post page (structure per okta-wire.md 3.5), ESAPI-style attribute encoding.
    fn okta_form(inputs: &str) -> String {
        format!(
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="robots" content="none" />
<title>Example Org - Signing in...</title>
</head>
<body>
<form id="appForm" method="post" name="oauthResponse" action="http&#x3a;&#x2f;&#x2f;localhost&#x3a;8080&#x2f;login&#x2f;callback">
{inputs}
</form>
<script type="text/javascript">window.onload = function(){{ document.forms['appForm'].submit(); }};</script>
</body>
</html>"#
        )
    }

    fn read(a: &Answer, state: &str) -> Result<FormPost> {
        read_answer(a, REDIRECT, state, &sign_in())
    }

    #[test]
    fn code_form_with_esapi_entities() {
        let body = okta_form(
            r#"<input type="hidden" name="code" value="iyz1Lpim4NgN6gDQdT1a9PJDVTaCdxG1wJMYiUkfGts"/>
<input type="hidden" name="state" value="state-8600b31f_52d1.4dca"/>"#,
        );
        let mut f = read(&page(200, &body), "state-8600b31f_52d1.4dca").unwrap();
        assert_eq!(
            f.take("code").unwrap(),
            "iyz1Lpim4NgN6gDQdT1a9PJDVTaCdxG1wJMYiUkfGts"
        );
    }

    #[test]
    fn implicit_form_decodes_every_entity_form() {
        // name/type/value order as on Okta's SAML page, single quotes, named, decimal and
        // upper-case hex entities, and the unconfirmed `&#x2d;`/`&#x2e;` escapes.
        let body = okta_form(
            r#"<input name="id_token" type="hidden" value="eyJ&#x2e;a&#x2d;b_c.sig"/>
<input type='hidden' name='access_token' value='eyJhbGciOi.e30.c2ln'/>
<input type="hidden" name="token_type" value="Bearer"/>
<input type="hidden" name="expires_in" value="3600"/>
<input type="hidden" name="scope" value="openid&#x20;email&#32;profile&#X20;orders&#x3a;read"/>
<input type="hidden" name="state" value="a&#x3d;b&#x3f;c&amp;d&eacute;"/>"#,
        );
        let mut f = read(&page(200, &body), "a=b?c&dé").unwrap();
        assert_eq!(f.take("id_token").unwrap(), "eyJ.a-b_c.sig");
        assert_eq!(f.take("access_token").unwrap(), "eyJhbGciOi.e30.c2ln");
        assert_eq!(f.take("scope").unwrap(), "openid email profile orders:read");
        assert_eq!(f.take("expires_in").unwrap(), "3600");
    }

    #[test]
    fn a_form_missing_what_was_asked_for_names_it() {
        let missing_of = |e: Error| match e {
            Error::MissingInForm { missing, .. } => missing,
            other => panic!("{other:?}"),
        };
        let form = |inputs: &str| {
            let body = okta_form(&format!(
                r#"{inputs}<input type="hidden" name="state" value="s1"/>"#
            ));
            read(&page(200, &body), "s1").unwrap()
        };
        let both = [ResponseType::IdToken, ResponseType::Token];
        let id_token = r#"<input type="hidden" name="id_token" value="h.p.s"/>"#;
        let access_token = r#"<input type="hidden" name="access_token" value="h.p.s"/>"#;
        let e = form(id_token).implicit_tokens(&both, &sign_in()).err();
        assert_eq!(missing_of(e.unwrap()), "access_token");
        let e = form(access_token).implicit_tokens(&both, &sign_in()).err();
        assert_eq!(missing_of(e.unwrap()), "id_token");
        let t = form(id_token)
            .implicit_tokens(&[ResponseType::IdToken], &sign_in())
            .unwrap();
        assert!(t.id_token.is_some() && t.access_token.is_none());
        let e = form(r#"<input type="hidden" name="code" value=""/>"#).code(&sign_in());
        assert_eq!(missing_of(e.err().unwrap()), "code");
    }

    #[test]
    fn pre_2018_chrome_around_the_form_is_ignored() {
        let body = r#"<html><head><title>Example Org - Signing in...</title>
<script>window.onload = function(){ document.forms['appForm'].submit(); }</script></head>
<body id="app" class="enduser-app  "><noscript>Please enable JavaScript</noscript>
<iframe src="https&#x3a;&#x2f;&#x2f;account-test.amwayglobal.com&#x2f;en-us&#x2f;interstitial.html"></iframe>
<form id="appForm" method="post" name="oauthResponse" action="http&#x3a;&#x2f;&#x2f;localhost&#x3a;8080&#x2f;login&#x2f;callback">
<input type="hidden" name="state" value="s1" />
<input type="hidden" name="id_token" value="h.p.s" />
</form></body></html>"#;
        let mut f = read(&page(200, body), "s1").unwrap();
        assert_eq!(f.take("id_token").unwrap(), "h.p.s");
    }

    #[test]
    fn error_forms_become_typed_errors() {
        let body = okta_form(
            r#"<input type="hidden" name="error" value="access_denied"/>
<input type="hidden" name="error_description" value="User&#x20;is&#x20;not&#x20;assigned&#x20;to&#x20;the&#x20;client&#x20;application&#x2e;"/>
<input type="hidden" name="state" value="s1"/>"#,
        );
        let e = read(&page(200, &body), "s1").err().unwrap();
        match &e {
            Error::Authorize {
                error, description, ..
            } => {
                assert_eq!(error, "access_denied");
                assert_eq!(
                    description.as_deref(),
                    Some("User is not assigned to the client application.")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("assign the user"), "{e}");

        for (error, desc, hint) in [
            (
                "login_required",
                "The client specified not to prompt, but the user is not logged in.",
                "sessionToken",
            ),
            (
                "login_required",
                "The client specified not to prompt, but the client app requires re-authentication or MFA.",
                "second factor",
            ),
            (
                "consent_required",
                "The following scopes require user consent: [profile]",
                "consent",
            ),
            (
                "invalid_scope",
                "One or more scopes are not configured for the authorization server resource.",
                "scopes",
            ),
            (
                "unsupported_response_type",
                "The response type is not supported by the authorization server. Configured response types: [code].",
                "grant type",
            ),
            (
                "access_denied",
                "Policy evaluation failed for this request, please check the policy configurations.",
                "access policy",
            ),
            (
                "interaction_required",
                "Your client is configured to use the interaction code flow and user interaction is required to complete the request.",
                "Interaction Code",
            ),
        ] {
            let body = okta_form(&format!(
                r#"<input type="hidden" name="error" value="{error}"/><input type="hidden" name="error_description" value="{desc}"/><input type="hidden" name="state" value="s1"/>"#
            ));
            let e = read(&page(200, &body), "s1").err().unwrap();
            assert!(
                matches!(&e, Error::Authorize { error: got, .. } if got == error),
                "{e:?}"
            );
            assert!(e.to_string().contains(hint), "{error}: {e}");
        }
    }

    #[test]
    fn state_is_checked() {
        let body = okta_form(
            r#"<input type="hidden" name="code" value="c"/><input type="hidden" name="state" value="other"/>"#,
        );
        assert!(matches!(
            read(&page(200, &body), "s1"),
            Err(Error::StateMismatch { .. })
        ));
        let body = okta_form(r#"<input type="hidden" name="code" value="c"/>"#);
        assert!(matches!(
            read(&page(200, &body), "s1"),
            Err(Error::StateMismatch { .. })
        ));
        // An error without a state is reported as the error.
        let body = okta_form(r#"<input type="hidden" name="error" value="login_required"/>"#);
        assert!(matches!(
            read(&page(200, &body), "s1"),
            Err(Error::Authorize { .. })
        ));
    }

    #[test]
    fn a_form_to_another_uri_is_not_ours() {
        let body = okta_form(r#"<input type="hidden" name="code" value="c"/><input type="hidden" name="state" value="s1"/>"#)
            .replace("8080", "9090");
        let e = read(&page(200, &body), "s1").err().unwrap();
        match e {
            Error::NotFormPost {
                page: AuthorizePage::OtherForm { action },
                ..
            } => assert_eq!(action, "http://localhost:9090/login/callback"),
            other => panic!("{other:?}"),
        }
        // A relative action is shown as the URL it posts to, without its query.
        let body = okta_form(r#"<input type="hidden" name="state" value="s1"/>"#).replace(
            "http&#x3a;&#x2f;&#x2f;localhost&#x3a;8080&#x2f;login&#x2f;callback",
            "/login/do-login?code=c",
        );
        match read(&page(200, &body), "s1").err().unwrap() {
            Error::NotFormPost {
                page: AuthorizePage::OtherForm { action },
                ..
            } => assert_eq!(action, "https://x/login/do-login"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn okta_400_error_page_is_read() {
        let body = r#"<!DOCTYPE html><html><head><title>Example Org - Error</title></head><body>
<div class="content"><h1>400</h1><h2>Bad Request</h2><p>Your request resulted in an error.</p>
<a href="/">Go to Homepage</a>
<p>Identity Provider: Unknown</p>
<p class="error-code">Error Code: <b>invalid_request</b></p>
<p>Description: The &#x27;redirect_uri&#x27; parameter must be a Login redirect URI in the client app settings&#x3a; https&#x3a;&#x2f;&#x2f;dev-1-admin.okta.com&#x2f;admin&#x2f;app&#x2f;oidc_client&#x2f;instance&#x2f;0oa1#tab-general</p>
</div></body></html>"#;
        let e = read(&page(400, body), "s1").err().unwrap();
        match &e {
            Error::NotFormPost {
                status: 400,
                page: AuthorizePage::OktaError { code, description },
                ..
            } => {
                assert_eq!(code.as_deref(), Some("invalid_request"));
                assert!(description.as_deref().unwrap().starts_with(
                    "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: https://dev-1-admin"
                ));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("Sign-in redirect URIs"), "{e}");

        let body = "<html><body><div>Error Code:</div><div>invalid_client</div><div>Description:</div><div>Invalid value for &#x27;client_id&#x27; parameter.</div></body></html>";
        let e = read(&page(400, body), "s1").err().unwrap();
        assert!(
            matches!(&e, Error::NotFormPost { page: AuthorizePage::OktaError { code: Some(c), description: Some(d) }, .. } if c == "invalid_client" && d == "Invalid value for 'client_id' parameter."),
            "{e:?}"
        );
        assert!(e.to_string().contains("client_id"), "{e}");
    }

    #[test]
    fn sign_in_pages_are_recognised() {
        // Classic login page, and an Identity Engine widget page with an embedded stateToken.
        let classic = r#"<html><head><title>Example Org - Sign In</title></head><body><div id="okta-sign-in"></div>
<form action="/login/do-login"><input name="username"/><input type="password" name="password"/></form></body></html>"#;
        let oie = r#"<html><head><title>Example Org</title></head><body><script>var stateToken = '12345\x2D6789';</script></body></html>"#;
        for body in [classic, oie] {
            let e = read(&page(200, body), "s1").err().unwrap();
            assert!(
                matches!(
                    &e,
                    Error::NotFormPost {
                        page: AuthorizePage::SignIn,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(e.to_string().contains("second factor"), "{e}");
        }
        let other = "<html><head><title>Welcome to nginx!</title></head><body>hi</body></html>";
        let e = read(&page(200, other), "s1").err().unwrap();
        assert!(
            matches!(&e, Error::NotFormPost { page: AuthorizePage::Other { title: Some(t) }, .. } if t == "Welcome to nginx!")
        );
    }

    #[test]
    fn redirects_are_answers_not_hops() {
        let mut a = page(302, "");
        a.location = Some(
            "https://x/login/login.htm?fromURI=/oauth2/v1/authorize/redirect?okta_key=abc".into(),
        );
        match read(&a, "s1").err().unwrap() {
            Error::AuthorizeRedirect {
                location,
                to_redirect_uri: false,
                status: 302,
                ..
            } => assert_eq!(location, "https://x/login/login.htm"),
            other => panic!("{other:?}"),
        }
        // A relative Location resolves against the /authorize URL.
        a.location = Some("/login/login.htm?fromURI=%2Foauth2%2Fv1%2Fauthorize".into());
        match read(&a, "s1").err().unwrap() {
            Error::AuthorizeRedirect { location, .. } => {
                assert_eq!(location, "https://x/login/login.htm")
            }
            other => panic!("{other:?}"),
        }
        a.location = None;
        match read(&a, "s1").err().unwrap() {
            Error::AuthorizeRedirect { location, .. } => assert_eq!(location, "(no Location)"),
            other => panic!("{other:?}"),
        }
        // Fragment-mode error to our redirect URI; another flow's state is not ours to report.
        a.location = Some(format!("{REDIRECT}#error=access_denied&state=s1"));
        let e = read(&a, "s1").err().unwrap();
        assert!(matches!(&e, Error::Authorize { error, .. } if error == "access_denied"));
        a.location = Some(format!("{REDIRECT}#error=access_denied&state=s2"));
        let e = read(&a, "s1").err().unwrap();
        assert!(matches!(&e, Error::AuthorizeRedirect { .. }), "{e:?}");
        // Query-mode error to our redirect URI (tailscale #3334 shape).
        a.location = Some(format!(
            "{REDIRECT}?state=s1&error=access_denied&error_description=User+is+not+assigned+to+the+client+application"
        ));
        let e = read(&a, "s1").err().unwrap();
        assert!(
            matches!(&e, Error::Authorize { description: Some(d), .. } if d == "User is not assigned to the client application")
        );
        // Tokens in a fragment: reported without them.
        a.location = Some(format!("{REDIRECT}#id_token=eyJraWQi.SECRET.sig&state=s1"));
        let e = read(&a, "s1").err().unwrap();
        assert!(matches!(
            &e,
            Error::AuthorizeRedirect {
                to_redirect_uri: true,
                ..
            }
        ));
        assert!(!format!("{e} {e:?}").contains("SECRET"));
    }

    #[test]
    fn json_answers_are_okta_errors() {
        let mut a = page(
            404,
            r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: nope (AuthorizationServer)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#,
        );
        a.content_type = Some("application/json;charset=UTF-8".into());
        let e = read(&a, "s1").err().unwrap();
        assert!(matches!(&e, Error::Okta { code, status: 404, .. } if code == "E0000007"));
        assert!(e.to_string().contains("`servers.<name>.id`"), "{e}");
    }
}
