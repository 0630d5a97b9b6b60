//! The fail-safe tri-state every upstream read ends in.

/// The outcome of one upstream read.
///
/// Only `Missing` may zero stock; `Transient` leaves it untouched. Reading a
/// 401 or a 503 as "gone" would take a live catalogue offline on an API blip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read<T> {
    Found(T),
    /// Confirmed gone (HTTP 404).
    Missing,
    /// Could not tell; the reason in an operator's words.
    Transient(String),
}

impl<T> Read<T> {
    /// The same outcome over a borrowed or derived value.
    pub fn map<'a, U>(&'a self, f: impl FnOnce(&'a T) -> U) -> Read<U> {
        match self {
            Read::Found(t) => Read::Found(f(t)),
            Read::Missing => Read::Missing,
            Read::Transient(why) => Read::Transient(why.clone()),
        }
    }
}
