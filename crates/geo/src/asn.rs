use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;

/// An autonomous system number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Asn(pub u32);

impl fmt::Display for Asn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{}", self.0)
    }
}

/// Where an AS record sits in its [`AsRegistry`]: what a range table of
/// autonomous systems stores per range. Never zero, so an `Option` of it
/// is four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AsIndex(NonZeroU32);

impl AsIndex {
    /// Position in [`AsRegistry::records`], from 0.
    pub fn position(self) -> usize {
        self.0.get() as usize - 1
    }

    pub(crate) fn from_position(position: usize) -> Option<AsIndex> {
        u32::try_from(position + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .map(AsIndex)
    }
}

/// The autonomous systems one source knows: each (number, name) pair once,
/// names interned in a single string buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AsRegistry {
    /// (number, index into `name_ends`) per record.
    records: Vec<(Asn, u32)>,
    /// All names back to back.
    text: String,
    /// End offset of each name in `text`; a name starts where the previous
    /// one ends.
    name_ends: Vec<u32>,
}

impl AsRegistry {
    /// The number and name of a record; `None` if `index` is not from this
    /// registry.
    #[inline]
    pub fn get(&self, index: AsIndex) -> Option<(Asn, &str)> {
        let &(asn, name) = self.records.get(index.position())?;
        Some((asn, self.name(name as usize)?))
    }

    /// How many (number, name) records there are.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every record in order.
    pub fn records(&self) -> impl Iterator<Item = (Asn, &str)> + '_ {
        self.records
            .iter()
            .map(|&(asn, name)| (asn, self.name(name as usize).unwrap_or("")))
    }

    /// How many distinct names there are.
    pub fn name_count(&self) -> usize {
        self.name_ends.len()
    }

    /// Every distinct name in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.name_ends.len()).map(|i| self.name(i).unwrap_or(""))
    }

    /// The (number, name index) records, for the dataset writer.
    pub(crate) fn raw_records(&self) -> &[(Asn, u32)] {
        &self.records
    }

    fn name(&self, i: usize) -> Option<&str> {
        let end = *self.name_ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.name_ends[i - 1] as usize,
        };
        self.text.get(start..end)
    }

    /// Assembles a registry from its parts as the dataset stores them:
    /// names in order, and records naming a name by its position. `None`
    /// if a record names a name that does not exist or the text is too
    /// long for 32-bit offsets.
    pub(crate) fn from_parts<'a>(
        names: impl IntoIterator<Item = &'a str>,
        records: Vec<(Asn, u32)>,
    ) -> Option<AsRegistry> {
        let mut text = String::new();
        let mut name_ends = Vec::new();
        for name in names {
            text.push_str(name);
            name_ends.push(u32::try_from(text.len()).ok()?);
        }
        if records.iter().any(|&(_, n)| n as usize >= name_ends.len()) {
            return None;
        }
        Some(AsRegistry {
            records,
            text,
            name_ends,
        })
    }
}

/// Collects (number, name) pairs while a source is read, handing out one
/// [`AsIndex`] per distinct pair.
#[derive(Debug, Default)]
pub struct AsRegistryBuilder {
    pairs: HashMap<(Asn, Box<str>), AsIndex>,
    order: Vec<(Asn, Box<str>)>,
}

impl AsRegistryBuilder {
    pub fn new() -> AsRegistryBuilder {
        AsRegistryBuilder::default()
    }

    /// The index of this pair, the same for the same pair every time.
    /// `None` only past four billion distinct pairs.
    pub fn intern(&mut self, asn: Asn, name: &str) -> Option<AsIndex> {
        if let Some(&index) = self.pairs.get(&(asn, Box::from(name))) {
            return Some(index);
        }
        let index = AsIndex::from_position(self.order.len())?;
        self.order.push((asn, name.into()));
        self.pairs.insert((asn, name.into()), index);
        Some(index)
    }

    /// The registry in a canonical order (records by number then name,
    /// names sorted), and for each index handed out, its index in it. The
    /// order makes the dataset file the same for the same input whatever
    /// order the rows came in.
    pub fn finish(self) -> (AsRegistry, Vec<AsIndex>) {
        let mut names: Vec<&str> = self.order.iter().map(|(_, n)| &**n).collect();
        names.sort_unstable();
        names.dedup();
        let mut by_pair: Vec<usize> = (0..self.order.len()).collect();
        by_pair.sort_unstable_by(|&a, &b| self.order[a].cmp(&self.order[b]));
        let mut remap = vec![AsIndex(NonZeroU32::MIN); self.order.len()];
        let mut records = Vec::with_capacity(self.order.len());
        for (position, &old) in by_pair.iter().enumerate() {
            let (asn, ref name) = self.order[old];
            // Every name is in `names`, so the search always finds it.
            let name_index = names.binary_search(&&**name).unwrap_or(0);
            records.push((asn, name_index as u32));
            remap[old] = AsIndex::from_position(position).unwrap_or(AsIndex(NonZeroU32::MIN));
        }
        let registry = AsRegistry::from_parts(names.iter().copied(), records).unwrap_or_default();
        (registry, remap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_pairs_and_sorts_them() {
        let mut b = AsRegistryBuilder::new();
        let x = b.intern(Asn(13335), "Cloudflare, Inc.").unwrap();
        let y = b.intern(Asn(2500), "WIDE Project").unwrap();
        let z = b.intern(Asn(13335), "Cloudflare, Inc.").unwrap();
        let w = b.intern(Asn(64500), "WIDE Project").unwrap();
        assert_eq!(x, z);
        let (reg, remap) = b.finish();
        assert_eq!(reg.len(), 3);
        assert_eq!(reg.name_count(), 2);
        assert_eq!(
            reg.get(remap[x.position()]),
            Some((Asn(13335), "Cloudflare, Inc."))
        );
        assert_eq!(
            reg.get(remap[y.position()]),
            Some((Asn(2500), "WIDE Project"))
        );
        assert_eq!(
            reg.get(remap[w.position()]),
            Some((Asn(64500), "WIDE Project"))
        );
        assert_eq!(
            reg.records().collect::<Vec<_>>(),
            [
                (Asn(2500), "WIDE Project"),
                (Asn(13335), "Cloudflare, Inc."),
                (Asn(64500), "WIDE Project")
            ]
        );
        assert_eq!(Asn(64500).to_string(), "AS64500");
    }

    #[test]
    fn from_parts_refuses_dangling_names() {
        assert!(AsRegistry::from_parts(["a"], vec![(Asn(1), 1)]).is_none());
        assert!(AsRegistry::from_parts(["a"], vec![(Asn(1), 0)]).is_some());
    }
}
