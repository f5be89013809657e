//! The beacon line reader behind `maestro-gate report-summary`
//! (`report::Summary`, as `crates/node`'s `report_summary` calls it). The
//! input is a file of lines. Checks: nothing panics or hangs (libFuzzer's
//! timeout); every line is counted once, as a report or as skipped; the
//! decisions add up to the reports, and so do the events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_gate::report::is_name;
use maestro_gate_fuzz::report_summary;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let summary = report_summary(&text);
    assert_eq!(summary.reports + summary.skipped, text.lines().count() as u64);
    let decisions = summary.decisions();
    assert_eq!(decisions.iter().map(|d| d.2).sum::<u64>(), summary.reports);
    assert_eq!(summary.events().iter().map(|e| e.1).sum::<u64>(), summary.reports);
    assert!(decisions.iter().all(|d| is_name(d.1)));
    let printed = summary.text();
    assert!(printed.starts_with("reports: "));
});
