//! Properties of the Lucene-subset parser on arbitrary text: never a panic,
//! errors inside the text, bounded nesting, and fast on short queries.
//!
//! The checks are the `lucene` fuzz target's own (`fuzz/src/lucene.rs`); here
//! proptest feeds them, and every input of the committed fuzz corpus is
//! replayed, so `cargo test` checks the same properties where the fuzzer does
//! not run.

// `checks` reaches the parser as `crate::search`, as it does in the fuzz crate.
use gatehouse_emulator::search;

#[path = "../../../fuzz/src/lucene.rs"]
mod checks;

use proptest::prelude::*;

/// Query-shaped text: fields, operators, brackets, quotes, escapes, wildcards.
fn query() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(
            &[
                "AND",
                "OR",
                "NOT",
                "TO",
                "&&",
                "||",
                "!",
                "-",
                "+",
                "(",
                ")",
                "[",
                "]",
                "{",
                "}",
                "\"",
                "\\",
                "*",
                "?",
                ":",
                "_exists_:",
                "*:*",
                "name:",
                "app_metadata.plan:",
                "logins_count:",
                "^",
                "~",
                " ",
                "  ",
                "\t",
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-z0-9.@|-]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn query_like_text_never_panics(q in query()) {
        checks::query_text(&q);
    }

    #[test]
    fn any_text_never_panics(q in "\\PC{0,120}") {
        checks::query_text(&q);
    }

    #[test]
    fn any_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..128)) {
        checks::lucene(&data);
    }
}

/// Deep nesting and long runs of operators stay fast and refused or bounded.
#[test]
fn hostile_shapes_are_fast() {
    for q in [
        "(".repeat(200) + "a" + &")".repeat(200),
        "NOT ".repeat(200) + "a",
        "-".repeat(500),
        "a:(".repeat(100),
        "*?".repeat(250),
        "[a TO ".repeat(80),
        "\\".repeat(250),
        "a OR ".repeat(100) + "b",
    ] {
        checks::query_text(&q);
    }
}

/// Every committed input of the `lucene` fuzz corpus.
#[test]
fn the_fuzz_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/lucene");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        assert!(std::panic::catch_unwind(|| checks::lucene(&data)).is_ok(), "{} fails", path.display());
    }
}
