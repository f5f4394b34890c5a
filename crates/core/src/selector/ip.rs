#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize(value: &str) -> Result<Selector, SelectorError> { todo!() }
pub(crate) fn looks_like_ip(s: &str) -> bool { todo!() }
