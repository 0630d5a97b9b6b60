//! One hypervisor's capacity for one kind of VPS, with the breakdown an
//! operator reads to see what holds a product down.
//!
//! A group's entries are read into compact [`Hypervisor`]s once (that is
//! what the caches keep); a hypervisor is then evaluated for any [`Needs`],
//! optionally after what placement has already [`Taken`] from it.

use std::sync::Arc;

use super::fit::{fit, fit_quota, Buffer, Fit, Quota};
use super::group::Ipv4Need;
use serde::{Deserialize, Deserializer};
use smallvec::SmallVec;

use super::input::{Cell, Entry, LocalPool, Obj, Package, Pool};
use super::name::Name;

/// Why a hypervisor contributes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Disabled,
    NotCommissioned,
    Prohibited,
    Malformed,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Disabled => "disabled",
            Skip::NotCommissioned => "not commissioned",
            Skip::Prohibited => "prohibited",
            Skip::Malformed => "malformed",
        }
    }
}

/// The resource that limits a hypervisor, in the order ties are broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    Memory,
    Cpu,
    Storage,
    Servers,
    Ipv4,
}

impl Axis {
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Memory => "memory",
            Axis::Cpu => "cpu",
            Axis::Storage => "storage",
            Axis::Servers => "servers",
            Axis::Ipv4 => "ipv4",
        }
    }
}

/// Where a storage pool sits in the panel's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolName {
    /// `resources.localStorage`, the default mountpoint.
    Local,
    /// An `otherStorage` entry with a name.
    Named(Arc<str>),
    /// An `otherStorage` entry without one: `otherStorage[i]`.
    Index(usize),
}

impl PoolName {
    /// The `i`-th `otherStorage` entry's: its name, or its position when
    /// it has none (every reader of a page names pools this way).
    pub fn other(i: usize, name: Arc<str>) -> PoolName {
        if name.is_empty() {
            PoolName::Index(i)
        } else {
            PoolName::Named(name)
        }
    }
}

/// The pool names of one page, shared: a fleet has a few (`nvme-mount`,
/// …) on every hypervisor, so a page reader allocates each once, not once
/// per pool.
#[derive(Default)]
pub struct PoolNames(Vec<Arc<str>>);

impl PoolNames {
    /// Names kept; a page with more distinct ones allocates the rest.
    pub const KEPT: usize = 16;

    /// The name these bytes spell, shared, or `None` when they are not
    /// UTF-8: a name already kept is found by its bytes, unchecked again.
    pub fn get(&mut self, bytes: &[u8]) -> Option<Arc<str>> {
        if let Some(n) = self.0.iter().find(|n| same(n.as_bytes(), bytes)) {
            return Some(Arc::clone(n));
        }
        let n: Arc<str> = Arc::from(std::str::from_utf8(bytes).ok()?);
        if self.0.len() < Self::KEPT {
            self.0.push(Arc::clone(&n));
        }
        Some(n)
    }
}

/// `a == b`, inline for texts of 8 to 16 bytes (pool names, mostly):
/// their first and last eight bytes, where a call to `memcmp` cost more
/// than the comparison, once per pool of every hypervisor read.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    match a.len() {
        n if n != b.len() => false,
        8..=16 => {
            let last = a.len() - 8;
            word(a, 0) == word(b, 0) && word(a, last) == word(b, last)
        }
        _ => a == b,
    }
}

impl std::fmt::Display for PoolName {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            PoolName::Local => f.write_str("localStorage"),
            PoolName::Named(n) => f.write_str(n),
            PoolName::Index(i) => write!(f, "otherStorage[{i}]"),
        }
    }
}

/// A storage pool of a hypervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoragePool {
    pub name: PoolName,
    pub storage_type: i64,
    pub enabled: bool,
    pub quota: Quota,
}

/// How a hypervisor limits its server count (`resources.servers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slots {
    /// Absent or null: an older panel, no limit.
    Unreported,
    /// Present: a cell, or `None` when it is not an object (fits nothing).
    Cell(Option<Quota>),
}

/// Who counts: enabled, commissioned and not prohibited; else the first
/// reason, in that order.
pub fn eligibility(enabled: bool, commissioned: bool, prohibit: bool) -> Result<(), Skip> {
    if !enabled {
        Err(Skip::Disabled)
    } else if !commissioned {
        Err(Skip::NotCommissioned)
    } else if prohibit {
        Err(Skip::Prohibited)
    } else {
        Ok(())
    }
}

/// A hypervisor's storage pools, inline up to three: panels report the
/// default mountpoint and one or two others, and a pool list on the heap
/// was an allocation per hypervisor per read.
pub type Pools = SmallVec<[StoragePool; 3]>;

