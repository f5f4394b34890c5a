//! Freeze packages: the request an investigator sends to an exchange, a
//! token's issuer or a bank to freeze traced balances, built from a forward
//! trace over the money the requesting member may read.
//!
//! For each chosen freezable balance the package holds the amount under one
//! model with the band of the models run, every evidence path spelled out
//! as its flows, and the reports naming the victims' side of the seeds
//! (the seed flows' senders, or the seed address) that the requester may
//! read; only those, so that nothing it may not read leaves in a package.
//!
//! **The hash.** `evidence_sha256` is the SHA-256, in lowercase hex, of the
//! package's `evidence` member serialised as the JSON Canonicalization
//! Scheme (RFC 8785) writes it: object members sorted by name, no
//! whitespace, strings with JSON's minimal escapes in UTF-8. The evidence
//! holds strings and small integers only (amounts are exact decimal
//! strings, times RFC 3339 in UTC), so these are exactly the bytes of
//! Python's `json.dumps(evidence, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False).encode()`. Who asked, when, and to whom the package
//! goes are outside the evidence: the same seeds, model, hop limit, paths,
//! amounts and reports give the same hash whoever asks and whenever, and
//! any change to one of them changes it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_finance::trace::{Band, Direction, Freezable, Model, Seed, Step, Trace};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::Shared;
use crate::access::{Role, Viewer};
use crate::api::hits::{asked_of, hit_events, not_ready};
use crate::api::money::trace_for;
use crate::error::{ApiError, ApiResult};
use crate::hits::TouchedOwners;
use crate::money::trace::TraceRequest;
use crate::money::view::Readable;

/// The layout of a package and the rule of its hash.
pub const FORMAT: &str = "cordon.freeze-package/1";

/// Most targets of one package.
const MAX_TARGETS: usize = 100;

/// A freeze package asked for: a forward trace and the balances to freeze.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeRequest {
    /// Where the trace starts, as for `POST /api/v1/money/trace`.
    #[schema(value_type = Vec<Object>)]
    pub seeds: Vec<Seed>,
    /// `forward` (the default, and the only direction a freeze follows).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub direction: Option<Direction>,
    /// Models to run for the band (default all); the package's `model` is
    /// always run.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub models: Option<Vec<Model>>,
    /// Hops to follow, 1 to 10 (default 5).
    #[serde(default)]
    pub max_hops: Option<u8>,
    /// Follow money on through exchanges' recorded conversions (default
    /// false), as in a trace.
    #[serde(default)]
    pub through_services: bool,
    /// The addresses of the freezable balances to ask for (every balance
    /// of the trace at that address).
    pub targets: Vec<String>,
    /// The model whose amount is asked for: `haircut` (default), `poison`,
    /// `fifo`, `lifo` or `tiho`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub model: Option<Model>,
}

/// Who asks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezeRequester {
    pub agency: String,
    pub name: String,
    pub country: String,
    pub contact: String,
    pub user: String,
}

/// A freeze package (see the module's doc for the hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezePackage {
    /// `cordon.freeze-package/1`: this layout and this rule of the hash.
    pub format: &'static str,
    pub requested_by: FreezeRequester,
    pub created: DateTime<Utc>,
    /// Who is asked to freeze: the targets' holders, each once.
    pub holders: Vec<String>,
    /// What the hash covers.
    pub evidence: FreezeEvidence,
    /// SHA-256 (lowercase hex) of `evidence` in canonical JSON (RFC 8785).
    pub evidence_sha256: String,
}

/// The evidence of a package: the trace's start and model, the balances
/// with the flows that carried the money there, and the victims' reports.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezeEvidence {
    /// The model of each target's `amount`.
    pub model: String,
    pub max_hops: u8,
    /// Whether the trace went on through exchanges' conversions.
    pub through_services: bool,
    #[schema(value_type = Vec<Object>)]
    pub seeds: Vec<Seed>,
    /// By address, then asset.
    pub targets: Vec<FreezeTarget>,
    /// By agency, then report id.
    pub reports: Vec<FreezeReport>,
}

/// One balance to freeze.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezeTarget {
    pub address: String,
    /// Who can freeze it: the service, the token's issuer, or `bank`.
    pub holder: String,
    /// The service's category, `issuer` or `bank`.
    pub category: String,
    pub asset: String,
    /// The traced amount under the package's model, an exact decimal.
    pub amount: String,
    /// The least, central (haircut's) and most over the value-conserving
    /// models run.
    pub band: FreezeBand,
    /// Paths of flows, seed first, that carried the most of it.
    pub paths: Vec<Vec<FreezeStep>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezeBand {
    pub low: String,
    pub central: String,
    pub high: String,
}

