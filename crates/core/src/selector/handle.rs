#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize(value: &str, prefix: Option<&'static str>, region: Option<Region>) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn platform_prefix(s: &str) -> Option<&'static str> { todo!() }
pub(crate) fn from_profile_url(s: &str, region: Option<Region>) -> Option<Result<Selector, SelectorError>> { todo!() }
