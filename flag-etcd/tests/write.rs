//! FleetClient: compare-and-swap writes, audit records and history.

mod common;

use std::time::Duration;

use common::*;
use flag_etcd::testing::Etcd;
use flag_etcd::{AuditInfo, Error, FleetClient, Write, WriteOutcome};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_racing_on_one_key_one_accepted_one_refused_and_history_shows_both() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let config = config(&etcd.endpoint());
    let mut alice = FleetClient::connect(&config).await.unwrap();
    let mut bob = FleetClient::connect(&config).await.unwrap();

    // Create only if absent.
    let created = alice
        .write(
            vec![Write::put("new_ui", "default = false").if_revision(0)],
            AuditInfo::new("alice", "create"),
        )
        .await
        .unwrap();
    let WriteOutcome::Accepted { revision: r0 } = created else {
        panic!("{created:?}");
    };
    assert_eq!(
        alice.get("new_ui").await.unwrap(),
        Some(entry("new_ui", "default = false", r0))
    );

    // Both read r0 and race.
    let (a, b) = tokio::join!(
        alice.write(
            vec![Write::put("new_ui", "default = true").if_revision(r0)],
            AuditInfo::new("alice", "launch")
        ),
        bob.write(
            vec![Write::delete("new_ui").if_revision(r0)],
            AuditInfo::new("bob", "rollback")
        ),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        [a.is_accepted(), b.is_accepted()]
            .iter()
            .filter(|x| **x)
            .count(),
        1,
        "{a:?} {b:?}"
    );
    let (winner, accepted_rev, refused) = if a.is_accepted() {
        ("alice", a.revision(), b)
    } else {
        ("bob", b.revision(), a)
    };
    let WriteOutcome::Refused {
        revision: refused_rev,
        current,
    } = &refused
    else {
        panic!("{refused:?}");
    };
    let now = alice.get("new_ui").await.unwrap();
    assert_eq!(
        current,
        &vec![("new_ui".to_owned(), now.clone())],
        "the refusal says what is there now"
    );
    if winner == "alice" {
        assert_eq!(now, Some(entry("new_ui", "default = true", accepted_rev)));
    } else {
        assert_eq!(now, None);
    }

    let history = alice.history("new_ui").await.unwrap();
    assert_eq!(history.len(), 3, "{history:#?}");
    assert_eq!(
        (
            history[0].actor.as_str(),
            history[0].outcome.as_str(),
            history[0].old.as_deref(),
            history[0].new.as_deref()
        ),
        ("alice", "accepted", None, Some("default = false"))
    );
    assert_eq!(history[0].revision, r0);
    assert_eq!(history[0].expected_revision, Some(0));
    assert_eq!(history[0].reason, "create");
    let accepted = history
        .iter()
        .find(|r| r.outcome == "accepted" && r.revision == accepted_rev)
        .unwrap();
    let refused_record = history.iter().find(|r| r.outcome == "refused").unwrap();
    assert_eq!(accepted.actor, winner);
    assert_eq!(accepted.old.as_deref(), Some("default = false"));
    assert_eq!(accepted.expected_revision, Some(r0));
    assert_ne!(refused_record.actor, winner);
    assert_eq!(refused_record.revision, *refused_rev);
    assert_eq!(refused_record.expected_revision, Some(r0));
    assert_eq!(
        refused_record.old,
        now.map(|e| e.value),
        "a refusal records what was there"
    );
    assert_eq!(
        refused_record.reason,
        if winner == "alice" {
            "rollback"
        } else {
            "launch"
        }
    );
    assert!(
        history.windows(2).all(|w| w[0].revision < w[1].revision),
        "oldest first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconditional_writes_racing_are_all_accepted_and_each_records_exactly_what_it_replaced() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let config = config(&etcd.endpoint());
    let writer = |who: &'static str| {
        let config = config.clone();
        tokio::spawn(async move {
            let mut client = FleetClient::connect(&config).await.unwrap();
            for i in 0..15 {
                let outcome = client
                    .write(
                        vec![Write::put("k", format!("{who}-{i}"))],
                        AuditInfo::new(who, "race"),
                    )
                    .await
                    .unwrap();
                assert!(outcome.is_accepted(), "{outcome:?}");
            }
        })
    };
    let (x, y) = tokio::join!(writer("x"), writer("y"));
    x.unwrap();
    y.unwrap();
    let mut client = FleetClient::connect(&config).await.unwrap();
    let history = client.history("k").await.unwrap();
    assert_eq!(history.len(), 30);
    assert_eq!(history[0].old, None);
    for pair in history.windows(2) {
        assert_eq!(
            pair[1].old, pair[0].new,
            "each write replaced the one before it: {pair:#?}"
        );
    }
    let last = client.get("k").await.unwrap().unwrap();
    assert_eq!(Some(last.value), history[29].new);
    assert_eq!(last.mod_revision, history[29].revision);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_key_write_is_all_or_nothing() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut client = FleetClient::connect(&config(&etcd.endpoint()))
        .await
        .unwrap();
    let audit = || AuditInfo::new("ops", "batch");
    let ok = client
        .write(vec![Write::put("a", "1"), Write::put("b", "1")], audit())
        .await
        .unwrap();
    let r = ok.revision();
    // b's expectation is stale: neither a nor b changes, both are recorded as refused.
    let refused = client
        .write(
            vec![
                Write::put("a", "2").if_revision(r),
                Write::delete("b").if_revision(r - 1),
            ],
            audit(),
        )
        .await
        .unwrap();
    let WriteOutcome::Refused { current, .. } = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(
        current,
        vec![
            ("a".into(), Some(entry("a", "1", r))),
            ("b".into(), Some(entry("b", "1", r)))
        ]
    );
    let (_, entries) = client.list().await.unwrap();
    assert_eq!(entries, vec![entry("a", "1", r), entry("b", "1", r)]);
    for name in ["a", "b"] {
        let outcomes: Vec<String> = client
            .history(name)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.outcome)
            .collect();
        assert_eq!(outcomes, ["accepted", "refused"]);
    }
    // The audit records are outside the prefix: list() does not see them.
    assert_eq!(client.list().await.unwrap().1.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_writes_are_refused_before_any_request() {
    flag_etcd::require_etcd!();
    let etcd = Etcd::start().unwrap();
    let mut client = FleetClient::connect(&config(&etcd.endpoint()))
        .await
        .unwrap();
    let audit = || AuditInfo::new("ops", "bad");
    for writes in [
        vec![],
        vec![Write::put("", "x")],
        vec![Write::put("a/b", "x")],
        vec![Write::put("a", "x"), Write::delete("a")],
        (0..65).map(|i| Write::put(format!("f{i}"), "x")).collect(),
    ] {
        let err = client.write(writes, audit()).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    }
    assert!(client.list().await.unwrap().1.is_empty());
    // 64 writes fit in one transaction.
    let many = client
        .write(
            (0..64).map(|i| Write::put(format!("f{i}"), "x")).collect(),
            audit(),
        )
        .await
        .unwrap();
    assert!(many.is_accepted());
    assert_eq!(client.list().await.unwrap().1.len(), 64);
    tokio::time::timeout(Duration::from_secs(5), client.compact(many.revision()))
        .await
        .unwrap()
        .unwrap();
    let err = client.compact(many.revision() + 100).await.unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err}");
}
