//! Who may learn what: the one place that decides (ARCHITECTURE.md
//! invariant 1).
//!
//! Every read path — report reads, lists, search, hit answers, counts,
//! exports, alerts and console pages — asks [`sight`] what a viewer may
//! learn of a report, and report content leaves the server only inside a
//! [`Readable`], which nothing outside this module can construct. A path
//! that forgot the check would not compile.
//!
//! The rules, TLP 2.0 as in DOMAIN.md:
//! - the owning agency reads its own reports, whatever their marking;
//! - CLEAR: anyone, the anonymous public included;
//! - GREEN: every member agency (analysts and admins);
//! - AMBER and AMBER+STRICT: the owner and the recipient agencies (a
//!   recipient `TH-DSI/somchai` names the agency too). The two differ in
//!   onward sharing (exports to peers), not in who reads here;
//! - RED: the owner and the named individuals (`TH-DSI/somchai`) only;
//! - a `contributor` writes and reads only its own agency's data (and what
//!   is CLEAR);
//! - whoever may not read a report learns of it only as a hit with the
//!   owner's contact, and not at all when the owner turned hit
//!   notification off.
//!
//! Victim-protection cases ([`reads_case`]) are read by the members of the
//! agencies assigned to them and by no one else.
//!
//! Public tips ([`reads_tips`]) are read by the hotline agency's members
//! only. Awareness bulletins, published as CLEAR, aggregate only what the
//! viewer's agency may publish ([`publishes`]).
//!
//! Operations ([`reads_operation`]) are read by the analysts and admins of
//! their lead and participating agencies only, under TLP:RED by those of
//! them the marking names; an overlap found by deconfliction is told to
//! each side's readers ([`told_of_interest`] for watches and queries).

use cordon_core::{Marking, Tlp};
use cordon_store::{Posting, StoredReport, StoredStixObject};

/// A member's role. The anonymous public has no role: it is [`Viewer::Public`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages its agency's users and tokens; reads as an analyst.
    Admin,
    /// Reads what its agency may read.
    Analyst,
    /// Submits reports; reads only its own agency's data.
    Contributor,
    /// Another national node of the federation, pulling what it may
    /// receive over TAXII and the pseudonyms of what it may not: CLEAR,
    /// GREEN and AMBER addressed to its agency, never AMBER+STRICT or RED,
    /// never a hit's contact (it learns of withheld reports only through
    /// blind matching). Its token serves nothing else.
    Peer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Contributor => "contributor",
            Role::Peer => "peer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            "contributor" => Some(Role::Contributor),
            "peer" => Some(Role::Peer),
            _ => None,
        }
    }
}

/// An authenticated user of a member agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub agency: String,
    pub user_id: i64,
    pub user: String,
    pub role: Role,
}

/// Whoever asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone without a token or session.
    Public,
    Member(Member),
}

impl Viewer {
    pub fn member(&self) -> Option<&Member> {
        match self {
            Viewer::Public => None,
            Viewer::Member(m) => Some(m),
        }
    }

    /// The agency acting, for the audit log (`public` for the anonymous).
    pub fn actor(&self) -> &str {
        self.member().map_or("public", |m| m.agency.as_str())
    }
}

/// What a viewer may learn of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sight {
    /// Nothing, not even that it exists.
    Hidden,
    /// That the owner holds something matching, and whom to contact; never
    /// content.
    Contact,
    /// Everything.
    Read,
}

/// The marking facts that the decision needs, borrowed from wherever the
/// report lives (store row, index posting, report body).
#[derive(Debug, Clone, Copy)]
pub struct Marked<'a> {
    pub owner: &'a str,
    pub tlp: Tlp,
    pub recipients: &'a [String],
    pub hit_notification: bool,
}

impl<'a> Marked<'a> {
    pub fn of_marking(owner: &'a str, marking: &'a Marking) -> Self {
        Marked {
            owner,
            tlp: marking.tlp,
            recipients: &marking.recipients,
            hit_notification: marking.hit_notification,
        }
    }

    pub fn of_posting(posting: &'a Posting) -> Self {
        Marked {
            owner: &posting.agency,
            tlp: posting.tlp,
            recipients: &posting.recipients,
            hit_notification: posting.hit_notification,
        }
    }
}

