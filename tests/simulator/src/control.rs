//! The `/_sim/` control API: lets a test (in any language) reshape the fleet,
//! inject faults and read the request log over plain HTTP, without auth.

use crate::http::Request;
use crate::scenario::parse_id;
use crate::server::{Response, Shared};
use serde_json::{json, Value};

fn ok() -> Response {
    Response::json(200, &json!({"ok": true}))
}

fn bad(msg: impl Into<String>) -> Response {
    Response::json(400, &json!({"msg": msg.into()}))
}

fn body(req: &Request) -> Result<Value, Response> {
    serde_json::from_slice(&req.body).map_err(|e| bad(format!("body is not JSON: {e}")))
}

pub(crate) fn handle(shared: &Shared, req: &Request) -> Response {
    match handle_inner(shared, req) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(shared: &Shared, req: &Request) -> Result<Response, Response> {
    let path = req.path.trim_end_matches('/');
    let segs: Vec<&str> = path.split('/').skip(2).collect();
    let id = |s: &str| parse_id(s).ok_or_else(|| bad(format!("{s:?} is not an id")));
    Ok(match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["requests"]) => Response::json(200, &json!({"requests": shared.requests()})),
        ("POST", ["requests", "clear"]) | ("DELETE", ["requests"]) => {
            shared.clear_requests();
            ok()
        }
        ("GET", ["scenario"]) => Response::json(200, &shared.scenario_json()),
        ("PUT", ["scenario"]) => {
            shared.set_scenario(&body(req)?).map_err(bad)?;
            ok()
        }
        ("PATCH" | "PUT", ["groups", gid]) => {
            let gid = id(gid)?;
            let (name, hypervisors) = match body(req)? {
                Value::Array(list) => (None, list),
                Value::Object(mut o) => match o.remove("hypervisors") {
                    Some(Value::Array(list)) => (o.remove("name"), list),
                    _ => return Err(bad("expected {\"hypervisors\": [...]}")),
                },
                _ => return Err(bad("expected {\"hypervisors\": [...]}")),
            };
            shared.patch_group(gid, name, hypervisors);
            ok()
        }
        ("DELETE", ["groups", gid]) => {
            let existed = shared.delete_group(id(gid)?);
            Response::json(200, &json!({"ok": true, "existed": existed}))
        }
        ("PUT", ["packages", pid]) => {
            let pid = id(pid)?;
            shared.put_package(pid, body(req)?);
            ok()
        }
        ("DELETE", ["packages", pid]) => {
            let existed = shared.delete_package(id(pid)?);
            Response::json(200, &json!({"ok": true, "existed": existed}))
        }
        ("GET", ["faults"]) => Response::json(200, &json!({"faults": shared.faults_json()})),
        ("PUT", ["faults"]) => {
            shared.set_faults(&body(req)?).map_err(bad)?;
            ok()
        }
        ("DELETE", ["faults"]) => {
            shared.set_faults(&json!([])).map_err(bad)?;
            ok()
        }
        ("GET", ["latency"]) => Response::json(200, &json!({"ms": shared.latency_ms()})),
        ("PUT", ["latency"]) => {
            let ms = body(req)?
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("expected {\"ms\": N}"))?;
            shared.set_latency_ms(ms);
            ok()
        }
        _ => Response::json(404, &json!({"msg": "no such control route"})),
    })
}
