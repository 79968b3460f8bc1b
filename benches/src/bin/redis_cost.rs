//! Table 7: the cost of the retrying Redis connection. 100,000 `GET`s through
//! redis-rs's bare multiplexed connection and 100,000 through
//! `retry_core::redis::RetryingConnection`, on the same loopback redis-server,
//! one at a time, in interleaved rounds of 10,000 (bare, retrying, bare, ..) so
//! that both see the same machine. Prints each total, the per-`GET` median of
//! the rounds, and the difference. The target: at most 2 % more.
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

const ROUNDS: usize = 10;
const PER_ROUND: usize = 10_000;

async fn round(con: &mut (impl ConnectionLike + Send + Sync)) -> Duration {
    let started = Instant::now();
    for _ in 0..PER_ROUND {
        let value: Option<String> = con.get("bench:key").await.expect("GET");
        std::hint::black_box(value);
    }
    started.elapsed()
}

fn median(mut rounds: Vec<Duration>) -> Duration {
    rounds.sort();
    rounds[rounds.len() / 2]
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

    let (mut bare_rounds, mut retrying_rounds) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        bare_rounds.push(round(&mut bare).await);
        retrying_rounds.push(round(&mut retrying).await);
    }
    let total = |rounds: &[Duration]| rounds.iter().sum::<Duration>();
    let per_get = |round: Duration| round / PER_ROUND as u32;
    let (bare_total, retrying_total) = (total(&bare_rounds), total(&retrying_rounds));
    let (bare_median, retrying_median) = (per_get(median(bare_rounds)), per_get(median(retrying_rounds)));
    // Medians of the rounds: a round slowed by something else on the machine
    // moves a total, not a median.
    let difference = retrying_median.as_secs_f64() / bare_median.as_secs_f64() - 1.0;
    println!("| connection | 100,000 GETs | per GET (median round) |");
    println!("|---|---:|---:|");
    println!("| redis-rs multiplexed, bare | {bare_total:.2?} | {bare_median:.2?} |");
    println!("| RetryingConnection | {retrying_total:.2?} | {retrying_median:.2?} |");
    println!("difference of the medians: {:+.2} % (target: at most +2 %)", difference * 100.0);
    ExitCode::SUCCESS
}
