//! Escaping for XML and HTML text and attribute values. Alert titles and
//! source tags come from traffic that anyone can send, so nothing reaches
//! the feed or the HTML mail unescaped.

pub use hirundo_chart::escape;

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_chart::forbidden_in_xml;
    use proptest::prelude::*;
    use std::borrow::Cow;

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
