//! Three national CSIRTs shipped with hirundo (JPCERT/CC, CERT.br,
//! CERT-MX), so a new installation routes their countries before the
//! operator loads a directory. `data/README.md` says where every value
//! came from; what could not be confirmed is listed in `unverified`.

use crate::import::from_toml;
use crate::team::Team;

/// The starter directory as shipped, in the directory TOML format.
pub const STARTER_TOML: &str = include_str!("../data/starter.toml");

/// The `origin` of the starter teams.
pub const STARTER_ORIGIN: &str = "starter";

/// The starter teams, in file order.
pub fn starter() -> Vec<Team> {
    // Embedded at build time and parsed by this crate's tests.
    from_toml(STARTER_TOML).expect("data/starter.toml parses (tested)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Directory, Level, Origin, TeamKind};

    #[test]
    fn the_starter_teams_parse_and_validate() {
        let teams = starter();
        let ids: Vec<&str> = teams.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["jpcert-cc", "cert.br", "cert-mx"]);
        for t in &teams {
            assert_eq!(t.kind, TeamKind::National, "{}", t.id);
            assert_eq!(t.origin, STARTER_ORIGIN, "{}", t.id);
            assert_eq!(
                t.constituency.countries,
                [t.country.clone().unwrap()],
                "{}",
                t.id
            );
            assert!(!t.ours, "{}", t.id);
        }
        let dir = Directory::new(teams).unwrap();
        assert_eq!(dir.len(), 3);
        assert!(dir.ours().is_none());
    }

    #[test]
    fn the_starter_routes_each_country_to_its_team() {
        let dir = Directory::new(starter()).unwrap();
        for (cc, want) in [("JP", "jpcert-cc"), ("br", "cert.br"), ("MX", "cert-mx")] {
            let r = dir.route(&Origin {
                ip: "198.51.100.7".parse().unwrap(),
                asn: Some(64500),
                cc: Some(cc),
            });
            assert_eq!(
                (r.team.map(|t| t.id.as_str()), r.level),
                (Some(want), Level::National),
                "{cc}"
            );
        }
        let r = dir.route(&Origin {
            ip: "198.51.100.7".parse().unwrap(),
            asn: None,
            cc: Some("DE"),
        });
        assert_eq!(r.level, Level::Unrouted);
    }

    /// Nothing invented: CERT-MX has no confirmed address, so none is
    /// shipped; JPCERT/CC's address is shipped only as unverified.
    #[test]
    fn unconfirmed_contacts_are_absent_or_marked() {
        let dir = Directory::new(starter()).unwrap();
        let mx = dir.team("cert-mx").unwrap();
        assert!(mx.emails.is_empty());
        assert!(mx.pgp_fingerprint.is_none());
        let jp = dir.team("jpcert-cc").unwrap();
        assert!(jp.unverified.iter().any(|f| f == "emails"));
        let br = dir.team("cert.br").unwrap();
        assert_eq!(br.notification_addresses(), ["cert@cert.br"]);
        assert!(!br.unverified.iter().any(|f| f == "emails"));
        assert!(br.pgp_fingerprint.is_none());
    }
}
