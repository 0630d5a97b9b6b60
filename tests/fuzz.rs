//! Fuzzing the untrusted-input readers on the stable toolchain: the corpus
//! in `tests/fuzz/corpus/` (real panel answers and odd shapes), then
//! generated mutations of it, through every JSON reader of the core.
//!
//! Each reader must never panic, and a document must read the same from
//! its text and from its parsed tree (the path other serde sources take).
//! `VFSTOCK_FUZZ_CASES` sets the number of mutations (CI runs the default;
//! raise it for a longer session). The PHP-value reader is fuzzed the same
//! way from PHP (tests/php/CapacityRevisionTest.php).
//!
//! Run: `cargo test --release --no-default-features --test fuzz`.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::Deserialize;
use vfstock::core::fit::Buffer;
use vfstock::core::group::{group_capacity, Ipv4Need, Ipv4Pool};
use vfstock::core::hypervisor::{Hypervisor, Needs};
use vfstock::core::input::{
    package_from, package_from_json, resources_from, resources_from_json, FootprintDoc, Obj,
    ProductRow,
};

fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the corpus folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    let out: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("a corpus file"))
        .collect();
    assert!(out.len() >= 5, "the corpus is checked in");
    out
}

/// Every reader over one input; panics are the failure.
fn read_all(bytes: &[u8]) {
    let package = package_from_json(bytes);
    let page = resources_from_json(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let _ = Obj::<ProductRow>::deserialize(&mut de);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let _ = Obj::<FootprintDoc>::deserialize(&mut de);

    // The same document as a parsed tree reads alike.
    if let Ok(tree) = serde_json::from_slice::<serde_json::Value>(bytes) {
        assert_eq!(
            package_from(&tree).ok(),
            package.clone().ok(),
            "package from text vs tree"
        );
        assert_eq!(
            resources_from(&tree).ok(),
            page.clone().ok(),
            "resources from text vs tree"
        );
    }
    if let (Ok(p), Ok(page)) = (package, page) {
        let hvs: Vec<Hypervisor> = page.data.into_items();
        for pool in [Ipv4Pool::Group, Ipv4Pool::Hypervisor] {
            let g = group_capacity(
                &hvs,
                &Needs::of(&p, Ipv4Need::ONE, Buffer::DEFAULT),
                pool,
                None,
            );
            assert!(g.rows.len() == hvs.len());
        }
    }
}

#[test]
fn the_corpus_reads_without_panic() {
    for doc in corpus() {
        read_all(&doc);
    }
}

/// One edit of a document: a byte changed, inserted or removed, a slice
/// duplicated, or a token from JSON's alphabet spliced in.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, &'static str),
    Remove(usize, usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "null",
        "true",
        "1e400",
        "-0",
        "\"0\"",
        "{}",
        "[]",
        "\"max\"",
        "\"free\"",
        "\"data\"",
        "\"servers\"",
        "9223372036854775808",
        "\\u0000",
        "1.5",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), tokens).prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<usize>(), 0usize..16).prop_map(|(i, n)| Edit::Remove(i, n)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn apply(doc: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut d = doc.to_vec();
    for e in edits {
        let len = d.len().max(1);
        match *e {
            Edit::Set(i, b) if !d.is_empty() => d[i % len] = b,
            Edit::Insert(i, t) => {
                let at = i % (d.len() + 1);
                d.splice(at..at, t.bytes());
            }
            Edit::Remove(i, n) if !d.is_empty() => {
                let at = i % len;
                let end = (at + n).min(d.len());
                d.drain(at..end);
            }
            Edit::Duplicate(i, n) if !d.is_empty() => {
                let at = i % len;
                let end = (at + n).min(d.len());
                let slice: Vec<u8> = d[at..end].to_vec();
                d.splice(at..at, slice);
            }
            _ => {}
        }
    }
    d
}

#[test]
fn mutations_of_the_corpus_never_panic_and_read_alike() {
    let cases: u32 = std::env::var("VFSTOCK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let docs = corpus();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..docs.len(), prop::collection::vec(edit(), 1..8));
    runner
        .run(&strategy, |(which, edits)| {
            read_all(&apply(&docs[which], &edits));
            Ok(())
        })
        .unwrap();
}