/// One flow of an evidence path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezeStep {
    /// The transaction hash (and log index) or transfer reference.
    pub flow: String,
    pub time: DateTime<Utc>,
    pub from: String,
    pub to: String,
    /// What `to` received in the flow.
    pub amount: String,
    pub asset: String,
}

/// A report naming the victims' side of a seed that the requester may read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FreezeReport {
    pub agency: String,
    pub report_id: String,
    pub tlp: Tlp,
    pub received: DateTime<Utc>,
    /// The seed addresses it names.
    pub selectors: Vec<String>,
}

/// A model's name as the API writes it.
pub fn model_name(model: Model) -> &'static str {
    match model {
        Model::Poison => "poison",
        Model::Haircut => "haircut",
        Model::Fifo => "fifo",
        Model::Lifo => "lifo",
        Model::Tiho => "tiho",
    }
}

/// An exact decimal as text, without trailing zeros.
fn text(d: Decimal) -> String {
    d.normalize().to_string()
}

fn band(b: &Band) -> FreezeBand {
    FreezeBand {
        low: text(b.low),
        central: text(b.central),
        high: text(b.high),
    }
}

fn path_step(s: &Step) -> FreezeStep {
    FreezeStep {
        flow: s.flow.clone(),
        time: s.time,
        from: s.from.clone(),
        to: s.to.clone(),
        amount: text(s.amount),
        asset: s.asset.to_string(),
    }
}

fn target(trace: &Trace, f: &Freezable, model: Model) -> FreezeTarget {
    FreezeTarget {
        address: f.address.clone(),
        holder: f.holder.clone(),
        category: f.category.clone(),
        asset: f.asset.to_string(),
        amount: text(f.amounts.get(model).unwrap_or(f.amount)),
        band: band(&f.band),
        paths: f
            .evidence
            .iter()
            .map(|p| trace.path(p).into_iter().map(path_step).collect())
            .collect(),
    }
}

/// The freezable balances the targets name, by address then asset; 422
/// naming `targets[i]` for a target that is not among them.
pub fn choose<'t>(trace: &'t Trace, targets: &[String]) -> ApiResult<Vec<&'t Freezable>> {
    let mut chosen: Vec<&Freezable> = Vec::new();
    for (i, wanted) in targets.iter().enumerate() {
        let wanted = wanted.trim();
        // A target typed in another spelling names the same address.
        let address = crate::hits::canonical(wanted, None)
            .map(|s| s.into_string())
            .unwrap_or_else(|_| wanted.to_owned());
        let before = chosen.len();
        for f in trace.freezable.iter().filter(|f| f.address == address) {
            if !chosen.iter().any(|c| std::ptr::eq(*c, f)) {
                chosen.push(f);
            }
        }
        if chosen.len() == before && !chosen.iter().any(|c| c.address == address) {
            return Err(ApiError::invalid_field(
                format!("targets[{i}]"),
                format!("{wanted} is not among the freezable balances of this trace"),
            ));
        }
    }
    chosen.sort_by(|a, b| (&a.address, &a.asset).cmp(&(&b.address, &b.asset)));
    Ok(chosen)
}

/// Where the victims' side of each seed is: the senders of a seed flow
/// and the address it paid, or a seed address.
fn seed_selectors(readable: &Readable, seeds: &[Seed]) -> BTreeSet<String> {
    let g = &readable.graph;
    let mut out = BTreeSet::new();
    for seed in seeds {
        match seed {
            Seed::Leg { flow, address, .. } => {
                if let Some(f) = g.find_flow(flow) {
                    for l in g.inputs(f) {
                        out.insert(g.node_name(g.leg_node(l)).to_owned());
                    }
                }
                out.insert(address.clone());
            }
            Seed::Address { address, .. } => {
                out.insert(address.clone());
            }
        }
    }
    out
}

