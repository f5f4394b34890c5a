//! A trace over the money a viewer may read, shared by the API, the
//! console and `cordon trace`: the trace itself, the holders of onward
//! flows the viewer may only learn of, and the owners whose flows carried
//! the traced money (for the audit, which each caller writes its way).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Money;
use crate::access::Viewer;
use crate::directory::Directory;
use crate::error::{ApiError, ApiResult};

/// A trace asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceRequest {
    /// Where to start: `{"kind": "leg", "flow": "…", "address": "trx:…"}`
    /// (a victim's payment), or `{"kind": "address", "address": "…"}` (a
    /// wallet or an account).
    #[schema(value_type = Vec<Object>)]
    pub seeds: Vec<cordon_finance::trace::Seed>,
    /// `forward` (default: where the money went) or `backward`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub direction: Option<cordon_finance::trace::Direction>,
    /// Models to run (default all): `poison`, `haircut`, `fifo`, `lifo`,
    /// `tiho`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub models: Option<Vec<cordon_finance::trace::Model>>,
    /// Hops to follow, 1 to 10 (default 5).
    #[serde(default)]
    pub max_hops: Option<u8>,
    /// Follow money on through an exchange's recorded conversion (its
    /// deposit paid out in another asset) instead of stopping at the
    /// exchange (default false: a tagged service ends the trace, and the
    /// conversion is listed in `crossings` with `followed: false`).
    #[serde(default)]
    pub through_services: bool,
}

/// Who holds flows onward from where a trace stopped, that you may only
/// learn of.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TraceHeldElsewhere)]
pub struct HeldElsewhere {
    pub agency: String,
    pub country: String,
    pub contact: String,
    /// The reached addresses their flows move money from.
    pub addresses: Vec<String>,
}

/// A trace over the money you may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraceAnswer {
    #[schema(value_type = Object)]
    pub trace: cordon_finance::trace::Trace,
    pub held_elsewhere: Vec<HeldElsewhere>,
}

/// Most seeds of one trace.
const MAX_SEEDS: usize = 1_000;

/// Runs a trace for `viewer`; with it, the agencies other than the
/// viewer's whose flows the traced money moved through.
pub fn run(
    money: &Money,
    directory: &Directory,
    viewer: &Viewer,
    request: &TraceRequest,
) -> ApiResult<(TraceAnswer, BTreeSet<String>)> {
    if request.seeds.is_empty() || request.seeds.len() > MAX_SEEDS {
        return Err(ApiError::bad_request(format!(
            "a trace starts from 1 to {MAX_SEEDS} seeds, not {}",
            request.seeds.len()
        ))
        .field("seeds"));
    }
    let max_hops = request.max_hops.unwrap_or(5);
    if !(1..=10).contains(&max_hops) {
        return Err(ApiError::bad_request("max_hops is 1 to 10").field("max_hops"));
    }
    let options = cordon_finance::trace::TraceOptions {
        direction: request.direction.unwrap_or_default(),
        models: request.models.as_deref().filter(|m| !m.is_empty()).map_or(
            cordon_finance::trace::Models::ALL,
            cordon_finance::trace::Models::of,
        ),
        max_hops,
        through_services: request.through_services,
        ..Default::default()
    };
    let readable = money.readable(viewer).map_err(ApiError::internal)?;
    let traced = cordon_finance::trace::trace(
        &readable.graph,
        &readable.services,
        &request.seeds,
        &options,
    );
    // A seed that names nothing readable answers the same as one that
    // names nothing at all.
    let trace = traced.map_err(|e| {
        let seed = match &e {
            cordon_finance::trace::TraceError::UnknownFlow { seed, .. }
            | cordon_finance::trace::TraceError::NotInFlow { seed, .. }
            | cordon_finance::trace::TraceError::UnknownAddress { seed, .. }
            | cordon_finance::trace::TraceError::Amount { seed, .. } => *seed,
        };
        ApiError::invalid_field(
            format!("seeds[{seed}]"),
            format!("{e}, among the flows you may read"),
        )
    })?;
    let reached: BTreeSet<&str> = trace.addresses.iter().map(|a| a.address.as_str()).collect();
    let held_elsewhere = money
        .held_elsewhere(viewer, &reached)
        .into_iter()
        .map(|(agency, addresses)| {
            let (country, contact) = directory.contact(&agency);
            HeldElsewhere {
                agency,
                country,
                contact,
                addresses: addresses.into_iter().collect(),
            }
        })
        .collect();
    let own = viewer.member().map(|m| m.agency.as_str());
    let touched: BTreeSet<String> = trace
        .steps
        .iter()
        .filter_map(|s| readable.owners.get(&s.flow))
        .filter(|o| Some(o.as_str()) != own)
        .cloned()
        .collect();
    Ok((
        TraceAnswer {
            trace,
            held_elsewhere,
        },
        touched,
    ))
}

/// The seeds of a request, as the audit names what was traced.
pub fn subject(request: &TraceRequest) -> String {
    request
        .seeds
        .iter()
        .map(|s| match s {
            cordon_finance::trace::Seed::Leg { flow, address, .. } => format!("{flow}/{address}"),
            cordon_finance::trace::Seed::Address { address, .. } => address.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
