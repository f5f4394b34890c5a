//! The collections of the API root: views of the exchange, never copies.
//!
//! - `all`: everything the caller may read, from every agency;
//! - one per member agency (alias its code): what the caller may read of
//!   that agency's reports and kept objects.
//!
//! Every member may read every collection: what it holds for the caller is
//! decided object by object by the access rules. A member writes to `all`
//! or to its own agency's collection, always as its own agency.

use axum::extract::State;
use serde::Serialize;
use uuid::Uuid;

use super::{Client, STIX_MEDIA_TYPE, Taxii, TaxiiError, TaxiiResult};
use crate::Shared;
use crate::api::Path;
use crate::error::{ApiError, ErrorCode};

/// Namespace of collection ids: stable across restarts and replicas.
const NAMESPACE: Uuid = uuid::uuid!("9b3e4f61-0c4d-4b8e-9a57-3c2f1e6d8a20");

/// Which slice of the exchange a collection shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    All,
    Agency(String),
}

impl View {
    pub fn id(&self) -> String {
        let name = match self {
            View::All => "collection:all".to_owned(),
            View::Agency(code) => format!("collection:{code}"),
        };
        Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
    }

    /// The agency whose objects the view holds, if it is one agency's.
    pub fn owner(&self) -> Option<&str> {
        match self {
            View::All => None,
            View::Agency(code) => Some(code),
        }
    }

    pub fn can_write(&self, client: &Client) -> bool {
        // A peer node only pulls: what it holds comes from its own node.
        if client.member().role == crate::access::Role::Peer {
            return false;
        }
        match self {
            View::All => true,
            View::Agency(code) => *code == client.member().agency,
        }
    }
}

/// The view a collection id names, or 404.
pub fn resolve(state: &Shared, id: &str) -> TaxiiResult<View> {
    if id == View::All.id() || id == "all" {
        return Ok(View::All);
    }
    state
        .directory
        .all()
        .into_iter()
        .map(|a| View::Agency(a.code))
        .find(|v| v.id() == id || v.owner() == Some(id))
        .ok_or_else(|| {
            TaxiiError::Api(ApiError::new(
                ErrorCode::NotFound,
                "no such collection; GET /taxii2/cordon/collections/ lists them",
            ))
        })
}

#[derive(Debug, Serialize)]
pub struct Collection {
    id: String,
    title: String,
    description: String,
    alias: String,
    can_read: bool,
    can_write: bool,
    media_types: [&'static str; 1],
}

fn describe(state: &Shared, view: &View, client: &Client) -> Collection {
    let (title, description, alias) = match view {
        View::All => (
            "Everything you may read".to_owned(),
            "Every member agency's reports and shared objects that the TLP 2.0 rules let you read."
                .to_owned(),
            "all".to_owned(),
        ),
        View::Agency(code) => {
            let name = state
                .directory
                .get(code)
                .map(|a| a.name)
                .unwrap_or_default();
            (
                format!("{code}: {name}"),
                format!("What you may read of {code}'s reports and shared objects."),
                code.clone(),
            )
        }
    };
    Collection {
        id: view.id(),
        title,
        description,
        alias,
        can_read: true,
        can_write: view.can_write(client),
        media_types: [STIX_MEDIA_TYPE],
    }
}

#[derive(Serialize)]
pub struct Collections {
    collections: Vec<Collection>,
}

pub async fn list(State(state): State<Shared>, client: Client) -> Taxii<Collections> {
    let mut views = vec![View::All];
    let viewer = crate::access::Viewer::Member(client.member().clone());
    views.extend(
        state
            .directory
            .all()
            .into_iter()
            // A peer node sees the collections of agencies that may send
            // it something: this node's own.
            .filter(|a| crate::access::sends(&viewer, !state.owned_here(&a.code)))
            .map(|a| View::Agency(a.code)),
    );
    Taxii(Collections {
        collections: views.iter().map(|v| describe(&state, v, &client)).collect(),
    })
}

pub async fn one(
    State(state): State<Shared>,
    client: Client,
    Path(collection): Path<String>,
) -> TaxiiResult<Taxii<Collection>> {
    let view = resolve(&state, &collection)?;
    Ok(Taxii(describe(&state, &view, &client)))
}
