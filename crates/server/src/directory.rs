//! The agencies, in memory: what a hit shows of the holder (country and
//! contact) without a store round trip per hit.

use std::collections::HashMap;

use cordon_store::{Agency, Store, StoreError};
use parking_lot::RwLock;

#[derive(Debug, Default)]
pub struct Directory {
    agencies: RwLock<HashMap<String, Agency>>,
}

impl Directory {
    /// Loads every agency from the store, replacing what was held.
    pub async fn refresh(&self, store: &dyn Store) -> Result<(), StoreError> {
        let all = store.agencies().await?;
        *self.agencies.write() = all.into_iter().map(|a| (a.code.clone(), a)).collect();
        Ok(())
    }

    /// Country and contact of an agency. An agency unknown here (created by
    /// another replica a moment ago) shows its code's country and a pointer
    /// to the directory rather than failing the hit.
    pub fn contact(&self, code: &str) -> (String, String) {
        match self.agencies.read().get(code) {
            Some(a) => (a.country.clone(), a.contact.clone()),
            None => (
                code.split('-').next().unwrap_or_default().to_owned(),
                format!("see the member directory for {code}"),
            ),
        }
    }

    /// Whether `code` is a member agency, asking the store again when it
    /// is not known here (it may have been created a moment ago).
    pub async fn knows(&self, store: &dyn Store, code: &str) -> Result<bool, StoreError> {
        if self.agencies.read().contains_key(code) {
            return Ok(true);
        }
        self.refresh(store).await?;
        Ok(self.agencies.read().contains_key(code))
    }

    /// An agency's kind, as the core names kinds.
    pub fn kind_of(&self, code: &str) -> Option<cordon_core::agency::AgencyKind> {
        self.agencies.read().get(code)?.kind.parse().ok()
    }

    pub fn get(&self, code: &str) -> Option<Agency> {
        self.agencies.read().get(code).cloned()
    }

    /// Every agency, by code.
    pub fn all(&self) -> Vec<Agency> {
        let mut all: Vec<Agency> = self.agencies.read().values().cloned().collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    }
}
