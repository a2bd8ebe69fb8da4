#![no_main]

use libfuzzer_sys::fuzz_target;
use taskscope_fuzz::Target;

fuzz_target!(|data: &[u8]| {
    Target::Compact.run(data);
});
