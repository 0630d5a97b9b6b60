//! The product rules: which products vfstock manages, which
//! groups a product can be placed in, and what its qty becomes given what
//! the panel said.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::fit::{Buffer, Fit};
use super::group::{GroupCapacity, Ipv4Need};
use super::hypervisor::Needs;
use super::input::{Package, ProductRow};
use super::options::Location;
use super::read::Read;

/// `tblproducts.servertype` of VirtFusion products.
pub const SERVER_TYPE: &str = "VirtFusionDirect";

/// `tblproducts.qty` is a signed 32-bit INT: a larger total is written as this.
pub const QTY_MAX: i64 = 2_147_483_647;

/// A product as vfstock reads its `tblproducts` row.
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
    /// `configoption3`: IPv4 addresses per VPS (0: IPv6-only).
    pub ipv4: Ipv4Need,
    /// `configoption7`: the safety buffer.
    pub buffer: Buffer,
}

impl Product {
    /// Reads a row; `None` when it has no usable id.
    pub fn from_row(row: &ProductRow) -> Option<Product> {
        let id = row.id.0;
        if id <= 0 {
            return None;
        }
        Some(Product {
            id,
            server_type: row.server_type.0.trim().to_owned(),
            stock_control: row.stock_control.0,
            qty: row.qty.0,
            default_group: row.configoption1.0.filter(|&g| g > 0),
            package_id: row.configoption2.0,
            ipv4: Ipv4Need::from_setting(row.configoption3),
            buffer: Buffer::from_setting(row.configoption7),
        })
    }

    /// A stock-controlled VirtFusion product: one vfstock keeps the qty of.
    pub fn managed(&self) -> bool {
        self.server_type == SERVER_TYPE && self.stock_control
    }

    /// Why vfstock leaves this product alone without reading anything.
    pub fn skip_reason(&self) -> Option<String> {
        if self.managed() {
            return None;
        }
        if self.server_type != SERVER_TYPE {
            let shown = if self.server_type.is_empty() {
                "none"
            } else {
                &self.server_type
            };
            return Some(format!("not a VirtFusion product (module: {shown})"));
        }
        Some("stock control is off for this product".into())
    }

    /// Whether a refresh reads the panel for it: managed, with a package.
    pub fn wants_panel(&self) -> bool {
        self.managed() && self.package_id > 0
    }

    /// The groups it can be placed in: the default group, then each
    /// Location sub-option that names one, without duplicates.
    pub fn groups(&self, locations: &[Location]) -> Vec<i64> {
        let mut out: Vec<i64> = self.default_group.into_iter().collect();
        for id in locations.iter().filter_map(|l| l.group) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

/// A product a refresh reports on: its row, or a requested id without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listed {
    Row(Product),
    NoSuchProduct(i64),
}

impl Listed {
    pub fn id(&self) -> i64 {
        match self {
            Listed::Row(p) => p.id,
            Listed::NoSuchProduct(id) => *id,
        }
    }

    pub fn product(&self) -> Option<&Product> {
        match self {
            Listed::Row(p) => Some(p),
            Listed::NoSuchProduct(_) => None,
        }
    }
}

/// The products of a run. With `requested` ids, every one is reported once,
/// in request order, found or not; rows for other ids are ignored. Without,
/// the rows in their order. Rows without a usable id are dropped; a
/// repeated id keeps its first row.
pub fn catalogue(rows: &[ProductRow], requested: Option<&[i64]>) -> Vec<Listed> {
    let wanted: Option<HashSet<i64>> = requested.map(|ids| ids.iter().copied().collect());
    let mut seen = HashSet::new();
    let products: Vec<Product> = rows
        .iter()
        .filter_map(Product::from_row)
        .filter(|p| wanted.as_ref().is_none_or(|w| w.contains(&p.id)))
        .filter(|p| seen.insert(p.id))
        .collect();
    let Some(ids) = requested else {
        return products.into_iter().map(Listed::Row).collect();
    };
    let mut by_id: HashMap<i64, Product> = products.into_iter().map(|p| (p.id, p)).collect();
    let mut once = HashSet::new();
    ids.iter()
        .filter(|id| once.insert(**id))
        .map(|id| {
            by_id
                .remove(id)
                .map_or(Listed::NoSuchProduct(*id), Listed::Row)
        })
        .collect()
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

/// What the panel said about a product's package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageState {
    Ok,
    Missing,
    Disabled,
    Transient,
}

impl PackageState {
    pub fn as_str(self) -> &'static str {
        match self {
            PackageState::Ok => "ok",
            PackageState::Missing => "missing",
            PackageState::Disabled => "disabled",
            PackageState::Transient => "transient",
        }
    }
}

/// One group's part in a product's decision.
pub type GroupOutcome = Read<Arc<GroupCapacity>>;

/// The verdict on one product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub status: Status,
    /// The qty to hold: `Some` for updated and unchanged.
    pub qty: Option<i64>,
    pub reason: Option<String>,
    /// `None` when the package was not read (skipped, no package id).
    pub package: Option<PackageState>,
    /// What one VPS of it needs, once its package is known.
    pub needs: Option<Needs>,
    pub groups: Vec<(i64, GroupOutcome)>,
}

impl Decision {
    fn new(status: Status, qty: Option<i64>, reason: Option<String>) -> Decision {
        Decision {
            status,
            qty,
            reason,
            package: None,
            needs: None,
            groups: vec![],
        }
    }

