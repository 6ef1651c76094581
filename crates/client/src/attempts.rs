//! What a send loop does after each attempt of one request, without any
//! I/O: the Rust client's loop ([`Client`](crate::Client)) and the npm
//! package's both go through [`Attempts`], so they cannot drift apart.

use crate::client::{Decision, Retries, RetryPolicy};
use crate::error::{ClientError, TransportError};
use crate::pacer::Pacer;
use crate::rt::Jitter;
use gatehouse_model::operation::{Api, Verb};
use gatehouse_model::{RateLimit, Secret};
use std::time::Duration;

/// Whether a final answer of `status` after `attempts` sends means the retries ran out: it
/// was sent more than once and is still a 429 or a server error.
pub fn gave_up(status: u16, attempts: u32) -> bool {
    attempts > 1 && (status == 429 || (500..600).contains(&status))
}

/// A final error answer `e` as the client reports it: wrapped in
/// [`ClientError::RetriesExhausted`] when the retries ran out ([`gave_up`]).
pub(crate) fn final_error(e: ClientError, status: u16, attempts: u32) -> ClientError {
    if gave_up(status, attempts) { ClientError::RetriesExhausted { attempts, last: Box::new(e) } } else { e }
}

/// The attempts of one request: its [`Retries`], the token a 401 refused,
/// and what happens after each answer or failure.
///
/// The loop calls [`Attempts::sending`] before each attempt, then
/// [`Attempts::answered`] or [`Attempts::failed`]; either gives the delay
/// before sending again, or says the request is done. Counting (requests,
/// retries, 429s, transport errors) is left to the loop: a retry is every
/// delay handed back.
#[derive(Debug)]
pub struct Attempts<'a> {
    retries: Retries,
    rejected: Option<Secret>,
    api: Api,
    reauthenticates: bool,
    pacer: &'a Pacer,
    jitter: &'a Jitter,
}

impl<'a> Attempts<'a> {
    /// The attempts of one request of method `verb` to `api`, retried
    /// under `policy`; `reauthenticates` when the client fetches its tokens
    /// (client credentials), so a 401 to a token it sent is worth a new one.
    /// Answers are reported to `pacer`; backoffs are drawn from `jitter`.
    pub fn new(
        policy: RetryPolicy,
        verb: Verb,
        api: Api,
        reauthenticates: bool,
        pacer: &'a Pacer,
        jitter: &'a Jitter,
    ) -> Self {
        Self { retries: Retries::new(policy, verb), rejected: None, api, reauthenticates, pacer, jitter }
    }

    /// Counts an attempt about to be sent.
    pub fn sending(&mut self) {
        self.retries.sending();
    }

    /// How many attempts were sent.
    pub fn attempts(&self) -> u32 {
        self.retries.attempts()
    }

    /// The token a 401 refused, which the next attempt must not use again.
    pub fn rejected(&self) -> Option<&Secret> {
        self.rejected.as_ref()
    }

    /// After an attempt that got no answer: the delay before sending again,
    /// or the error to give up with. When the failure could have been
    /// retried but the attempts are used up after more than one, that is
    /// [`ClientError::RetriesExhausted`]; otherwise the transport error itself.
    // `#[inline]` on this and `answered`: each has one caller in the npm
    // package's wasm, and inlined both keep it the size it was before they
    // were shared (the size-optimised build did not inline them by itself).
    #[inline]
    pub fn failed(&mut self, error: TransportError) -> Result<Duration, ClientError> {
        let connect = matches!(error, TransportError::Connect { .. });
        match self.retries.after_failure(connect, error.is_retryable(), self.jitter) {
            Decision::Retry(delay) => Ok(delay),
            Decision::Exhausted if self.retries.attempts() > 1 => {
                let attempts = self.retries.attempts();
                Err(ClientError::RetriesExhausted { attempts, last: Box::new(ClientError::Transport(error)) })
            }
            _ => Err(ClientError::Transport(error)),
        }
    }

