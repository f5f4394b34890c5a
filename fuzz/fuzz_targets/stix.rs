//! STIX 2.1 bundles (`cordon import`) and TAXII envelopes (POST to a
//! collection), from any tool.
#![no_main]

use cordon_core::Marking;
use cordon_interop::stix::{ImportOptions, import_bundle, import_envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = ImportOptions {
        country: "TH".into(),
        marking: Marking::default(),
    };
    let _ = import_bundle(text, &options);
    let _ = import_envelope(text, &options);
});
