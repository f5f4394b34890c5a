#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize(value: &str, region: Option<Region>) -> Result<Selector, SelectorError> { todo!() }
