//! Recipients of a marking must name member agencies, and individuals
//! users of theirs: a misspelt recipient would otherwise grant nobody,
//! silently. One check for reports, orange notices and money imports.

use std::collections::HashSet;

use crate::Shared;
use crate::error::ApiResult;

/// Checks recipients one by one, refreshing the directory once when an
/// agency is unknown (another replica may have just added it) and asking
/// the store once per individual.
#[derive(Debug, Default)]
pub(crate) struct Recipients {
    refreshed: bool,
    users_seen: HashSet<String>,
}

impl Recipients {
    /// Why `recipient` (`AGENCY` or `AGENCY/user`) names nobody, if it
    /// does not.
    pub(crate) async fn problem(
        &mut self,
        state: &Shared,
        recipient: &str,
    ) -> ApiResult<Option<String>> {
        let recipient = recipient.trim();
        let (agency, user) = match recipient.split_once('/') {
            Some((a, u)) => (a, Some(u)),
            None => (recipient, None),
        };
        if state.directory.get(agency).is_none() && !self.refreshed {
            state.directory.refresh(state.store.as_ref()).await?;
            self.refreshed = true;
        }
        if state.directory.get(agency).is_none() {
            return Ok(Some(format!(
                "recipient '{recipient}' names no member agency; check the code"
            )));
        }
        if let Some(user) = user
            && !self.users_seen.contains(recipient)
        {
            if state.store.user(agency, user).await?.is_none() {
                return Ok(Some(format!(
                    "recipient '{recipient}': {agency} has no user '{user}'"
                )));
            }
            self.users_seen.insert(recipient.to_owned());
        }
        Ok(None)
    }
}
