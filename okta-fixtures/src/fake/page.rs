//! Okta's HTML pages: the `form_post` auto-submit page, the `okta_post_message` page, the 400
//! error page and the sign-in page, with OWASP-ESAPI-style encoders (section 3.5); plus the
//! broken pages that injected faults answer with.

use axum::http::StatusCode;

/// Characters ESAPI leaves alone in HTML attributes besides ASCII letters and digits.
const IMMUNE_HTMLATTR: &[char] = &[',', '.', '-', '_'];
/// … in HTML text.
const IMMUNE_HTML: &[char] = &[',', '.', '-', '_', ' '];
/// … in JavaScript string literals (so `-` becomes `\x2D`).
const IMMUNE_JAVASCRIPT: &[char] = &[',', '.', '_'];

/// HTML 4.01's named character references, which ESAPI's HTML codec prefers over `&#x…;`.
const ENTITIES: &[(u32, &str)] = &[
    (0x22, "quot"),
    (0x26, "amp"),
    (0x3c, "lt"),
    (0x3e, "gt"),
    (0xa0, "nbsp"),
    (0xa1, "iexcl"),
    (0xa2, "cent"),
    (0xa3, "pound"),
    (0xa4, "curren"),
    (0xa5, "yen"),
    (0xa6, "brvbar"),
    (0xa7, "sect"),
    (0xa8, "uml"),
    (0xa9, "copy"),
    (0xaa, "ordf"),
    (0xab, "laquo"),
    (0xac, "not"),
    (0xad, "shy"),
    (0xae, "reg"),
    (0xaf, "macr"),
    (0xb0, "deg"),
    (0xb1, "plusmn"),
    (0xb2, "sup2"),
    (0xb3, "sup3"),
    (0xb4, "acute"),
    (0xb5, "micro"),
    (0xb6, "para"),
    (0xb7, "middot"),
    (0xb8, "cedil"),
    (0xb9, "sup1"),
    (0xba, "ordm"),
    (0xbb, "raquo"),
    (0xbc, "frac14"),
    (0xbd, "frac12"),
    (0xbe, "frac34"),
    (0xbf, "iquest"),
    (0xc0, "Agrave"),
    (0xc1, "Aacute"),
    (0xc2, "Acirc"),
    (0xc3, "Atilde"),
    (0xc4, "Auml"),
    (0xc5, "Aring"),
    (0xc6, "AElig"),
    (0xc7, "Ccedil"),
    (0xc8, "Egrave"),
    (0xc9, "Eacute"),
    (0xca, "Ecirc"),
    (0xcb, "Euml"),
    (0xcc, "Igrave"),
    (0xcd, "Iacute"),
    (0xce, "Icirc"),
    (0xcf, "Iuml"),
    (0xd0, "ETH"),
    (0xd1, "Ntilde"),
    (0xd2, "Ograve"),
    (0xd3, "Oacute"),
    (0xd4, "Ocirc"),
    (0xd5, "Otilde"),
    (0xd6, "Ouml"),
    (0xd7, "times"),
    (0xd8, "Oslash"),
    (0xd9, "Ugrave"),
    (0xda, "Uacute"),
    (0xdb, "Ucirc"),
    (0xdc, "Uuml"),
    (0xdd, "Yacute"),
    (0xde, "THORN"),
    (0xdf, "szlig"),
    (0xe0, "agrave"),
    (0xe1, "aacute"),
    (0xe2, "acirc"),
    (0xe3, "atilde"),
    (0xe4, "auml"),
    (0xe5, "aring"),
    (0xe6, "aelig"),
    (0xe7, "ccedil"),
    (0xe8, "egrave"),
    (0xe9, "eacute"),
    (0xea, "ecirc"),
    (0xeb, "euml"),
    (0xec, "igrave"),
    (0xed, "iacute"),
    (0xee, "icirc"),
    (0xef, "iuml"),
    (0xf0, "eth"),
    (0xf1, "ntilde"),
    (0xf2, "ograve"),
    (0xf3, "oacute"),
    (0xf4, "ocirc"),
    (0xf5, "otilde"),
    (0xf6, "ouml"),
    (0xf7, "divide"),
    (0xf8, "oslash"),
    (0xf9, "ugrave"),
    (0xfa, "uacute"),
    (0xfb, "ucirc"),
    (0xfc, "uuml"),
    (0xfd, "yacute"),
    (0xfe, "thorn"),
    (0xff, "yuml"),
    (0x152, "OElig"),
    (0x153, "oelig"),
    (0x160, "Scaron"),
    (0x161, "scaron"),
    (0x178, "Yuml"),
    (0x192, "fnof"),
    (0x2c6, "circ"),
    (0x2dc, "tilde"),
    (0x391, "Alpha"),
    (0x392, "Beta"),
    (0x393, "Gamma"),
    (0x394, "Delta"),
    (0x395, "Epsilon"),
    (0x396, "Zeta"),
    (0x397, "Eta"),
    (0x398, "Theta"),
    (0x399, "Iota"),
    (0x39a, "Kappa"),
    (0x39b, "Lambda"),
    (0x39c, "Mu"),
    (0x39d, "Nu"),
    (0x39e, "Xi"),
    (0x39f, "Omicron"),
    (0x3a0, "Pi"),
    (0x3a1, "Rho"),
    (0x3a3, "Sigma"),
    (0x3a4, "Tau"),
    (0x3a5, "Upsilon"),
    (0x3a6, "Phi"),
    (0x3a7, "Chi"),
    (0x3a8, "Psi"),
    (0x3a9, "Omega"),
    (0x3b1, "alpha"),
    (0x3b2, "beta"),
    (0x3b3, "gamma"),
    (0x3b4, "delta"),
    (0x3b5, "epsilon"),
    (0x3b6, "zeta"),
    (0x3b7, "eta"),
    (0x3b8, "theta"),
    (0x3b9, "iota"),
    (0x3ba, "kappa"),
    (0x3bb, "lambda"),
    (0x3bc, "mu"),
    (0x3bd, "nu"),
    (0x3be, "xi"),
    (0x3bf, "omicron"),
    (0x3c0, "pi"),
    (0x3c1, "rho"),
    (0x3c2, "sigmaf"),
    (0x3c3, "sigma"),
    (0x3c4, "tau"),
    (0x3c5, "upsilon"),
    (0x3c6, "phi"),
    (0x3c7, "chi"),
    (0x3c8, "psi"),
    (0x3c9, "omega"),
    (0x3d1, "thetasym"),
    (0x3d2, "upsih"),
    (0x3d6, "piv"),
    (0x2002, "ensp"),
    (0x2003, "emsp"),
    (0x2009, "thinsp"),
    (0x200c, "zwnj"),
    (0x200d, "zwj"),
    (0x200e, "lrm"),
    (0x200f, "rlm"),
    (0x2013, "ndash"),
    (0x2014, "mdash"),
    (0x2018, "lsquo"),
    (0x2019, "rsquo"),
    (0x201a, "sbquo"),
    (0x201c, "ldquo"),
    (0x201d, "rdquo"),
    (0x201e, "bdquo"),
    (0x2020, "dagger"),
    (0x2021, "Dagger"),
    (0x2022, "bull"),
    (0x2026, "hellip"),
    (0x2030, "permil"),
    (0x2032, "prime"),
    (0x2033, "Prime"),
    (0x2039, "lsaquo"),
    (0x203a, "rsaquo"),
    (0x203e, "oline"),
    (0x2044, "frasl"),
    (0x20ac, "euro"),
    (0x2111, "image"),
    (0x2118, "weierp"),
    (0x211c, "real"),
    (0x2122, "trade"),
    (0x2135, "alefsym"),
    (0x2190, "larr"),
    (0x2191, "uarr"),
    (0x2192, "rarr"),
    (0x2193, "darr"),
    (0x2194, "harr"),
    (0x21b5, "crarr"),
    (0x21d0, "lArr"),
    (0x21d1, "uArr"),
    (0x21d2, "rArr"),
    (0x21d3, "dArr"),
    (0x21d4, "hArr"),
    (0x2200, "forall"),
    (0x2202, "part"),
    (0x2203, "exist"),
    (0x2205, "empty"),
    (0x2207, "nabla"),
    (0x2208, "isin"),
    (0x2209, "notin"),
    (0x220b, "ni"),
    (0x220f, "prod"),
    (0x2211, "sum"),
    (0x2212, "minus"),
    (0x2217, "lowast"),
    (0x221a, "radic"),
    (0x221d, "prop"),
    (0x221e, "infin"),
    (0x2220, "ang"),
    (0x2227, "and"),
    (0x2228, "or"),
    (0x2229, "cap"),
    (0x222a, "cup"),
    (0x222b, "int"),
    (0x2234, "there4"),
    (0x223c, "sim"),
    (0x2245, "cong"),
    (0x2248, "asymp"),
    (0x2260, "ne"),
    (0x2261, "equiv"),
    (0x2264, "le"),
    (0x2265, "ge"),
    (0x2282, "sub"),
    (0x2283, "sup"),
    (0x2284, "nsub"),
    (0x2286, "sube"),
    (0x2287, "supe"),
    (0x2295, "oplus"),
    (0x2297, "otimes"),
    (0x22a5, "perp"),
    (0x22c5, "sdot"),
    (0x2308, "lceil"),
    (0x2309, "rceil"),
    (0x230a, "lfloor"),
    (0x230b, "rfloor"),
    (0x2329, "lang"),
    (0x232a, "rang"),
    (0x25ca, "loz"),
    (0x2660, "spades"),
    (0x2663, "clubs"),
    (0x2665, "hearts"),
    (0x2666, "diams"),
];

