// TEMPORARY stand-in until the real strategy lands.
#![allow(missing_docs)]
#[derive(Clone, Copy, Debug, Default)]
pub struct NoBackoff;
impl super::Backoff for NoBackoff {
    fn wait(&self, _: u32, _: std::time::Duration, _: &mut crate::Rng) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}
