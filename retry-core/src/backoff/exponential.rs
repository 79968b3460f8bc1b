// TEMPORARY stand-in until the real strategy lands.
#![allow(missing_docs)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ExponentialBackoff;
impl super::Backoff for ExponentialBackoff {
    fn wait(&self, _: u32, _: std::time::Duration, _: &mut crate::Rng) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}