    pub fn skipped(reason: String) -> Decision {
        Decision::new(Status::Skipped, None, Some(reason))
    }

    fn untouched(reason: String) -> Decision {
        Decision::new(Status::Untouched, None, Some(reason))
    }

    fn set(current: i64, qty: i64, reason: Option<String>) -> Decision {
        let status = if qty == current {
            Status::Unchanged
        } else {
            Status::Updated
        };
        Decision::new(status, Some(qty), reason)
    }

    fn with(mut self, package: PackageState) -> Decision {
        self.package = Some(package);
        self
    }
}

/// Why a package cannot be sold from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// Gone or disabled on the panel (the state says which): nothing of it
    /// may be sold, in words an operator reads.
    Gone(PackageState, String),
    /// Not read: nothing can be said.
    Unreadable(String),
}

/// A package as every decision reads it — a refresh, a checkout check and
/// a pending order alike: usable, gone, disabled, or unknown.
pub fn usable(pid: i64, read: &Read<Package>) -> Result<&Package, Unusable> {
    match read {
        Read::Found(p) if p.enabled.0 => Ok(p),
        Read::Found(_) => Err(Unusable::Gone(
            PackageState::Disabled,
            format!("package {pid} is disabled on the panel"),
        )),
        Read::Missing => Err(Unusable::Gone(
            PackageState::Missing,
            format!("package {pid} no longer exists on the panel"),
        )),
        Read::Transient(why) => Err(Unusable::Unreadable(why.clone())),
    }
}

/// the product table for a listed product: its package read, the
/// groups it can be placed in (see [`Product::groups`]) and, for each, the
/// group's capacity for the product's needs. `cap` is the largest qty the
/// store shows (`displayCap`).
pub fn decide(
    listed: &Listed,
    package: &Read<Package>,
    groups: &[i64],
    mut capacity: impl FnMut(i64, &Needs) -> GroupOutcome,
    cap: Option<i64>,
) -> Decision {
    let product = match listed {
        Listed::NoSuchProduct(_) => return Decision::skipped("no such product".into()),
        Listed::Row(p) => p,
    };
    if let Some(why) = product.skip_reason() {
        return Decision::skipped(why);
    }
    let pid = product.package_id;
    if pid <= 0 {
        return Decision::untouched("no VirtFusion package is set (configoption2)".into());
    }
    let package = match usable(pid, package) {
        Err(Unusable::Unreadable(why)) => {
            return Decision::untouched(format!(
                "could not read the package, qty left as it was: {why}"
            ))
            .with(PackageState::Transient)
        }
        Err(Unusable::Gone(state, reason)) => {
            return Decision::set(product.qty, 0, Some(reason)).with(state)
        }
        Ok(p) => p,
    };
    let needs = Needs::of(package, product.ipv4, product.buffer);
    let with_needs = |mut d: Decision, outcomes: Vec<(i64, GroupOutcome)>| {
        d.package = Some(PackageState::Ok);
        d.needs = Some(needs);
        d.groups = outcomes;
        d
    };
    if groups.is_empty() {
        let d = Decision::untouched(
            "no hypervisor group is set (configoption1 or a Location option naming a group)".into(),
        );
        return with_needs(d, vec![]);
    }
    let outcomes: Vec<(i64, GroupOutcome)> =
        groups.iter().map(|&g| (g, capacity(g, &needs))).collect();
    if let Some(why) = outcomes.iter().find_map(|(_, o)| match o {
        Read::Transient(why) => Some(why.clone()),
        _ => None,
    }) {
        let d = Decision::untouched(format!(
            "could not read every group, qty left as it was rather than counting part of the fleet: {why}"
        ));
        return with_needs(d, outcomes);
    }
    let total = outcomes.iter().fold(Fit::Finite(0), |acc, (_, o)| match o {
        Read::Found(g) => acc.saturating_add(g.fits),
        _ => acc,
    });
    let Fit::Finite(total) = total else {
        let d = Decision::untouched(
            "capacity is unbounded (no resource limit and no IPv4 pool), so qty is left as it was"
                .into(),
        );
        return with_needs(d, outcomes);
    };
    let missing: Vec<String> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Read::Missing))
        .map(|(id, _)| id.to_string())
        .collect();
    let mut notes: Vec<String> = Vec::new();
    match missing.len() {
        0 if total == 0 => notes.push("no eligible hypervisor has room for this package".into()),
        0 => {}
        1 => notes.push(format!(
            "group {} does not exist on the panel and counts 0",
            missing[0]
        )),
        _ => notes.push(format!(
            "groups {} do not exist on the panel and count 0",
            missing.join(", ")
        )),
    }
    let mut qty = total;
    if qty > QTY_MAX {
        qty = QTY_MAX;
        notes.push(format!(
            "the fleet holds {total}, more than tblproducts.qty can store: written as {QTY_MAX}"
        ));
    }
    if let Some(cap) = cap.filter(|&c| c >= 0 && c < qty) {
        notes.push(format!(
            "the fleet holds {qty}; the store shows at most {cap} (displayCap)"
        ));
        qty = cap;
    }
    let reason = (!notes.is_empty()).then(|| notes.join("; "));
    with_needs(Decision::set(product.qty, qty, reason), outcomes)
}
