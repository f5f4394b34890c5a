//! GraphSense TagPacks (YAML) of known services' addresses.
#![no_main]

use cordon_finance::tags::tagpack::read_tagpack;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = read_tagpack(text);
    }
});
