use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use crate::dataset::{
    AsnTable, CountryTable, Dataset, DatasetSource, SourceInfo, SourceKind, SourceTables,
};
use crate::mmdb::{read_mmdb_asns, read_mmdb_countries, MmdbInfo};
use crate::rir::read_rir_delegated;
use crate::{Asn, CountryCode, GeoConfig, LoadError, SourceSpec};

/// The shipped dataset's bytes, `data/ipdb.hgeo` at the repository root.
#[cfg(feature = "builtin")]
pub const BUILTIN_DATASET: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ipdb.hgeo"));

/// Which source an answer came from: an index into [`Geo::sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u16);

/// A source as answers name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    /// What said it, with the data's date: `ip-location-db asn 2026-06`,
    /// `tor-geoip (IPFire Location) 2026-06-25`, `mmdb:GeoLite2-ASN.mmdb
    /// 2026-06-17`, `rir-delegated:delegated-apnic-latest 2026-06-25`.
    pub name: Arc<str>,
    /// Licence of the data, when known (`CC BY 4.0`); empty otherwise.
    pub licence: Arc<str>,
    /// Credit lines to show with the data; for files the operator brings,
    /// the file's own description if it has one.
    pub attribution: Arc<str>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A country and the source that said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryAnswer {
    pub country: CountryCode,
    pub source: SourceId,
}

/// An autonomous system and the source that said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsnAnswer<'a> {
    pub asn: Asn,
    /// The AS name as the source gives it; may be empty.
    pub name: &'a str,
    pub source: SourceId,
}

/// Every configured source's answer for one address, in configured order.
/// Sources that know nothing of the address are absent; where two sources
/// disagree, both answers are here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<'a> {
    pub address: IpAddr,
    pub countries: Vec<CountryAnswer>,
    pub asns: Vec<AsnAnswer<'a>>,
}

impl<'a> Lookup<'a> {
    /// The first configured source's country that answered.
    pub fn primary_country(&self) -> Option<CountryAnswer> {
        self.countries.first().copied()
    }

    /// The first configured source's AS that answered.
    pub fn primary_asn(&self) -> Option<AsnAnswer<'a>> {
        self.asns.first().copied()
    }

    /// Whether the sources that answered name more than one country.
    pub fn countries_disagree(&self) -> bool {
        self.countries
            .windows(2)
            .any(|w| w[0].country != w[1].country)
    }

    /// Whether the sources that answered name more than one AS number.
    pub fn asns_disagree(&self) -> bool {
        self.asns.windows(2).any(|w| w[0].asn != w[1].asn)
    }
}

/// IP-to-country and IP-to-ASN over several sources in configured order.
///
/// [`Geo::country`] and [`Geo::asn`] give the primary answer (the first
/// source that has one) without allocating, for enrichment in hot loops;
/// [`Geo::lookup`] gives every source's answer, for people. IPv4-mapped
/// IPv6 addresses (`::ffff:a.b.c.d`) are looked up as the IPv4 address.
#[derive(Clone, Default)]
pub struct Geo {
    sources: Vec<Source>,
    countries: Vec<(SourceId, Arc<CountryTable>)>,
    asns: Vec<(SourceId, Arc<AsnTable>)>,
}

impl Geo {
    /// No sources: every lookup answers nothing.
    pub fn empty() -> Geo {
        Geo::default()
    }

    /// Every source of the shipped dataset, in its order.
    pub fn builtin() -> Result<Geo, LoadError> {
        Ok(Geo::from_dataset(builtin_dataset()?))
    }

    /// Every source of a dataset, in its order.
    pub fn from_dataset(dataset: Dataset) -> Geo {
        let mut geo = Geo::empty();
        for s in dataset.sources {
            let source = builtin_source(&s.info);
            match s.tables {
                SourceTables::Country(t) => geo.add_country_source(source, t),
                SourceTables::Asn(t) => geo.add_asn_source(source, t),
            };
        }
        geo
    }

