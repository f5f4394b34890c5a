//! MISP distribution levels and TLP tags ↔ Cordon markings.
//!
//! A TLP tag (`tlp:clear`, `tlp:white`, `tlp:green`, `tlp:amber`,
//! `tlp:amber+strict`, `tlp:red`) says what a MISP event means for people;
//! the distribution level only says how far MISP's synchronisation carries
//! it. So a TLP tag wins, and a distribution level decides only where an
//! event has no TLP tag.
//!
//! Reading a distribution level, the event has been pulled into Cordon, and
//! MISP downgrades a pulled event one level (DOMAIN.md, "Sharing
//! conventions"): "this community" becomes "your organisation", "connected
//! communities" becomes "this community"; "all communities" and sharing
//! groups stay what they were. The level after the pull then maps to the
//! TLP level that allows no more than it does:
//!
//! | distribution | after the pull | TLP in Cordon |
//! | --- | --- | --- |
//! | 0 your organisation only | your organisation | AMBER+STRICT |
//! | 1 this community only | your organisation | AMBER+STRICT |
//! | 2 connected communities | this community | AMBER |
//! | 3 all communities | all communities | GREEN |
//! | 4 sharing group | sharing group | AMBER |
//! | 5 inherit (attributes, objects) | the event's | — |
//!
//! "All communities" is GREEN, not CLEAR: it reaches every connected MISP
//! instance, which is still a community; only a `tlp:clear` (or
//! `tlp:white`) tag makes a report public. A sharing group names MISP
//! organisations that Cordon cannot translate into member agencies, so it is
//! AMBER with no recipients: the importing agency reads it and shares on a
//! need-to-know basis.
//!
//! Cordon marks whole reports, so an attribute or object whose own TLP tag
//! or distribution is stricter than its event's makes the whole report
//! that strict.
//!
//! Writing, each level maps to the widest distribution that TLP allows, and
//! the TLP tag always goes with it:
//!
//! | TLP | distribution |
//! | --- | --- |
//! | CLEAR | 3 all communities |
//! | GREEN | 2 connected communities |
//! | AMBER, AMBER+STRICT, RED | 0 your organisation only |
//!
//! AMBER is "your organisation" rather than "this community": a MISP
//! community is every organisation on an instance, not the need-to-know
//! circle AMBER allows. RED has no MISP distribution of its own (MISP
//! shares with organisations, not people); its `tlp:red` tag carries it.

use cordon_core::Tlp;
use serde_json::Value;

use crate::stix::tlp::{parse_level, strictness};

/// A MISP distribution level, as written in an event, attribute or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Distribution(u8);

impl Distribution {
    pub const ORGANISATION: Distribution = Distribution(0);
    pub const COMMUNITY: Distribution = Distribution(1);
    pub const CONNECTED: Distribution = Distribution(2);
    pub const ALL: Distribution = Distribution(3);
    pub const SHARING_GROUP: Distribution = Distribution(4);
    pub const INHERIT: Distribution = Distribution(5);

    pub fn value(self) -> u8 {
        self.0
    }

    /// Reads a distribution written as a number or a string of digits
    /// (MISP writes strings, PyMISP numbers). `null` and absence are
    /// `None`. `inherit` says whether 5 ("inherit event") is allowed here:
    /// only attributes, objects and event reports inherit.
    pub fn read(value: Option<&Value>, inherit: bool) -> Result<Option<Distribution>, String> {
        let n = match value {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        let max = if inherit { 5 } else { 4 };
        match n {
            Some(n) if n <= max => Ok(Some(Distribution(n as u8))),
            _ => Err(format!(
                "distribution {} is not a MISP distribution level; expected 0 (your organisation), 1 (this community), 2 (connected communities), 3 (all communities), 4 (sharing group){}",
                value.map(Value::to_string).unwrap_or_default(),
                if inherit { " or 5 (inherit event)" } else { "" }
            )),
        }
    }

    /// The TLP level of a distribution once the event has been pulled into
    /// Cordon (the table above). `None` for "inherit".
    pub fn pulled_level(self) -> Option<Tlp> {
        match self.0 {
            0 | 1 => Some(Tlp::AmberStrict),
            2 | 4 => Some(Tlp::Amber),
            3 => Some(Tlp::Green),
            _ => None,
        }
    }

    /// The distribution Cordon writes for a TLP level.
    pub fn of_tlp(tlp: Tlp) -> Distribution {
        match tlp {
            Tlp::Clear => Distribution::ALL,
            Tlp::Green => Distribution::CONNECTED,
            Tlp::Amber | Tlp::AmberStrict | Tlp::Red => Distribution::ORGANISATION,
        }
    }
}

/// The MISP tag name of a TLP level.
pub fn tlp_tag(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "tlp:clear",
        Tlp::Green => "tlp:green",
        Tlp::Amber => "tlp:amber",
        Tlp::AmberStrict => "tlp:amber+strict",
        Tlp::Red => "tlp:red",
    }
}