    /// After an answer with `status` and `rate_limit` at `now` (seconds
    /// since the epoch), to an attempt that sent `token`: reports it to the
    /// pacer, then gives the delay before sending again, or `None` when the
    /// answer is final. A 401 to a fetched token is sent again at once
    /// (once), and the token is remembered as [`rejected`](Attempts::rejected).
    #[inline]
    pub fn answered(
        &mut self,
        status: u16,
        rate_limit: &RateLimit,
        now: f64,
        token: Option<Secret>,
    ) -> Option<Duration> {
        self.pacer.observe(self.api, status, rate_limit, now);
        let may_reauthenticate = token.is_some() && self.reauthenticates;
        let wait = rate_limit.wait_secs(now as u64);
        match self.retries.after_answer(status, wait, may_reauthenticate, self.jitter) {
            Decision::Retry(delay) => Some(delay),
            Decision::Reauthenticate => {
                self.rejected = token;
                Some(Duration::ZERO)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacer::Pacing;

    #[test]
    fn only_a_429_or_server_error_after_a_retry_means_the_retries_ran_out() {
        assert!(gave_up(429, 2) && gave_up(503, 4));
        assert!(!gave_up(429, 1) && !gave_up(404, 3) && !gave_up(200, 2));
        let e = || ClientError::Config("x".into());
        assert!(matches!(final_error(e(), 500, 3), ClientError::RetriesExhausted { attempts: 3, .. }));
        assert!(matches!(final_error(e(), 500, 1), ClientError::Config(_)));
    }

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 3, max_rate_limited_attempts: 3, ..RetryPolicy::default() }
    }

    #[test]
    fn a_401_to_a_fetched_token_reauthenticates_once_and_remembers_the_token() {
        let (pacer, jitter) = (Pacer::new(Pacing::default()), Jitter::new(7));
        let mut a = Attempts::new(policy(), Verb::Get, Api::Management, true, &pacer, &jitter);
        let none = RateLimit::default();
        a.sending();
        assert_eq!(a.answered(401, &none, 0.0, Some(Secret::from("old"))), Some(Duration::ZERO));
        assert_eq!(a.rejected().map(Secret::expose), Some("old"));
        a.sending();
        assert_eq!(a.answered(401, &none, 0.0, Some(Secret::from("new"))), None, "only once");
        assert_eq!(a.rejected().map(Secret::expose), Some("old"));
        assert_eq!(a.attempts(), 2);
    }

    #[test]
    fn a_401_is_final_without_a_fetched_token() {
        let (pacer, jitter) = (Pacer::new(Pacing::default()), Jitter::new(7));
        let none = RateLimit::default();
        let mut fixed = Attempts::new(policy(), Verb::Get, Api::Management, false, &pacer, &jitter);
        assert_eq!(fixed.answered(401, &none, 0.0, Some(Secret::from("fixed"))), None);
        let mut cookies = Attempts::new(policy(), Verb::Get, Api::Management, true, &pacer, &jitter);
        assert_eq!(cookies.answered(401, &none, 0.0, None), None);
        assert!(fixed.rejected().is_none() && cookies.rejected().is_none());
    }

    #[test]
    fn a_429_is_observed_by_the_pacer_and_waited_out() {
        let (pacer, jitter) = (Pacer::new(Pacing::default()), Jitter::new(7));
        let mut a = Attempts::new(policy(), Verb::Post, Api::Management, false, &pacer, &jitter);
        let now = 1_000.0;
        let limited = RateLimit { limit: Some(50), remaining: Some(0), reset: Some(1_004), retry_after: None };
        a.sending();
        assert_eq!(a.answered(429, &limited, now, None), Some(Duration::from_secs(4)));
        assert_eq!(pacer.last(), limited, "the pacer saw the answer");
        let ok = RateLimit { limit: Some(50), remaining: Some(49), reset: Some(1_010), retry_after: None };
        a.sending();
        assert_eq!(a.answered(200, &ok, now + 4.0, None), None);
        assert_eq!(pacer.last(), ok);
    }

    #[test]
    fn failures_retry_then_end_in_retries_exhausted() {
        let (pacer, jitter) = (Pacer::new(Pacing::default()), Jitter::new(7));
        let mut a = Attempts::new(policy(), Verb::Get, Api::Management, false, &pacer, &jitter);
        let dropped = || TransportError::Dropped { message: "reset".into() };
        for _ in 1..policy().max_attempts {
            a.sending();
            let delay = a.failed(dropped()).expect("retried");
            assert!(delay <= policy().max_delay);
        }
        a.sending();
        match a.failed(dropped()) {
            Err(ClientError::RetriesExhausted { attempts: 3, last }) => {
                assert!(matches!(*last, ClientError::Transport(TransportError::Dropped { .. })));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_failed_attempt_gives_the_transport_error_itself() {
        let (pacer, jitter) = (Pacer::new(Pacing::default()), Jitter::new(7));
        // A POST that may have been processed is not sent again.
        let mut post = Attempts::new(policy(), Verb::Post, Api::Management, false, &pacer, &jitter);
        post.sending();
        let dropped = TransportError::Dropped { message: "reset".into() };
        assert!(matches!(post.failed(dropped), Err(ClientError::Transport(TransportError::Dropped { .. }))));
        // Used up at the first attempt: still the error itself.
        let once = RetryPolicy::none();
        let mut get = Attempts::new(once, Verb::Get, Api::Management, false, &pacer, &jitter);
        get.sending();
        let timeout = TransportError::Timeout { after: Duration::from_secs(1) };
        assert!(matches!(get.failed(timeout), Err(ClientError::Transport(TransportError::Timeout { .. }))));
    }

    #[test]
    fn a_refused_failure_after_retries_is_the_transport_error_itself() {
        let (pacer, jitter) = (Pacer::new(Pacing::default()), Jitter::new(7));
        let mut a = Attempts::new(policy(), Verb::Post, Api::Management, false, &pacer, &jitter);
        a.sending();
        let connect = TransportError::Connect { message: "refused".into() };
        assert!(a.failed(connect).is_ok(), "a connection never made is retried for every method");
        a.sending();
        let dropped = TransportError::Dropped { message: "reset".into() };
        assert!(matches!(a.failed(dropped), Err(ClientError::Transport(TransportError::Dropped { .. }))));
    }
}