    /// The sources a configuration names, loaded in its order. Validates
    /// the configuration first; errors name the file and what is wrong.
    pub fn load(config: &GeoConfig) -> Result<Geo, LoadError> {
        config.validate()?;
        let mut builtin: Option<Vec<Option<DatasetSource>>> = None;
        let mut geo = Geo::empty();
        for (kind, list) in [
            (SourceKind::Country, &config.country),
            (SourceKind::Asn, &config.asn),
        ] {
            for spec in list {
                match spec {
                    SourceSpec::Builtin(key) => {
                        if builtin.is_none() {
                            builtin =
                                Some(builtin_dataset()?.sources.into_iter().map(Some).collect());
                        }
                        let sources = builtin.as_mut().ok_or(LoadError::NoBuiltin)?;
                        geo.take_sources(sources, kind, key.as_deref());
                    }
                    SourceSpec::Dataset(path) => {
                        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                            path: path.clone(),
                            source,
                        })?;
                        let dataset =
                            Dataset::from_bytes(&bytes).map_err(|source| LoadError::Dataset {
                                path: path.clone(),
                                source,
                            })?;
                        let mut sources: Vec<_> = dataset.sources.into_iter().map(Some).collect();
                        if geo.take_sources(&mut sources, kind, None) == 0 {
                            return Err(LoadError::WrongKind {
                                path: path.clone(),
                                kind,
                            });
                        }
                    }
                    SourceSpec::Mmdb(path) => {
                        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                            path: path.clone(),
                            source,
                        })?;
                        let mmdb_err = |reason| LoadError::Mmdb {
                            path: path.clone(),
                            reason,
                        };
                        match kind {
                            SourceKind::Country => {
                                let (table, info) =
                                    read_mmdb_countries(&bytes).map_err(mmdb_err)?;
                                geo.add_country_source(mmdb_source(kind, path, &info), table);
                            }
                            SourceKind::Asn => {
                                let (table, info) = read_mmdb_asns(&bytes).map_err(mmdb_err)?;
                                geo.add_asn_source(mmdb_source(kind, path, &info), table);
                            }
                        }
                    }
                    SourceSpec::Rir(path) => {
                        let (table, date) = read_rir_delegated(path)?;
                        let mut name = format!("rir-delegated:{}", file_name(path));
                        if let Some(date) = date {
                            name = format!("{name} {date}");
                        }
                        let source = Source {
                            kind,
                            name: name.into(),
                            licence: "".into(),
                            attribution: "".into(),
                        };
                        geo.add_country_source(source, table);
                    }
                }
            }
        }
        Ok(geo)
    }

    /// Moves the dataset sources of `kind` (and `key`, if given) into this
    /// `Geo`, in the dataset's order. Returns how many.
    fn take_sources(
        &mut self,
        sources: &mut [Option<DatasetSource>],
        kind: SourceKind,
        key: Option<&str>,
    ) -> usize {
        let mut taken = 0;
        for slot in sources.iter_mut() {
            let wanted = slot
                .as_ref()
                .is_some_and(|s| s.info.kind == kind && key.is_none_or(|k| k == s.info.key));
            if let Some(s) = slot.take_if(|_| wanted) {
                let source = builtin_source(&s.info);
                match s.tables {
                    SourceTables::Country(t) => self.add_country_source(source, t),
                    SourceTables::Asn(t) => self.add_asn_source(source, t),
                };
                taken += 1;
            }
        }
        taken
    }

    /// Adds a country source after those already there.
    pub fn add_country_source(
        &mut self,
        source: Source,
        table: impl Into<Arc<CountryTable>>,
    ) -> SourceId {
        let id = self.push_source(Source {
            kind: SourceKind::Country,
            ..source
        });
        self.countries.push((id, table.into()));
        id
    }

    /// Adds an ASN source after those already there.
    pub fn add_asn_source(&mut self, source: Source, table: impl Into<Arc<AsnTable>>) -> SourceId {
        let id = self.push_source(Source {
            kind: SourceKind::Asn,
            ..source
        });
        self.asns.push((id, table.into()));
        id
    }

    fn push_source(&mut self, source: Source) -> SourceId {
        // More than 65,536 sources is not a configuration anyone writes;
        // the last id is reused rather than panicking.
        let id = SourceId(u16::try_from(self.sources.len()).unwrap_or(u16::MAX));
        self.sources.push(source);
        id
    }

    /// Every source, country and ASN, in the order added. A [`SourceId`]
    /// indexes this.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The source an answer names.
    pub fn source(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(usize::from(id.0))
    }

    /// The primary country: the first country source that knows the
    /// address. Allocates nothing.
    #[inline]
    pub fn country(&self, addr: IpAddr) -> Option<CountryAnswer> {
        let addr = canonical(addr);
        self.countries.iter().find_map(|(source, table)| {
            table.get(addr).map(|country| CountryAnswer {
                country,
                source: *source,
            })
        })
    }

    /// The primary AS: the first ASN source that knows the address.
    /// Allocates nothing.
    #[inline]
    pub fn asn(&self, addr: IpAddr) -> Option<AsnAnswer<'_>> {
        let addr = canonical(addr);
        self.asns.iter().find_map(|(source, table)| {
            table.get(addr).map(|(asn, name)| AsnAnswer {
                asn,
                name,
                source: *source,
            })
        })
    }

    /// Every source's answer.
    pub fn lookup(&self, addr: IpAddr) -> Lookup<'_> {
        let key = canonical(addr);
        Lookup {
            address: addr,
            countries: self
                .countries
                .iter()
                .filter_map(|(source, table)| {
                    table.get(key).map(|country| CountryAnswer {
                        country,
                        source: *source,
                    })
                })
                .collect(),
            asns: self
                .asns
                .iter()
                .filter_map(|(source, table)| {
                    table.get(key).map(|(asn, name)| AsnAnswer {
                        asn,
                        name,
                        source: *source,
                    })
                })
                .collect(),
        }
    }

    /// The credit lines every configured source requires, each once, in
    /// source order: what to print wherever these answers are shown.
    pub fn attribution(&self) -> Vec<&str> {
        let mut lines: Vec<&str> = Vec::new();
        for s in &self.sources {
            for line in s.attribution.lines() {
                if !line.is_empty() && !lines.contains(&line) {
                    lines.push(line);
                }
            }
        }
        lines
    }
}

