//! Where a [`RetryingConnection`](super::RetryingConnection) connects: one
//! server, the master a set of sentinels names, or a cluster.

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelServerType};
use redis::{AsyncConnectionConfig, Client, Cmd, IntoConnectionInfo, Pipeline, RedisResult, Value};
use std::time::Duration;

/// Where a [`RetryingConnection`](super::RetryingConnection) connects, and how
/// many times it starts over from scratch when its policy gives up.
///
/// - [`standalone`](Target::standalone): one server (a `redis::Client`).
/// - [`sentinel`](Target::sentinel): the master the sentinels name, asked again
///   at every reconnect, so that writes follow a failover.
/// - [`cluster`](Target::cluster): a Redis Cluster; the topology is read again
///   at every refresh.
///
/// ```
/// use retry_core::redis::Target;
///
/// let target = Target::standalone(redis::Client::open("redis://127.0.0.1:6379/")?);
/// assert_eq!(target.max_refreshes(), 0);
/// let cluster = Target::cluster(redis::cluster::ClusterClientBuilder::new(["redis://127.0.0.1:7000/"]))?;
/// assert_eq!(cluster.max_refreshes(), 3, "valkey's cluster_error_retry_attempts");
/// # Ok::<(), redis::RedisError>(())
/// ```
pub struct Target {
    pub(crate) kind: Kind,
    refreshes: u32,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
}

/// Makes a sentinel client afresh for each connection: asking the sentinels is
/// what a reconnect is for, and a fresh client needs no lock shared by tasks.
type MakeSentinelClient = Box<dyn Fn() -> RedisResult<SentinelClient> + Send + Sync>;

pub(crate) enum Kind {
    Standalone(Client),
    Sentinel(MakeSentinelClient),
    Cluster(Box<ClusterClient>),
}

/// redis-rs's defaults: 1 s to connect, 500 ms for a reply.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);

impl Target {
    /// One server. No refresh cycles: a reconnect before each retry is all a
    /// restart needs.
    #[must_use]
    pub fn standalone(client: Client) -> Self {
        Target::of(Kind::Standalone(client), 0)
    }

    fn of(kind: Kind, refreshes: u32) -> Self {
        Target { kind, refreshes, connect_timeout: Some(CONNECT_TIMEOUT), response_timeout: Some(RESPONSE_TIMEOUT) }
    }

