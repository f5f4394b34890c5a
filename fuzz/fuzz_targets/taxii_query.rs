//! The query string of a TAXII 2.1 request, on every endpoint's list of
//! parameters: a limit is always within bounds and a cursor reads back
//! what it wrote.
#![no_main]

use cordon_interop::taxii::{
    Cursor, DELETE_FILTERS, MAX_LIMIT, OBJECT_FILTERS, ONE_FILTERS, Query, VERSION_FILTERS,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for allowed in [OBJECT_FILTERS, ONE_FILTERS, VERSION_FILTERS, DELETE_FILTERS] {
        if let Ok(q) = Query::parse(text, allowed) {
            assert!((1..=MAX_LIMIT).contains(&q.limit), "limit {}", q.limit);
            if let Some(c) = q.next {
                assert_eq!(Cursor::parse(&c.text()), Some(c));
            }
        }
    }
    if let Some(c) = Cursor::parse(text) {
        assert_eq!(Cursor::parse(&c.text()), Some(c));
    }
});
