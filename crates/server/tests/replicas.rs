//! Two replicas on one PostgreSQL database sharing events over NATS
//! JetStream: a report accepted by replica A raises the alert for a
//! subscriber connected to replica B, and B's hit index follows; B restarts
//! while A keeps accepting, and B's subscriber, resuming with
//! `Last-Event-ID`, counts every alert exactly once.
//!
//! Both replicas poll the store only once an hour here, so everything B
//! learns in time comes over the bus. Needs PostgreSQL and NATS; under
//! `CORDON_REQUIRE_SERVICES=1` a missing one fails the test.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use cordon_server::Config;
use cordon_server::bus::BusConfig;
use serde_json::{Value, json};

use common::{A, Backend, R, Stream, World, test_config, who};

fn report(id: &str, selectors: &[&str]) -> Value {
    json!({
        "id": id, "kind": "fraud_complaint", "country": "KH",
        "marking": {"tlp": "GREEN"},
        "narrative": format!("report {id}"), "selectors": selectors,
    })
}

fn replica_config(stream: &str, replica: &str, nats: &str) -> Config {
    Config {
        // Only the bus carries events between the replicas in this test.
        tail_every: Duration::from_secs(3600),
        bus: Some(BusConfig {
            url: nats.to_owned(),
            stream: stream.to_owned(),
            replica: replica.to_owned(),
        }),
        ..test_config()
    }
}

/// Reads `n` alerts (or fewer, within `wait`), counting each event id.
async fn collect(stream: &mut Stream, n: usize, wait: Duration, seen: &mut BTreeMap<String, u32>) {
    let deadline = tokio::time::Instant::now() + wait;
    for _ in 0..n {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some((id, _)) = stream.next(left).await else {
            return;
        };
        *seen.entry(id).or_default() += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_share_alerts_over_the_bus_across_a_restart() {
    let Some(nats) = cordon_testkit::nats_url() else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let stream_name = format!("CORDON_TEST_{}_{nanos}", std::process::id());
    let Some(mut a) =
        World::start(Backend::Postgres, replica_config(&stream_name, "a", &nats)).await
    else {
        return;
    };
    let mut b = a.replica(replica_config(&stream_name, "b", &nats)).await;
    assert_eq!(
        a.running().state.bus.state(),
        cordon_server::bus::BusState::Joined
    );

    let r = who(R, "analyst");
    let phone = "+855 12 777 001";
    // The watch is kept on A: B learns of it because A announces its
    // decisions on the bus (B polls the log only hourly here).
    a.post_json(
        Some(&r),
        "/api/v1/watches",
        &json!({"name": "across replicas", "selectors": [phone]}),
    )
    .await
    .expect(201);
    common::eventually(Duration::from_secs(5), "b knows a's watch", &mut || {
        let (b, r) = (&b, &r);
        async move {
            let listed = b.get(Some(r), "/api/v1/watches").await.expect(200);
            (listed["watches"].as_array().map(Vec::len) == Some(1)).then_some(())
        }
    })
    .await;

    // Live: accepted by A, alerted on B.
    let mut seen = BTreeMap::new();
    let mut stream = Stream::open(&b, &r, None).await;
    let first = 20;
    for i in 0..first {
        a.submit(
            &who(A, "analyst"),
            &json!([report(&format!("live-{i}"), &[phone])]),
        )
        .await;
    }
    collect(&mut stream, first, Duration::from_secs(10), &mut seen).await;
    assert_eq!(
        seen.len(),
        first,
        "every live alert arrives on the other replica"
    );
    // B's hit index followed too.
    let hits = b
        .get_query(Some(&r), "/api/v1/hits", &[("selector", phone)])
        .await
        .expect(200);
    assert_eq!(
        hits["readable"].as_array().map(Vec::len),
        Some(first),
        "{hits}"
    );
    let last_id = seen
        .keys()
        .max_by_key(|k| k.parse::<i64>().unwrap())
        .unwrap()
        .clone();
    drop(stream);

    // B goes away (promptly: no task of its outlives it holding its
    // state, which would hold up its audit log); A keeps accepting.
    tokio::time::timeout(Duration::from_secs(10), b.stop())
        .await
        .expect("b stops within 10 s");
    let away = 15;
    for i in 0..away {
        a.submit(
            &who(A, "analyst"),
            &json!([report(&format!("away-{i}"), &[phone])]),
        )
        .await;
    }
    // B comes back under the same name and resumes.
    let b_config = replica_config(&stream_name, "b", &nats);
    let mut b = World::serve(b.store.clone(), b.key.clone(), b.tokens.clone(), b_config).await;
    b.ready().await;
    let mut stream = Stream::open(&b, &r, Some(&last_id)).await;
    collect(&mut stream, away, Duration::from_secs(10), &mut seen).await;
    // And more arrive live after the restart.
    let after = 10;
    for i in 0..after {
        a.submit(
            &who(A, "analyst"),
            &json!([report(&format!("after-{i}"), &[phone])]),
        )
        .await;
    }
    collect(&mut stream, after, Duration::from_secs(10), &mut seen).await;
    // Nothing more comes.
    collect(&mut stream, 1, Duration::from_millis(500), &mut seen).await;

    let total = first + away + after;
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "alerts received twice: {twice:?}");
    assert_eq!(
        seen.len(),
        total,
        "every alert exactly once across the restart"
    );
    let hits = b
        .get_query(Some(&r), "/api/v1/hits", &[("selector", phone)])
        .await
        .expect(200);
    assert_eq!(
        hits["readable"].as_array().map(Vec::len),
        Some(total),
        "{hits}"
    );

    // B's consumer read everything announced while it was away.
    let client = async_nats::connect(nats.as_str())
        .await
        .expect("nats connects");
    let js = async_nats::jetstream::new(client);
    let consumer: async_nats::jetstream::consumer::PullConsumer = js
        .get_consumer_from_stream("replica-b", &stream_name)
        .await
        .expect("b's durable consumer exists");
    let pending = common::eventually(Duration::from_secs(10), "b's consumer drains", &mut || {
        let consumer = &consumer;
        async move {
            let info = consumer.get_info().await.expect("consumer info");
            (info.num_pending == 0 && info.num_ack_pending == 0)
                .then_some(info.delivered.stream_sequence)
        }
    })
    .await;
    assert!(
        pending >= total as u64,
        "b was delivered every announcement"
    );

    b.stop().await;
    a.stop().await;
    js.delete_stream(&stream_name)
        .await
        .expect("the test stream goes");
}