/// Appends `pool` to `pools`, written where the list keeps it while it has
/// room. `SmallVec::push` is a call that takes the pool from a copy made
/// aside: one whose last field was just written a byte at a time and is
/// then read back eight at a time, which stalls until the write lands,
/// for every pool of every hypervisor read.
#[inline(always)]
pub fn add_pool(pools: &mut Pools, pool: StoragePool) {
    let len = pools.len();
    if len == pools.capacity() {
        return pools.push(pool);
    }
    // SAFETY: below capacity, the slot after the last element is allocated
    // and unused; it is written, then counted.
    unsafe {
        pools.as_mut_ptr().add(len).write(pool);
        pools.set_len(len + 1);
    }
}

/// One hypervisor of a group, as the core keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hypervisor {
    pub id: i64,
    pub name: Name,
    /// `Err` when it contributes nothing.
    pub eligible: Result<(), Skip>,
    pub memory: Option<Quota>,
    pub cpu: Option<Quota>,
    /// The default mountpoint first (when it is an object), then each
    /// `otherStorage` entry that is an object.
    pub pools: Pools,
    pub slots: Slots,
    /// `network.total.ipv4.free`, when reported.
    pub ipv4_free: Option<i64>,
}

fn quota(cell: &Obj<Cell>) -> Option<Quota> {
    cell.get().map(|c| Quota {
        max: c.max.0,
        free: c.free.0,
    })
}

fn storage_pool(pool: Pool, name: PoolName) -> StoragePool {
    StoragePool {
        name,
        storage_type: pool.storage_type.0,
        enabled: pool.enabled.0,
        quota: Quota {
            max: pool.max.0,
            free: pool.free.0,
        },
    }
}

fn local_pool(pool: LocalPool) -> StoragePool {
    StoragePool {
        name: PoolName::Local,
        storage_type: pool.storage_type.0,
        enabled: pool.enabled.0,
        quota: Quota {
            max: pool.max.0,
            free: pool.free.0,
        },
    }
}

/// An element of a group's `data` list, read straight into a hypervisor.
impl<'de> Deserialize<'de> for Hypervisor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Obj::<Entry>::deserialize(d).map(Hypervisor::from_entry)
    }
}

impl Hypervisor {
    /// Reads one element of a group's `data` list.
    pub fn from_entry(entry: Obj<Entry>) -> Hypervisor {
        let entry = entry.into_inner().unwrap_or_default();
        let info = entry.hypervisor.into_inner();
        let (id, name) = info.as_ref().map_or((0, Name::default()), |h| {
            (h.id.0, Name::from(Arc::clone(&h.name.0)))
        });
        let (Some(hv), Some(res)) = (info, entry.resources.into_inner()) else {
            return Hypervisor::skipped(id, name, Skip::Malformed);
        };
        let eligible = eligibility(hv.enabled.0, hv.commissioned.0, hv.prohibit.0);
        if let Err(skip) = eligible {
            return Hypervisor::skipped(id, name, skip);
        }
        let ipv4_free = res.ipv4_free();
        let mut pools = Pools::new();
        if let Some(local) = res.local_storage.into_inner() {
            add_pool(&mut pools, local_pool(local));
        }
        for (i, pool) in res.other_storage.into_items().into_iter().enumerate() {
            if let Some(pool) = pool.into_inner() {
                let name = PoolName::other(i, Arc::clone(&pool.name.0));
                add_pool(&mut pools, storage_pool(pool, name));
            }
        }
        Hypervisor {
            id,
            name,
            eligible,
            memory: quota(&res.memory),
            cpu: quota(&res.cpu_cores),
            pools,
            slots: match &res.servers {
                None => Slots::Unreported,
                Some(cell) => Slots::Cell(quota(cell)),
            },
            ipv4_free,
        }
    }

    /// A hypervisor that contributes nothing, and why.
    pub fn skipped(id: i64, name: Name, skip: Skip) -> Hypervisor {
        Hypervisor {
            id,
            name,
            eligible: Err(skip),
            memory: None,
            cpu: None,
            pools: Pools::new(),
            slots: Slots::Unreported,
            ipv4_free: None,
        }
    }

    /// Roughly what this hypervisor occupies in memory, for byte-bounded caches.
    pub fn weight(&self) -> usize {
        let names: usize = self
            .pools
            .iter()
            .map(|p| match &p.name {
                PoolName::Named(n) => n.len(),
                _ => 0,
            })
            .sum();
        let spilled = if self.pools.spilled() {
            self.pools.capacity() * std::mem::size_of::<StoragePool>()
        } else {
            0
        };
        std::mem::size_of::<Hypervisor>() + self.name.heap_bytes() + spilled + names
    }
}

