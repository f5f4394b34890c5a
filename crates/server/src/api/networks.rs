//! Networks as far as you may read them: `GET /api/v1/networks`,
//! `GET /api/v1/networks/{id}` (members, evidence, profile, perpetrators),
//! `GET /api/v1/networks/{id}/history`, an analyst's merge and split, and
//! `GET /api/v1/graph/network` (members and evidence as a graph).
//! What each viewer sees is decided in [`crate::networks::view`].

use axum::Json;
use axum::extract::{Path, State};
use cordon_store::{Decision, NewDecision};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::reports::json_body;
use super::{Api, Body, Query};
use crate::Shared;
use crate::access::{Role, Viewer};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hits::NotReady;
use crate::networks::view::{self, NetworkSummary, NetworkView, Seen, Touched};

/// Most networks one merge names.
const MAX_MERGED: usize = 20;
/// Most reports one split names.
const MAX_SPLIT: usize = 10_000;

pub(crate) fn loading(_: NotReady) -> ApiError {
    ApiError::unavailable("the networks are still being computed; retry in a few seconds")
}

/// The analyst or admin deciding: decisions are theirs to make.
pub(crate) fn analyst(viewer: &Viewer) -> ApiResult<&crate::access::Member> {
    let member = viewer.member().ok_or_else(ApiError::unauthenticated)?;
    if member.role == Role::Contributor {
        return Err(ApiError::forbidden(
            "contributors submit reports; ask an analyst of your agency to decide this",
        ));
    }
    Ok(member)
}

/// A reason as analysts must give one.
pub(crate) fn reason(text: &str) -> ApiResult<String> {
    super::required_text(text, "reason", 4000)
}

/// Appends decisions to the log, durably, then applies them here and
/// tells the other replicas to read the log.
/// Anchors of networks not yet kept go first, in the same transaction: a
/// merge must never reach the log before the anchors it names.
pub(crate) async fn decide(
    state: &Shared,
    decisions: Vec<NewDecision>,
) -> ApiResult<Vec<Decision>> {
    let mut batch = state.networks.take_unkept();
    let anchors = batch.len();
    batch.extend(decisions);
    match state.store.append_decisions(&batch).await {
        Ok(kept) => {
            state.networks.applied(&kept);
            state.bus.announce_decisions(&kept);
            Ok(kept.into_iter().skip(anchors).collect())
        }
        Err(e) => {
            state
                .networks
                .keep_later(batch.into_iter().take(anchors).collect());
            Err(e.into())
        }
    }
}