/// The decision. Everything else in the server asks this function.
pub fn sight(viewer: &Viewer, report: Marked<'_>) -> Sight {
    let hidden_or_contact = |viewer: &Viewer| match viewer {
        Viewer::Member(m) if report.hit_notification && m.role != Role::Peer => Sight::Contact,
        _ => Sight::Hidden,
    };
    if report.tlp == Tlp::Clear {
        return Sight::Read;
    }
    let Viewer::Member(member) = viewer else {
        return Sight::Hidden;
    };
    if member.agency == report.owner {
        return Sight::Read;
    }
    if member.role == Role::Contributor {
        return hidden_or_contact(viewer);
    }
    if member.role == Role::Peer {
        // What leaves for another node: what the whole community may read,
        // and AMBER addressed to that node; AMBER+STRICT stays in the
        // organisations it names and RED with its individuals.
        let sent = match report.tlp {
            Tlp::Clear | Tlp::Green => true,
            Tlp::Amber => report.recipients.iter().any(|r| r == &member.agency),
            Tlp::AmberStrict | Tlp::Red => false,
        };
        return if sent { Sight::Read } else { Sight::Hidden };
    }
    let names_agency = || {
        report.recipients.iter().any(|r| {
            let agency = r.split_once('/').map_or(r.as_str(), |(a, _)| a);
            agency == member.agency
        })
    };
    let names_individual = || {
        report.recipients.iter().any(|r| {
            r.split_once('/')
                .is_some_and(|(a, u)| a == member.agency && u == member.user)
        })
    };
    let readable = match report.tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber | Tlp::AmberStrict => names_agency(),
        Tlp::Red => names_individual(),
    };
    if readable {
        Sight::Read
    } else {
        hidden_or_contact(viewer)
    }
}

/// Whether data owned by an agency may go to this viewer at all, before
/// [`sight`] decides by marking: a peer node is sent only this node's own
/// agencies' data, never what this node received from another node (each
/// node pulls from the origin, so provenance stays with the origin and
/// nothing travels in circles).
pub fn sends(viewer: &Viewer, owner_is_foreign: bool) -> bool {
    !(owner_is_foreign && viewer.member().is_some_and(|m| m.role == Role::Peer))
}

/// Whether a report's selectors are published to peer nodes as
/// pseudonyms for blind matching: what may not be sent to them (AMBER and
/// stricter), of an owner that lets itself be found (hit notification on,
/// as for a hit's contact at home). CLEAR and GREEN leave in the clear.
pub fn matched_blindly(report: Marked<'_>) -> bool {
    report.tlp >= Tlp::Amber && report.hit_notification
}

/// Content a viewer may read. Only this module makes one, after [`sight`]
/// said [`Sight::Read`]; response types that carry report content take a
/// `Readable`, so no read path can skip the check.
#[derive(Debug, Clone)]
pub struct Readable<T>(T);