/// Names the sources and their sizes, not the megabytes of ranges.
impl fmt::Debug for Geo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let countries = self.countries.iter().map(|(id, t)| {
            (
                self.source(*id).map_or("?", |s| &*s.name),
                t.v4.len(),
                t.v6.len(),
            )
        });
        let asns = self.asns.iter().map(|(id, t)| {
            (
                self.source(*id).map_or("?", |s| &*s.name),
                t.v4.len(),
                t.v6.len(),
            )
        });
        f.debug_struct("Geo")
            .field("countries", &countries.collect::<Vec<_>>())
            .field("asns", &asns.collect::<Vec<_>>())
            .finish()
    }
}

/// IPv4-mapped IPv6 addresses as IPv4; everything else as is.
#[inline]
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => addr,
        },
        v4 => v4,
    }
}

/// The shipped dataset, decoded.
pub fn builtin_dataset() -> Result<Dataset, LoadError> {
    #[cfg(feature = "builtin")]
    {
        Dataset::from_bytes(BUILTIN_DATASET).map_err(LoadError::Builtin)
    }
    #[cfg(not(feature = "builtin"))]
    {
        Err(LoadError::NoBuiltin)
    }
}

fn builtin_source(info: &SourceInfo) -> Source {
    Source {
        kind: info.kind,
        name: info.label().into(),
        licence: info.licence.as_str().into(),
        attribution: info.attribution.as_str().into(),
    }
}

fn mmdb_source(kind: SourceKind, path: &Path, info: &MmdbInfo) -> Source {
    // The credits the two common vendors' free databases require, known
    // by their database type; otherwise the file's own description.
    let t = info.database_type.to_ascii_lowercase();
    let attribution = if t.starts_with("geolite2") {
        MAXMIND_GEOLITE2
    } else if t.starts_with("dbip") || t.starts_with("db-ip") {
        crate::attribution::DBIP
    } else {
        info.description.as_deref().unwrap_or("")
    };
    Source {
        kind,
        name: format!("mmdb:{} {}", file_name(path), info.build_date).into(),
        licence: "".into(),
        attribution: attribution.into(),
    }
}

/// The credit MaxMind's GeoLite2 licence requires.
const MAXMIND_GEOLITE2: &str =
    "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com";

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}
