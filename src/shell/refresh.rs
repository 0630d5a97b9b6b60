//! The refresh: recompute qty for stock-controlled products
//! and write it through the caller's database.
//!
//! The order is fixed by the fail-safe: read everything first (rows and
//! locations from the [`Store`], the panel concurrently), decide every
//! product in the pure core, then write. A store call that fails stops the
//! run: what was written stays written, nothing more is.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::core::group::Ipv4Pool;
use crate::core::input::ProductRow;
use crate::core::options::Location;
use crate::core::placement::Footprint;
use crate::core::product::{catalogue, decide, Decision, Listed, Status};

use super::deadline::Deadline;
use super::fetch::{self, Cost, Fetched};
use super::fleet::{self, Fleet, Reserved};
use super::lease;
use super::settings::{Api, Settings};

/// The database side of a refresh: WHMCS's tables through PHP callbacks in
/// the extension, an in-memory table in tests. `Stop` is why a call ended
/// the run (a PHP exception, say), handed back to the caller unchanged.
pub trait Store {
    type Stop;
    /// `tblproducts` rows for those ids, or every stock-controlled
    /// VirtFusionDirect product when `None`.
    fn products(&mut self, ids: Option<&[i64]>) -> Result<Vec<ProductRow>, Self::Stop>;
    /// The names of the sub-options of the product's option `label`.
    fn locations(&mut self, product: i64, label: &str) -> Result<Vec<String>, Self::Stop>;
    fn write(&mut self, product: i64, qty: i64) -> Result<(), Self::Stop>;
    /// Takes a lease shared by every process; `None` when the store has no
    /// shared leases (then they are per process).
    fn claim(&mut self, key: &str, ttl_seconds: i64) -> Result<Option<bool>, Self::Stop>;
    fn log(&mut self, entry: &LogEntry) -> Result<(), Self::Stop>;
}

/// One line for the caller's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEntry {
    /// A qty written (or, in a dry run, that would be).
    Qty {
        product: i64,
        previous: i64,
        qty: i64,
        dry_run: bool,
    },
    /// A product left as it was, and why.
    Untouched { product: i64, reason: String },
    /// A group not counted for having more pages than `vfstock.page_limit`.
    PageLimit { group: i64, reason: String },
}

/// A parsed refresh request.
#[derive(Clone, Debug)]
pub struct Request {
    pub api: Api,
    pub settings: Settings,
    pub ids: Option<Vec<i64>>,
    pub label: String,
    /// Key and seconds.
    pub lease: Option<(String, i64)>,
    pub forget: Option<Vec<i64>>,
    pub dry_run: bool,
    pub deadline: Deadline,
    pub pool: Ipv4Pool,
    pub reservations: Vec<Footprint>,
    /// The largest qty the store shows.
    pub display_cap: Option<i64>,
}

impl Request {
    /// A request for every product of the panel at `api`, with defaults.
    pub fn new(api: Api, settings: Settings) -> Request {
        Request {
            api,
            settings,
            ids: None,
            label: "Location".into(),
            lease: None,
            forget: None,
            dry_run: false,
            deadline: Deadline::NONE,
            pool: Ipv4Pool::Group,
            reservations: Vec::new(),
            display_cap: None,
        }
    }
}

/// One product's line in the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub id: i64,
    /// Its qty before the run; `None` when there is no such product.
    pub previous: Option<i64>,
    /// Its `configoption2`, when it has a row.
    pub package_id: Option<i64>,
    pub decision: Decision,
    /// Its Location sub-options, read.
    pub locations: Vec<Location>,
}

/// What a refresh did.
#[derive(Debug)]
pub struct Outcome {
    /// False when the lease was held elsewhere: nothing was read or written.
    pub ran: bool,
    pub lines: Vec<Line>,
    /// What pending orders took, per group that has any.
    pub reserved: Vec<(i64, Reserved)>,
    pub cost: Cost,
    pub elapsed: Duration,
}

