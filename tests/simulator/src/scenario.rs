//! The simulated fleet: tokens, packages and hypervisor groups.
//!
//! Packages and hypervisor entries stay `serde_json::Value`s and are served as
//! written, because tests put malformed shapes in them on purpose; only the
//! scaffolding around them (ids, lists) is checked.

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The token used when a scenario names none.
pub(crate) const DEFAULT_TOKEN: &str = "test-token";

#[derive(Debug, Clone, Default)]
pub(crate) struct Scenario {
    /// token → scopes
    pub tokens: HashMap<String, Vec<String>>,
    pub packages: BTreeMap<u64, Value>,
    pub groups: BTreeMap<u64, Group>,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub name: Value,
    pub hypervisors: Vec<Value>,
}

impl Group {
    pub fn new(id: u64, name: Option<Value>, hypervisors: Vec<Value>) -> Group {
        Group {
            name: name.unwrap_or_else(|| Value::String(format!("Group {id}"))),
            hypervisors,
        }
    }

    fn parse(id: u64, v: &Value) -> Result<Group, String> {
        match v {
            // A bare list is accepted as a shorthand for `{"hypervisors": [...]}`.
            Value::Array(list) => Ok(Group::new(id, None, list.clone())),
            Value::Object(obj) => {
                let hypervisors = match obj.get("hypervisors") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(list)) => list.clone(),
                    Some(_) => return Err(format!("groups.{id}.hypervisors must be a list")),
                };
                Ok(Group::new(id, obj.get("name").cloned(), hypervisors))
            }
            _ => Err(format!("groups.{id} must be an object or a list")),
        }
    }
}

/// A decimal id as found in a JSON key or a URL path segment.
pub(crate) fn parse_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Scenario {
    pub fn parse(v: &Value) -> Result<Scenario, String> {
        let obj = v.as_object().ok_or("scenario must be a JSON object")?;
        let mut tokens = HashMap::new();
        match obj.get("tokens") {
            None | Some(Value::Null) => {
                tokens.insert(DEFAULT_TOKEN.to_string(), vec!["compute".to_string()]);
            }
            // An empty list is what PHP's json_encode makes of an empty map.
            Some(Value::Array(l)) if l.is_empty() => {}
            Some(Value::Object(map)) => {
                for (token, scopes) in map {
                    let scopes = scopes
                        .as_array()
                        .and_then(|l| {
                            l.iter()
                                .map(|s| s.as_str().map(str::to_string))
                                .collect::<Option<Vec<_>>>()
                        })
                        .ok_or_else(|| format!("tokens.{token} must be a list of scopes"))?;
                    tokens.insert(token.clone(), scopes);
                }
            }
            Some(_) => return Err("tokens must be an object".into()),
        }
        let mut packages = BTreeMap::new();
        for (key, pkg) in id_map(obj, "packages")? {
            packages.insert(key, pkg.clone());
        }
        let mut groups = BTreeMap::new();
        for (key, g) in id_map(obj, "groups")? {
            groups.insert(key, Group::parse(key, g)?);
        }
        Ok(Scenario {
            tokens,
            packages,
            groups,
        })
    }

    /// The scenario back as JSON (for `GET /_sim/scenario`).
    pub fn to_json(&self) -> Value {
        let tokens: Map<String, Value> = self
            .tokens
            .iter()
            .map(|(t, s)| (t.clone(), json!(s)))
            .collect();
        let packages: Map<String, Value> = self
            .packages
            .iter()
            .map(|(id, p)| (id.to_string(), p.clone()))
            .collect();
        let groups: Map<String, Value> = self
            .groups
            .iter()
            .map(|(id, g)| {
                (
                    id.to_string(),
                    json!({"name": g.name, "hypervisors": g.hypervisors}),
                )
            })
            .collect();
        json!({"tokens": tokens, "packages": packages, "groups": groups})
    }
}

fn id_map<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Vec<(u64, &'a Value)>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(l)) if l.is_empty() => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                parse_id(k)
                    .map(|id| (id, v))
                    .ok_or_else(|| format!("{key}: key {k:?} is not a numeric id"))
            })
            .collect(),
        Some(_) => Err(format!("{key} must be an object keyed by id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_token_and_shapes() {
        let s = Scenario::parse(&json!({
            "packages": {"7": {"id": 7, "weird": [1, "x"]}},
            "groups": {"3": {"name": "Paris", "hypervisors": [1, "not an object"]}, "4": []}
        }))
        .unwrap();
        assert_eq!(s.tokens[DEFAULT_TOKEN], vec!["compute"]);
        assert_eq!(s.packages[&7]["weird"], json!([1, "x"]));
        assert_eq!(
            s.groups[&3].hypervisors,
            vec![json!(1), json!("not an object")]
        );
        assert_eq!(s.groups[&4].name, json!("Group 4"));
        let empty = Scenario::parse(&json!({"tokens": [], "packages": [], "groups": []})).unwrap();
        assert!(empty.tokens.is_empty() && empty.packages.is_empty() && empty.groups.is_empty());
    }

    #[test]
    fn rejects_bad_scaffolding() {
        assert!(Scenario::parse(&json!([])).is_err());
        assert!(Scenario::parse(&json!({"packages": {"x": {}}})).is_err());
        assert!(Scenario::parse(&json!({"groups": {"1": {"hypervisors": 3}}})).is_err());
        assert!(Scenario::parse(&json!({"tokens": {"t": "compute"}})).is_err());
        assert_eq!(parse_id("007"), Some(7));
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("99999999999999999999999"), None);
    }
}
