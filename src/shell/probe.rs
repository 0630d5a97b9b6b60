//! The Test Connection check.
//!
//! Reading stock needs the compute read scope, which a token made for
//! provisioning may lack. Checking it here turns what used to be nightly,
//! unexplained silence into a message at configuration time.

use super::http;
use super::settings::Api;

/// The outcome of a connection check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub ok: bool,
    /// The last HTTP status seen; 0 when no answer came.
    pub status: u16,
    pub error: Option<String>,
}

/// `GET /connect`, then `GET /compute/hypervisors/groups?results=1`.
pub fn probe(api: &Api) -> Probe {
    let fail = |status, error: String| Probe {
        ok: false,
        status,
        error: Some(error),
    };
    match http::get(api, "/connect") {
        Err(cause) => return fail(0, cause),
        Ok(r) if r.status == 401 || r.status == 403 => {
            return fail(
                r.status,
                format!("the panel rejected the API token (HTTP {})", r.status),
            )
        }
        Ok(r) if r.status != 200 => {
            return fail(
                r.status,
                format!("the panel's /connect answered HTTP {}", r.status),
            )
        }
        Ok(r) if !json_object(&r.body) => return fail(r.status, not_the_api("/connect")),
        Ok(_) => {}
    }
    match http::get(api, "/compute/hypervisors/groups?results=1") {
        Err(cause) => fail(0, cause),
        Ok(r) if r.status == 401 || r.status == 403 => fail(
            r.status,
            format!(
                "the API token connects but cannot read hypervisor groups (HTTP {}): \
                 stock control needs a token with the compute read scope",
                r.status
            ),
        ),
        Ok(r) if r.status != 200 => fail(
            r.status,
            format!("reading hypervisor groups answered HTTP {}", r.status),
        ),
        Ok(r) if !json_object(&r.body) => {
            fail(r.status, not_the_api("/compute/hypervisors/groups"))
        }
        Ok(r) => Probe {
            ok: true,
            status: r.status,
            error: None,
        },
    }
}

/// A maintenance page or a web server's index also answers 200; only a JSON
/// object is the API talking.
fn json_object(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).is_ok()
}

fn not_the_api(path: &str) -> String {
    format!("{path} answered 200 but not with a JSON object: is the URL the panel's API (https://panel/api/v1)?")
}