fn entity_name(c: char) -> Option<&'static str> {
    ENTITIES
        .binary_search_by_key(&(c as u32), |(cp, _)| *cp)
        .ok()
        .map(|i| ENTITIES[i].1)
}

fn encode_html_with(s: &str, immune: &[char]) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || immune.contains(&c) {
            out.push(c);
            continue;
        }
        // Control characters cannot appear in HTML; ESAPI substitutes U+FFFD.
        let c = if (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
            || ('\u{7f}'..='\u{9f}').contains(&c)
        {
            '\u{fffd}'
        } else {
            c
        };
        match entity_name(c) {
            Some(name) => {
                out.push('&');
                out.push_str(name);
                out.push(';');
            }
            None => out.push_str(&format!("&#x{:x};", c as u32)),
        }
    }
    out
}

/// ESAPI `encodeForHTMLAttribute`: `https&#x3a;&#x2f;&#x2f;…`, `openid&#x20;email`.
pub(crate) fn encode_attr(s: &str) -> String {
    encode_html_with(s, IMMUNE_HTMLATTR)
}

/// ESAPI `encodeForHTML` (spaces stay).
pub(crate) fn encode_text(s: &str) -> String {
    encode_html_with(s, IMMUNE_HTML)
}

/// ESAPI `encodeForJavaScript`: `\xHH` below 256, `\uHHHH` (UTF-16 units) above.
pub(crate) fn encode_js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || IMMUNE_JAVASCRIPT.contains(&c) {
            out.push(c);
        } else if (c as u32) < 256 {
            out.push_str(&format!("\\x{:02X}", c as u32));
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04X}"));
            }
        }
    }
    out
}