/// The colour MISP's `tlp` taxonomy gives a level's tag.
pub fn tlp_colour(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "#ffffff",
        Tlp::Green => "#33FF00",
        Tlp::Amber | Tlp::AmberStrict => "#FFC000",
        Tlp::Red => "#FF0000",
    }
}

/// The TLP level a tag names, if it is a TLP tag of a level (`tlp:ex:chr`
/// and `tlp:unclear` name none).
pub fn level_of_tag(name: &str) -> Option<Tlp> {
    let lower = name.trim().to_ascii_lowercase();
    lower.strip_prefix("tlp:")?;
    parse_level(&lower)
}

/// The stricter of two levels.
pub fn stricter(a: Tlp, b: Tlp) -> Tlp {
    if strictness(b) > strictness(a) { b } else { a }
}

/// Whether `a` restricts reading more than `b`.
pub fn is_stricter(a: Tlp, b: Tlp) -> bool {
    strictness(a) > strictness(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn distributions_read_as_strings_or_numbers_and_refuse_anything_else() {
        assert_eq!(
            Distribution::read(Some(&json!("1")), false),
            Ok(Some(Distribution::COMMUNITY))
        );
        assert_eq!(
            Distribution::read(Some(&json!(3)), false),
            Ok(Some(Distribution::ALL))
        );
        assert_eq!(Distribution::read(None, false), Ok(None));
        assert_eq!(Distribution::read(Some(&json!(null)), true), Ok(None));
        assert_eq!(
            Distribution::read(Some(&json!("5")), true),
            Ok(Some(Distribution::INHERIT))
        );
        for bad in [
            json!("5"),
            json!(7),
            json!("x"),
            json!(-1),
            json!(1.5),
            json!([]),
        ] {
            assert!(Distribution::read(Some(&bad), false).is_err(), "{bad}");
        }
        assert!(Distribution::read(Some(&json!(6)), true).is_err());
    }

    #[test]
    fn a_pulled_event_is_never_less_restricted_than_its_distribution() {
        assert_eq!(
            Distribution::ORGANISATION.pulled_level(),
            Some(Tlp::AmberStrict)
        );
        assert_eq!(
            Distribution::COMMUNITY.pulled_level(),
            Some(Tlp::AmberStrict)
        );
        assert_eq!(Distribution::CONNECTED.pulled_level(), Some(Tlp::Amber));
        assert_eq!(Distribution::ALL.pulled_level(), Some(Tlp::Green));
        assert_eq!(Distribution::SHARING_GROUP.pulled_level(), Some(Tlp::Amber));
        assert_eq!(Distribution::INHERIT.pulled_level(), None);
        // Written and read back without its tag, every level comes back at
        // least as strict as it was (RED excepted: its tag carries it).
        for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
            let back = Distribution::of_tlp(tlp).pulled_level().unwrap();
            assert!(
                strictness(back) >= strictness(tlp),
                "{tlp} came back {back}"
            );
        }
    }

    #[test]
    fn tlp_tags_of_both_versions_name_their_level() {
        for tlp in Tlp::ALL {
            assert_eq!(level_of_tag(tlp_tag(tlp)), Some(tlp));
        }
        assert_eq!(level_of_tag("tlp:white"), Some(Tlp::Clear));
        assert_eq!(level_of_tag("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(level_of_tag("tlp:ex:chr"), None);
        assert_eq!(level_of_tag("PAP:RED"), None);
        assert_eq!(level_of_tag("red"), None);
    }
}
