//! The fleet as one run sees it: what the panel answered, less what the
//! pending orders (reservations) hold, and each group's capacity for each
//! kind of VPS computed once however many products share it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::core::group::{group_capacity, GroupTaken, Ipv4Pool};
use crate::core::hypervisor::Needs;
use crate::core::placement::{place, Footprint};
use crate::core::product::{usable, GroupOutcome, Unusable};
use crate::core::read::Read;

use super::deadline::Deadline;
use super::fetch::{self, Fetched};
use super::settings::{Api, Settings};

/// What the pending orders of one group took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reserved {
    /// VPSes placed.
    pub reserved: i64,
    /// Pending VPSes the group can no longer hold (or whose package is gone).
    pub unplaced: i64,
    pub taken: GroupTaken,
}

/// Reads what a run needs from the panel: the packages and groups it asks
/// for, and the packages of the pending orders in those groups (so that
/// they can be placed first).
pub fn read(
    api: &Api,
    mut packages: Vec<i64>,
    groups: &[i64],
    reservations: &[Footprint],
    s: &Settings,
    deadline: &Deadline,
) -> Fetched {
    let used: HashSet<i64> = groups.iter().copied().collect();
    packages.extend(
        reservations
            .iter()
            .filter(|r| used.contains(&r.group))
            .map(|r| r.package),
    );
    fetch::fetch_all(api, &packages, groups, s, deadline)
}

/// A run's view of the fleet.
pub struct Fleet<'a> {
    fetched: &'a Fetched,
    pool: Ipv4Pool,
    /// Per group with reservations: what they took, or why it cannot be told.
    reserved: HashMap<i64, Result<Reserved, String>>,
    memo: HashMap<(i64, Needs), GroupOutcome>,
}

impl<'a> Fleet<'a> {
    /// Places `reservations` on their groups first (those of a group that
    /// was not found hold nothing).
    pub fn new(fetched: &'a Fetched, pool: Ipv4Pool, reservations: &[Footprint]) -> Fleet<'a> {
        let mut by_group: HashMap<i64, Vec<&Footprint>> = HashMap::new();
        for r in reservations {
            by_group.entry(r.group).or_default().push(r);
        }
        let reserved = by_group
            .into_iter()
            .filter_map(|(gid, list)| match fetched.groups.get(&gid) {
                Some(Read::Found(group)) => {
                    Some((gid, reserve(fetched, pool, &group.hypervisors, &list)))
                }
                _ => None,
            })
            .collect();
        Fleet {
            fetched,
            pool,
            reserved,
            memo: HashMap::new(),
        }
    }

    /// What a group's pending orders took, when it has any.
    pub fn reserved(&self, gid: i64) -> Option<&Reserved> {
        self.reserved.get(&gid).and_then(|r| r.as_ref().ok())
    }

    /// What the group has taken before anything else is placed: its
    /// reservations, or why they cannot be placed.
    pub fn taken(&self, gid: i64) -> Result<Option<&GroupTaken>, String> {
        match self.reserved.get(&gid) {
            None => Ok(None),
            Some(Ok(r)) => Ok(Some(&r.taken)),
            Some(Err(why)) => Err(why.clone()),
        }
    }

    /// The group's capacity for `needs` after its reservations.
    pub fn capacity(&mut self, gid: i64, needs: &Needs) -> GroupOutcome {
        if let Some(hit) = self.memo.get(&(gid, *needs)) {
            return hit.clone();
        }
        let outcome = match self.fetched.group(gid) {
            Read::Missing => Read::Missing,
            Read::Transient(why) => Read::Transient(why),
            Read::Found(group) => match self.taken(gid) {
                Err(why) => Read::Transient(why),
                // Without reservations the cached group remembers it.
                Ok(None) => Read::Found(group.memo.capacity(&group.hypervisors, needs, self.pool)),
                Ok(taken) => Read::Found(Arc::new(group_capacity(
                    &group.hypervisors,
                    needs,
                    self.pool,
                    taken,
                ))),
            },
        };
        self.memo.insert((gid, *needs), outcome.clone());
        outcome
    }
}

/// Places one group's reservations. A reservation whose package cannot be
/// read makes what is left unknown (transient); one whose package is gone
/// or disabled holds nothing and is counted as unplaced.
fn reserve(
    fetched: &Fetched,
    pool: Ipv4Pool,
    hvs: &[crate::core::hypervisor::Hypervisor],
    list: &[&Footprint],
) -> Result<Reserved, String> {
    let mut items = Vec::new();
    let mut unplaced = 0i64;
    for r in list {
        let Some(read) = fetched.packages.get(&r.package) else {
            return Err(format!(
                "package {} of a pending order: not read",
                r.package
            ));
        };
        match usable(r.package, read) {
            Ok(p) => items.push((r.needs(p), r.count)),
            Err(Unusable::Gone(..)) => unplaced += r.count,
            Err(Unusable::Unreadable(why)) => {
                return Err(format!(
                    "the package of a pending order could not be read, so what is left is unknown: {why}"
                ))
            }
        }
    }
    let placement = place(hvs, pool, GroupTaken::for_group(hvs.len()), &items);
    let reserved: i64 = placement.placed.iter().sum();
    let asked: i64 = items.iter().map(|(_, n)| n).sum();
    Ok(Reserved {
        reserved,
        unplaced: unplaced + (asked - reserved),
        taken: placement.taken,
    })
}