/// What one VPS consumes, and how it is counted: a package's needs (or a
/// custom configuration's), its IPv4 addresses and its safety buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Needs {
    pub memory: i64,
    pub cpu: i64,
    pub storage: i64,
    /// `primaryStorageProfile`: a storage *type code*, not a pool id.
    pub storage_code: i64,
    pub ipv4: Ipv4Need,
    pub buffer: Buffer,
}

impl Needs {
    pub fn of(package: &Package, ipv4: Ipv4Need, buffer: Buffer) -> Needs {
        Needs {
            memory: package.memory.0,
            cpu: package.cpu_cores.0,
            storage: package.primary_storage.0,
            storage_code: package.primary_storage_profile.0,
            ipv4,
            buffer,
        }
    }
}

/// What placement has taken from one hypervisor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    pub memory: i64,
    pub cpu: i64,
    pub slots: i64,
    /// IPv4 addresses taken from the hypervisor's own report.
    pub ipv4: i64,
    /// Storage taken per pool, by index into [`Hypervisor::pools`].
    pub storage: Vec<(usize, i64)>,
    /// The pool each storage type code was placed in first, and stays in:
    /// capacity counts one pool per type, so placement may not spread a type
    /// over several (the checkout check must never exceed the qty).
    pub pins: Vec<(i64, usize)>,
}

/// Nothing taken: what a hypervisor without placements is evaluated
/// after (one static, not a value built and dropped per hypervisor).
static NOTHING_TAKEN: Taken = Taken {
    memory: 0,
    cpu: 0,
    slots: 0,
    ipv4: 0,
    storage: Vec::new(),
    pins: Vec::new(),
};

impl Taken {
    fn storage(&self, pool: usize) -> i64 {
        self.storage
            .iter()
            .find(|(p, _)| *p == pool)
            .map_or(0, |(_, n)| *n)
    }

    fn pin(&self, code: i64) -> Option<usize> {
        self.pins.iter().find(|(c, _)| *c == code).map(|(_, p)| *p)
    }

    /// Records one more VPS of `needs` placed in `pool` (when it needs storage).
    pub fn take(&mut self, needs: &Needs, pool: Option<usize>) {
        self.memory = self.memory.saturating_add(needs.memory.max(0));
        self.cpu = self.cpu.saturating_add(needs.cpu.max(0));
        self.slots = self.slots.saturating_add(1);
        self.ipv4 = self.ipv4.saturating_add(needs.ipv4.get());
        let Some(p) = pool else { return };
        if needs.storage > 0 {
            match self.storage.iter_mut().find(|(at, _)| *at == p) {
                Some((_, n)) => *n = n.saturating_add(needs.storage),
                None => self.storage.push((p, needs.storage)),
            }
        }
        if needs.storage_code > 0 && self.pin(needs.storage_code).is_none() {
            self.pins.push((needs.storage_code, p));
        }
    }
}

/// What an eligible hypervisor holds, axis by axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axes {
    pub memory: Fit,
    pub cpu: Fit,
    pub storage: Fit,
    pub servers: Fit,
    pub ipv4: Fit,
    /// The storage pool chosen, by index into [`Hypervisor::pools`].
    pub pool: Option<usize>,
}

impl Axes {
    /// `min(memory, cpu, storage, servers, ipv4)`.
    pub fn fits(&self) -> Fit {
        self.memory
            .min(self.cpu)
            .min(self.storage)
            .min(self.servers)
            .min(self.ipv4)
    }

    /// The smallest axis, the first of memory, cpu, storage, servers, ipv4
    /// on a tie; `None` when all are unlimited.
    pub fn binding(&self) -> Option<Axis> {
        let fits = self.fits();
        if fits == Fit::Unlimited {
            None
        } else if self.memory == fits {
            Some(Axis::Memory)
        } else if self.cpu == fits {
            Some(Axis::Cpu)
        } else if self.storage == fits {
            Some(Axis::Storage)
        } else if self.servers == fits {
            Some(Axis::Servers)
        } else {
            Some(Axis::Ipv4)
        }
    }
}

/// One breakdown row: an eligible hypervisor's axes, or why it was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub name: Name,
    pub outcome: Result<Axes, Skip>,
    /// The pool chosen, by name.
    pub pool: Option<PoolName>,
    /// The IPv4 addresses an eligible hypervisor reports free (less what
    /// placement took from it), when it reports them.
    pub ipv4_free: Option<i64>,
}

