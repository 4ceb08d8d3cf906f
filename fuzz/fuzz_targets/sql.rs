#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| epiloglite_fuzz::bodies::sql(data));
