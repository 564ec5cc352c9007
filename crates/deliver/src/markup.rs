//! Escaping for XML and HTML text and attribute values. Alert titles and
//! source tags come from traffic that anyone can send, so nothing reaches
//! the feed or the HTML mail unescaped.

use std::borrow::Cow;

/// `s` made safe as XML 1.0 or HTML text or a quoted attribute value: the
/// five markup characters become entities, and characters that XML 1.0
/// forbids outright (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF)
/// become U+FFFD, since no escape can carry them and a feed reader would
/// reject the whole document.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_work) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if forbidden_in_xml(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_work(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'') || forbidden_in_xml(c)
}

/// Outside XML 1.0's `Char` production (surrogates cannot occur in a `str`).
fn forbidden_in_xml(c: char) -> bool {
    (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_markup_and_drops_forbidden() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            escape("a\u{0}b\u{1b}c\td\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\td\u{FFFD}"
        );
        assert!(matches!(escape("8728/tcp from BR"), Cow::Borrowed(_)));
    }

    proptest! {
        /// Whatever goes in, no raw markup character comes out, and
        /// un-escaping gives back the input less the forbidden characters.
        #[test]
        fn escaped_text_is_inert(s in any::<String>()) {
            let e = escape(&s);
            prop_assert!(!e.contains(['<', '>', '"', '\'']));
            prop_assert!(!e.chars().any(forbidden_in_xml));
            let back = e
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            let expected: String = s
                .chars()
                .map(|c| if forbidden_in_xml(c) { '\u{FFFD}' } else { c })
                .collect();
            prop_assert_eq!(back, expected);
        }
    }
}
