//! The rules one team must follow on its own; the rules between teams
//! (unique ids, one `ours`) are in [`Directory::new`](crate::Directory::new).
//!
//! Addresses, URLs and names end up in mail headers, URLs and log lines,
//! so anything that could break out of those (line breaks, quotes, angle
//! brackets, commas) is refused here, once, for every way a team can
//! enter the directory.

use std::collections::HashSet;

use crate::error::DirectoryError;
use crate::team::{Team, MAX_ID_LEN};

/// The longest name, short name, domain or language tag accepted.
const MAX_NAME: usize = 256;
/// RFC 5321's limit on a forward path.
const MAX_ADDRESS: usize = 254;
const MAX_URL: usize = 2048;

/// Top-level fields that `unverified` may name.
const FIELDS: [&str; 16] = [
    "id",
    "name",
    "short_name",
    "country",
    "kind",
    "emails",
    "pgp_fingerprint",
    "website",
    "formats",
    "max_tlp",
    "language",
    "constituency",
    "opt_out",
    "cadence",
    "webhook",
    "notes",
];

/// Checks one team and normalises what has one right spelling (the PGP
/// fingerprint).
pub(crate) fn team(t: &mut Team) -> Result<(), DirectoryError> {
    let id = t.id.clone();
    let bad = |field: &str, value: &str, why: &str| DirectoryError::invalid(&id, field, value, why);

    if let Err(why) = check_id(&t.id) {
        return Err(bad("id", &t.id, why));
    }
    text_field(&t.name).map_err(|why| bad("name", &t.name, why))?;
    text_field(&t.short_name).map_err(|why| bad("short_name", &t.short_name, why))?;
    if let Some(cc) = &t.country {
        country(cc).map_err(|why| bad("country", cc, why))?;
    }
    for (i, email) in t.emails.iter().enumerate() {
        address(&email.address)
            .map_err(|why| bad(&format!("emails[{i}].address"), &email.address, why))?;
    }
    if let Some(fpr) = &t.pgp_fingerprint {
        let normal = fingerprint(fpr).map_err(|why| bad("pgp_fingerprint", fpr, why))?;
        t.pgp_fingerprint = Some(normal);
    }
    if let Some(url) = &t.website {
        http_url(url).map_err(|why| bad("website", url, why))?;
    }
    if let Some(url) = &t.webhook {
        http_url(url).map_err(|why| bad("webhook", url, why))?;
    }
    if t.formats.is_empty() {
        return Err(bad("formats", "", "must name at least one format"));
    }
    let mut seen = HashSet::new();
    for (i, f) in t.formats.iter().enumerate() {
        if !seen.insert(f) {
            return Err(bad(&format!("formats[{i}]"), f.as_str(), "is listed twice"));
        }
    }
    language(&t.language).map_err(|why| bad("language", &t.language, why))?;
    constituency(t).map_err(|(field, value, why)| bad(&field, &value, why))?;
    for (i, name) in t.unverified.iter().enumerate() {
        if !FIELDS.contains(&name.as_str()) {
            return Err(bad(
                &format!("unverified[{i}]"),
                name,
                "is not a field of a team",
            ));
        }
    }
    if t.origin.chars().any(char::is_control) {
        return Err(bad("origin", &t.origin, "contains a control character"));
    }
    Ok(())
}

fn constituency(t: &Team) -> Result<(), (String, String, &'static str)> {
    let c = &t.constituency;
    for (i, cc) in c.countries.iter().enumerate() {
        country(cc).map_err(|why| (format!("constituency.countries[{i}]"), cc.clone(), why))?;
    }
    for (i, asn) in c.asns.iter().enumerate() {
        if *asn == 0 {
            return Err((
                format!("constituency.asns[{i}]"),
                "0".to_owned(),
                "AS 0 is reserved and never originates traffic",
            ));
        }
    }
    for (i, p) in c.prefixes.iter().enumerate() {
        if !p.is_canonical() {
            return Err((
                format!("constituency.prefixes[{i}]"),
                p.to_string(),
                "has host bits set or a length past the address width",
            ));
        }
    }
    for (i, d) in c.domains.iter().enumerate() {
        let why = if d.is_empty() {
            Some("is empty")
        } else if d.len() > MAX_NAME {
            Some("is too long")
        } else if d.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("contains whitespace or a control character")
        } else {
            None
        };
        if let Some(why) = why {
            return Err((format!("constituency.domains[{i}]"), d.clone(), why));
        }
    }
    Ok(())
}

/// 1 to 64 of `[a-z0-9._-]`.
pub(crate) fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err("must be 1 to 64 characters");
    }
    let ok = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err("may only hold a-z, 0-9, '.', '_' and '-'")
    }
}

fn text_field(s: &str) -> Result<(), &'static str> {
    if s.trim().is_empty() {
        Err("must not be empty")
    } else if s.chars().count() > MAX_NAME {
        Err("is longer than 256 characters")
    } else if s.chars().any(char::is_control) {
        Err("contains a control character")
    } else {
        Ok(())
    }
}

/// ISO 3166-1 alpha-2 as written: two upper-case ASCII letters.
pub(crate) fn country(cc: &str) -> Result<(), &'static str> {
    if cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err("must be two upper-case letters (ISO 3166-1 alpha-2)")
    }
}