impl<T> Readable<T> {
    pub fn get(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

/// A stored report if the viewer may read it.
pub fn readable_report(viewer: &Viewer, report: StoredReport) -> Option<Readable<StoredReport>> {
    let marked = Marked::of_marking(&report.agency, &report.report.marking);
    (sight(viewer, marked) == Sight::Read).then_some(Readable(report))
}

/// An object of another tool, kept verbatim, if the viewer may read it.
pub fn readable_kept(
    viewer: &Viewer,
    object: StoredStixObject,
) -> Option<Readable<StoredStixObject>> {
    let marked = Marked::of_marking(&object.agency, &object.marking);
    (sight(viewer, marked) == Sight::Read).then_some(Readable(object))
}

/// What decides who reads an operation: its parties and its own marking.
#[derive(Debug, Clone, Copy)]
pub struct OperationParties<'a> {
    pub lead: &'a str,
    pub participants: &'a [String],
    pub tlp: Tlp,
    /// Under RED, the individuals (`AGENCY/user`) who read it.
    pub recipients: &'a [String],
}

/// Whether a viewer reads an operation: the analysts and admins of its
/// lead and participating agencies, and under TLP:RED only those of them
/// its marking names. Its marking narrows who of the parties read it,
/// never widens it beyond them. Contributors take no part: an operation
/// holds other agencies' work, and they read only their own agency's.
/// Anyone else learns nothing of it, not even that it exists.
pub fn reads_operation(viewer: &Viewer, op: OperationParties<'_>) -> bool {
    let Some(member) = viewer.member() else {
        return false;
    };
    let party = member.agency == op.lead || op.participants.contains(&member.agency);
    if !party || member.role == Role::Contributor {
        return false;
    }
    op.tlp != Tlp::Red
        || op.recipients.iter().any(|r| {
            r.split_once('/')
                .is_some_and(|(a, u)| a == member.agency && u == member.user)
        })
}

/// Whether a viewer reads a victim-protection case: any member of an
/// agency assigned to it, whatever the role (case workers at shelters and
/// hotlines are often contributors). Nobody else, whatever they may read
/// of intelligence: to them a case answers exactly like a missing one.
pub fn reads_case(viewer: &Viewer, assigned: &[&str]) -> bool {
    viewer
        .member()
        .is_some_and(|m| assigned.contains(&m.agency.as_str()))
}

/// Public tips ("report this offer") are read and closed by the members
/// of the hotline agency whose queue they are in, whatever the role
/// (hotline staff are often contributors), and by nobody else. The public
/// who sent one cannot read it back.
pub fn reads_tips(viewer: &Viewer, hotline: &str) -> bool {
    viewer.member().is_some_and(|m| m.agency == hotline)
}

/// What an agency may publish as TLP:CLEAR, aggregated into an awareness
/// bulletin: its own reports and cases, and what is CLEAR already. Never
/// another agency's marked reports, even ones the viewer may read: a
/// count of them in a public bulletin would pass on what their marking
/// keeps in.
pub fn publishes(viewer: &Viewer, owner: &str, tlp: Tlp) -> bool {
    tlp == Tlp::Clear || viewer.member().is_some_and(|m| m.agency == owner)
}

/// Whether a viewer is told of an agency's watch or hit query meeting
/// another agency's operation (deconfliction): that agency's analysts and
/// admins, or only `user` for a watch kept by one user alone.
pub fn told_of_interest(viewer: &Viewer, agency: &str, user: Option<&str>) -> bool {
    viewer.member().is_some_and(|m| {
        m.agency == agency && m.role != Role::Contributor && user.is_none_or(|u| u == m.user)
    })
}

/// Keeps the reports the viewer may read, in order.
pub fn readable_reports(
    viewer: &Viewer,
    reports: impl IntoIterator<Item = StoredReport>,
) -> Vec<Readable<StoredReport>> {
    reports
        .into_iter()
        .filter_map(|r| readable_report(viewer, r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(agency: &str, user: &str, role: Role) -> Viewer {
        Viewer::Member(Member {
            agency: agency.into(),
            user_id: 1,
            user: user.into(),
            role,
        })
    }

    fn marked<'a>(tlp: Tlp, recipients: &'a [String], hit_notification: bool) -> Marked<'a> {
        Marked {
            owner: "GB-NCA",
            tlp,
            recipients,
            hit_notification,
        }
    }

    /// The whole decision table: every marking against every kind of viewer.
    #[test]
    fn every_marking_against_every_viewer() {
        let recipients: Vec<String> = vec!["KH-NCB".into(), "TH-DSI/somchai".into()];
        let owner = member("GB-NCA", "anna", Role::Contributor);
        let recipient_agency = member("KH-NCB", "sokha", Role::Analyst);
        let named = member("TH-DSI", "somchai", Role::Analyst);
        let colleague_of_named = member("TH-DSI", "niran", Role::Admin);
        let other = member("PH-NBI", "jose", Role::Analyst);
        let recipient_contributor = member("KH-NCB", "desk", Role::Contributor);
        use Sight::*;
        // (tlp, public, owner, recipient agency, named individual, colleague of named, other member, recipient's contributor)
        let table = [
            (Tlp::Clear, [Read, Read, Read, Read, Read, Read, Read]),
            (Tlp::Green, [Hidden, Read, Read, Read, Read, Read, Contact]),
            (
                Tlp::Amber,
                [Hidden, Read, Read, Read, Read, Contact, Contact],
            ),
            (
                Tlp::AmberStrict,
                [Hidden, Read, Read, Read, Read, Contact, Contact],
            ),
            (
                Tlp::Red,
                [Hidden, Read, Contact, Read, Contact, Contact, Contact],
            ),
        ];
        for (tlp, want) in table {
            let m = marked(tlp, &recipients, true);
            let got = [
                sight(&Viewer::Public, m),
                sight(&owner, m),
                sight(&recipient_agency, m),
                sight(&named, m),
                sight(&colleague_of_named, m),
                sight(&other, m),
                sight(&recipient_contributor, m),
            ];
            assert_eq!(got, want, "{tlp}");
        }
    }

    /// A federation peer receives what the community reads and AMBER
    /// addressed to its node; it never reads AMBER+STRICT or RED (even
    /// when named) and never learns of a withheld report's holder.
    #[test]
    fn a_peer_node_receives_only_what_may_leave() {
        let peer = member("KE-NODE", "sync", Role::Peer);
        let to_peer: Vec<String> = vec!["KE-NODE".into(), "KE-NODE/sync".into()];
        let elsewhere: Vec<String> = vec!["KH-NCB".into()];
        use Sight::*;
        for (tlp, addressed, other) in [
            (Tlp::Clear, Read, Read),
            (Tlp::Green, Read, Read),
            (Tlp::Amber, Read, Hidden),
            (Tlp::AmberStrict, Hidden, Hidden),
            (Tlp::Red, Hidden, Hidden),
        ] {
            assert_eq!(
                sight(&peer, marked(tlp, &to_peer, true)),
                addressed,
                "{tlp}"
            );
            assert_eq!(sight(&peer, marked(tlp, &elsewhere, true)), other, "{tlp}");
        }
    }

    #[test]
    fn only_what_may_not_leave_and_may_be_found_is_matched_blindly() {
        let none: Vec<String> = Vec::new();
        for tlp in Tlp::ALL {
            let want = tlp >= Tlp::Amber;
            assert_eq!(matched_blindly(marked(tlp, &none, true)), want, "{tlp}");
            assert!(!matched_blindly(marked(tlp, &none, false)), "{tlp}");
        }
    }

    #[test]
    fn a_peer_node_is_sent_nothing_this_node_received() {
        let peer = member("KE-NODE", "sync", Role::Peer);
        let analyst = member("KE-DCI", "ana", Role::Analyst);
        assert!(!sends(&peer, true));
        assert!(sends(&peer, false));
        assert!(sends(&analyst, true));
        assert!(sends(&Viewer::Public, true));
    }

    #[test]
    fn without_hit_notification_the_unreadable_is_invisible() {
        let recipients: Vec<String> = vec!["KH-NCB".into()];
        let other = member("PH-NBI", "jose", Role::Analyst);
        let owner = member("GB-NCA", "anna", Role::Analyst);
        for tlp in [Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red] {
            let m = marked(tlp, &recipients, false);
            let want = if tlp == Tlp::Green {
                Sight::Read
            } else {
                Sight::Hidden
            };
            assert_eq!(sight(&other, m), want, "{tlp}");
            assert_eq!(sight(&owner, m), Sight::Read, "{tlp}");
            assert_eq!(sight(&Viewer::Public, m), Sight::Hidden, "{tlp}");
        }
    }

    #[test]
    fn an_operation_is_read_by_its_parties_and_under_red_by_those_named() {
        let participants: Vec<String> = vec!["KH-NCB".into()];
        let red: Vec<String> = vec!["GB-NCA/anna".into(), "KH-NCB/sokha".into()];
        let lead = member("GB-NCA", "anna", Role::Analyst);
        let lead_colleague = member("GB-NCA", "ben", Role::Admin);
        let lead_contributor = member("GB-NCA", "desk", Role::Contributor);
        let participant = member("KH-NCB", "sokha", Role::Analyst);
        let participant_prefix = member("KH-NCB-X", "sokha", Role::Analyst);
        let outsider = member("PH-NBI", "jose", Role::Admin);
        for tlp in Tlp::ALL {
            let marked = OperationParties {
                lead: "GB-NCA",
                participants: &participants,
                tlp,
                recipients: if tlp == Tlp::Red { &red } else { &[] },
            };
            let got = [
                reads_operation(&Viewer::Public, marked),
                reads_operation(&lead, marked),
                reads_operation(&lead_colleague, marked),
                reads_operation(&lead_contributor, marked),
                reads_operation(&participant, marked),
                reads_operation(&participant_prefix, marked),
                reads_operation(&outsider, marked),
            ];
            let red = tlp == Tlp::Red;
            assert_eq!(got, [false, true, !red, false, true, false, false], "{tlp}");
        }
        assert!(told_of_interest(&participant, "KH-NCB", None));
        assert!(told_of_interest(&participant, "KH-NCB", Some("sokha")));
        assert!(!told_of_interest(&participant, "KH-NCB", Some("vann")));
        assert!(!told_of_interest(
            &member("KH-NCB", "d", Role::Contributor),
            "KH-NCB",
            None
        ));
        assert!(!told_of_interest(&outsider, "KH-NCB", None));
        assert!(!told_of_interest(&Viewer::Public, "KH-NCB", None));
    }

    #[test]
    fn a_recipient_prefix_is_not_the_agency() {
        // `KH-NCB-X` must not match `KH-NCB`, nor a user `somchai2` match `somchai`.
        let recipients: Vec<String> = vec!["KH-NCB-X".into(), "TH-DSI/somchai2".into()];
        let m = marked(Tlp::Amber, &recipients, true);
        assert_eq!(
            sight(&member("KH-NCB", "a", Role::Analyst), m),
            Sight::Contact
        );
        let m = marked(Tlp::Red, &recipients, true);
        assert_eq!(
            sight(&member("TH-DSI", "somchai", Role::Analyst), m),
            Sight::Contact
        );
    }
}
