//! One hypervisor group's capacity for one kind of VPS.

use super::fit::Fit;
use super::hypervisor::{evaluate, Hypervisor, Needs, Row, Taken};
use super::input::Setting;

/// How many IPv4 addresses each VPS needs; 0 is an IPv6-only plan, which
/// IPv4 never limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Need(i64);

impl Ipv4Need {
    pub const ONE: Ipv4Need = Ipv4Need(1);

    /// Any count ≥ 0; a negative one means one.
    pub fn new(k: i64) -> Ipv4Need {
        Ipv4Need(if k < 0 { 1 } else { k })
    }

    /// A product's IPv4 setting (`configoption3`): blank, not numeric or
    /// below zero means one; zero means none (IPv6-only, as the
    /// VirtFusionDirect module offers).
    pub fn from_setting(s: Setting) -> Ipv4Need {
        s.0.map_or(Ipv4Need::ONE, Ipv4Need::new)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// How many VPSes `free` addresses serve; `None` when none is needed
    /// (no limit). Every IPv4 axis and cap reads addresses this way.
    pub fn fits_in(self, free: i64) -> Option<i64> {
        (self.0 >= 1).then(|| free.max(0) / self.0)
    }
}

/// Where a group's hypervisors draw their IPv4 addresses from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ipv4Pool {
    /// One pool shared by the group (the design notes' rule): the group is
    /// capped by the largest report, never the sum of them.
    #[default]
    Group,
    /// Each hypervisor has its own block: only the per-hypervisor axes limit.
    Hypervisor,
}

impl Ipv4Pool {
    /// `'group'` or `'hypervisor'`.
    pub fn parse(s: &str) -> Option<Ipv4Pool> {
        match s {
            "group" => Some(Ipv4Pool::Group),
            "hypervisor" => Some(Ipv4Pool::Hypervisor),
            _ => None,
        }
    }
}

/// What placement has taken from a group: per hypervisor (in the group's
/// order), and from its shared IPv4 pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupTaken {
    pub hypervisors: Vec<Taken>,
    /// Addresses drawn from the shared pool (`Ipv4Pool::Group`).
    pub shared_ipv4: i64,
}

impl GroupTaken {
    pub fn for_group(len: usize) -> GroupTaken {
        GroupTaken {
            hypervisors: vec![Taken::default(); len],
            shared_ipv4: 0,
        }
    }
}

/// A group's capacity and its per-hypervisor breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCapacity {
    /// `min(sum, ipv4Cap)`; `Unlimited` means unbounded.
    pub fits: Fit,
    /// The saturating sum of the eligible hypervisors' fits, before the cap.
    pub sum: Fit,
    /// `None`: no group cap (none reported, IPv6-only, or per-hypervisor pools).
    pub ipv4_cap: Option<i64>,
    /// The shared pool's free addresses (after placement), when it is one
    /// and some eligible hypervisor reports it.
    pub ipv4_free: Option<i64>,
    pub rows: Vec<Row>,
}

impl GroupCapacity {
    pub fn unbounded(&self) -> bool {
        self.fits == Fit::Unlimited
    }

    /// Whether the shared IPv4 pool, not the hypervisors, sets what it fits.
    pub fn ipv4_binds(&self) -> bool {
        self.ipv4_cap.is_some_and(|cap| Fit::Finite(cap) < self.sum)
    }
}

/// The largest IPv4 report of the group's eligible hypervisors: what a
/// shared pool holds before anything is placed.
pub fn shared_ipv4(hvs: &[Hypervisor]) -> Option<i64> {
    hvs.iter().filter_map(ipv4_report).max()
}

/// What `hv` reports of a shared pool: an eligible hypervisor's count.
fn ipv4_report(hv: &Hypervisor) -> Option<i64> {
    hv.eligible.ok().and(hv.ipv4_free)
}

/// "One group", after what `taken` records (placement of pending
/// orders), if anything.
pub fn group_capacity(
    hvs: &[Hypervisor],
    needs: &Needs,
    pool: Ipv4Pool,
    taken: Option<&GroupTaken>,
) -> GroupCapacity {
    let mut tally = Tally::new();
    let rows: Vec<Row> = hvs
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let row = evaluate(h, needs, taken.and_then(|t| t.hypervisors.get(i)));
            tally.add(h, &row);
            row
        })
        .collect();
    tally.finish(needs, pool, taken, rows)
}

/// A group's capacity summed one hypervisor at a time, for a caller that
/// evaluates each as it reads it, keeping no list of them
/// (`vf_capacity_for` over PHP arrays): the same totals as
/// [`group_capacity`], which is this over a slice.
///
/// With a shared pool every hypervisor reports the same free count, so the
/// cap is the *maximum* report, never the sum: summing counted the same
/// addresses once per hypervisor.
#[derive(Clone, Copy, Debug)]
pub struct Tally {
    sum: Fit,
    shared_ipv4: Option<i64>,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally::new()
    }
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            sum: Fit::Finite(0),
            shared_ipv4: None,
        }
    }

    /// Counts `hv`, whose evaluation is `row`.
    pub fn add(&mut self, hv: &Hypervisor, row: &Row) {
        if row.outcome.is_ok() {
            self.sum = self.sum.saturating_add(row.fits());
        }
        if let Some(free) = ipv4_report(hv) {
            self.shared_ipv4 = Some(self.shared_ipv4.map_or(free, |m| m.max(free)));
        }
    }

    /// The group's capacity, holding `rows` (what the caller kept of them).
    pub fn finish(
        self,
        needs: &Needs,
        pool: Ipv4Pool,
        taken: Option<&GroupTaken>,
        rows: Vec<Row>,
    ) -> GroupCapacity {
        let ipv4_free = match pool {
            Ipv4Pool::Group => self
                .shared_ipv4
                .map(|free| free.saturating_sub(taken.map_or(0, |t| t.shared_ipv4))),
            Ipv4Pool::Hypervisor => None,
        };
        let ipv4_cap = ipv4_free.and_then(|left| needs.ipv4.fits_in(left));
        let fits = match ipv4_cap {
            Some(cap) => self.sum.min(Fit::Finite(cap)),
            None => self.sum,
        };
        GroupCapacity {
            fits,
            sum: self.sum,
            ipv4_cap,
            ipv4_free,
            rows,
        }
    }
}
