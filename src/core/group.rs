//! One hypervisor group's capacity for one package.

use serde_json::Value;

use super::fit::{Buffer, Fit};
use super::hypervisor::{evaluate, Row};
use super::input::{Entry, Obj, Package};
use super::value::num;

/// How many IPv4 addresses each VPS needs (never less than one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Need(i64);

impl Ipv4Need {
    pub const ONE: Ipv4Need = Ipv4Need(1);

    /// Any count; below one (blank, zero, negative) means one.
    pub fn new(k: i64) -> Ipv4Need {
        Ipv4Need(k.max(1))
    }

    /// Reads a product's IPv4 setting (`configoption3`) like any number:
    /// blank or below one means one.
    pub fn from_setting(v: &Value) -> Ipv4Need {
        Ipv4Need::new(num(v))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A group's capacity and its per-hypervisor breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCapacity {
    /// `min(sum, ipv4Cap)`; `Unlimited` means unbounded.
    pub fits: Fit,
    /// `None`: no eligible hypervisor reported IPv4.
    pub ipv4_cap: Option<i64>,
    pub rows: Vec<Row>,
}

impl GroupCapacity {
    pub fn unbounded(&self) -> bool {
        self.fits == Fit::Unlimited
    }
}

/// SPEC §3 "One group".
///
/// IPv4 is one pool per group that every hypervisor reports identically, so
/// the cap is the *maximum* report, never the sum: summing counted the same
/// addresses once per hypervisor.
pub fn group_capacity(
    entries: &[Obj<Entry>],
    package: &Package,
    ipv4: Ipv4Need,
    buffer: Buffer,
) -> GroupCapacity {
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| evaluate(e, package, buffer))
        .collect();
    let sum = rows
        .iter()
        .filter(|r| r.outcome.is_ok())
        .fold(Fit::Finite(0), |acc, r| acc.saturating_add(r.fits()));
    let ipv4_cap = rows
        .iter()
        .filter(|r| r.outcome.is_ok())
        .filter_map(|r| r.ipv4_free)
        .map(|free| free.max(0) / ipv4.get())
        .max();
    let fits = match ipv4_cap {
        Some(cap) => sum.min(Fit::Finite(cap)),
        None => sum,
    };
    GroupCapacity {
        fits,
        ipv4_cap,
        rows,
    }
}
