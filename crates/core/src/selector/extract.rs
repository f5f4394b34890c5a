#![allow(unused)]
use super::{Region, Selector, SelectorError, SelectorKind, Hint, Found};
/// Finds every selector in free text, with byte spans.
pub fn extract(text: &str, hint: &Hint) -> Vec<Found> { todo!() }
