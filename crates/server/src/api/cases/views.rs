//! Reading cases out: the HTCDS export, the embassy view and the
//! screening indicators.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use cordon_protect::Stage;
use cordon_protect::case::Role;
use cordon_protect::screening;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{member, readable};
use crate::Shared;
use crate::access::{Viewer, reads_case};
use crate::api::{Api, Path, Query};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// A case as HTCDS v2, checked against the field list, audited.
pub fn htcds_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
) -> ApiResult<cordon_protect::htcds::Export> {
    let case = readable(state, viewer, id)?;
    state.audit.record(crate::audit::event(
        viewer,
        "case_export",
        Some(&case.opened.agency),
        &case.id,
    ))?;
    let personal = state.cases.personal(&case).map_err(ApiError::internal)?;
    let export =
        cordon_protect::htcds::export(&case, &personal, &|agency| state.directory.kind_of(agency));
    cordon_protect::htcds::validate(&export).map_err(|problems| {
        // Field names only: the values are the person's.
        let fields: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap_or_default())
            .collect();
        ApiError::internal(format!(
            "the htcds export of {} fails its field list at {}",
            case.id,
            fields.join(", ")
        ))
    })?;
    Ok(export)
}

#[utoipa::path(
    get,
    operation_id = "export_case_htcds",
    path = "/api/v1/cases/{id}/htcds",
    tag = "cases",
    params(
        ("id" = String, Path, description = "The case id"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "The case as IOM HTCDS v2 with the forced-criminality extension (docs/HTCDS.md)", content_type = "application/json"),
        (status = 404, description = "No case you may read", body = ApiError),
    )
)]
pub async fn htcds(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    member(&api.viewer)?;
    let export = htcds_for(&state, &api.viewer, &id)?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => Json(export).into_response(),
        "csv" => (
            [(CONTENT_TYPE, "text/csv; charset=utf-8")],
            cordon_protect::htcds::to_csv(&export),
        )
            .into_response(),
        other => {
            return Err(ApiError::invalid_field(
                "format",
                format!("'{other}': expected json or csv"),
            ));
        }
    })
}

/// How many of a country's nationals are where, at which stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmbassyView {
    /// The viewer's country.
    pub country: String,
    pub cases: usize,
    pub people: u32,
    pub overdue: usize,
    /// Cases and people per stage, in protocol order.
    pub by_stage: Vec<Count>,
    /// Per country of the compound (`??` when not known yet).
    pub by_compound_country: Vec<Count>,
    /// Cases with no embassy of ours in the compound's country, and the
    /// partner standing in.
    pub partners: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub cases: usize,
    pub people: u32,
}

/// The embassy view: the viewer's country's nationals among the cases its
/// agency is assigned to.
pub fn embassy_for(state: &Shared, viewer: &Viewer) -> ApiResult<EmbassyView> {
    let m = member(viewer)?;
    let country = m.agency.split_once('-').map_or("", |(c, _)| c).to_owned();
    let clocks = &state.config.cases.clocks;
    let now = state.config.cases.clock.now();
    let mut view = EmbassyView {
        country: country.clone(),
        cases: 0,
        people: 0,
        overdue: 0,
        by_stage: Vec::new(),
        by_compound_country: Vec::new(),
        partners: Vec::new(),
    };
    let mut by_stage: std::collections::BTreeMap<Stage, (usize, u32)> = Default::default();
    let mut by_country: std::collections::BTreeMap<String, (usize, u32)> = Default::default();
    state.cases.read(|book| {
        for c in book.values().filter(|c| {
            c.is_open() && c.nationality == country && reads_case(viewer, &c.agencies())
        }) {
            view.cases += 1;
            view.people += c.group_size;
            view.overdue += usize::from(c.overdue(clocks, now));
            let s = by_stage.entry(c.stage).or_default();
            s.0 += 1;
            s.1 += c.group_size;
            let k = by_country
                .entry(c.compound.country.clone().unwrap_or_else(|| "??".into()))
                .or_default();
            k.0 += 1;
            k.1 += c.group_size;
            for a in c
                .assigned
                .iter()
                .filter(|a| a.role == Role::Consulate && !a.embassy)
            {
                if !view.partners.contains(&a.agency) {
                    view.partners.push(a.agency.clone());
                }
            }
        }
    });
    view.by_stage = by_stage
        .into_iter()
        .map(|(s, (cases, people))| Count {
            key: s.as_str().to_owned(),
            cases,
            people,
        })
        .collect();
    view.by_compound_country = by_country
        .into_iter()
        .map(|(k, (cases, people))| Count {
            key: k,
            cases,
            people,
        })
        .collect();
    state.audit.record(crate::audit::event(
        viewer,
        "case_embassy",
        Some(&m.agency),
        &format!("{} cases", view.cases),
    ))?;
    Ok(view)
}

#[utoipa::path(
    get,
    operation_id = "embassy_view",
    path = "/api/v1/cases/embassy",
    tag = "cases",
    security(("token" = [])),
    responses(
        (status = 200, description = "Your country's nationals in your agency's cases", body = EmbassyView),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn embassy(State(state): State<Shared>, api: Api) -> ApiResult<Json<EmbassyView>> {
    Ok(Json(embassy_for(&state, &api.viewer)?))
}

#[utoipa::path(
    get,
    operation_id = "screening_indicators",
    path = "/api/v1/screening/indicators",
    tag = "cases",
    security(("token" = [])),
    responses(
        (status = 200, description = "The ILO, Delphi and scam-compound indicators with their help text", body = Vec<Object>),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn indicators(api: Api) -> ApiResult<Json<&'static [screening::Indicator]>> {
    api.member()?;
    Ok(Json(screening::catalogue()))
}