/// The `response_mode=form_post` page: a form to `action` with one hidden input per field,
/// submitted by script.
pub(crate) fn form_post(org_name: &str, action: &str, fields: &[(&str, &str)]) -> String {
    let mut inputs = String::new();
    for (name, value) in fields {
        inputs.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n",
            encode_attr(name),
            encode_attr(value)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" />\n\
<meta name=\"robots\" content=\"none\" />\n\
<title>{title} - Signing in...</title>\n</head>\n<body>\n\
<noscript>\n<p>Javascript is disabled on your browser. Click the button below to continue.</p>\n</noscript>\n\
<form id=\"appForm\" method=\"post\" name=\"oauthResponse\" action=\"{action}\">\n\
{inputs}<noscript>\n<button type=\"submit\">Continue</button>\n</noscript>\n</form>\n\
<script type=\"text/javascript\">window.onload = function(){{ document.forms['appForm'].submit(); }};</script>\n\
</body>\n</html>\n",
        title = encode_text(org_name),
        action = encode_attr(action),
    )
}

/// The `response_mode=okta_post_message` page: a script that posts `data` to the parent
/// window, values JavaScript-escaped.
pub(crate) fn post_message(org_name: &str, target_origin: &str, fields: &[(&str, &str)]) -> String {
    let mut assignments = String::new();
    for (name, value) in fields {
        assignments.push_str(&format!("data.{name} = '{}';\n", encode_js(value)));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
<title>{title} - Signing in...</title>\n</head>\n<body>\n\
<script type=\"text/javascript\">\n(function(window, document, undefined) {{\nvar data = {{}};\n\
{assignments}window.parent.postMessage(data, '{origin}');\n}})(window, document);\n</script>\n\
</body>\n</html>\n",
        title = encode_text(org_name),
        origin = encode_js(target_origin),
    )
}

