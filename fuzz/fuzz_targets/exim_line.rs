#![no_main]
use libfuzzer_sys::fuzz_target;
fuzz_target!(|data: &[u8]| maillog421::fuzzing::exim_line(data));
