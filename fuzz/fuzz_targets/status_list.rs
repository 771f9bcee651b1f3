//! Fuzz target: status list decoding (gzip + base64url, capped).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ler_status::StatusList::decode(s, 1 << 20);
});