/// A bare addr-spec, strict enough that it can go into a `To:` header
/// as is: one '@', no whitespace, control characters, or any of the
/// characters that delimit, quote or comment in a header.
pub(crate) fn address(a: &str) -> Result<(), &'static str> {
    const FORBIDDEN: &[char] = &[
        ',', '<', '>', ';', '"', '\'', '(', ')', '[', ']', '\\', ':', '`',
    ];
    if a.is_empty() {
        return Err("is empty");
    }
    if a.len() > MAX_ADDRESS {
        return Err("is longer than 254 bytes");
    }
    if a.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace or a control character");
    }
    if a.contains(FORBIDDEN) {
        return Err("contains a character that is not allowed in a bare address (one of , < > ; \" ' ( ) [ ] \\ : `)");
    }
    let Some((local, domain)) = a.split_once('@') else {
        return Err("has no '@'");
    };
    if domain.contains('@') {
        return Err("has more than one '@'");
    }
    if local.is_empty() || domain.is_empty() {
        return Err("needs text on both sides of the '@'");
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err("has an empty label in its domain");
    }
    Ok(())
}

/// `http://` or `https://` followed by a host, nothing that could end
/// the URL early.
pub(crate) fn http_url(u: &str) -> Result<(), &'static str> {
    if u.len() > MAX_URL {
        return Err("is longer than 2048 bytes");
    }
    if u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace or a control character");
    }
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &u[8..]
    } else if lower.starts_with("http://") {
        &u[7..]
    } else {
        return Err("must start with http:// or https://");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err("has no host");
    }
    if u.contains(['"', '<', '>', '\\', '`']) {
        return Err("contains a quote, angle bracket, backslash or backtick");
    }
    Ok(())
}

/// A plausible BCP 47 tag: `[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*`.
pub(crate) fn language(tag: &str) -> Result<(), &'static str> {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && tag.len() <= MAX_NAME {
        Ok(())
    } else {
        Err("is not a BCP 47 language tag such as \"en\" or \"pt-BR\"")
    }
}

/// 40 or 64 hex digits once spaces are removed; returned in upper case
/// without spaces.
pub(crate) fn fingerprint(f: &str) -> Result<String, &'static str> {
    let compact: String = f.chars().filter(|c| !c.is_whitespace()).collect();
    if !(compact.len() == 40 || compact.len() == 64) {
        return Err("must be 40 or 64 hex digits (spaces allowed)");
    }
    if !compact.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("must hold only hex digits and spaces");
    }
    Ok(compact.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_that_could_inject_headers_are_refused() {
        assert_eq!(address("cert@cert.br"), Ok(()));
        assert_eq!(address("CSIRT_Spain@accenture.com"), Ok(()));
        assert_eq!(address("a+tag@sub.example.org"), Ok(()));
        for bad in [
            "",
            "x y@a.org",
            "x@a.org\r\nBcc: evil@b.org",
            "x@a.org\nBcc:evil@b.org",
            "Team <x@a.org>",
            "x@a.org,y@b.org",
            "x@a.org;y@b.org",
            "\"x\"@a.org",
            "x@@a.org",
            "x@y@a.org",
            "noat.org",
            "@a.org",
            "x@",
            "x@a..org",
            "x@.a.org",
            "x@a.org\u{2028}",
            "x(comment)@a.org",
        ] {
            assert!(address(bad).is_err(), "{bad:?}");
        }
        assert!(address(&format!("{}@a.org", "x".repeat(250))).is_err());
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert_eq!(http_url("https://cert.br/"), Ok(()));
        assert_eq!(http_url("http://example.org:8080/hook?x=1"), Ok(()));
        assert_eq!(http_url("HTTPS://EXAMPLE.ORG"), Ok(()));
        for bad in [
            "",
            "ftp://x.org",
            "javascript:alert(1)",
            "https://",
            "https:///x",
            "https://a b.org",
            "https://x.org/\r\n",
            "https://x.org/\"><script>",
            "www.cert.at",
        ] {
            assert!(http_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "pt-BR", "ja", "es-419", "zh-Hant-TW", "sgn-BE-FR"] {
            assert_eq!(language(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "en--US",
            "pt-BRAZILIAN",
            "1a",
        ] {
            assert!(language(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_are_normalised() {
        assert_eq!(
            fingerprint("945C 2808 4340 505C 36CC  FA6B CA51 9536 60F3 b29b").unwrap(),
            "945C28084340505C36CCFA6BCA51953660F3B29B"
        );
        assert_eq!(fingerprint(&"ab".repeat(32)).unwrap().len(), 64);
        assert!(fingerprint("945C 2808").is_err());
        assert!(fingerprint(&"g".repeat(40)).is_err());
        assert!(fingerprint(&"a".repeat(41)).is_err());
    }

    #[test]
    fn ids_and_countries() {
        assert_eq!(check_id("cert.br"), Ok(()));
        assert_eq!(check_id("a_b-c.9"), Ok(()));
        assert_eq!(check_id(&"a".repeat(64)), Ok(()));
        for bad in ["", "CERT", "a b", "a/b", "é"] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_id(&"a".repeat(65)).is_err());
        assert_eq!(country("AT"), Ok(()));
        for bad in ["at", "AUT", "A", "", "A1", "ÄT"] {
            assert!(country(bad).is_err(), "{bad:?}");
        }
    }
}
