//! The tower layer with tonic: a generated client's `echo` call as a tower
//! service under `RetryLayer`, against a tonic server on loopback that answers
//! `UNAVAILABLE` twice, then OK.
//!
//! Run it with `cargo run -p examples --example tower_grpc`. Nothing to install:
//! the server is started here, and the gRPC code is generated and checked in
//! (tower-tests/src/generated), so no `protoc` either.

use retry_core::idempotency::Idempotency;
use retry_core::tower::RetryLayer;
use retry_core::tower::grpc::{self, PUSHBACK};
use retry_core::{Decision, Retry};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use tonic::transport::Channel;
use tower::{ServiceBuilder, ServiceExt};
use tower_tests::EchoServerHandle;
use tower_tests::echo::echo_client::EchoClient;
use tower_tests::echo::{EchoReply, EchoRequest};

/// The classifier: gRPC's own retry rules, read from tonic's `Status`.
fn classify(_request: &EchoRequest, outcome: &Result<tonic::Response<EchoReply>, tonic::Status>) -> Decision {
    match outcome {
        Ok(_) => Decision::Stop,
        Err(status) => {
            let pushback = status.metadata().get(PUSHBACK).and_then(|value| value.to_str().ok());
            // `Echo` changes nothing on the server: safe to run twice.
            grpc::decide(status.code() as i32, grpc::pushback_of(pushback), Idempotency::Idempotent)
        }
    }
}

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    let server = EchoServerHandle::start(2, || tonic::Status::unavailable("warming up")).await?;
    let channel = Channel::from_shared(server.url())?.connect().await?;
    let client = EchoClient::new(channel);

    let policy = Retry::builder()
        .attempts(4)
        .wait_initial(Duration::from_millis(50))
        .wait_jitter(Duration::from_millis(10))
        .name("examples::echo_client")
        .build()?;
    let echo = ServiceBuilder::new().layer(RetryLayer::new(policy, classify)).service(tower::service_fn(
        move |request: EchoRequest| {
            let mut client = client.clone();
            async move { client.echo(request).await }
        },
    ));

    section("Echo through a server that is warming up: one WARN line per retry");
    let started = Instant::now();
    let reply = echo.oneshot(EchoRequest { message: "hello".into() }).await?;
    println!(
        "{:?}: answered on call {} ({} calls received), {:.2?} in all",
        reply.get_ref().message,
        reply.get_ref().calls,
        server.calls(),
        started.elapsed()
    );
    Ok(())
}
