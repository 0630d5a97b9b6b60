//! Placing VPSes on a group's hypervisors: pending orders that
//! hold capacity the panel does not show yet, and a cart's items at checkout.
//!
//! VPSes are placed one at a time, largest memory first (then cpu, then
//! storage, then the given order), each on an eligible hypervisor where it
//! fits on every axis of the capacity rules with its own buffer, choosing the one with the
//! most memory left after it (ties: the first). Placing takes its memory,
//! cores, storage (in the pool capacity chose, which stays that type's pool on
//! that hypervisor), one server slot and its IPv4 addresses.
//!
//! **Invariant**: for one footprint, `n` copies can all be placed exactly
//! when `n ≤` the group's fits. Each placement lowers the chosen
//! hypervisor's fit by exactly one and the shared IPv4 cap by one, so the
//! check at checkout never disagrees with the qty on the shelf.

use super::fit::{Buffer, Fit};
use super::group::{shared_ipv4, GroupTaken, Ipv4Need, Ipv4Pool};
use super::hypervisor::{axes, Hypervisor, Needs};
use super::input::{FootprintDoc, Package};

/// The most VPSes one footprint may stand for: far beyond any cart or
/// backlog, and a bound on the work one request can ask for.
pub const MAX_COUNT: i64 = 10_000;

/// VPSes of one configuration in one group: a pending order (reservation)
/// or a cart item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    pub package: i64,
    pub group: i64,
    pub count: i64,
    /// Overrides of the package's needs (a custom configuration).
    pub memory: Option<i64>,
    pub cpu: Option<i64>,
    pub storage: Option<i64>,
    pub ipv4: Ipv4Need,
    pub buffer: Buffer,
}

/// Why a footprint cannot be used, naming the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FootprintError(pub String);

impl Footprint {
    /// Reads a caller's footprint; `package` and `group` must be ids > 0 and
    /// `count` (default 1) between 1 and [`MAX_COUNT`].
    pub fn read(doc: &FootprintDoc) -> Result<Footprint, FootprintError> {
        let id = |v: Option<i64>, key: &str| {
            v.filter(|&n| n > 0)
                .ok_or_else(|| FootprintError(format!("`{key}` must be an id greater than 0")))
        };
        let count = doc.count.0.unwrap_or(1);
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(FootprintError(format!(
                "`count` must be between 1 and {MAX_COUNT}, got {count}"
            )));
        }
        let size = |v: Option<i64>| v.map(|n| n.max(0));
        Ok(Footprint {
            package: id(doc.package.0, "package")?,
            group: id(doc.group.0, "group")?,
            count,
            memory: size(doc.memory.0),
            cpu: size(doc.cpu_cores.0),
            storage: size(doc.primary_storage.0),
            ipv4: Ipv4Need::from_setting(doc.ipv4),
            buffer: Buffer::from_setting(doc.buffer),
        })
    }

    /// What one of these VPSes needs: the package's needs with the
    /// footprint's overrides (the storage type stays the package's).
    pub fn needs(&self, package: &Package) -> Needs {
        let mut n = Needs::of(package, self.ipv4, self.buffer);
        n.memory = self.memory.unwrap_or(n.memory);
        n.cpu = self.cpu.unwrap_or(n.cpu);
        n.storage = self.storage.unwrap_or(n.storage);
        n
    }
}

/// How many of each item were placed, and what the group has given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub taken: GroupTaken,
    /// Per item, in the order given.
    pub placed: Vec<i64>,
}

/// Places `items` (needs, count) on the group after what `taken` already
/// holds.
pub fn place(
    hvs: &[Hypervisor],
    pool: Ipv4Pool,
    taken: GroupTaken,
    items: &[(Needs, i64)],
) -> Placement {
    let mut taken = if taken.hypervisors.len() == hvs.len() {
        taken
    } else {
        GroupTaken::for_group(hvs.len())
    };
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| {
        let n = &items[i].0;
        (
            std::cmp::Reverse(n.memory),
            std::cmp::Reverse(n.cpu),
            std::cmp::Reverse(n.storage),
            i,
        )
    });
    let shared = shared_ipv4(hvs);
    let mut placed = vec![0; items.len()];
    for i in order {
        let (needs, count) = &items[i];
        for _ in 0..(*count).clamp(0, MAX_COUNT) {
            if !place_one(hvs, pool, shared, &mut taken, needs) {
                // An identical copy would not fit either: the state only shrinks.
                break;
            }
            placed[i] += 1;
        }
    }
    Placement { taken, placed }
}

/// Places one VPS; false when it fits nowhere.
fn place_one(
    hvs: &[Hypervisor],
    pool: Ipv4Pool,
    shared: Option<i64>,
    taken: &mut GroupTaken,
    needs: &Needs,
) -> bool {
    let k = needs.ipv4.get();
    let pooled = pool == Ipv4Pool::Group && k >= 1;
    if let (true, Some(free)) = (pooled, shared) {
        if needs.ipv4.fits_in(free.saturating_sub(taken.shared_ipv4)) == Some(0) {
            return false;
        }
    }
    let mut best: Option<(i128, usize, Option<usize>)> = None;
    for (i, hv) in hvs.iter().enumerate() {
        let Ok(axes) = axes(hv, needs, &taken.hypervisors[i]) else {
            continue;
        };
        if axes.fits() < Fit::Finite(1) {
            continue;
        }
        let left = memory_left(hv, taken.hypervisors[i].memory, needs.memory);
        if best.is_none_or(|(b, _, _)| left > b) {
            best = Some((left, i, axes.pool));
        }
    }
    let Some((_, i, chosen)) = best else {
        return false;
    };
    taken.hypervisors[i].take(needs, chosen);
    if pooled {
        taken.shared_ipv4 = taken.shared_ipv4.saturating_add(k);
    }
    true
}

/// Memory a hypervisor has left after one more VPS; no quota is the most.
fn memory_left(hv: &Hypervisor, taken: i64, need: i64) -> i128 {
    match hv.memory {
        Some(q) if q.max > 0 => i128::from(q.free) - i128::from(taken) - i128::from(need.max(0)),
        _ => i128::MAX,
    }
}
