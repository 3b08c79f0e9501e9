use super::lock::{LockInfo, nonce, own_start};
use super::*;
use crate::gui::files::tests::data;
use crate::gui::files::{default_example, empty_scenario};
use std::time::Duration;

fn claim(store: &Store, path: Option<&Path>) -> Slot {
    match store.claim(path) {
        Ok(Some(slot)) => slot,
        other => panic!("{other:?}"),
    }
}

/// A lock of a process that does not exist (no pid is that large), last touched an hour ago.
fn dead_lock(lock: &Path) {
    let info = LockInfo { pid: 0x7fff_fff0, start: Some(1), nonce: 7, token: 1 };
    std::fs::write(lock, serde_json::to_vec(&info).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let f = std::fs::OpenOptions::new().write(true).open(lock).unwrap_or_else(|e| panic!("{e}"));
    f.set_modified(hour_ago).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn each_document_has_its_own_recovery_file_and_a_clean_exit_removes_only_its_own() {
    let dir = data("own");
    let store = Store::new(Some(dir.clone()));
    let (s, _) = default_example();
    let a_file = dir.join("a.ron");
    std::fs::write(&a_file, "").unwrap_or_else(|e| panic!("{e}"));
    let mut a = claim(&store, Some(&a_file));
    let mut b = claim(&store, None);
    assert_ne!(a.file(), b.file());
    assert!(a.lock_file().exists() && b.lock_file().exists());
    a.write(&s).unwrap_or_else(|e| panic!("{e}"));
    b.write(&s).unwrap_or_else(|e| panic!("{e}"));
    // Both are owned by live windows: nothing to offer.
    assert!(store.orphans().offers.is_empty());
    // b exits cleanly; a is killed (dropped without releasing).
    b.release();
    let a_data = a.file();
    drop(a);
    assert!(a_data.exists());
    let scan = store.orphans();
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    assert_eq!(scan.offers.len(), 1);
    let rec = &scan.offers[0];
    assert_eq!(rec.scenario, s);
    assert_eq!(rec.path.as_deref(), Some(document_path(&a_file).as_path()));
    assert!(rec.path.as_deref().is_some_and(Path::is_absolute));
    assert_eq!(rec.document(), document_path(&a_file).display().to_string());
    assert!(now_utc().0 - rec.saved_at.0 < 60);
    // A new window on the same file does not take the work waiting for the user.
    let c = claim(&store, Some(&a_file));
    assert_ne!(c.file(), rec.file);
    // Restoring takes its lock over: it is no longer offered, and cannot be adopted twice.
    let adopted = store.adopt(rec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(adopted.file(), rec.file);
    assert!(store.orphans().offers.is_empty());
    assert!(store.adopt(rec).is_err());
    adopted.release();
    assert!(!rec.file.exists());
    c.release();
    assert_eq!(std::fs::read_dir(store.recovery_dir().unwrap_or_default()).map(|d| d.count()).ok(), Some(0));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_stale_lock_is_taken_over_and_a_live_one_is_not() {
    let dir = data("stale");
    let store = Store::new(Some(dir.clone()));
    let file = dir.join("x.ron");
    let first = claim(&store, Some(&file));
    let lock = first.lock_file();
    // Another live window has it: a second claim gets another name.
    let second = claim(&store, Some(&file));
    assert_ne!(second.lock_file(), lock);
    second.release();
    first.release();
    // A lock whose process is gone, with no work: taken over under the document's own name.
    dead_lock(&lock);
    let taken = claim(&store, Some(&file));
    assert_eq!(taken.lock_file(), lock);
    assert!(!taken.is_lost());
    drop(taken);
    // An earlier process that had this process's pid: stale too.
    let info = LockInfo { pid: std::process::id(), start: own_start(), nonce: nonce() ^ 2, token: 1 };
    let bytes = serde_json::to_vec(&info).unwrap_or_default();
    assert!(!lock_is_live(&bytes, Some(SystemTime::now()), SystemTime::now()));
    // Stale locks without work are removed by the scan at start.
    assert!(lock.exists());
    assert!(store.orphans().offers.is_empty());
    assert!(!lock.exists());
    // Unsaved work under a dead lock is offered, and adopting it takes the lock over.
    let mut w = claim(&store, Some(&file));
    w.write(&empty_scenario()).unwrap_or_else(|e| panic!("{e}"));
    let lock = w.lock_file();
    drop(w);
    dead_lock(&lock);
    let scan = store.orphans();
    assert_eq!(scan.offers.len(), 1);
    let slot = store.adopt(&scan.offers[0]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!slot.is_lost() && slot.is_written());
    slot.release();
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_window_whose_lock_was_taken_over_knows_it() {
    let dir = data("lost");
    let store = Store::new(Some(dir.clone()));
    let mut slot = claim(&store, None);
    dead_lock(&slot.lock_file());
    assert!(slot.is_lost());
    assert!(slot.write(&empty_scenario()).is_err());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_corrupt_recovery_file_is_set_aside_with_a_message() {
    let dir = data("corrupt");
    let store = Store::new(Some(dir.clone()));
    let rec = dir.join("recovery");
    std::fs::create_dir_all(&rec).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(rec.join("doc-0123.ron"), "Recovery(format: 1, path: Some(\"/x.ron\"), saved_at: ")
        .unwrap_or_else(|e| panic!("{e}"));
    // A relative path is refused: the work would be bound to whatever directory the app is in.
    let mut w = claim(&store, None);
    let text =
        recovery_text(Some(Path::new("x.ron")), now_utc(), None, &empty_scenario()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(rec.join("doc-4567.ron"), text).unwrap_or_else(|e| panic!("{e}"));
    w.write(&empty_scenario()).unwrap_or_else(|e| panic!("{e}"));
    let scan = store.orphans();
    assert!(scan.offers.is_empty(), "{:?}", scan.offers);
    assert_eq!(scan.problems.len(), 2, "{:?}", scan.problems);
    assert!(scan.problems.iter().all(|p| p.contains("could not be read")), "{:?}", scan.problems);
    assert!(scan.problems.iter().any(|p| p.contains("not absolute")), "{:?}", scan.problems);
    assert!(rec.join("doc-0123.ron.corrupt").exists());
    // Set aside: not reported again.
    assert!(store.orphans().problems.is_empty());
    drop(w);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_recovery_file_of_an_earlier_version_is_offered_untitled() {
    let dir = data("legacy");
    let store = Store::new(Some(dir.clone()));
    let (s, _) = default_example();
    load::save(&s, &dir.join("recovery.ron")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("recovery-path.txt"), "scenarios/x.ron").unwrap_or_else(|e| panic!("{e}"));
    let scan = store.orphans();
    assert_eq!(scan.offers.len(), 1, "{:?}", scan.problems);
    let rec = &scan.offers[0];
    assert_eq!((rec.path.as_ref(), &rec.scenario), (None, &s));
    assert!(rec.note.as_deref().is_some_and(|n| n.contains("scenarios/x.ron")), "{:?}", rec.note);
    assert!(!dir.join("recovery.ron").exists() && !dir.join("recovery-path.txt").exists());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_hash_naming_a_document_does_not_change() {
    assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
}
