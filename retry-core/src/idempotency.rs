//! Whether a failed request may be sent again without being applied twice.
//!
//! A retry is only safe when the failed attempt surely did nothing, or when doing
//! the request twice has the effect of doing it once. Every integration of this
//! crate (the Redis connection, the tower layer, the ready-made predicates) sorts
//! its failures into [`Applied::No`] and [`Applied::Maybe`] and its requests into
//! [`Idempotency::Idempotent`] and [`Idempotency::NotIdempotent`], and retries
//! only where [`Applied::retry_safe`] says so. `docs/idempotency.md` in the
//! source repository says which failures and which requests fall where.
//!
//! ```
//! use retry_core::idempotency::{Applied, Idempotency};
//!
//! // Connection refused: the request never reached the server.
//! assert!(Applied::No.retry_safe(Idempotency::NotIdempotent));
//! // A timeout after sending `INCR`: it may have run; sending it again may count twice.
//! assert!(!Applied::Maybe.retry_safe(Idempotency::NotIdempotent));
//! // The same timeout after `SET k v`: running it twice leaves the same value.
//! assert!(Applied::Maybe.retry_safe(Idempotency::Idempotent));
//! ```

/// What a failed attempt may have done on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Applied {
    /// Surely not applied: the request was never sent (connection refused, a name
    /// that did not resolve), or the server refused it before running it
    /// (Redis `LOADING`, `READONLY`, `TRYAGAIN`; HTTP 429 or 503 with
    /// `Retry-After`; gRPC `UNAVAILABLE`). Safe to retry for any request.
    No,
    /// Perhaps applied: the request was sent but no complete answer came back (a
    /// timeout after sending, a connection closed mid-reply, HTTP 502 or 504).
    /// Safe to retry only for an idempotent request.
    Maybe,
}

/// Whether doing a request twice has the effect of doing it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Twice is once: `GET`, `SET k v`, `DEL`; HTTP `GET`, `PUT`, `DELETE`; a
    /// request carrying an idempotency key the server honours.
    Idempotent,
    /// Twice may differ from once: `INCR`, `LPUSH`; HTTP `POST`, `PATCH`.
    NotIdempotent,
}

impl Idempotency {
    /// `Idempotent` for `true`.
    ///
    /// ```
    /// use retry_core::idempotency::Idempotency;
    ///
    /// assert_eq!(Idempotency::from_bool(false), Idempotency::NotIdempotent);
    /// ```
    #[must_use]
    pub const fn from_bool(idempotent: bool) -> Self {
        if idempotent { Idempotency::Idempotent } else { Idempotency::NotIdempotent }
    }

    /// Whether it is [`Idempotent`](Idempotency::Idempotent).
    ///
    /// ```
    /// use retry_core::idempotency::Idempotency;
    ///
    /// assert!(Idempotency::Idempotent.is_idempotent());
    /// ```
    #[must_use]
    pub const fn is_idempotent(self) -> bool {
        matches!(self, Idempotency::Idempotent)
    }
}

impl Applied {
    /// Whether a failure of this kind may be retried for a request of `idempotency`:
    /// always for [`Applied::No`], only for an idempotent request for
    /// [`Applied::Maybe`].
    ///
    /// ```
    /// use retry_core::idempotency::{Applied, Idempotency};
    ///
    /// assert!(Applied::No.retry_safe(Idempotency::NotIdempotent));
    /// assert!(!Applied::Maybe.retry_safe(Idempotency::NotIdempotent));
    /// ```
    #[must_use]
    pub const fn retry_safe(self, idempotency: Idempotency) -> bool {
        matches!((self, idempotency), (Applied::No, _) | (Applied::Maybe, Idempotency::Idempotent))
    }
}
