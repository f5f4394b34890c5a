//! Lines of values in a YAML text, for errors found after parsing.
//!
//! The YAML parser gives positions only with its errors, so a value is
//! located by parsing the text again and failing on purpose at that value
//! (`tags[3].address`): the error carries the line where the value starts.
//! One parse per located error; callers bound how many they locate.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The 1-based line where the value at `path` starts, if it is there.
pub fn line_of(text: &str, path: &[Step]) -> Option<u64> {
    let deserializer = yaml_serde::Deserializer::from_str(text);
    match (Seek { path }).deserialize(deserializer) {
        Ok(()) => None,
        Err(e) => e.location().map(|l| l.line() as u64),
    }
}

/// Walks to `path` and fails there.
struct Seek<'p> {
    path: &'p [Step],
}

const HERE: &str = "cordon: located";

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SeekVisitor { path: self.path })
    }
}

struct SeekVisitor<'p> {
    path: &'p [Step],
}

impl SeekVisitor<'_> {
    fn scalar<E: de::Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(HERE))
        } else {
            Ok(())
        }
    }
}

impl<'de> Visitor<'de> for SeekVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any yaml value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(HERE));
        };
        // Entries are all consumed when the path is not found, since the
        // parser refuses a mapping left half read.
        while let Some(key) = map.next_key::<yaml_serde::Value>()? {
            match (first, key.as_str()) {
                (Step::Key(want), Some(k)) if want == k => {
                    map.next_value_seed(Seek { path: rest })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(HERE));
        };
        let Step::Index(want) = first else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let mut i = 0;
        while i < *want {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
            i += 1;
        }
        seq.next_element_seed(Seek { path: rest })?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.scalar()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A YAML `!tag value`: look inside the tagged value.
        let (_, variant) = data.variant::<IgnoredAny>()?;
        de::VariantAccess::newtype_variant_seed(variant, Seek { path: self.path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step {
        Step::Key(k.to_owned())
    }

    #[test]
    fn values_are_found_on_their_lines() {
        let text = "title: t\n# a comment\ntags:\n  - address: a\n    label: x\n\n  - label: y\n    address: |\n      b\n";
        assert_eq!(line_of(text, &[key("title")]), Some(1));
        assert_eq!(line_of(text, &[key("tags")]), Some(4));
        assert_eq!(line_of(text, &[key("tags"), Step::Index(0)]), Some(4));
        assert_eq!(
            line_of(text, &[key("tags"), Step::Index(0), key("label")]),
            Some(5)
        );
        assert_eq!(line_of(text, &[key("tags"), Step::Index(1)]), Some(7));
        assert_eq!(
            line_of(text, &[key("tags"), Step::Index(1), key("address")]),
            Some(8)
        );
        assert_eq!(line_of(text, &[key("tags"), Step::Index(2)]), None);
        assert_eq!(line_of(text, &[key("nope")]), None);
        assert_eq!(
            line_of(text, &[key("tags"), Step::Index(0), key("nope")]),
            None
        );
        let flow = "tags: [{address: a}, {address: b, label: c}]";
        assert_eq!(
            line_of(flow, &[key("tags"), Step::Index(1), key("label")]),
            Some(1)
        );
    }
}
