#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize_iban(value: &str) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn normalize_bank(value: &str, region: Option<Region>) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn looks_like_iban(s: &str) -> bool { todo!() }