impl Row {
    /// What this hypervisor adds to its group's sum (skipped: nothing).
    pub fn fits(&self) -> Fit {
        self.outcome.as_ref().map_or(Fit::Finite(0), Axes::fits)
    }
}

/// Evaluates one hypervisor for `needs`, after what `taken` records.
/// Inlined into a group's loop, its row is written into the group's list
/// directly, not built aside and copied in.
#[inline]
pub fn evaluate(hv: &Hypervisor, needs: &Needs, taken: Option<&Taken>) -> Row {
    let taken = taken.unwrap_or(&NOTHING_TAKEN);
    let outcome = axes(hv, needs, taken);
    let (pool, ipv4_free) = match &outcome {
        Err(_) => (None, None),
        Ok(a) => (
            a.pool.map(|p| hv.pools[p].name.clone()),
            hv.ipv4_free.map(|f| f.saturating_sub(taken.ipv4)),
        ),
    };
    Row {
        id: hv.id,
        name: hv.name.clone(),
        outcome,
        pool,
        ipv4_free,
    }
}

/// The five axes of one hypervisor for `needs`, after `taken` (or why it
/// is skipped): what placement asks of every hypervisor for every VPS, so
/// it builds no row.
pub fn axes(hv: &Hypervisor, needs: &Needs, taken: &Taken) -> Result<Axes, Skip> {
    hv.eligible?;
    let cell = |q: Option<Quota>, taken: i64, need: i64| fit(q, taken, need, needs.buffer);
    let (storage, pool) = storage_fit(hv, needs, taken);
    let servers = match hv.slots {
        Slots::Unreported => Fit::Unlimited,
        Slots::Cell(q) => cell(q, taken.slots, 1),
    };
    let ipv4 = hv
        .ipv4_free
        .and_then(|f| needs.ipv4.fits_in(f.saturating_sub(taken.ipv4)))
        .map_or(Fit::Unlimited, Fit::Finite);
    Ok(Axes {
        memory: cell(hv.memory, taken.memory, needs.memory),
        cpu: cell(hv.cpu, taken.cpu, needs.cpu),
        storage,
        servers,
        ipv4,
        pool,
    })
}

/// The storage axis and the pool it chose.
///
/// `primaryStorageProfile` is a storage *type code* (0 local, 4 mountpoint,
/// …), not a pool id: matching it against pool ids once zeroed a whole
/// catalogue. Every pool of that type is a candidate, the default mountpoint
/// included; a disabled one is skipped, never vetoing an enabled peer; on
/// equal fits the first candidate wins.
fn storage_fit(hv: &Hypervisor, needs: &Needs, taken: &Taken) -> (Fit, Option<usize>) {
    let need = needs.storage;
    if need <= 0 {
        return (Fit::Unlimited, None);
    }
    let fit_of = |i: usize| fit_quota(hv.pools[i].quota, taken.storage(i), need, needs.buffer);
    let code = needs.storage_code;
    if code <= 0 {
        return match hv.pools.first() {
            Some(p) if p.name == PoolName::Local && p.enabled => (fit_of(0), Some(0)),
            _ => (Fit::Finite(0), None),
        };
    }
    if let Some(p) = taken.pin(code) {
        return (fit_of(p), Some(p));
    }
    let mut best: Option<(Fit, usize)> = None;
    for (i, pool) in hv.pools.iter().enumerate() {
        if pool.storage_type != code || !pool.enabled {
            continue;
        }
        let f = fit_of(i);
        if best.is_none_or(|(b, _)| f > b) {
            best = Some((f, i));
        }
    }
    match best {
        None => (Fit::Finite(0), None),
        Some((f, i)) => (f, Some(i)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    proptest! {
        /// Equal texts, and texts one byte apart anywhere, of every length
        /// around the inline words.
        #[test]
        fn pool_names_compare_as_their_bytes(
            a in vec(any::<u8>(), 0..24),
            at in any::<prop::sample::Index>(),
            by in 1u8..=255,
            other in vec(any::<u8>(), 0..24),
        ) {
            prop_assert!(same(&a, &a.clone()));
            if !a.is_empty() {
                let mut b = a.clone();
                let i = at.index(b.len());
                b[i] = b[i].wrapping_add(by);
                prop_assert!(!same(&a, &b));
            }
            prop_assert_eq!(same(&a, &other), a == other);
        }
    }

    #[test]
    fn pool_names_are_shared_by_their_text() {
        let mut names = PoolNames::default();
        let a = names.get(b"nvme-mount").expect("UTF-8");
        let b = names.get(b"nvme-mount").expect("UTF-8");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*names.get(b"nvme-mounT").expect("UTF-8"), "nvme-mounT");
        assert!(names.get(b"\xff").is_none());
    }
}
