//! The product rules of SPEC §4: which products vfstock manages, which
//! groups a product can be placed in, and what its qty becomes given what
//! the panel said.

use serde_json::Value;

use super::fit::{Buffer, Fit};
use super::group::{group_capacity, GroupCapacity, Ipv4Need};
use super::input::{Entry, Obj, Package};
use super::read::Read;
use super::value::{flag, num};

/// `tblproducts.servertype` of VirtFusion products.
pub const SERVER_TYPE: &str = "VirtFusionDirect";

/// The fields of a `tblproducts` row that matter here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub server_type: String,
    pub stock_control: bool,
    pub qty: i64,
    /// `configoption1`: the default hypervisor group.
    pub default_group: Option<i64>,
    /// `configoption2`: the VirtFusion package id.
    pub package_id: i64,
    /// `configoption3`: IPv4 addresses per VPS.
    pub ipv4: Ipv4Need,
    /// `configoption7`: the safety buffer.
    pub buffer: Buffer,
}

impl Product {
    /// Reads a row (as JSON data); `None` when it has no usable id.
    pub fn from_row(row: &Value) -> Option<Product> {
        let field = |k: &str| row.get(k).unwrap_or(&Value::Null);
        let id = num(field("id"));
        if id <= 0 {
            return None;
        }
        Some(Product {
            id,
            server_type: match field("servertype") {
                Value::String(s) => s.trim().to_owned(),
                _ => String::new(),
            },
            stock_control: flag(field("stockcontrol"))
                || field("stockcontrol").as_str() == Some("on"),
            qty: num(field("qty")),
            default_group: group_id(field("configoption1")),
            package_id: num(field("configoption2")),
            ipv4: Ipv4Need::from_setting(field("configoption3")),
            buffer: Buffer::from_setting(field("configoption7")),
        })
    }

    /// Why vfstock leaves this product alone without reading anything.
    pub fn skip_reason(&self) -> Option<String> {
        if self.server_type != SERVER_TYPE {
            let shown = if self.server_type.is_empty() {
                "none"
            } else {
                &self.server_type
            };
            return Some(format!("not a VirtFusion product (module: {shown})"));
        }
        if !self.stock_control {
            return Some("stock control is off for this product".into());
        }
        None
    }

    /// The groups it can be placed in: the default group, then each
    /// Location sub-option that names one, without duplicates.
    pub fn groups(&self, locations: &[String]) -> Vec<i64> {
        let mut out: Vec<i64> = self.default_group.into_iter().collect();
        for id in locations.iter().filter_map(|name| location_group(name)) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

/// A value that reads as a group id: an integer > 0.
fn group_id(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|&id| id > 0)
}

/// The group a Location sub-option names: the part before `|` (`2|Paris` →
/// 2), trimmed, when it reads as an integer > 0.
pub fn location_group(name: &str) -> Option<i64> {
    let value = name.split('|').next().unwrap_or("");
    group_id(&Value::String(value.to_owned()))
}

/// What a refresh does with one product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Updated,
    Unchanged,
    Untouched,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::Untouched => "untouched",
            Status::Skipped => "skipped",
        }
    }
}

/// One group's part in a product's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupOutcome {
    Ok(GroupCapacity),
    Missing,
    Transient(String),
}

/// The verdict on one product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub status: Status,
    /// The qty to hold: `Some` for updated and unchanged.
    pub qty: Option<i64>,
    pub reason: Option<String>,
    pub groups: Vec<(i64, GroupOutcome)>,
}

impl Decision {
    fn untouched(reason: String, groups: Vec<(i64, GroupOutcome)>) -> Decision {
        Decision {
            status: Status::Untouched,
            qty: None,
            reason: Some(reason),
            groups,
        }
    }

    fn set(
        current: i64,
        qty: i64,
        reason: Option<String>,
        groups: Vec<(i64, GroupOutcome)>,
    ) -> Decision {
        let status = if qty == current {
            Status::Unchanged
        } else {
            Status::Updated
        };
        Decision {
            status,
            qty: Some(qty),
            reason,
            groups,
        }
    }
}

/// SPEC §4's product table, for a managed product, given its package read
/// and its groups' reads (in the order of [`Product::groups`]).
pub fn decide(
    product: &Product,
    package: &Read<Package>,
    groups: &[(i64, Read<&[Obj<Entry>]>)],
) -> Decision {
    let pid = product.package_id;
    if pid <= 0 {
        return Decision::untouched(
            "no VirtFusion package is set (configoption2)".into(),
            vec![],
        );
    }
    let package = match package {
        Read::Transient(why) => {
            return Decision::untouched(
                format!("could not read the package, qty left as it was: {why}"),
                vec![],
            )
        }
        Read::Missing => {
            return Decision::set(
                product.qty,
                0,
                Some(format!("package {pid} no longer exists on the panel")),
                vec![],
            )
        }
        Read::Found(p) if !p.enabled.0 => {
            return Decision::set(
                product.qty,
                0,
                Some(format!("package {pid} is disabled on the panel")),
                vec![],
            )
        }
        Read::Found(p) => p,
    };
    if groups.is_empty() {
        return Decision::untouched(
            "no hypervisor group is set (configoption1 or a Location option naming a group)".into(),
            vec![],
        );
    }
    let outcomes: Vec<(i64, GroupOutcome)> = groups
        .iter()
        .map(|(id, read)| {
            let o = match read {
                Read::Found(entries) => GroupOutcome::Ok(group_capacity(
                    entries,
                    package,
                    product.ipv4,
                    product.buffer,
                )),
                Read::Missing => GroupOutcome::Missing,
                Read::Transient(why) => GroupOutcome::Transient(why.clone()),
            };
            (*id, o)
        })
        .collect();
    if let Some(why) = outcomes.iter().find_map(|(_, o)| match o {
        GroupOutcome::Transient(why) => Some(why.clone()),
        _ => None,
    }) {
        return Decision::untouched(
            format!("could not read every group, qty left as it was rather than counting part of the fleet: {why}"),
            outcomes,
        );
    }
    let total = outcomes.iter().fold(Fit::Finite(0), |acc, (_, o)| match o {
        GroupOutcome::Ok(g) => acc.saturating_add(g.fits),
        _ => acc,
    });
    let Fit::Finite(qty) = total else {
        return Decision::untouched(
            "capacity is unbounded (no resource limit and no IPv4 pool), so qty is left as it was"
                .into(),
            outcomes,
        );
    };
    let missing: Vec<String> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, GroupOutcome::Missing))
        .map(|(id, _)| id.to_string())
        .collect();
    let reason = match (missing.len(), qty) {
        (0, _) => (qty == 0).then(|| "no eligible hypervisor has room for this package".to_owned()),
        (1, _) => Some(format!(
            "group {} does not exist on the panel and counts 0",
            missing[0]
        )),
        _ => Some(format!(
            "groups {} do not exist on the panel and count 0",
            missing.join(", ")
        )),
    };
    Decision::set(product.qty, qty, reason, outcomes)
}
