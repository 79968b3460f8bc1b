//! Table 7: the cost of the retrying Redis connection. 100,000 `GET`s through
//! redis-rs's bare multiplexed connection and 100,000 through
//! `retry_core::redis::RetryingConnection`, on the same loopback redis-server,
//! one at a time, alternating (bare, retrying, bare, ..) so that both see the
//! same machine. Prints each total, the mean and median `GET`, and the
//! difference of the totals. The target: at most 2 % more.
//!
//! `cargo run -p retry-benches --release --bin redis_cost` (needs redis-server).
//!
//! Time on loopback is noisy on a busy machine, so the client's own cost is also
//! counted in instructions: `redis_cost bare` and `redis_cost retrying` send
//! 10,000 `GET`s through one connection only, for callgrind
//! (`valgrind --tool=callgrind`; the server is a child process and is not
//! traced). The difference of the two totals, over 10,000, is what the retrying
//! connection adds to each `GET` (`bash benches/callgrind.sh` prints it).

use redis::AsyncCommands;
use redis::aio::ConnectionLike;
use retry_core::redis::RetryingConnection;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use testkit::redis::{RedisServer, SERVER};

/// GETs through each connection.
const GETS: u32 = 100_000;
/// GETs per connection in the callgrind runs.
const PER_ROUND: usize = 10_000;

async fn round(con: &mut (impl ConnectionLike + Send + Sync)) -> Duration {
    let started = Instant::now();
    for _ in 0..PER_ROUND {
        let value: Option<String> = con.get("bench:key").await.expect("GET");
        std::hint::black_box(value);
    }
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

async fn timed_get(con: &mut (impl ConnectionLike + Send + Sync)) -> Duration {
    let started = Instant::now();
    let value: Option<String> = con.get("bench:key").await.expect("GET");
    let took = started.elapsed();
    std::hint::black_box(value);
    took
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if testkit::net::which(SERVER).is_none() {
        eprintln!("redis-server is not on PATH: apt-get install -y redis-server");
        return ExitCode::FAILURE;
    }
    let server = RedisServer::start().expect("start redis-server");
    let client = server.client().expect("client");
    let mut bare = client.get_multiplexed_async_connection().await.expect("connect");
    let mut retrying = RetryingConnection::new(client);
    let _: () = bare.set("bench:key", "a value of some twenty bytes").await.expect("SET");
    // Warm up both: connections made, the command's callable declared.
    let _: Option<String> = bare.get("bench:key").await.expect("GET");
    let _: Option<String> = retrying.get("bench:key").await.expect("GET");

    match std::env::args().nth(1).as_deref() {
        Some("bare") => {
            round(&mut bare).await;
            return ExitCode::SUCCESS;
        }
        Some("retrying") => {
            round(&mut retrying).await;
            return ExitCode::SUCCESS;
        }
        Some("none") => return ExitCode::SUCCESS,
        _ => {}
    }

    // Alternate one GET each, 100,000 times: a slow moment of the machine (on
    // a VM, mostly how long an idle CPU takes to wake up for the reply) falls on
    // both alike, and the means of 100,000 samples each are steady.
    let (mut bare_times, mut retrying_times) = (Vec::with_capacity(GETS as usize), Vec::with_capacity(GETS as usize));
    for _ in 0..GETS {
        bare_times.push(timed_get(&mut bare).await);
        retrying_times.push(timed_get(&mut retrying).await);
    }
    let (bare_total, retrying_total) = (bare_times.iter().sum::<Duration>(), retrying_times.iter().sum::<Duration>());
    let (bare_median, retrying_median) = (median(bare_times), median(retrying_times));
    let difference = retrying_total.as_secs_f64() / bare_total.as_secs_f64() - 1.0;
    println!("| connection | 100,000 GETs | mean per GET | median per GET |");
    println!("|---|---:|---:|---:|");
    println!("| redis-rs multiplexed, bare | {bare_total:.2?} | {:.2?} | {bare_median:.2?} |", bare_total / GETS);
    println!("| RetryingConnection | {retrying_total:.2?} | {:.2?} | {retrying_median:.2?} |", retrying_total / GETS);
    println!("difference: {:+.2} % (target: at most +2 %)", difference * 100.0);
    ExitCode::SUCCESS
}
