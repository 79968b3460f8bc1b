//! A tonic client through `RetryLayer` against a tonic server on loopback that
//! answers `UNAVAILABLE` twice, then OK; and `RESOURCE_EXHAUSTED` with the
//! server's pushback. The gRPC code is generated and checked in
//! (`src/generated/echo.rs`), so these tests need no `protoc`.

use retry_core::idempotency::Idempotency;
use retry_core::tower::RetryLayer;
use retry_core::tower::grpc::{self, PUSHBACK};
use retry_core::{Decision, Retry};
use std::time::Duration;
use tonic::transport::Channel;
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_tests::echo::echo_client::EchoClient;
use tower_tests::echo::{EchoReply, EchoRequest};
use tower_tests::{EchoServerHandle, Recorder};

type Outcome = Result<tonic::Response<EchoReply>, tonic::Status>;

/// The gRPC classifier of a service that returns tonic's `Status`.
fn classify(_request: &EchoRequest, outcome: &Outcome) -> Decision {
    classify_as(Idempotency::Idempotent, outcome)
}

/// The same for a method that is not safe to run twice.
fn classify_write(_request: &EchoRequest, outcome: &Outcome) -> Decision {
    classify_as(Idempotency::NotIdempotent, outcome)
}

fn classify_as(idempotency: Idempotency, outcome: &Outcome) -> Decision {
    match outcome {
        Ok(_) => Decision::Stop,
        Err(status) => {
            let pushback = status.metadata().get(PUSHBACK).and_then(|value| value.to_str().ok());
            grpc::decide(status.code() as i32, grpc::pushback_of(pushback), idempotency)
        }
    }
}

type Classifier = fn(&EchoRequest, &Outcome) -> Decision;

/// The generated client's `echo` as a tower service of messages, under the layer.
fn echo_service(
    channel: Channel,
    waits: &Recorder,
) -> impl Service<EchoRequest, Response = tonic::Response<EchoReply>, Error = tonic::Status, Future: Send> + Clone + use<>
{
    echo_service_with(channel, waits, classify)
}

/// [`echo_service`] with another classifier.
fn echo_service_with(
    channel: Channel,
    waits: &Recorder,
    classify: Classifier,
) -> impl Service<EchoRequest, Response = tonic::Response<EchoReply>, Error = tonic::Status, Future: Send> + Clone + use<>
{
    let policy = Retry::builder()
        .attempts(4)
        .wait_initial(Duration::from_millis(20))
        .wait_jitter(Duration::ZERO)
        .name("tower_tests::grpc::echo")
        .build()
        .expect("a valid policy")
        .sleeper(waits.clone());
    let client = EchoClient::new(channel);
    ServiceBuilder::new().layer(RetryLayer::new(policy, classify)).service(tower::service_fn(
        move |request: EchoRequest| {
            let mut client = client.clone();
            async move { client.echo(request).await }
        },
    ))
}

#[tokio::test]
async fn unavailable_twice_then_ok() {
    let server = EchoServerHandle::start(2, || tonic::Status::unavailable("warming up")).await.unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let waits = Recorder::default();
    let service = echo_service(channel, &waits);

    // Spawned: the layer's future is Send.
    let reply = tokio::spawn(service.oneshot(EchoRequest { message: "hello".into() })).await.unwrap().unwrap();

    assert_eq!(reply.get_ref().message, "hello");
    assert_eq!(reply.get_ref().calls, 3, "answered on the third call");
    assert_eq!(server.calls(), 3);
    assert_eq!(waits.waits(), [Duration::from_millis(20), Duration::from_millis(40)], "the backoff's waits");
}

#[tokio::test]
async fn resource_exhausted_waits_the_pushback() {
    let server = EchoServerHandle::start(1, || {
        let mut status = tonic::Status::resource_exhausted("quota");
        status.metadata_mut().insert(PUSHBACK, "75".parse().unwrap());
        status
    })
    .await
    .unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let waits = Recorder::default();
    let reply = echo_service(channel, &waits).oneshot(EchoRequest { message: "again".into() }).await.unwrap();

    assert_eq!(reply.get_ref().calls, 2);
    assert_eq!(waits.waits(), [Duration::from_millis(75)], "exactly the pushback, no jitter");
}

#[tokio::test]
async fn resource_exhausted_without_pushback_and_other_codes_are_not_retried() {
    let server = EchoServerHandle::start(1, || tonic::Status::resource_exhausted("quota")).await.unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let waits = Recorder::default();
    let status = echo_service(channel, &waits).oneshot(EchoRequest { message: "x".into() }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted);
    assert_eq!(server.calls(), 1);

    let server = EchoServerHandle::start(1, || tonic::Status::invalid_argument("bad")).await.unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let status = echo_service(channel, &waits).oneshot(EchoRequest { message: "x".into() }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(server.calls(), 1);
    assert_eq!(waits.waits(), []);
}

#[tokio::test]
async fn a_negative_pushback_means_do_not_retry() {
    let server = EchoServerHandle::start(1, || {
        let mut status = tonic::Status::unavailable("go away");
        status.metadata_mut().insert(PUSHBACK, "-1".parse().unwrap());
        status
    })
    .await
    .unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let waits = Recorder::default();
    let status = echo_service(channel, &waits).oneshot(EchoRequest { message: "x".into() }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn unavailable_may_have_been_applied_so_a_write_is_not_sent_again() {
    let server = EchoServerHandle::start(1, || tonic::Status::unavailable("lost the reply")).await.unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let waits = Recorder::default();
    let write = echo_service_with(channel, &waits, classify_write);
    let status = write.oneshot(EchoRequest { message: "x".into() }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(server.calls(), 1, "sent once");
    assert_eq!(waits.waits(), []);

    // With the server's pushback it was refused, so even a write is sent again.
    let server = EchoServerHandle::start(1, || {
        let mut status = tonic::Status::unavailable("draining");
        status.metadata_mut().insert(PUSHBACK, "10".parse().unwrap());
        status
    })
    .await
    .unwrap();
    let channel = Channel::from_shared(server.url()).unwrap().connect().await.unwrap();
    let write = echo_service_with(channel, &waits, classify_write);
    let reply = write.oneshot(EchoRequest { message: "y".into() }).await.unwrap();
    assert_eq!((reply.get_ref().calls, server.calls()), (2, 2));
    assert_eq!(waits.waits(), [Duration::from_millis(10)]);
}
