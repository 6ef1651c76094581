//! Every operation: its success and each of its error cases (statuses and
//! error bodies are asserted inside the exercise).

use crate::exercise;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_succeeds_and_fails_as_auth0_does() {
    let exchanges = exercise::run().await;
    let covered = exercise::covered(&exchanges);
    let all = exercise::all_operations();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "operations never answered with a success: {missing:?}");
    let failures = exchanges.iter().filter(|e| e.status >= 400).count();
    println!("{} exchanges, {} operations covered, {} error answers", exchanges.len(), covered.len(), failures);
    // Every operation was also refused at least once.
    let refused: std::collections::BTreeSet<&str> =
        exchanges.iter().filter(|e| e.status >= 400).filter_map(|e| e.op).map(|o| o.name()).collect();
    let never_refused: Vec<_> = all.difference(&refused).collect();
    assert!(never_refused.is_empty(), "operations never refused: {never_refused:?}");
}