/// Audits a read that touched other owners' reports.
pub(crate) fn audit_touched(
    state: &Shared,
    viewer: &Viewer,
    action: &str,
    subject: &str,
    touched: &Touched,
) -> ApiResult<()> {
    state.audit.record_all(
        touched
            .iter()
            .map(|owner| crate::audit::event(viewer, action, Some(owner), subject))
            .collect(),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Most networks to list, 1 to 500 (default 50).
    limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkList {
    /// Networks you may read a report of.
    pub total: usize,
    pub networks: Vec<NetworkSummary>,
}

/// The networks you may read a report of, most readable reports first.
#[utoipa::path(
    operation_id = "list_networks",
    get,
    path = "/api/v1/networks",
    tag = "networks",
    params(ListQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "Networks", body = NetworkList),
        (status = 400, description = "Bad query", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<NetworkList>> {
    api.member()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(
            ApiError::bad_request(format!("limit is 1 to 500, not {limit}")).field("limit"),
        );
    }
    let viewer = api.viewer.clone();
    let work = state.clone();
    let (networks, total) =
        tokio::task::spawn_blocking(move || work.networks.read(|m| view::list(m, &viewer, limit)))
            .await
            .map_err(ApiError::internal)?
            .map_err(loading)?;
    Ok(Json(NetworkList { total, networks }))
}

/// What you may know of a network: when you may read none of its reports
/// but their owners notify, only whom to contact.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum NetworkAnswer {
    Network(Box<NetworkView>),
    Restricted {
        id: String,
        restricted: bool,
        linked: view::Linked,
    },
}

/// A network by id (an id merged into another answers with that one).
#[utoipa::path(
    operation_id = "read_network",
    get,
    path = "/api/v1/networks/{id}",
    tag = "networks",
    params(("id" = String, Path, description = "The network id, `N-` and twelve hex digits")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The network as you may see it", body = NetworkAnswer),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No network you may know of", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn read(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<NetworkAnswer>> {
    api.member()?;
    let (seen, touched) = seen(&state, &api.viewer, id.clone()).await?;
    audit_touched(&state, &api.viewer, "network_read", &id, &touched)?;
    match seen {
        Seen::Network(v) => Ok(Json(NetworkAnswer::Network(v))),
        Seen::Restricted { id, linked } => Ok(Json(NetworkAnswer::Restricted {
            id,
            restricted: true,
            linked,
        })),
        Seen::Nothing => Err(ApiError::not_found("network")),
    }
}

pub(crate) async fn seen(
    state: &Shared,
    viewer: &Viewer,
    id: String,
) -> ApiResult<(Seen, Touched)> {
    let work = state.clone();
    let viewer = viewer.clone();
    tokio::task::spawn_blocking(move || {
        work.networks
            .read(|m| view::network(m, &viewer, &work.directory, &id))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(loading)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// `merge` or `split`.
    pub decision: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub agency: String,
    pub user: String,
    pub reason: String,
    /// The networks merged (merge).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    /// The reports split off that you may read (split).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<view::Member>,
}

/// The analysts' merges and splits of a network, oldest first, with their
/// reasons. A split shows only the reports you may read.
#[utoipa::path(
    get,
    path = "/api/v1/networks/{id}/history",
    tag = "networks",
    params(("id" = String, Path, description = "The network id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Decisions", body = [HistoryEntry]),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No network you may read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn history(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    api.member()?;
    let Seen::Network(network) = seen(&state, &api.viewer, id).await?.0 else {
        return Err(ApiError::not_found("network"));
    };
    let mut subjects = vec![network.id.clone()];
    subjects.extend(network.merged_from.clone());
    let mut entries = Vec::new();
    for subject in subjects {
        for d in state.store.decisions_about(&subject).await? {
            let decision = match d.kind.as_str() {
                "network.merge" => "merge",
                "network.split" => "split",
                _ => continue,
            };
            // A contributor reads its own agency's data only.
            let own = api.viewer.member().map(|m| m.agency.as_str());
            if api
                .viewer
                .member()
                .is_some_and(|m| m.role == Role::Contributor)
                && own != Some(d.agency.as_str())
            {
                continue;
            }
            let named: Vec<String> = d.body["networks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect();
            // Only the networks the viewer may know of are named.
            let viewer = api.viewer.clone();
            let networks: Vec<String> = state
                .networks
                .read(|m| {
                    named
                        .into_iter()
                        .filter(|n| view::knows(m, &viewer, n))
                        .collect()
                })
                .map_err(loading)?;
            let refs: Vec<(String, String)> = d.body["reports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    Some((
                        r["agency"].as_str()?.to_owned(),
                        r["id"].as_str()?.to_owned(),
                    ))
                })
                .collect();
            let reports = state
                .networks
                .read(|m| view::readable_reports(m, &viewer, &refs))
                .map_err(loading)?;
            // A split of nothing the viewer may read is not the viewer's.
            if decision == "split" && reports.is_empty() {
                continue;
            }
            entries.push(HistoryEntry {
                decision: decision.to_owned(),
                at: d.at,
                agency: d.agency,
                user: d.user,
                reason: d.reason,
                networks,
                reports,
            });
        }
    }
    entries.sort_by_key(|e| e.at);
    entries.dedup_by(|a, b| a.at == b.at && a.decision == b.decision && a.reason == b.reason);
    Ok(Json(entries))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// Two networks or more that are one organisation.
    pub networks: Vec<String>,
    pub reason: String,
}

/// Merges networks an analyst knows to be one organisation. The merged
/// network keeps the oldest id; the others become its aliases. Every later
/// recomputation keeps them merged.
#[utoipa::path(
    post,
    path = "/api/v1/networks/merge",
    tag = "networks",
    request_body = MergeRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The merged network as you see it", body = NetworkAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not decide", body = ApiError),
        (status = 404, description = "A network you may not read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn merge(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<Json<NetworkAnswer>> {
    let request: MergeRequest = json_body(&body)?;
    let kept = merge_for(&state, &api.viewer, &request).await?;
    read(State(state), api, Path(kept)).await
}

/// Merges networks for an analyst; returns the id the merged network has.
pub(crate) async fn merge_for(
    state: &Shared,
    viewer: &Viewer,
    request: &MergeRequest,
) -> ApiResult<String> {
    let member = analyst(viewer)?.clone();
    let reason = reason(&request.reason)?;
    if request.networks.len() > MAX_MERGED {
        return Err(ApiError::bad_request(format!(
            "merge at most {MAX_MERGED} networks at once, not {}",
            request.networks.len()
        ))
        .field("networks"));
    }
    let mut ids: Vec<String> = Vec::new();
    for id in &request.networks {
        // Each must be one you may read a report of: a merge decided on
        // what you cannot see would be blind.
        let Seen::Network(n) = seen(state, viewer, id.trim().to_owned()).await?.0 else {
            return Err(ApiError::not_found("network").field("networks"));
        };
        if !ids.contains(&n.id) {
            ids.push(n.id.clone());
        }
    }
    if ids.len() < 2 {
        return Err(
            ApiError::bad_request("name two different networks or more to merge").field("networks"),
        );
    }
    // One decision per network merged, so that the history of each finds
    // it; applying the same merge again changes nothing.
    let decisions = ids
        .iter()
        .map(|subject| NewDecision {
            kind: "network.merge".to_owned(),
            subject: subject.clone(),
            agency: member.agency.clone(),
            user: member.user.clone(),
            reason: reason.clone(),
            body: serde_json::json!({"networks": ids}),
        })
        .collect();
    decide(state, decisions).await?;
    let first = ids[0].clone();
    state
        .networks
        .read(|m| m.network(&first).map(|(_, id)| id.to_owned()))
        .map_err(loading)?
        .ok_or_else(|| ApiError::internal("the merged network has no id"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRef {
    pub agency: String,
    pub id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// Reports of the network, that you may read, that are a network apart.
    pub reports: Vec<ReportRef>,
    pub reason: String,
}

/// Splits reports off a network into one of their own. The part holding
/// the network's anchor keeps its id; every later recomputation keeps the
/// reports named apart.
#[utoipa::path(
    post,
    path = "/api/v1/networks/{id}/split",
    tag = "networks",
    params(("id" = String, Path, description = "The network id")),
    request_body = SplitRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The network split off, as you see it", body = NetworkAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not decide", body = ApiError),
        (status = 404, description = "No network you may read", body = ApiError),
        (status = 422, description = "A report that is not one of the network's you may read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn split(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<NetworkAnswer>> {
    let member = analyst(&api.viewer)?.clone();
    let request: SplitRequest = json_body(&body)?;
    let reason = reason(&request.reason)?;
    if request.reports.is_empty() || request.reports.len() > MAX_SPLIT {
        return Err(ApiError::bad_request(format!(
            "name 1 to {MAX_SPLIT} reports to split off, not {}",
            request.reports.len()
        ))
        .field("reports"));
    }
    let Seen::Network(network) = seen(&state, &api.viewer, id).await?.0 else {
        return Err(ApiError::not_found("network"));
    };
    let viewer = api.viewer.clone();
    let refs: Vec<(String, String)> = request
        .reports
        .iter()
        .map(|r| (r.agency.clone(), r.id.clone()))
        .collect();
    let network_id = network.id.clone();
    let outside = state
        .networks
        .read(|m| {
            refs.iter().position(|(agency, report)| {
                view::network_of_report(m, agency, report).as_deref() != Some(network_id.as_str())
                    || view::readable_reports(m, &viewer, &[(agency.clone(), report.clone())])
                        .is_empty()
            })
        })
        .map_err(loading)?;
    if let Some(at) = outside {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "report {}/{} is not one of this network's reports that you may read",
                refs[at].0, refs[at].1
            ),
        )
        .field(format!("reports[{at}]")));
    }
    decide(
        &state,
        vec![NewDecision {
            kind: "network.split".to_owned(),
            subject: network.id.clone(),
            agency: member.agency.clone(),
            user: member.user.clone(),
            reason,
            body: serde_json::json!({
                "network": network.id,
                "reports": refs.iter().map(|(a, r)| serde_json::json!({"agency": a, "id": r})).collect::<Vec<_>>(),
            }),
        }],
    )
    .await?;
    // The reports split off now make a network of their own.
    let (agency, report) = &refs[0];
    let split_id = state
        .networks
        .read(|m| view::network_of_report(m, agency, report))
        .map_err(loading)?
        .ok_or_else(|| ApiError::internal("the split reports lost their network"))?;
    read(State(state), api, Path(split_id)).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraphQuery {
    /// The network id.
    id: String,
}

/// A network's members and evidence as a graph (reports, the keys linking
/// them, and which report names which), as far as you may read them.
#[utoipa::path(
    get,
    path = "/api/v1/graph/network",
    tag = "graph",
    params(GraphQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The graph", body = view::NetworkGraph),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No network you may read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn graph(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<GraphQuery>,
) -> ApiResult<Json<view::NetworkGraph>> {
    api.member()?;
    let (graph, touched) = network_graph(&state, &api.viewer, q.id.clone()).await?;
    audit_touched(&state, &api.viewer, "network_read", &q.id, &touched)?;
    graph
        .map(Json)
        .ok_or_else(|| ApiError::not_found("network"))
}

pub(crate) async fn network_graph(
    state: &Shared,
    viewer: &Viewer,
    id: String,
) -> ApiResult<(Option<view::NetworkGraph>, Touched)> {
    let work = state.clone();
    let viewer = viewer.clone();
    tokio::task::spawn_blocking(move || {
        work.networks
            .read(|m| view::graph(m, &viewer, &work.directory, &id))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(loading)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportNetwork {
    pub agency: String,
    pub report_id: String,
    /// The network it belongs to; null when it shares nothing that links.
    pub network: Option<String>,
}

/// The network of a report you may read. A report joins its network in
/// the request that stores it.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{agency}/{id}/network",
    tag = "networks",
    params(
        ("agency" = String, Path, description = "The owning agency's code"),
        ("id" = String, Path, description = "The report id"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "The report's network", body = ReportNetwork),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No report you may read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn of_report(
    State(state): State<Shared>,
    api: Api,
    Path((agency, id)): Path<(String, String)>,
) -> ApiResult<Json<ReportNetwork>> {
    api.member()?;
    let network = state
        .networks
        .read(|m| view::network_of_readable(m, &api.viewer, &agency, &id))
        .map_err(loading)?
        .ok_or_else(|| ApiError::not_found("report"))?;
    Ok(Json(ReportNetwork {
        agency,
        report_id: id,
        network,
    }))
}
