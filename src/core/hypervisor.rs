//! One hypervisor's capacity for one package, with the breakdown an operator
//! reads to see what holds a product down.

use std::borrow::Cow;

use super::fit::{fit, fit_cell, Buffer, Fit};
use super::input::{Entry, Obj, Package, Resources};

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

/// The resource that limits a hypervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    Memory,
    Cpu,
    Storage,
}

impl Axis {
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::Memory => "memory",
            Axis::Cpu => "cpu",
            Axis::Storage => "storage",
        }
    }
}

/// The storage axis: how many fit and in which pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageFit {
    pub fit: Fit,
    pub pool: Option<Cow<'static, str>>,
}

/// What an eligible hypervisor holds, axis by axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axes {
    pub memory: Fit,
    pub cpu: Fit,
    pub storage: Fit,
    pub pool: Option<Cow<'static, str>>,
}

impl Axes {
    /// `min(memory, cpu, storage)`.
    pub fn fits(&self) -> Fit {
        self.memory.min(self.cpu).min(self.storage)
    }

    /// The smallest axis, the first of memory, cpu, storage on a tie;
    /// `None` when all are unlimited.
    pub fn binding(&self) -> Option<Axis> {
        let fits = self.fits();
        if fits == Fit::Unlimited {
            return None;
        }
        [
            (Axis::Memory, self.memory),
            (Axis::Cpu, self.cpu),
            (Axis::Storage, self.storage),
        ]
        .into_iter()
        .find(|&(_, f)| f == fits)
        .map(|(a, _)| a)
    }
}

/// One breakdown row: an eligible hypervisor's axes, or why it was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub outcome: Result<Axes, Skip>,
    /// `network.total.ipv4.free` of an eligible hypervisor, when reported.
    pub ipv4_free: Option<i64>,
}

impl Row {
    /// What this hypervisor adds to its group's sum (skipped: nothing).
    pub fn fits(&self) -> Fit {
        self.outcome.as_ref().map_or(Fit::Finite(0), Axes::fits)
    }
}

/// Evaluates one element of a group's `data` list.
pub fn evaluate(entry: &Obj<Entry>, package: &Package, buffer: Buffer) -> Row {
    let Some(entry) = entry.get() else {
        return skipped(0, String::new(), Skip::Malformed);
    };
    let (id, name) = entry
        .hypervisor
        .get()
        .map_or((0, String::new()), |h| (h.id.0, h.name.0.clone()));
    let (Some(hv), Some(res)) = (entry.hypervisor.get(), entry.resources.get()) else {
        return skipped(id, name, Skip::Malformed);
    };
    let skip = if !hv.enabled.0 {
        Some(Skip::Disabled)
    } else if !hv.commissioned.0 {
        Some(Skip::NotCommissioned)
    } else if hv.prohibit.0 {
        Some(Skip::Prohibited)
    } else {
        None
    };
    if let Some(skip) = skip {
        return skipped(id, name, skip);
    }
    let storage = storage_fit(res, package, buffer);
    Row {
        id,
        name,
        outcome: Ok(Axes {
            memory: fit(&res.memory, package.memory.0, buffer),
            cpu: fit(&res.cpu_cores, package.cpu_cores.0, buffer),
            storage: storage.fit,
            pool: storage.pool,
        }),
        ipv4_free: res.ipv4_free(),
    }
}

fn skipped(id: i64, name: String, skip: Skip) -> Row {
    Row {
        id,
        name,
        outcome: Err(skip),
        ipv4_free: None,
    }
}

/// The storage axis (SPEC §3).
///
/// `primaryStorageProfile` is a storage *type code* (0 local, 4 mountpoint,
/// …), not a pool id: matching it against pool ids once zeroed a whole
/// catalogue. Every pool of that type is a candidate, the default mountpoint
/// included; a disabled one is skipped, never vetoing an enabled peer.
pub fn storage_fit(res: &Resources, package: &Package, buffer: Buffer) -> StorageFit {
    let need = package.primary_storage.0;
    if need <= 0 {
        return StorageFit {
            fit: Fit::Unlimited,
            pool: None,
        };
    }
    let code = package.primary_storage_profile.0;
    if code <= 0 {
        return match res.local_storage.get() {
            Some(local) if local.enabled.0 => StorageFit {
                fit: fit_cell(local, need, buffer),
                pool: Some(Cow::Borrowed("localStorage")),
            },
            _ => StorageFit {
                fit: Fit::Finite(0),
                pool: None,
            },
        };
    }
    // `None` stands for the default mountpoint, `Some(i)` for otherStorage[i].
    let default_pool = res.local_storage.get().map(|p| (None, p));
    let others = res.other_storage.items().iter().enumerate();
    let others = others.filter_map(|(i, p)| p.get().map(|p| (Some(i), p)));
    let mut best: Option<(Fit, Option<usize>)> = None;
    for (at, pool) in default_pool.into_iter().chain(others) {
        if pool.storage_type.0 != code || !pool.enabled.0 {
            continue;
        }
        let f = fit_cell(pool, need, buffer);
        if best.is_none_or(|(b, _)| f > b) {
            best = Some((f, at));
        }
    }
    match best {
        None => StorageFit {
            fit: Fit::Finite(0),
            pool: None,
        },
        Some((fit, at)) => StorageFit {
            fit,
            pool: Some(pool_name(res, at)),
        },
    }
}

/// `localStorage`, the pool's `name`, or `otherStorage[i]` when it has none.
fn pool_name(res: &Resources, at: Option<usize>) -> Cow<'static, str> {
    let Some(i) = at else {
        return Cow::Borrowed("localStorage");
    };
    match res.other_storage.items()[i]
        .get()
        .and_then(|p| p.name.as_ref())
    {
        Some(n) if !n.0.is_empty() => Cow::Owned(n.0.clone()),
        _ => Cow::Owned(format!("otherStorage[{i}]")),
    }
}
