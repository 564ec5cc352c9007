use std::fmt;
use std::str::FromStr;

/// A two-letter country code as the sources write it: ISO 3166-1 alpha-2
/// (`BR`, `JP`), plus the few registry codes that are not countries (`EU`,
/// `AP`, `ZZ`). Always two ASCII capital letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code from two bytes, if both are ASCII capital letters.
    pub const fn from_bytes(bytes: [u8; 2]) -> Option<CountryCode> {
        if bytes[0].is_ascii_uppercase() && bytes[1].is_ascii_uppercase() {
            Some(CountryCode(bytes))
        } else {
            None
        }
    }

    pub const fn to_bytes(self) -> [u8; 2] {
        self.0
    }

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII capitals (checked at construction), so this
        // never fails.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// Why a string is not a [`CountryCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a two-letter country code")]
pub struct CountryCodeError(pub String);

impl FromStr for CountryCode {
    type Err = CountryCodeError;

    /// Accepts exactly two ASCII letters, either case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.as_bytes() {
            &[a, b] => CountryCode::from_bytes([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
                .ok_or_else(|| CountryCodeError(s.to_owned())),
            _ => Err(CountryCodeError(s.to_owned())),
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl serde::Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CountryCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_letters_only() {
        assert_eq!("br".parse::<CountryCode>().unwrap().as_str(), "BR");
        assert_eq!("JP".parse::<CountryCode>().unwrap().to_string(), "JP");
        for bad in ["", "B", "BRA", "??", "B1", "É"] {
            assert!(bad.parse::<CountryCode>().is_err(), "{bad:?}");
        }
        assert_eq!(CountryCode::from_bytes(*b"??"), None);
    }
}
