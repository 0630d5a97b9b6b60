//! What the I/O shell is configured with: the `vfstock.*` ini values and one
//! panel's API coordinates. Plain data, filled in by the PHP boundary.

use std::fmt;
use std::time::Duration;

/// The API's largest page (`results`).
pub const MAX_PAGE_SIZE: u32 = 200;

/// The `vfstock.*` ini settings, with their defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub concurrency: usize,
    pub page_size: u32,
    pub page_limit: u32,
    pub max_response_bytes: u64,
    pub package_ttl: Duration,
    pub group_ttl: Duration,
    pub missing_ttl: Duration,
    pub verify_tls: bool,
    pub ca_file: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            concurrency: 8,
            page_size: 200,
            page_limit: 25,
            max_response_bytes: 16 << 20,
            package_ttl: Duration::from_secs(600),
            group_ttl: Duration::from_secs(120),
            missing_ttl: Duration::from_secs(60),
            verify_tls: true,
            ca_file: String::new(),
        }
    }
}

/// One panel: where it is, the token, and the transport settings for it
/// (the ini defaults, overridden per request).
#[derive(Clone, PartialEq)]
pub struct Api {
    /// Base URL without a trailing slash, e.g. `https://panel/api/v1`.
    pub url: String,
    pub token: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub verify_tls: bool,
    pub ca_file: String,
    pub max_response_bytes: u64,
    /// Keep-alive connections kept per host (`vfstock.concurrency`).
    pub pool: usize,
}

impl Api {
    /// An API at `url` with the transport settings of `settings`.
    pub fn new(url: &str, token: &str, settings: &Settings) -> Api {
        Api {
            url: url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            timeout: settings.timeout,
            connect_timeout: settings.connect_timeout,
            verify_tls: settings.verify_tls,
            ca_file: settings.ca_file.clone(),
            max_response_bytes: settings.max_response_bytes,
            pool: settings.concurrency,
        }
    }
}

/// Never prints the token: an `Api` may end up in a log or a panic message.
impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("Api")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("verify_tls", &self.verify_tls)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// Seconds as a duration; negative, NaN or absurd values fall back to `default`.
pub fn seconds(s: f64, default: Duration) -> Duration {
    if s.is_finite() && s > 0.0 && s < 1e9 {
        Duration::from_secs_f64(s)
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let api = Api::new(
            "https://panel/api/v1/",
            "s3cr3t-token",
            &Settings::default(),
        );
        let shown = format!("{api:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(api.url, "https://panel/api/v1");
    }

    #[test]
    fn seconds_fall_back_on_nonsense() {
        let d = Duration::from_secs(7);
        assert_eq!(seconds(1.5, d), Duration::from_millis(1500));
        assert_eq!(seconds(0.0, d), d);
        assert_eq!(seconds(-1.0, d), d);
        assert_eq!(seconds(f64::NAN, d), d);
    }
}
