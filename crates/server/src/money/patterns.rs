//! Mule accounts and address clusters over the money a viewer may read
//! (the same readable graph as its traces, [`super::view`]), for the API,
//! the console and the CLI alike. Each answer comes with the other
//! agencies whose flows it cites, for the audit each caller writes its way
//! (as a trace's does).

use std::collections::BTreeSet;

use cordon_finance::asset::Network;
use cordon_finance::cluster::{ClusterOptions, Clustering, Heuristic};
use cordon_finance::mules::{self, MuleOptions, MuleScore};
use serde::Serialize;
use utoipa::ToSchema;

use super::Money;
use crate::access::Viewer;
use crate::error::{ApiError, ApiResult};

/// Accounts listed at most.
const LISTED: usize = 1_000;

/// The agencies other than the viewer's that hold `flows`.
fn owners<'a>(
    readable: &super::view::Readable,
    viewer: &Viewer,
    flows: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    let own = viewer.member().map(|m| m.agency.as_str());
    flows
        .into_iter()
        .filter_map(|f| readable.owners.get(f))
        .filter(|o| Some(o.as_str()) != own)
        .cloned()
        .collect()
}

/// The accounts whose traffic looks like a mule's, most suspect first:
/// bank accounts unless `crypto`, scoring at least `min_score`; with the
/// other agencies whose flows the explanations cite.
pub fn mules(
    money: &Money,
    viewer: &Viewer,
    min_score: f64,
    crypto: bool,
) -> ApiResult<(Vec<MuleScore>, BTreeSet<String>)> {
    let readable = money.readable(viewer).map_err(ApiError::internal)?;
    let options = MuleOptions {
        networks: if crypto {
            Vec::new()
        } else {
            vec![Network::Bank]
        },
        min_score,
        ..MuleOptions::default()
    };
    let mut found = mules::detect(&readable.graph, &readable.services, &options);
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    found.truncate(LISTED);
    let touched = owners(
        &readable,
        viewer,
        found
            .iter()
            .flat_map(|m| m.indicators.iter().flat_map(|i| i.flows.iter()))
            .map(String::as_str),
    );
    Ok((found, touched))
}

/// One merge that joins two addresses into one owner's cluster.
#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    #[schema(value_type = String)]
    pub heuristic: Heuristic,
    pub flow: String,
    pub a: String,
    pub b: String,
}

/// The addresses one owner controls, as clustering finds them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cluster {
    pub address: String,
    /// The service the cluster is tagged as, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub members: Vec<String>,
    /// For each other member, the merges that join it to `address`.
    pub evidence: Vec<Vec<Joined>>,
}

/// The cluster of `address` over the viewer's readable flows, with the
/// other agencies whose flows join it.
pub fn cluster(
    money: &Money,
    viewer: &Viewer,
    address: &str,
) -> ApiResult<(Cluster, BTreeSet<String>)> {
    let readable = money.readable(viewer).map_err(ApiError::internal)?;
    let g = &readable.graph;
    let Some(a) = g.find_address(address) else {
        return Err(ApiError::invalid_field(
            "address",
            format!("{address} is in no flow you may read"),
        ));
    };
    let clustering = Clustering::build(g, &readable.services, &ClusterOptions::default());
    let members: Vec<_> = clustering.members(a);
    let evidence: Vec<Vec<Joined>> = members
        .iter()
        .filter(|&&m| m != a)
        .map(|&m| {
            clustering
                .explain(a, m)
                .unwrap_or_default()
                .into_iter()
                .map(|merge| Joined {
                    heuristic: merge.heuristic,
                    flow: g.flow_id(merge.flow).to_owned(),
                    a: g.address(merge.a).to_owned(),
                    b: g.address(merge.b).to_owned(),
                })
                .collect()
        })
        .collect();
    let touched = owners(
        &readable,
        viewer,
        evidence
            .iter()
            .flat_map(|joins| joins.iter().map(|j| j.flow.as_str())),
    );
    let cluster = Cluster {
        address: address.to_owned(),
        service: clustering
            .service_of(a)
            .map(|s| readable.services.service(s).name.clone()),
        members: members.iter().map(|&m| g.address(m).to_owned()).collect(),
        evidence,
    };
    Ok((cluster, touched))
}
