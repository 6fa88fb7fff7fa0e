//! Presence: `FleetClient::instances()` lists every running instance, by the name it was given
//! (`FEATURE_FLAGS_ETCD_INSTANCE`), with its process id and the revision it has applied.

use std::time::{Duration, Instant};

use crate::support::{Fleet, Instance, WAIT};

#[test]
fn each_running_instance_is_listed_with_its_applied_revision() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let mut instances: Vec<Instance> = (1..=3)
        .map(|i| Instance::start(&format!("presence-{i}"), &fleet.endpoint(), None))
        .collect();
    fleet.put("fast_search", "default = true");
    let revision = fleet.put("dark_mode", "default = false");
    for instance in &mut instances {
        instance.wait_for(revision);
    }

    // Presence writes are coalesced: poll until every instance reports the revision.
    let deadline = Instant::now() + WAIT;
    let listed = loop {
        let listed = fleet.instances();
        let current = instances.iter().all(|instance| {
            listed
                .iter()
                .any(|p| p.instance == instance.name && p.revision == revision)
        });
        if current {
            break listed;
        }
        assert!(
            Instant::now() < deadline,
            "not every instance listed at revision {revision}: {listed:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(listed.len(), 3, "{listed:#?}");
    for instance in &instances {
        let presence = listed
            .iter()
            .find(|p| p.instance == instance.name)
            .expect("listed");
        assert_eq!(presence.pid, instance.pid(), "{presence:?}");
        assert!(presence.started_at > 0, "{presence:?}");
    }
    eprintln!("listed: {listed:?}");
}