    /// The master that the sentinels at `sentinels` name for `service`. Every
    /// reconnect (after a broken connection, a `READONLY` from a demoted master,
    /// a refresh) asks them again.
    ///
    /// ```
    /// use retry_core::redis::Target;
    ///
    /// let target = Target::sentinel(vec!["redis://127.0.0.1:26379/"], "mymaster")?.refreshes(2);
    /// assert_eq!(target.max_refreshes(), 2);
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// If an address is not a valid Redis URL, or the list is empty.
    pub fn sentinel<T: IntoConnectionInfo + Clone + Send + Sync + 'static>(
        sentinels: Vec<T>,
        service: &str,
    ) -> RedisResult<Self> {
        let service = service.to_owned();
        Self::sentinel_with(move || {
            SentinelClient::build(sentinels.clone(), service.clone(), None, SentinelServerType::Master)
        })
    }

    /// The master a sentinel client from `make` finds: for sentinels that need
    /// TLS or credentials. `make` runs at every reconnect.
    ///
    /// # Errors
    ///
    /// The error of a first call to `make`, which checks the settings.
    pub fn sentinel_with(make: impl Fn() -> RedisResult<SentinelClient> + Send + Sync + 'static) -> RedisResult<Self> {
        make()?;
        Ok(Target::of(Kind::Sentinel(Box::new(make)), 0))
    }

    /// A Redis Cluster, from a builder of its client. The builder's own retries
    /// are set to 0: redis-rs would otherwise send a command again after a lost
    /// reply whatever the command; the policy retries instead, and only what is
    /// safe. `MOVED` replies still make redis-rs re-read the slots. Three refresh
    /// cycles by default, as valkey's `cluster_error_retry_attempts`.
    ///
    /// # Errors
    ///
    /// The error of [`ClusterClientBuilder::build`], which connects to nothing:
    /// initial nodes that do not parse, or that differ in password or username.
    pub fn cluster(builder: ClusterClientBuilder) -> RedisResult<Self> {
        Ok(Target::of(Kind::Cluster(Box::new(builder.retries(0).build()?)), 3))
    }

    /// How long to wait for a connection, and for a reply, for a standalone or
    /// Sentinel target (`None`: no limit); a cluster takes its own from its
    /// builder. redis-rs's defaults: 1 s and 500 ms. A reply that does not come
    /// in time is a failure that may have been applied.
    ///
    /// ```
    /// use retry_core::redis::Target;
    /// use std::time::Duration;
    ///
    /// let client = redis::Client::open("redis://127.0.0.1/")?;
    /// let target = Target::standalone(client).timeouts(Some(Duration::from_millis(200)), Some(Duration::from_secs(2)));
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    #[must_use]
    pub fn timeouts(self, connect: Option<Duration>, response: Option<Duration>) -> Self {
        Target { connect_timeout: connect, response_timeout: response, ..self }
    }

    /// How many times a command starts over when the policy gives up on a
    /// retryable error: the connection is dropped (the next attempt reconnects,
    /// asks the sentinels again, reads the cluster's topology again) and a new
    /// cycle of the policy begins. valkey's `cluster_error_retry_attempts`: `n`
    /// cycles after the first, so `0` means one cycle and no refresh.
    #[must_use]
    pub fn refreshes(self, n: u32) -> Self {
        Target { refreshes: n, ..self }
    }

    /// The refresh cycles after the first (see [`refreshes`](Self::refreshes)).
    #[must_use]
    pub fn max_refreshes(&self) -> u32 {
        self.refreshes
    }

    /// The database a standalone client selects; 0 for the others (a Sentinel
    /// client's database is inside it, and a cluster has only database 0).
    pub(crate) fn db(&self) -> i64 {
        match &self.kind {
            Kind::Standalone(client) => client.get_connection_info().redis_settings().db(),
            Kind::Sentinel(_) | Kind::Cluster(_) => 0,
        }
    }

    fn async_config(&self) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(self.connect_timeout)
            .set_response_timeout(self.response_timeout)
    }

    pub(crate) async fn connect(&self) -> RedisResult<Connection> {
        match &self.kind {
            Kind::Standalone(client) => {
                client.get_multiplexed_async_connection_with_config(&self.async_config()).await.map(Connection::Single)
            }
            Kind::Sentinel(make) => {
                make()?.get_async_connection_with_config(&self.async_config()).await.map(Connection::Single)
            }
            Kind::Cluster(client) => client.get_async_connection().await.map(Connection::Cluster),
        }
    }

    pub(crate) fn connect_blocking(&self) -> RedisResult<BlockingConnection> {
        let single = |connection: redis::Connection| -> RedisResult<BlockingConnection> {
            connection.set_read_timeout(self.response_timeout)?;
            connection.set_write_timeout(self.response_timeout)?;
            Ok(BlockingConnection::Single(connection))
        };
        match &self.kind {
            Kind::Standalone(client) => single(match self.connect_timeout {
                Some(timeout) => client.get_connection_with_timeout(timeout)?,
                None => client.get_connection()?,
            }),
            Kind::Sentinel(make) => single(make()?.get_connection()?),
            Kind::Cluster(client) => Ok(BlockingConnection::Cluster(Box::new(client.get_connection()?))),
        }
    }
}

impl From<Client> for Target {
    fn from(client: Client) -> Self {
        Target::standalone(client)
    }
}

/// One live connection of a target; cheap to clone (each is a handle on a
/// multiplexed connection).
#[derive(Clone)]
pub(crate) enum Connection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Connection {
    /// Sends `cmd`. A standalone connection's own `async fn`, not the boxed
    /// future of its `ConnectionLike`: one allocation less per command.
    pub(crate) async fn command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        match self {
            Connection::Single(conn) => conn.send_packed_command(cmd).await,
            Connection::Cluster(conn) => conn.req_packed_command(cmd).await,
        }
    }

    /// Sends `count` commands of `pipeline` from `offset`.
    pub(crate) async fn commands(
        &mut self,
        pipeline: &Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        match self {
            Connection::Single(conn) => conn.send_packed_commands(pipeline, offset, count).await,
            Connection::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count).await,
        }
    }
}

/// One live blocking connection of a target.
pub(crate) enum BlockingConnection {
    Single(redis::Connection),
    Cluster(Box<redis::cluster::ClusterConnection>),
}

impl BlockingConnection {
    pub(crate) fn get(&mut self) -> &mut dyn redis::ConnectionLike {
        match self {
            BlockingConnection::Single(connection) => connection,
            BlockingConnection::Cluster(connection) => &mut **connection,
        }
    }
}
