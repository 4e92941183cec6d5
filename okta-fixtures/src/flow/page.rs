//! The parts of an HTML page that step 2 reads: its forms with their inputs, its title and the
//! text of its body.
//!
//! The page is read with `html5gum`, a WHATWG-conformant tokenizer (its character references,
//! attribute quoting and lower-casing follow the HTML standard's tokenization chapter,
//! <https://html.spec.whatwg.org/multipage/parsing.html#tokenization>). It logs nothing, unlike
//! html5ever (behind `scraper`), whose tree builder logs every token at `debug` and whose
//! tokenizer logs every character at `trace` through the `log` facade: with either level on in
//! any subscriber, the form_post page's code or tokens would be printed.

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// One `<form>` and the named `<input>`s inside it, in document order.
pub(crate) struct Form {
    /// The `action` attribute, entities decoded; `None` when absent.
    pub(crate) action: Option<String>,
    /// `(name, value)` of each input with a `name`; a missing `value` reads as empty.
    pub(crate) inputs: Vec<(String, String)>,
}

/// What [`Page::read`] keeps of a page. No `Debug`: a form_post page's inputs are secrets.
pub(crate) struct Page {
    pub(crate) forms: Vec<Form>,
    /// The first `<title>`'s text.
    pub(crate) title: Option<String>,
    /// The text runs of the body, split where a tag is, as a DOM's text nodes are.
    pub(crate) texts: Vec<String>,
    /// Whether any `<input type=password>` is on the page.
    pub(crate) has_password: bool,
}

impl Page {
    /// Reads `html`. Tokenizing never fails: HTML's error recovery is part of the standard.
    pub(crate) fn read(html: &str) -> Page {
        let mut emitter = DefaultEmitter::default();
        // Script, style and title contents are text, not markup (the standard switches the
        // tokenizer's state on these tags; `naive_next_state` is html5gum's table of them).
        emitter.naively_switch_states(true);
        let mut page = Page {
            forms: Vec::new(),
            title: None,
            texts: Vec::new(),
            has_password: false,
        };
        let mut open_form: Option<Form> = None;
        let mut in_title = false;
        // Text in `<head>` is not the body's (a page without `<body>` tags still has a body).
        let mut in_head = false;
        let mut text = String::new();
        for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
            let name = match &token {
                Token::String(s) => {
                    text.push_str(&String::from_utf8_lossy(&s.value));
                    continue;
                }
                Token::StartTag(t) => t.name.to_vec(),
                Token::EndTag(t) => t.name.to_vec(),
                Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => continue,
            };
            // A tag ends the text run before it.
            let run = std::mem::take(&mut text);
            if in_title {
                page.title.get_or_insert(run);
            } else if !in_head && !run.is_empty() {
                page.texts.push(run);
            }
            in_title = false;
            let tag = match token {
                Token::StartTag(tag) => tag,
                _ => {
                    match &name[..] {
                        b"head" => in_head = false,
                        b"form" => page.forms.extend(open_form.take()),
                        _ => {}
                    }
                    continue;
                }
            };
            let attr = |name: &[u8]| {
                tag.attributes
                    .get(name)
                    .map(|v| String::from_utf8_lossy(&v.value).into_owned())
            };
            match &name[..] {
                b"head" => in_head = true,
                b"body" => in_head = false,
                b"title" => in_title = true,
                // A `<form>` inside an open form is ignored, as the tree builder ignores it.
                b"form" if open_form.is_none() => {
                    open_form = Some(Form {
                        action: attr(b"action"),
                        inputs: Vec::new(),
                    });
                }
                b"input" => {
                    let kind = attr(b"type").unwrap_or_default();
                    page.has_password |= kind.eq_ignore_ascii_case("password");
                    if let (Some(form), Some(name)) = (open_form.as_mut(), attr(b"name")) {
                        form.inputs.push((name, attr(b"value").unwrap_or_default()));
                    }
                }
                _ => {}
            }
        }
        if !in_head && !text.is_empty() {
            page.texts.push(text);
        }
        // A form left open runs to the end of the page, as in a browser.
        page.forms.extend(open_form);
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_inputs_title_and_body_text() {
        let page = Page::read(
            "<html><head><title>Org &amp; Co</title><script>var x = '<form>';</script></head>\
             <body><p>Error Code:</p><p>E1</p><input name=outside value=1>\
             <form action='/a&#x2f;b'><input type=hidden name=code value=\"c&#x3d;\">\
             <form action=/nested><input name=n></form><input type=PASSWORD name=p>",
        );
        assert_eq!(page.title.as_deref(), Some("Org & Co"));
        assert_eq!(page.texts, ["Error Code:", "E1"]);
        assert!(page.has_password);
        assert_eq!(
            page.forms.len(),
            1,
            "the nested form is ignored, inputs outside are not kept"
        );
        assert_eq!(page.forms[0].action.as_deref(), Some("/a/b"));
        let names: Vec<_> = page.forms[0]
            .inputs
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["code", "n"]);
        assert_eq!(page.forms[0].inputs[0].1, "c=");
    }
}
