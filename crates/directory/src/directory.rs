//! A validated set of teams, sorted by id, with the indexes routing uses.

use std::collections::HashMap;

use crate::error::DirectoryError;
use crate::route::Index;
use crate::team::Team;
use crate::validate;

/// The teams an operator knows, checked and indexed. Built only through
/// [`Directory::new`], so every team in it follows the rules (see
/// `validate`) and the routing indexes match the teams.
#[derive(Debug, Clone)]
pub struct Directory {
    /// Sorted by id: an index into it orders teams by id, which is how
    /// routing breaks ties.
    teams: Vec<Team>,
    by_id: HashMap<String, usize>,
    ours: Option<usize>,
    pub(crate) index: Index,
}

impl Directory {
    /// Checks every team (ids, names, countries, addresses, URLs,
    /// language, fingerprint, formats, constituency), normalises PGP
    /// fingerprints, refuses duplicate ids and more than one `ours`, and
    /// builds the routing indexes.
    pub fn new(mut teams: Vec<Team>) -> Result<Directory, DirectoryError> {
        for team in &mut teams {
            validate::team(team)?;
        }
        teams.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(pair) = teams.windows(2).find(|w| w[0].id == w[1].id) {
            let id = pair[0].id.clone();
            let count = teams.iter().filter(|t| t.id == id).count();
            return Err(DirectoryError::DuplicateId { id, count });
        }
        let mut ours = None;
        for (i, team) in teams.iter().enumerate() {
            if team.ours {
                if let Some(first) = ours {
                    let first: &Team = &teams[first];
                    return Err(DirectoryError::SeveralOurs {
                        first: first.id.clone(),
                        second: team.id.clone(),
                    });
                }
                ours = Some(i);
            }
        }
        let by_id = teams
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        let index = Index::build(&teams, ours);
        Ok(Directory {
            teams,
            by_id,
            ours,
            index,
        })
    }

    /// Every team, sorted by id.
    pub fn teams(&self) -> &[Team] {
        &self.teams
    }

    /// The team with this id.
    pub fn team(&self, id: &str) -> Option<&Team> {
        self.by_id.get(id).map(|&i| &self.teams[i])
    }

    /// The operator's own team, the fallback for every unclaimed source.
    pub fn ours(&self) -> Option<&Team> {
        self.ours.map(|i| &self.teams[i])
    }

    /// The teams, sorted by id, with fingerprints normalised.
    pub fn into_teams(self) -> Vec<Team> {
        self.teams
    }

    pub fn len(&self) -> usize {
        self.teams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.teams.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::team::{Constituency, Email, EmailUsage, Format, TeamKind};
    use hirundo_tlp::Tlp;

    /// A valid team with nothing but an id and a kind.
    pub(crate) fn team(id: &str, kind: TeamKind) -> Team {
        Team {
            id: id.to_owned(),
            name: format!("Team {id}"),
            short_name: id.to_uppercase(),
            country: None,
            kind,
            emails: vec![Email {
                address: format!("{id}@example.org"),
                usage: vec![EmailUsage::Contact],
            }],
            pgp_fingerprint: None,
            website: None,
            formats: Format::ALL.to_vec(),
            max_tlp: Tlp::Amber,
            language: "en".to_owned(),
            constituency: Constituency::default(),
            opt_out: false,
            cadence: Default::default(),
            webhook: None,
            ours: false,
            unverified: vec![],
            origin: "test".to_owned(),
            notes: String::new(),
        }
    }

    fn err(teams: Vec<Team>) -> String {
        Directory::new(teams).unwrap_err().to_string()
    }

    #[test]
    fn sorts_finds_and_normalises() {
        let mut b = team("b", TeamKind::Sector);
        b.pgp_fingerprint = Some("2a78 ad32 4920 2e1d 240e aa71 354d b7b6 c8af d18a".to_owned());
        let mut a = team("a", TeamKind::National);
        a.ours = true;
        let dir = Directory::new(vec![b, a]).unwrap();
        let ids: Vec<&str> = dir.teams().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            dir.team("b").unwrap().pgp_fingerprint.as_deref(),
            Some("2A78AD3249202E1D240EAA71354DB7B6C8AFD18A")
        );
        assert!(dir.team("c").is_none());
        assert_eq!(dir.ours().map(|t| t.id.as_str()), Some("a"));
        assert_eq!(dir.len(), 2);
        assert_eq!(dir.into_teams().len(), 2);
        assert!(Directory::new(vec![]).unwrap().ours().is_none());
    }

    #[test]
    fn errors_name_the_team_and_the_field() {
        let mut t = team("cert-br", TeamKind::National);
        t.emails.push(Email {
            address: "x y".to_owned(),
            usage: vec![],
        });
        assert_eq!(
            err(vec![t]),
            r#"team "cert-br": emails[1].address "x y": contains whitespace or a control character"#
        );

        let t = team("Bad Id", TeamKind::Other);
        assert_eq!(
            err(vec![t]),
            r#"team "Bad Id": id "Bad Id": may only hold a-z, 0-9, '.', '_' and '-'"#
        );

        let mut t = team("t", TeamKind::Other);
        t.country = Some("at".to_owned());
        assert!(err(vec![t]).starts_with(r#"team "t": country "at": must be two upper-case"#));

        let mut t = team("t", TeamKind::Other);
        t.formats = vec![Format::Csv, Format::Csv];
        assert_eq!(
            err(vec![t]),
            r#"team "t": formats[1] "csv": is listed twice"#
        );

        let mut t = team("t", TeamKind::Other);
        t.formats.clear();
        assert!(err(vec![t]).contains("formats"));

        let mut t = team("t", TeamKind::Other);
        t.webhook = Some("ftp://x.org".to_owned());
        assert!(err(vec![t]).contains("webhook"));

        let mut t = team("t", TeamKind::Other);
        t.name = "Evil\r\nTeam".to_owned();
        assert_eq!(
            err(vec![t]),
            r#"team "t": name "Evil\r\nTeam": contains a control character"#
        );

        let mut t = team("t", TeamKind::Other);
        t.language = "english".to_owned();
        assert!(err(vec![t]).contains("language \"english\""));

        let mut t = team("t", TeamKind::Other);
        t.constituency.prefixes.push(crate::Prefix {
            addr: "10.0.0.1".parse().unwrap(),
            len: 8,
        });
        assert!(err(vec![t]).contains("constituency.prefixes[0] \"10.0.0.1/8\""));

        let mut t = team("t", TeamKind::Other);
        t.constituency.countries.push("XXX".to_owned());
        assert!(err(vec![t]).contains("constituency.countries[0]"));

        let mut t = team("t", TeamKind::Other);
        t.unverified.push("emial".to_owned());
        assert!(err(vec![t]).contains("unverified[0] \"emial\""));

        let mut t = team("t", TeamKind::Other);
        t.pgp_fingerprint = Some("1234".to_owned());
        assert!(err(vec![t]).contains("pgp_fingerprint"));
    }

    #[test]
    fn duplicates_and_two_ours_are_refused() {
        let e = err(vec![
            team("x", TeamKind::Other),
            team("y", TeamKind::Other),
            team("x", TeamKind::Sector),
        ]);
        assert_eq!(e, r#"team "x" appears 2 times: ids must be unique"#);
        let mut a = team("a", TeamKind::Other);
        a.ours = true;
        let mut b = team("b", TeamKind::Other);
        b.ours = true;
        assert!(matches!(
            Directory::new(vec![b, a]),
            Err(DirectoryError::SeveralOurs { first, second }) if first == "a" && second == "b"
        ));
    }
}
