//! Any bytes as every JSON body the API takes, with the checks each gets before the
//! database: they must refuse, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sweep::api::check_bodies(data);
});
