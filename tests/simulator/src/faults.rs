//! Injected faults: the failure modes vfstock must classify as *transient*.

use serde_json::Value;

/// Which API route a request hit, as far as faults and scopes care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Package,
    Resources,
    Connect,
    Groups,
    /// Any other path: answered 404, but still subject to `"any"` faults.
    Other,
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::Package => "package",
            Route::Resources => "resources",
            Route::Connect => "connect",
            Route::Groups => "groups",
            Route::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Status {
        status: u16,
        body: Option<String>,
    },
    Delay(u64),
    Hang,
    MalformedJson,
    Html200,
    Truncated,
    Oversized {
        bytes: u64,
        chunked: bool,
    },
    Reset,
    /// An RST, but only for a request on a kept-alive connection: a panel
    /// that closed an idle connection just as the client reused it.
    ResetReused,
}

impl Action {
    /// The name recorded in the request log's `fault` field.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Status { .. } => "status",
            Action::Delay(_) => "delayMs",
            Action::Hang => "hang",
            Action::MalformedJson => "malformedJson",
            Action::Html200 => "html200",
            Action::Truncated => "truncated",
            Action::Oversized { .. } => "oversizedBytes",
            Action::Reset => "reset",
            Action::ResetReused => "resetReused",
        }
    }

    fn parse(v: &Value) -> Result<Action, String> {
        if let Some(s) = v.as_str() {
            return match s {
                "hang" => Ok(Action::Hang),
                "malformedJson" => Ok(Action::MalformedJson),
                "html200" => Ok(Action::Html200),
                "truncated" => Ok(Action::Truncated),
                "reset" => Ok(Action::Reset),
                "resetReused" => Ok(Action::ResetReused),
                other => Err(format!("unknown fault action {other:?}")),
            };
        }
        let obj = v
            .as_object()
            .ok_or("fault action must be a string or an object")?;
        if let Some(status) = obj.get("status") {
            let status = status
                .as_u64()
                .filter(|s| (100..=599).contains(s))
                .ok_or("action.status must be an HTTP status (100-599)")?;
            let body = match obj.get("body") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err("action.body must be a string".into()),
            };
            return Ok(Action::Status {
                status: status as u16,
                body,
            });
        }
        if let Some(ms) = obj.get("delayMs") {
            let ms = ms.as_u64().ok_or("action.delayMs must be a whole number")?;
            return Ok(Action::Delay(ms));
        }
        if let Some(bytes) = obj.get("oversizedBytes") {
            let bytes = bytes
                .as_u64()
                .ok_or("action.oversizedBytes must be a whole number")?;
            let chunked = obj.get("chunked").and_then(Value::as_bool).unwrap_or(false);
            return Ok(Action::Oversized { bytes, chunked });
        }
        Err("fault action object needs status, delayMs or oversizedBytes".into())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Fault {
    /// `None` matches any route.
    route: Option<Route>,
    id: Option<u64>,
    page: Option<u64>,
    /// Firings left; `None` is forever.
    remaining: Option<u64>,
    action: Action,
}

impl Fault {
    fn parse(v: &Value) -> Result<Fault, String> {
        let obj = v.as_object().ok_or("a fault must be an object")?;
        let route = match obj.get("route").and_then(Value::as_str) {
            Some("package") => Some(Route::Package),
            Some("resources") => Some(Route::Resources),
            Some("connect") => Some(Route::Connect),
            Some("groups") => Some(Route::Groups),
            Some("any") | None => None,
            Some(other) => return Err(format!("unknown fault route {other:?}")),
        };
        let int = |key: &str| -> Result<Option<u64>, String> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("fault.{key} must be a whole number")),
            }
        };
        let action = Action::parse(obj.get("action").ok_or("fault.action is required")?)?;
        Ok(Fault {
            route,
            id: int("id")?,
            page: int("page")?,
            remaining: int("times")?,
            action,
        })
    }

    fn matches(&self, route: Route, id: Option<u64>, page: Option<u64>, reused: bool) -> bool {
        (reused || self.action != Action::ResetReused)
            && self.route.is_none_or(|r| r == route)
            && self.id.is_none_or(|want| id == Some(want))
            && self.page.is_none_or(|want| page == Some(want))
            && self.remaining != Some(0)
    }

    /// The fault as JSON, with `times` showing the firings left.
    pub fn to_json(&self) -> Value {
        let action = match &self.action {
            Action::Status { status, body } => {
                serde_json::json!({"status": status, "body": body})
            }
            Action::Delay(ms) => serde_json::json!({"delayMs": ms}),
            Action::Oversized { bytes, chunked } => {
                serde_json::json!({"oversizedBytes": bytes, "chunked": chunked})
            }
            other => Value::String(other.name().into()),
        };
        serde_json::json!({
            "route": self.route.map_or("any", Route::name),
            "id": self.id,
            "page": self.page,
            "times": self.remaining,
            "action": action,
        })
    }
}

/// Parses `{"faults": [...]}` or a bare list.
pub(crate) fn parse_list(v: &Value) -> Result<Vec<Fault>, String> {
    let list = match v {
        Value::Array(l) => l,
        Value::Object(o) => match o.get("faults") {
            Some(Value::Array(l)) => l,
            _ => return Err("expected {\"faults\": [...]}".into()),
        },
        _ => return Err("expected {\"faults\": [...]}".into()),
    };
    list.iter().map(Fault::parse).collect()
}

/// Fires the first matching fault, if any, and forgets it once spent.
/// `reused`: the request came on a connection that already served one.
pub(crate) fn take(
    faults: &mut Vec<Fault>,
    route: Route,
    id: Option<u64>,
    page: Option<u64>,
    reused: bool,
) -> Option<Action> {
    let i = faults
        .iter()
        .position(|f| f.matches(route, id, page, reused))?;
    let action = faults[i].action.clone();
    if let Some(n) = faults[i].remaining.as_mut() {
        *n -= 1;
        if *n == 0 {
            faults.remove(i);
        }
    }
    Some(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_match_wins_and_times_expire() {
        let mut f = parse_list(&json!({"faults": [
            {"route": "resources", "id": 3, "page": 2, "times": 1, "action": "reset"},
            {"route": "any", "action": {"status": 503}},
        ]}))
        .unwrap();
        assert_eq!(
            take(&mut f, Route::Resources, Some(3), Some(2), false),
            Some(Action::Reset)
        );
        assert_eq!(
            take(&mut f, Route::Resources, Some(3), Some(2), false),
            Some(Action::Status {
                status: 503,
                body: None
            })
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn filters() {
        let mut f = parse_list(&json!([{"route": "package", "id": 7, "action": "hang"}])).unwrap();
        assert_eq!(take(&mut f, Route::Package, Some(8), None, false), None);
        assert_eq!(take(&mut f, Route::Connect, None, None, false), None);
        assert_eq!(
            take(&mut f, Route::Package, Some(7), None, false),
            Some(Action::Hang)
        );
        assert!(parse_list(&json!([{"route": "nope", "action": "hang"}])).is_err());
        assert!(parse_list(&json!([{"action": "explode"}])).is_err());
        assert!(parse_list(&json!([{"action": {"status": 42}}])).is_err());
        assert!(parse_list(&json!([{"route": "any"}])).is_err());
        let mut f = parse_list(&json!([{"action": "resetReused"}])).unwrap();
        assert_eq!(take(&mut f, Route::Package, Some(1), None, false), None);
        assert_eq!(
            take(&mut f, Route::Package, Some(1), None, true),
            Some(Action::ResetReused)
        );
    }
}