/// `value` in the JSON Canonicalization Scheme (RFC 8785) for values of
/// strings, integers, booleans, nulls, arrays and objects: members sorted
/// by name, no whitespace.
pub fn canonical_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            // Names are ASCII here, where UTF-16 order is byte order.
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (name, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                canonical_json(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The hash of a package's evidence (see the module's doc).
pub fn evidence_sha256(evidence: &FreezeEvidence) -> String {
    // Serialising plain data does not fail.
    let value = serde_json::to_value(evidence).unwrap_or_default();
    let mut bytes = String::new();
    canonical_json(&value, &mut bytes);
    hex::encode(Sha256::digest(bytes.as_bytes()))
}

/// A freeze package for the API and the console alike: the trace (audited
/// as a trace), the chosen balances, the reports the requester may read
/// naming the seeds' victims' side (looked up and audited as a hit query),
/// and the owners of the flows in its paths told of it in their audit
/// logs.
pub async fn package(
    state: &Shared,
    viewer: &Viewer,
    request: &FreezeRequest,
) -> ApiResult<FreezePackage> {
    let member = viewer
        .member()
        .ok_or_else(ApiError::unauthenticated)?
        .clone();
    if member.role == Role::Contributor {
        return Err(ApiError::forbidden(
            "contributors submit reports; ask an analyst of your agency for a freeze package",
        ));
    }
    if request.direction == Some(Direction::Backward) {
        return Err(
            ApiError::bad_request("a freeze package follows the money forward").field("direction"),
        );
    }
    if request.targets.is_empty() || request.targets.len() > MAX_TARGETS {
        return Err(ApiError::bad_request(format!(
            "a freeze package asks for 1 to {MAX_TARGETS} targets, not {}",
            request.targets.len()
        ))
        .field("targets"));
    }
    if !state.hits.is_ready() {
        return Err(not_ready(crate::hits::NotReady));
    }
    let model = request.model.unwrap_or(Model::Haircut);
    let mut models = request
        .models
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| Model::ALL.to_vec());
    if !models.contains(&model) {
        models.push(model);
    }
    let traced = trace_for(
        state,
        viewer,
        &TraceRequest {
            seeds: request.seeds.clone(),
            direction: Some(Direction::Forward),
            models: Some(models),
            max_hops: request.max_hops,
            through_services: request.through_services,
        },
    )
    .await?;
    let trace = traced.trace;
    let chosen = choose(&trace, &request.targets)?;
    let targets: Vec<FreezeTarget> = chosen.iter().map(|f| target(&trace, f, model)).collect();

    let (money, who) = (state.clone(), viewer.clone());
    let readable = tokio::task::spawn_blocking(move || money.money.readable(&who))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let mut reports: BTreeMap<(String, String), FreezeReport> = BTreeMap::new();
    let mut asked: Vec<(String, TouchedOwners)> = Vec::new();
    for selector in seed_selectors(&readable, &request.seeds) {
        let (hits, touched) = state
            .hits
            .answer(viewer, &selector, &state.directory)
            .map_err(not_ready)?;
        for hit in hits.readable {
            reports
                .entry((hit.agency.clone(), hit.report_id.clone()))
                .or_insert_with(|| FreezeReport {
                    agency: hit.agency,
                    report_id: hit.report_id,
                    tlp: hit.tlp,
                    received: hit.received,
                    selectors: Vec::new(),
                })
                .selectors
                .push(selector.clone());
        }
        asked.push((selector, touched));
    }
    let evidence = FreezeEvidence {
        model: model_name(model).to_owned(),
        max_hops: trace.max_hops,
        through_services: request.through_services,
        seeds: request.seeds.clone(),
        targets,
        reports: reports.into_values().collect(),
    };
    let evidence_sha256 = evidence_sha256(&evidence);

    // The owners of the flows the package carries learn who asked to
    // freeze what; the report look-ups are audited as the hit query they
    // are.
    let subject = evidence
        .targets
        .iter()
        .map(|t| t.address.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(" ");
    let owners: BTreeSet<&str> = evidence
        .targets
        .iter()
        .flat_map(|t| t.paths.iter().flatten())
        .filter_map(|s| readable.owners.get(&s.flow).map(String::as_str))
        .filter(|o| *o != member.agency)
        .collect();
    let asked_refs: Vec<(&str, &[String])> = asked
        .iter()
        .map(|(s, owners)| (s.as_str(), &owners[..]))
        .collect();
    let mut events: Vec<_> = owners
        .into_iter()
        .map(|owner| crate::audit::event(viewer, "money_freeze", Some(owner), &subject))
        .collect();
    events.extend(hit_events(viewer, asked_refs.iter().copied()));
    state.audit.record_all(events)?;
    asked_of(state, viewer, &asked_refs);

    let (country, contact) = state.directory.contact(&member.agency);
    let name = state
        .directory
        .get(&member.agency)
        .map(|a| a.name)
        .unwrap_or_default();
    let holders = evidence
        .targets
        .iter()
        .map(|t| t.holder.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(FreezePackage {
        format: FORMAT,
        requested_by: FreezeRequester {
            agency: member.agency.clone(),
            name,
            country,
            contact,
            user: member.user.clone(),
        },
        created: Utc::now(),
        holders,
        evidence,
        evidence_sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_members_and_drops_whitespace() {
        let value = json!({"b": [1, {"z": "é\n\"", "a": null}], "a": true});
        let mut out = String::new();
        canonical_json(&value, &mut out);
        assert_eq!(out, r#"{"a":true,"b":[1,{"a":null,"z":"é\n\""}]}"#);
    }
}
