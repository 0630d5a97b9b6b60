//! The Test Connection check.
//!
//! Reading stock needs the compute read scope, which a token made for
//! provisioning may lack. Checking it here turns what used to be nightly,
//! unexplained silence into a message at configuration time.

use super::deadline::Deadline;
use super::http;
use super::settings::Api;
use crate::core::input::is_json;

/// The outcome of a connection check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub ok: bool,
    /// The last HTTP status seen; 0 when no answer came.
    pub status: u16,
    pub error: Option<String>,
}

/// `GET /connect` (200 with any JSON: real panels answer `[]`), then
/// `GET /compute/hypervisors/groups?results=1` (200 with a JSON object),
/// both within `deadline`.
pub fn probe(api: &Api, deadline: &Deadline) -> Probe {
    let mut requests = 0;
    let fail = |status, error: String| Probe {
        ok: false,
        status,
        error: Some(error),
    };
    match http::get(api, "/connect", deadline, &mut requests) {
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
        Ok(r) if !is_json(&r.body) => return fail(r.status, not_the_api("/connect", "JSON")),
        Ok(_) => {}
    }
    match http::get(
        api,
        "/compute/hypervisors/groups?results=1",
        deadline,
        &mut requests,
    ) {
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
        Ok(r) if !json_object(&r.body) => fail(
            r.status,
            not_the_api("/compute/hypervisors/groups", "a JSON object"),
        ),
        Ok(r) => Probe {
            ok: true,
            status: r.status,
            error: None,
        },
    }
}

/// A maintenance page or a web server's index also answers 200; only JSON
/// is the API talking (a list of groups comes as an object). Valid JSON is
/// an object exactly when its first byte past white space is `{`.
fn json_object(body: &[u8]) -> bool {
    let first = body.iter().find(|b| !b" \t\n\r".contains(b));
    first == Some(&b'{') && is_json(body)
}

fn not_the_api(path: &str, what: &str) -> String {
    format!("{path} answered 200 but not with {what}: is the URL the panel's API (https://panel/api/v1)?")
}
