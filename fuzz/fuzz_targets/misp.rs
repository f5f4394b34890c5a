//! MISP events (as MISP and PyMISP write them) and MISP feed manifests.
#![no_main]

use cordon_core::Marking;
use cordon_interop::misp::feed::read_manifest;
use cordon_interop::misp::{ImportOptions, import_events};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = ImportOptions {
        country: "PH".into(),
        marking: Marking::default(),
    };
    let _ = import_events(text, &options);
    let _ = read_manifest(text);
});
