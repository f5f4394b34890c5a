#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
pub(crate) fn normalize(kind: SelectorKind, value: &str) -> Result<Selector, SelectorError> { todo!() }
