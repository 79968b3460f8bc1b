//! A real Redis Cluster: writes through a cluster client, a killed master failed
//! over to its replica, writes again, and the old master back as a replica.

use redis::cluster::ClusterClientBuilder;
use std::error::Error;
use std::time::{Duration, Instant};
use testkit::redis::{CLI, SERVER, info_field};
use testkit::redis_cluster::RedisCluster;

const KEYS: usize = 100;

#[test]
fn a_killed_master_is_failed_over_to_its_replica() -> Result<(), Box<dyn Error>> {
    testkit::require_binaries!(SERVER, CLI);
    let started = Instant::now();
    let mut cluster = RedisCluster::start()?;
    eprintln!("the cluster formed in {:?}", started.elapsed());

    let ports = cluster.ports();
    assert_eq!(ports.len(), 6);
    assert!(ports.iter().all(|port| *port <= 55_535), "{ports:?}");
    let masters = cluster.masters()?;
    assert_eq!(masters.len(), 3, "{masters:?}");
    let replicas: Vec<u16> = masters.iter().map(|m| cluster.replica_of(*m)).collect::<Result<_, _>>()?;
    assert!(replicas.iter().all(|r| !masters.contains(r)), "masters {masters:?}, replicas {replicas:?}");

    let client = ClusterClientBuilder::new(cluster.urls()).connection_timeout(Duration::from_secs(2)).build()?;
    let mut conn = client.get_connection()?;
    for i in 0..KEYS {
        redis::cmd("SET").arg(format!("key:{i}")).arg(i).exec(&mut conn)?;
    }
    drop(conn);

    let old = cluster.master_for_key("key:0")?;
    let replica = cluster.replica_of(old)?;
    wait_for_replication(old, replica)?;

    cluster.kill(old)?;
    let killed = Instant::now();
    let new = cluster.wait_for_failover(old, Duration::from_secs(30))?;
    eprintln!("failover of {old} to {new} took {:?}", killed.elapsed());

    assert_eq!(new, replica);
    assert_eq!(cluster.master_for_key("key:0")?, new);
    let masters = cluster.masters()?;
    assert_eq!(masters.len(), 3, "{masters:?}");
    assert!(masters.contains(&new) && !masters.contains(&old), "{masters:?}");
    for port in ports.iter().filter(|port| **port != old) {
        let info: String =
            redis::cmd("CLUSTER").arg("INFO").query(&mut redis::Client::open(url(*port))?.get_connection()?)?;
        assert_eq!(info_field(&info, "cluster_state").as_deref(), Some("ok"), "{port}");
    }

    // A new client reads every key (the replica had them all) and writes again.
    let mut conn = ClusterClientBuilder::new(cluster.urls()).build()?.get_connection()?;
    for i in 0..KEYS {
        let key = format!("key:{i}");
        let value: usize = redis::cmd("GET").arg(&key).query(&mut conn)?;
        assert_eq!(value, i, "{key}");
        redis::cmd("SET").arg(&key).arg(i + 1).exec(&mut conn)?;
    }

    // The old master comes back as a replica of the one that replaced it.
    let restarted = Instant::now();
    cluster.restart(old)?;
    eprintln!("{old} rejoined in {:?}", restarted.elapsed());
    assert_eq!(cluster.replica_of(new)?, old);
    assert_eq!(cluster.masters()?, masters);
    Ok(())
}

#[test]
fn a_node_that_serves_nothing_has_no_failover() -> Result<(), Box<dyn Error>> {
    testkit::require_binaries!(SERVER, CLI);
    let mut cluster = RedisCluster::start()?;
    let master = cluster.masters()?[0];
    let replica = cluster.replica_of(master)?;
    let error = cluster.wait_for_failover(replica, Duration::from_secs(1)).expect_err("a replica serves no slots");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{error}");

    // A killed replica is restarted as a replica again, of the same master.
    cluster.kill(replica)?;
    assert!(cluster.kill(1).is_err(), "no node has port 1");
    cluster.restart(replica)?;
    assert_eq!(cluster.replica_of(master)?, replica);
    assert_eq!(cluster.masters()?.len(), 3);
    Ok(())
}

fn url(port: u16) -> String {
    testkit::redis::url(port)
}

/// Waits until `replica` has every write its master acknowledged, so that the
/// failover loses none.
fn wait_for_replication(master: u16, replica: u16) -> Result<(), Box<dyn Error>> {
    let offset = |port: u16, field: &str| -> Result<Option<u64>, Box<dyn Error>> {
        let info: String =
            redis::cmd("INFO").arg("replication").query(&mut redis::Client::open(url(port))?.get_connection()?)?;
        Ok(info_field(&info, field).and_then(|v| v.parse().ok()))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let target = offset(master, "master_repl_offset")?;
    while offset(replica, "slave_repl_offset")? < target {
        assert!(Instant::now() < deadline, "{replica} did not catch up with {master}");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