/// Runs one refresh.
pub fn run<S: Store>(req: &Request, store: &mut S) -> Result<Outcome, S::Stop> {
    let started = Instant::now();
    if let Some((key, ttl)) = &req.lease {
        let taken = match store.claim(key, *ttl)? {
            Some(taken) => taken,
            None => lease::claim(key, Duration::from_secs(u64::try_from(*ttl).unwrap_or(0))),
        };
        if !taken {
            return Ok(Outcome {
                ran: false,
                lines: Vec::new(),
                reserved: Vec::new(),
                cost: Cost::default(),
                elapsed: started.elapsed(),
            });
        }
    }
    if let Some(ids) = &req.forget {
        fetch::forget(Some(ids));
    }

    let rows = store.products(req.ids.as_deref())?;
    let listed = catalogue(&rows, req.ids.as_deref());
    let mut places: Vec<(Vec<Location>, Vec<i64>)> = Vec::with_capacity(listed.len());
    for entry in &listed {
        let place = match entry.product().filter(|p| p.wants_panel()) {
            Some(p) => {
                let names = store.locations(p.id, &req.label)?;
                let locations: Vec<Location> = names.iter().map(|n| Location::read(n)).collect();
                let groups = p.groups(&locations);
                (locations, groups)
            }
            None => (Vec::new(), Vec::new()),
        };
        places.push(place);
    }

    let fetched = read_panel(req, &listed, &places);
    for &group in &fetched.over_page_limit {
        if let Some(crate::core::read::Read::Transient(reason)) = fetched.groups.get(&group) {
            store.log(&LogEntry::PageLimit {
                group,
                reason: reason.clone(),
            })?;
        }
    }

    let mut fleet = Fleet::new(&fetched, req.pool, &req.reservations);
    let mut lines = Vec::with_capacity(listed.len());
    for (entry, (locations, groups)) in listed.iter().zip(places) {
        let package = entry
            .product()
            .map(|p| fetched.package(p.package_id))
            .unwrap_or_else(|| crate::core::read::Read::Transient("not read".into()));
        let decision = decide(
            entry,
            &package,
            &groups,
            |g, needs| fleet.capacity(g, needs),
            req.display_cap,
        );
        let line = Line {
            id: entry.id(),
            previous: entry.product().map(|p| p.qty),
            package_id: entry.product().map(|p| p.package_id),
            decision,
            locations,
        };
        apply(req, store, &line)?;
        lines.push(line);
    }
    let mut reserved: Vec<(i64, Reserved)> = req
        .reservations
        .iter()
        .map(|r| r.group)
        .collect::<HashSet<_>>()
        .into_iter()
        .filter_map(|g| fleet.reserved(g).map(|r| (g, r.clone())))
        .collect();
    reserved.sort_by_key(|(g, _)| *g);
    Ok(Outcome {
        ran: true,
        lines,
        reserved,
        cost: fetched.cost,
        elapsed: started.elapsed(),
    })
}

/// The panel, concurrently: each distinct package and group once, and the
/// packages of the reservations in groups the products use.
fn read_panel(req: &Request, listed: &[Listed], places: &[(Vec<Location>, Vec<i64>)]) -> Fetched {
    let packages: Vec<i64> = listed
        .iter()
        .filter_map(Listed::product)
        .filter(|p| p.wants_panel())
        .map(|p| p.package_id)
        .collect();
    if packages.is_empty() {
        return Fetched::default();
    }
    let groups: Vec<i64> = places.iter().flat_map(|(_, g)| g.iter().copied()).collect();
    fleet::read(
        &req.api,
        packages,
        &groups,
        &req.reservations,
        &req.settings,
        &req.deadline,
    )
}

/// Writes (unless dry) and logs one product's verdict.
fn apply<S: Store>(req: &Request, store: &mut S, line: &Line) -> Result<(), S::Stop> {
    let d = &line.decision;
    match (d.status, d.qty) {
        (Status::Updated, Some(qty)) => {
            if !req.dry_run {
                store.write(line.id, qty)?;
            }
            store.log(&LogEntry::Qty {
                product: line.id,
                previous: line.previous.unwrap_or(0),
                qty,
                dry_run: req.dry_run,
            })
        }
        (Status::Untouched, _) => store.log(&LogEntry::Untouched {
            product: line.id,
            reason: d.reason.clone().unwrap_or_default(),
        }),
        _ => Ok(()),
    }
}
