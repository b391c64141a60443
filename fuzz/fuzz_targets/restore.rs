//! Any bytes as a restore file (an export, a legacy array, JSON lines): refused with the row
//! and field at fault, or read into rows that survive an export and a second read unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptctl::formats::export_v1 as export;
use promptctl::store::Snapshot;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(restore) = export::read(text, 1_700_000_000_000) else {
        return;
    };
    let snapshot = Snapshot {
        store_id: restore
            .store_id
            .clone()
            .unwrap_or_else(|| "fuzz".to_owned()),
        revision: restore.revision.unwrap_or(0),
        rows: restore.rows.clone(),
    };
    let again = export::read(&export::write(&snapshot), 0).expect("an export reads back");
    assert_eq!(again.rows, restore.rows);
});
