//! Any bytes as a saved plan: refused with a reason, or read into a plan that writes back
//! and reads again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptctl::formats::saved_plan_v1 as file;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(saved) = file::read(text) else {
        return;
    };
    let written = file::write(&saved.plan, saved.cost.as_ref(), saved.created_at);
    let again = file::read(&written).expect("a written plan reads back");
    assert_eq!(again.plan, saved.plan);
});