/// Okta's 400 page for requests that cannot be answered at the redirect URI.
pub(crate) fn error_page(error: &str, description: &str) -> String {
    status_error_page(StatusCode::BAD_REQUEST, error, description)
}

/// Okta's error page headed by another status (an injected fault).
pub(crate) fn status_error_page(status: StatusCode, error: &str, description: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
<meta name=\"robots\" content=\"none\" />\n<title>Error</title>\n</head>\n<body>\n\
<div class=\"content\">\n<h1>{code}</h1>\n<h2>{reason}</h2>\n\
<p>Your request resulted in an error.</p>\n<p><a href=\"/\">Go to Homepage</a></p>\n\
<p class=\"error-details\">Identity Provider: Unknown</p>\n\
<p class=\"error-details\">Error Code: <span class=\"error-code\">{error}</span></p>\n\
<p class=\"error-details\">Description: <span class=\"error-description\">{description}</span></p>\n\
</div>\n</body>\n</html>\n",
        code = status.as_u16(),
        reason = encode_text(status.canonical_reason().unwrap_or("Error")),
        error = encode_text(error),
        description = encode_text(description)
    )
}

/// A form_post page cut off inside the form's opening tag, as a connection that breaks
/// mid-page leaves it: HTML parsers drop the unfinished tag, so there is no form and no
/// field, and a client must say it got no form_post (an injected `malformed_page`).
pub(crate) fn truncated_form_post(org_name: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" />\n\
<meta name=\"robots\" content=\"none\" />\n\
<title>{title} - Signing in...</title>\n</head>\n<body>\n\
<form id=\"appForm\" method=\"post\" name=\"oauthResponse\" action=\"http&#x3a;&#x2f;&#x2f;",
        title = encode_text(org_name)
    )
}

/// A 200 HTML page where JSON was expected: what a proxy or a maintenance window answers
/// (an injected `malformed_page` on endpoints other than `/authorize`).
pub(crate) fn maintenance_page(org_name: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
<title>{title} - Service Unavailable</title>\n</head>\n<body>\n\
<h1>We&#x27;re sorry, something went wrong.</h1>\n\
<p>The service is temporarily unavailable. Please try again later.</p>\n</body>\n</html>\n",
        title = encode_text(org_name)
    )
}

