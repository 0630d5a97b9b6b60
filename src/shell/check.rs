//! The checkout check: can these VPSes be
//! placed now, jointly, after the pending orders?
//!
//! It reads what it needs through the same caches as a refresh, within its
//! deadline. A transient answer never refuses: a cart is only stopped for
//! what the panel said is full or gone.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::core::group::Ipv4Pool;
use crate::core::hypervisor::Needs;
use crate::core::placement::{place, Footprint};
use crate::core::product::{usable, Unusable};
use crate::core::read::Read;

use super::deadline::Deadline;
use super::fetch::Cost;
use super::fleet::{self, Fleet};
use super::settings::{Api, Settings};

/// What became of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemStatus {
    Placed,
    Full,
    Missing,
    Transient,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Placed => "placed",
            ItemStatus::Full => "full",
            ItemStatus::Missing => "missing",
            ItemStatus::Transient => "transient",
        }
    }

    /// Whether the order may go through: only full and missing refuse.
    pub fn ok(self) -> bool {
        matches!(self, ItemStatus::Placed | ItemStatus::Transient)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemOutcome {
    pub status: ItemStatus,
    pub count: i64,
    pub placed: i64,
    pub reason: Option<String>,
}

/// A parsed check request.
#[derive(Clone, Debug)]
pub struct Request {
    pub api: Api,
    pub settings: Settings,
    pub deadline: Deadline,
    pub pool: Ipv4Pool,
    pub reservations: Vec<Footprint>,
    pub items: Vec<Footprint>,
}

#[derive(Debug)]
pub struct Outcome {
    pub items: Vec<ItemOutcome>,
    pub cost: Cost,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.items.iter().all(|i| i.status.ok())
    }
}

/// Places the reservations, then every item jointly, group by group.
pub fn check(req: &Request) -> Outcome {
    let started = Instant::now();
    let packages: Vec<i64> = req.items.iter().map(|i| i.package).collect();
    let groups: Vec<i64> = req.items.iter().map(|i| i.group).collect();
    let fetched = fleet::read(
        &req.api,
        packages,
        &groups,
        &req.reservations,
        &req.settings,
        &req.deadline,
    );
    let fleet = Fleet::new(&fetched, req.pool, &req.reservations);

    let mut items: Vec<Option<ItemOutcome>> = vec![None; req.items.len()];
    // Items that can be placed, per group: (index, needs).
    let mut placeable: HashMap<i64, Vec<(usize, Needs)>> = HashMap::new();
    for (i, item) in req.items.iter().enumerate() {
        let settled = |status, reason: String| {
            Some(ItemOutcome {
                status,
                count: item.count,
                placed: 0,
                reason: Some(reason),
            })
        };
        let (pid, gid) = (item.package, item.group);
        // The package first, as a refresh decides: a package that is gone
        // or disabled zeroes the product whatever its groups say.
        items[i] = match (usable(pid, &fetched.package(pid)), fetched.group(gid)) {
            (Err(Unusable::Gone(_, reason)), _) => settled(ItemStatus::Missing, reason),
            (Err(Unusable::Unreadable(why)), _) | (_, Read::Transient(why)) => settled(
                ItemStatus::Transient,
                format!("could not be checked, so it is not refused: {why}"),
            ),
            (_, Read::Missing) => settled(
                ItemStatus::Missing,
                format!("group {gid} does not exist on the panel"),
            ),
            (Ok(p), Read::Found(_)) => match fleet.taken(gid) {
                Err(why) => settled(
                    ItemStatus::Transient,
                    format!("could not be checked, so it is not refused: {why}"),
                ),
                Ok(_) => {
                    placeable.entry(gid).or_default().push((i, item.needs(p)));
                    None
                }
            },
        };
    }
    for (gid, list) in placeable {
        let Read::Found(group) = fetched.group(gid) else {
            continue;
        };
        let taken = fleet.taken(gid).ok().flatten().cloned().unwrap_or_default();
        let asked: Vec<(Needs, i64)> = list
            .iter()
            .map(|(i, n)| (*n, req.items[*i].count))
            .collect();
        let placement = place(&group.hypervisors, req.pool, taken, &asked);
        for ((i, _), placed) in list.iter().zip(placement.placed) {
            let count = req.items[*i].count;
            items[*i] = Some(if placed == count {
                ItemOutcome {
                    status: ItemStatus::Placed,
                    count,
                    placed,
                    reason: None,
                }
            } else {
                ItemOutcome {
                    status: ItemStatus::Full,
                    count,
                    placed,
                    reason: Some(format!(
                        "group {gid} has room for {placed} of the {count} asked for, \
                         after the pending orders and the rest of the cart"
                    )),
                }
            });
        }
    }
    Outcome {
        items: items
            .into_iter()
            .map(|o| o.expect("every item is settled"))
            .collect(),
        cost: fetched.cost,
        elapsed: started.elapsed(),
    }
}
