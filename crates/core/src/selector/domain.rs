#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize_domain(value: &str) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn normalize_url(value: &str) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn domain_of_url(url: &Selector) -> Option<Selector> { todo!() }
pub(crate) fn looks_like_url(s: &str) -> bool { todo!() }
pub(crate) fn looks_like_domain(s: &str) -> bool { todo!() }
