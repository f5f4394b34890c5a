#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize(value: &str, prefix: Option<&'static str>) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn algorithm_prefix(s: &str) -> Option<&'static str> { todo!() }
pub(crate) fn looks_like_hash(s: &str) -> bool { todo!() }