/// The sign-in page Okta shows when `/authorize` finds no session and may prompt: no
/// `appForm`, nothing a client could mistake for tokens.
pub(crate) fn sign_in_page(org_name: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
<meta name=\"robots\" content=\"none\" />\n<title>{title} - Sign In</title>\n</head>\n\
<body class=\"auth okta-container\">\n\
<div id=\"okta-sign-in\" class=\"auth-container main-container\"></div>\n\
<noscript>\n<p>Javascript is disabled on your browser. Please enable Javascript to sign in.</p>\n</noscript>\n\
</body>\n</html>\n",
        title = encode_text(org_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    #[test]
    fn attr_encoding_matches_okta_samples() {
        assert_eq!(
            encode_attr("https://localhost:8443/saml/SSO"),
            "https&#x3a;&#x2f;&#x2f;localhost&#x3a;8443&#x2f;saml&#x2f;SSO"
        );
        assert_eq!(
            encode_attr("https://account-test.amwayglobal.com/en-us/interstitial.html"),
            "https&#x3a;&#x2f;&#x2f;account-test.amwayglobal.com&#x2f;en-us&#x2f;interstitial.html"
        );
        assert_eq!(encode_attr("openid email"), "openid&#x20;email");
        assert_eq!(
            encode_attr("User is not assigned to the client application."),
            "User&#x20;is&#x20;not&#x20;assigned&#x20;to&#x20;the&#x20;client&#x20;application."
        );
        assert_eq!(
            encode_attr("a=b?c&d\"e<f>'"),
            "a&#x3d;b&#x3f;c&amp;d&quot;e&lt;f&gt;&#x27;"
        );
        assert_eq!(encode_attr("-._,~+"), "-._,&#x7e;&#x2b;");
        assert_eq!(encode_attr("é€😀"), "&eacute;&euro;&#x1f600;");
        assert_eq!(encode_attr("\u{1}\u{85}\t"), "&#xfffd;&#xfffd;&#x9;");
        assert_eq!(encode_text("a b:c"), "a b&#x3a;c");
    }

    #[test]
    fn js_encoding_matches_okta_samples() {
        assert_eq!(encode_js("12345-6789"), "12345\\x2D6789");
        assert_eq!(encode_js("a.b_c,d"), "a.b_c,d");
        assert_eq!(encode_js("'</script>"), "\\x27\\x3C\\x2Fscript\\x3E");
        assert_eq!(encode_js("é€😀"), "\\xE9\\u20AC\\uD83D\\uDE00");
    }

    #[test]
    fn entity_table_is_sorted_for_binary_search() {
        assert!(ENTITIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(ENTITIES.len(), 252);
    }

    #[test]
    fn form_post_page_round_trips_through_a_real_parser() {
        let hostile = "st-1.:/?=&<>\"' é😀~+%#";
        let page = form_post(
            "Acme & Co <b>",
            "http://localhost:8080/cb?x=1&y=2",
            &[("code", "abc-DEF_123"), ("state", hostile)],
        );
        assert!(page.contains(
            "<form id=\"appForm\" method=\"post\" name=\"oauthResponse\" action=\"http&#x3a;&#x2f;&#x2f;localhost&#x3a;8080&#x2f;cb&#x3f;x&#x3d;1&amp;y&#x3d;2\">"
        ));
        assert!(page.contains("<input type=\"hidden\" name=\"code\" value=\"abc-DEF_123\"/>"));
        assert!(page.contains("document.forms['appForm'].submit()"));
        let doc = Html::parse_document(&page);
        let form = doc
            .select(&Selector::parse("form#appForm").unwrap())
            .next()
            .unwrap();
        assert_eq!(
            form.value().attr("action"),
            Some("http://localhost:8080/cb?x=1&y=2")
        );
        let inputs: Vec<(String, String)> = doc
            .select(&Selector::parse("input[type=hidden]").unwrap())
            .map(|i| {
                (
                    i.value().attr("name").unwrap().to_owned(),
                    i.value().attr("value").unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            inputs,
            [
                ("code".to_owned(), "abc-DEF_123".to_owned()),
                ("state".to_owned(), hostile.to_owned())
            ]
        );
        let title = doc
            .select(&Selector::parse("title").unwrap())
            .next()
            .unwrap()
            .text()
            .collect::<String>();
        assert_eq!(title, "Acme & Co <b> - Signing in...");
    }

    #[test]
    fn post_message_page_escapes_dashes() {
        let page = post_message(
            "Acme",
            "http://localhost:8080",
            &[("id_token", "a-b.c"), ("state", "s';alert(1)//")],
        );
        assert!(page.contains("data.id_token = 'a\\x2Db.c';"));
        assert!(page.contains("data.state = 's\\x27\\x3Balert\\x281\\x29\\x2F\\x2F';"));
        assert!(
            page.contains(
                "window.parent.postMessage(data, 'http\\x3A\\x2F\\x2Flocalhost\\x3A8080');"
            )
        );
    }

    #[test]
    fn error_and_sign_in_pages_have_no_app_form() {
        let page = error_page("invalid_client", "Invalid value for 'client_id' parameter.");
        assert!(page.contains("Error Code: <span class=\"error-code\">invalid_client</span>"));
        assert!(page.contains("Invalid value for &#x27;client_id&#x27; parameter."));
        let truncated = truncated_form_post("Acme");
        assert!(truncated.contains("<form id=\"appForm\""));
        let teapot = status_error_page(StatusCode::BAD_GATEWAY, "server_error", "x");
        assert!(teapot.contains("<h1>502</h1>\n<h2>Bad Gateway</h2>"));
        for page in [
            page,
            sign_in_page("Acme"),
            truncated,
            maintenance_page("Acme"),
            teapot,
        ] {
            let doc = Html::parse_document(&page);
            assert!(
                doc.select(&Selector::parse("form").unwrap())
                    .next()
                    .is_none()
            );
        }
    }
}
