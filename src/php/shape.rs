//! Building the PHP arrays the extension returns.
//!
//! A catalogue sweep's result is mostly breakdown rows, so two rules keep
//! its memory flat: a group's breakdown for one kind of VPS is built once
//! and shared, by refcount, by every product that has it (memory grows with
//! distinct (package, group) pairs, not products × hypervisors); and every
//! key and fixed word is an interned string, never copied per row.

use std::collections::HashMap;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::ffi::{
    zend_array_dup, zend_hash_find_known_hash, zend_hash_next_index_insert, zend_hash_update,
    zend_string,
};
use ext_php_rs::flags::ZvalTypeFlags;
use ext_php_rs::types::{ZendHashTable, ZendStr, Zval};

use crate::core::fit::Fit;
use crate::core::group::GroupCapacity;
use crate::core::hypervisor::{Axis, PoolNames, Row, Skip};
use crate::core::options::Location;
use crate::core::read::Read;
use crate::shell::check::ItemOutcome;
use crate::shell::fleet::Reserved;
use crate::shell::refresh::{Line, Outcome};

use super::convert::table;
use super::zval_de::PACKED_SLOT;

/// An interned string, for keys and fixed words.
#[derive(Clone, Copy)]
struct Word(*mut zend_string);

impl Word {
    fn new(s: &str) -> Word {
        Word(ZendStr::new_interned(s, false).into_raw().cast())
    }

    /// A permanent interned string: made once, at startup (MINIT), for
    /// every request of the process.
    fn permanent(s: &str) -> Word {
        Word(ZendStr::new_interned(s, true).into_raw().cast())
    }

    fn zval(self) -> Zval {
        let mut z = Zval::new();
        // An interned string is not refcounted: the zval only points at it.
        z.u1.type_info = ZvalTypeFlags::InternedStringEx.bits();
        z.value.str_ = self.0.cast();
        z
    }
}

/// Which answer a group's capacity is written into: what it says, and
/// how its rows hold their hypervisors' names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// `vf_capacity_for`'s. Its rows hold each name once, in a string of
    /// their own: interning would lock, hash and look up every name, and
    /// keep it to the end of the request; at fleet scale those lookups
    /// miss the cache, while a row's own string is written and freed in
    /// row order.
    Call,
    /// A found group of a sweep, which also says its `sum` before the IPv4
    /// cap and its shared pool's `ipv4Free` (what the addon shows). Names
    /// are interned: its rows repeat them for every kind of VPS placed in
    /// the group, so the request keeps each once.
    SweepGroup,
}

/// Sets `key` in `ht` to `v`, which the table then owns.
fn put(ht: &mut ZendHashTable, key: Word, v: Zval) {
    let mut v = ManuallyDrop::new(v);
    // SAFETY: the table copies the zval's value and owns it from here;
    // interned keys are not refcounted, so the table takes no reference.
    unsafe {
        zend_hash_update(ht, key.0, &raw mut *v);
    }
}

/// Appends `v` to the list `ht`, which then owns it.
fn append(ht: &mut ZendHashTable, v: Zval) {
    let mut v = ManuallyDrop::new(v);
    // SAFETY: the table copies the zval's value and owns it from here; a
    // list only fails to grow at `PHP_INT_MAX` elements, and the value is
    // then released here.
    unsafe {
        if zend_hash_next_index_insert(ht, &raw mut *v).is_null() {
            ManuallyDrop::drop(&mut v);
        }
    }
}

extern "C" {
    /// Makes an uninitialised table a packed one with room for its size.
    fn zend_hash_real_init_packed(ht: *mut ZendHashTable);
}

/// A list of `n` values, `value(i)` at index `i`, written into the
/// list's slots: a breakdown has a row per hypervisor, and appending each
/// was a call that checked the table's kind and room every time.
fn list(n: usize, mut value: impl FnMut(usize) -> Zval) -> ZBox<ZendHashTable> {
    let mut t = table(n);
    if n == 0 || t.nTableSize < u32::try_from(n).unwrap_or(u32::MAX) {
        for i in 0..n {
            append(&mut t, value(i));
        }
        return t;
    }
    // SAFETY: a new, uninitialised table of `nTableSize ≥ n` slots,
    // made packed; each slot is written once, in order, and counted as it
    // is, so the table is whole at every step.
    unsafe {
        zend_hash_real_init_packed(&raw mut *t);
        let data = t.__bindgen_anon_1.arData.cast::<u8>();
        for i in 0..n {
            let slot = data.add(i * PACKED_SLOT);
            // The list owns the value from here.
            slot.cast::<Zval>().write(value(i));
            // Before PHP 8.2 a slot is a bucket: its hash is the index.
            if !ext_php_rs::PHP_82 {
                let b = slot.cast::<ext_php_rs::ffi::Bucket>();
                (*b).h = i as u64;
                (*b).key = std::ptr::null_mut();
            }
            let count = i as u32 + 1; // n fits in u32: checked above
            t.nNumUsed = count;
            t.nNumOfElements = count;
            t.nNextFreeElement = i64::from(count);
        }
    }
    t
}

// zval types (PHP 7 – 8.4).
const IS_FALSE: u32 = 2;
const IS_TRUE: u32 = 3;
const IS_LONG: u32 = 4;

/// A new zval of a scalar type: written directly (a fresh zval holds
/// nothing to release, which `set_long` and `set_bool` check for first).
fn int(n: i64) -> Zval {
    let mut z = Zval::new();
    z.value.lval = n;
    z.u1.type_info = IS_LONG;
    z
}

fn opt_int(n: Option<i64>) -> Zval {
    n.map_or_else(Zval::new, int)
}

fn boolean(b: bool) -> Zval {
    let mut z = Zval::new();
    z.u1.type_info = if b { IS_TRUE } else { IS_FALSE };
    z
}

fn text(s: &str) -> Zval {
    bytes(s.as_bytes())
}

/// A new string zval holding `b`.
fn bytes(b: &[u8]) -> Zval {
    let s = ZendStr::new(b, false);
    // SAFETY: the type-info word of a live string's header.
    let interned = unsafe { s.gc.u.type_info } & GC_IMMUTABLE != 0;
    let mut z = Zval::new();
    // Written directly, as `int` is: `set_zend_string` first releases
    // what the zval held, and a fresh one holds nothing.
    z.u1.type_info = if interned {
        ZvalTypeFlags::InternedStringEx.bits()
    } else {
        ZvalTypeFlags::StringEx.bits()
    };
    z.value.str_ = s.into_raw();
    z
}

/// A new array zval holding `ht`, written directly (as `bytes`).
fn array(ht: ZBox<ZendHashTable>) -> Zval {
    let mut z = Zval::new();
    z.u1.type_info = if ht.is_immutable() {
        ZvalTypeFlags::Array.bits()
    } else {
        ZvalTypeFlags::ArrayEx.bits()
    };
    z.value.arr = ht.into_raw();
    z
}

fn fit(f: Option<Fit>) -> Zval {
    opt_int(f.and_then(Fit::finite))
}

macro_rules! words {
    ($($field:ident = $text:literal,)*) => {
        /// Every key and fixed word of the results, interned once per
        /// process at startup (or once per call, if startup did not).
        #[derive(Clone, Copy)]
        struct Words { $($field: Word,)* }
        impl Words {
            fn new() -> Words {
                match PERMANENT.get() {
                    Some(w) => w.words,
                    None => Words { $($field: Word::new($text),)* },
                }
            }
            fn permanent() -> Words {
                Words { $($field: Word::permanent($text),)* }
            }
        }
    };
}

words! {
    id = "id", name = "name", eligible = "eligible", skipped = "skipped",
    memory = "memory", cpu = "cpu", storage = "storage", servers = "servers", ipv4 = "ipv4",
    fits = "fits", binding = "binding", pool = "pool", ipv4_free = "ipv4Free",
    unbounded = "unbounded", ipv4_cap = "ipv4Cap", sum = "sum", hypervisors = "hypervisors",
    status = "status", reserved = "reserved", unplaced = "unplaced",
    ok = "ok", missing = "missing", transient = "transient",
    qty = "qty", previous = "previous", reason = "reason", groups = "groups",
    package_id = "packageId", package = "package", buffer = "buffer",
    locations = "locations", group = "group", label = "label",
    ran = "ran", products = "products", stats = "stats", requests = "requests",
    cache_hits = "cacheHits", elapsed_ms = "elapsedMs", items = "items", key = "key",
    count = "count", placed = "placed",
    local_storage = "localStorage",
}

/// The words interned at startup.
struct Permanent {
    words: Words,
    skips: [Word; 4],
    axes: [Word; 5],
}

// SAFETY: permanent interned strings are immutable and never freed while
// the module is loaded; every thread of a ZTS build may read them.
unsafe impl Send for Permanent {}
unsafe impl Sync for Permanent {}

static PERMANENT: once_cell::sync::OnceCell<Permanent> = once_cell::sync::OnceCell::new();

const SKIPS: [Skip; 4] = [
    Skip::Disabled,
    Skip::NotCommissioned,
    Skip::Prohibited,
    Skip::Malformed,
];
const AXES: [Axis; 5] = [
    Axis::Memory,
    Axis::Cpu,
    Axis::Storage,
    Axis::Servers,
    Axis::Ipv4,
];

/// MINIT: interns the result's keys and fixed words for good, so that a
/// call (a cart page's refresh) does not intern them again.
pub fn startup() {
    let _ = PERMANENT.set(Permanent {
        words: Words::permanent(),
        skips: SKIPS.map(|s| Word::permanent(s.as_str())),
        axes: AXES.map(|a| Word::permanent(a.as_str())),
    });
}

/// Builds result arrays, sharing what repeats.
pub struct Shape {
    w: Words,
    /// A group's entry per capacity already built.
    shared: HashMap<(i64, *const GroupCapacity), Zval>,
    /// Fixed words for skip reasons, bindings and statuses.
    fixed: HashMap<&'static str, Word>,
    /// Pool names interned already: a fleet has a few, named on every
    /// hypervisor, and interning one hashes and looks it up each time. As
    /// many are kept as a page reader shares (`PoolNames::KEPT`).
    pool_names: Vec<(Arc<str>, Word)>,
    /// The skip reasons and binding axes, interned once.
    skips: [Word; 4],
    axes: [Word; 5],
    rows: RowTemplate,
}

/// The keys of a breakdown row, in their order.
const ROW_KEYS: usize = 13;

/// A breakdown row with every key and null values: each row is a copy of
/// it (one allocation and a copy of its buckets) whose values are then
/// written in place, instead of thirteen inserts that each hash and probe.
struct RowTemplate {
    table: ZBox<ZendHashTable>,
    keys: [Word; ROW_KEYS],
    /// Where a copy's first value lies, in bytes from its buckets' start,
    /// when its values follow in key order 32 bytes apart (checked once):
    /// values are then written by position, with no lookup per row.
    first: Option<usize>,
}

/// `sizeof(Bucket)`: a zval, the hash and the key pointer (PHP 7.0 – 8.4).
const BUCKET: usize = 32;

/// `GC_IMMUTABLE` (= `IS_ARRAY_IMMUTABLE`), in a zend_refcounted's flags (PHP 7.3 – 8.4).
const GC_IMMUTABLE: u32 = 1 << 6;

impl Drop for RowTemplate {
    fn drop(&mut self) {
        // Released as the ordinary table it is.
        // SAFETY: the type-info word of a live table's header.
        unsafe { self.table.gc.u.type_info &= !GC_IMMUTABLE };
    }
}

impl RowTemplate {
    fn new(keys: [Word; ROW_KEYS]) -> RowTemplate {
        let mut table = table(ROW_KEYS);
        for k in keys {
            put(&mut table, k, Zval::new());
        }
        // Immutable (the flag opcache gives the arrays it holds): PHP then
        // copies it with one memcpy instead of re-inserting each bucket.
        // It is: nulls under interned keys, never written after this.
        // SAFETY: the type-info word of a live table's header.
        unsafe { table.gc.u.type_info |= GC_IMMUTABLE };
        let mut t = RowTemplate {
            table,
            keys,
            first: None,
        };
        // SAFETY: a copy of our own table, checked and then released.
        unsafe {
            let copy = zend_array_dup(&raw mut *t.table);
            t.first = Self::positions(copy, &keys);
            drop(ZBox::from_raw(copy));
        }
        t
    }

    /// Where the value of key 0 of `ht` lies from its buckets' start, when
    /// the value of key `i` is `BUCKET × i` bytes after it.
    unsafe fn positions(ht: *mut ZendHashTable, keys: &[Word; ROW_KEYS]) -> Option<usize> {
        let data = Self::buckets(ht);
        let first = zend_hash_find_known_hash(ht, keys[0].0).cast::<u8>();
        let in_order = !first.is_null()
            && keys.iter().enumerate().all(|(i, k)| {
                std::ptr::eq(
                    zend_hash_find_known_hash(ht, k.0).cast::<u8>(),
                    first.wrapping_add(BUCKET * i),
                )
            });
        in_order.then(|| (first as usize).wrapping_sub(data as usize))
    }

    /// The start of a hash table's buckets.
    unsafe fn buckets(ht: *mut ZendHashTable) -> *mut u8 {
        (*ht).__bindgen_anon_1.arData.cast()
    }

    /// A new row holding `values`, in key order.
    fn build(&mut self, values: [Zval; ROW_KEYS]) -> ZBox<ZendHashTable> {
        let Some(first) = self.first else {
            let mut t = table(ROW_KEYS);
            for (k, v) in self.keys.into_iter().zip(values) {
                put(&mut t, k, v);
            }
            return t;
        };
        // SAFETY: the copy has the template's layout (checked in new());
        // its values are nulls, so writing over them leaks nothing. Only
        // the type and the value are written: the zval's second word holds
        // the bucket's hash chain.
        unsafe {
            let copy = zend_array_dup(&raw mut *self.table);
            let first = Self::buckets(copy).add(first);
            for (i, v) in values.into_iter().enumerate() {
                let v = ManuallyDrop::new(v);
                let slot = first.add(BUCKET * i).cast::<Zval>();
                (*slot).value = v.value;
                (*slot).u1 = v.u1;
            }
            ZBox::from_raw(copy)
        }
    }
}

impl Shape {
    pub fn new() -> Shape {
        let w = Words::new();
        let keys = [
            w.id,
            w.name,
            w.eligible,
            w.skipped,
            w.memory,
            w.cpu,
            w.storage,
            w.servers,
            w.ipv4,
            w.fits,
            w.binding,
            w.pool,
            w.ipv4_free,
        ];
        let (skips, axes) = match PERMANENT.get() {
            Some(p) => (p.skips, p.axes),
            None => (
                SKIPS.map(|s| Word::new(s.as_str())),
                AXES.map(|a| Word::new(a.as_str())),
            ),
        };
        Shape {
            skips,
            axes,
            rows: RowTemplate::new(keys),
            w,
            shared: HashMap::new(),
            fixed: HashMap::new(),
            pool_names: Vec::new(),
        }
    }

    fn word(&mut self, s: &'static str) -> Zval {
        self.fixed.entry(s).or_insert_with(|| Word::new(s)).zval()
    }

    fn pool_name(&mut self, n: &Arc<str>) -> Word {
        if let Some((_, w)) = self
            .pool_names
            .iter()
            .find(|(m, _)| Arc::ptr_eq(m, n) || m == n)
        {
            return *w;
        }
        let w = Word::new(n);
        if self.pool_names.len() < PoolNames::KEPT {
            self.pool_names.push((Arc::clone(n), w));
        }
        w
    }

    fn opt_word(&mut self, s: Option<&'static str>) -> Zval {
        s.map_or_else(Zval::new, |s| self.word(s))
    }

    /// One breakdown row.
    fn row(&mut self, row: &Row, answer: Answer) -> Zval {
        let axes = row.outcome.as_ref().ok();
        let skipped = match row.outcome {
            Err(s) => self.skips[s as usize].zval(),
            Ok(_) => Zval::new(),
        };
        let binding = axes
            .and_then(|a| a.binding())
            .map_or_else(Zval::new, |b| self.axes[b as usize].zval());
        // Pool names are interned: a row then holds no string of its own
        // to allocate, copy and free (a fleet has a few, named on every
        // hypervisor).
        let pool = match &row.pool {
            None => Zval::new(),
            Some(crate::core::hypervisor::PoolName::Local) => self.w.local_storage.zval(),
            Some(crate::core::hypervisor::PoolName::Named(n)) => self.pool_name(n).zval(),
            Some(p) => Word::new(&p.to_string()).zval(),
        };
        let values = [
            int(row.id),
            match answer {
                Answer::SweepGroup => Word::new(&row.name).zval(),
                Answer::Call => bytes(row.name.as_bytes()),
            },
            boolean(axes.is_some()),
            skipped,
            fit(axes.map(|a| a.memory)),
            fit(axes.map(|a| a.cpu)),
            fit(axes.map(|a| a.storage)),
            fit(axes.map(|a| a.servers)),
            fit(axes.map(|a| a.ipv4)),
            fit(axes.map(|a| a.fits())),
            binding,
            pool,
            opt_int(row.ipv4_free),
        ];
        array(self.rows.build(values))
    }

    /// `vf_capacity_for`'s answer, or the body of a sweep's found group.
    fn capacity_into(&mut self, t: &mut ZendHashTable, g: &GroupCapacity, answer: Answer) {
        let totals = answer == Answer::SweepGroup;
        let w = &self.w;
        let (fits, unbounded, sum, cap, free, hvs) = (
            w.fits,
            w.unbounded,
            w.sum,
            w.ipv4_cap,
            w.ipv4_free,
            w.hypervisors,
        );
        put(t, fits, int(g.fits.finite().unwrap_or(i64::MAX)));
        put(t, unbounded, boolean(g.unbounded()));
        if totals {
            put(t, sum, int(g.sum.finite().unwrap_or(i64::MAX)));
        }
        put(t, cap, opt_int(g.ipv4_cap));
        if totals {
            put(t, free, opt_int(g.ipv4_free));
        }
        let rows = list(g.rows.len(), |i| self.row(&g.rows[i], answer));
        put(t, hvs, array(rows));
    }

    pub fn capacity(&mut self, g: &GroupCapacity) -> ZBox<ZendHashTable> {
        let mut t = table(4);
        self.capacity_into(&mut t, g, Answer::Call);
        t
    }

    /// One group of a product, shared by every product with the same one.
    fn group(
        &mut self,
        gid: i64,
        read: &Read<Arc<GroupCapacity>>,
        reserved: Option<&Reserved>,
    ) -> Zval {
        if let Read::Found(g) = read {
            if let Some(z) = self.shared.get(&(gid, Arc::as_ptr(g))) {
                return z.shallow_clone();
            }
        }
        let mut t = table(9);
        let w = &self.w;
        let (status_k, fits_k, unbounded_k, hvs_k) = (w.status, w.fits, w.unbounded, w.hypervisors);
        match read {
            Read::Found(g) => {
                let ok = self.w.ok;
                put(&mut t, status_k, ok.zval());
                self.capacity_into(&mut t, g, Answer::SweepGroup);
            }
            other => {
                let status = if matches!(other, Read::Missing) {
                    self.w.missing
                } else {
                    self.w.transient
                };
                put(&mut t, status_k, status.zval());
                put(&mut t, fits_k, Zval::new());
                put(&mut t, unbounded_k, boolean(false));
                put(&mut t, hvs_k, array(table(0)));
            }
        }
        if let Some(r) = reserved {
            put(&mut t, self.w.reserved, int(r.reserved));
            put(&mut t, self.w.unplaced, int(r.unplaced));
        }
        let z = array(t);
        if let Read::Found(g) = read {
            self.shared.insert((gid, Arc::as_ptr(g)), z.shallow_clone());
        }
        z
    }

    fn locations(&mut self, list: &[Location]) -> Zval {
        let mut out = table(list.len());
        for l in list {
            let mut t = table(3);
            put(&mut t, self.w.name, text(&l.name));
            put(&mut t, self.w.group, opt_int(l.group));
            put(&mut t, self.w.label, text(&l.label));
            append(&mut out, array(t));
        }
        array(out)
    }

    fn line(
        &mut self,
        line: &Line,
        reserved: &HashMap<i64, &Reserved>,
        with_reserved: bool,
    ) -> Zval {
        let d = &line.decision;
        let mut p = table(10);
        put(&mut p, self.w.qty, opt_int(d.qty));
        put(&mut p, self.w.previous, opt_int(line.previous));
        let status = self.word(d.status.as_str());
        put(&mut p, self.w.status, status);
        put(
            &mut p,
            self.w.reason,
            d.reason.as_deref().map_or_else(Zval::new, text),
        );
        let mut groups = table(d.groups.len());
        for (gid, read) in &d.groups {
            let r = reserved.get(gid).copied();
            let empty = Reserved::default();
            let r = if with_reserved {
                Some(r.unwrap_or(&empty))
            } else {
                None
            };
            let _ = groups.insert_at_index(*gid, self.group(*gid, read, r));
        }
        put(&mut p, self.w.groups, array(groups));
        put(&mut p, self.w.package_id, opt_int(line.package_id));
        let package = d.package.map(|s| s.as_str());
        let package = self.opt_word(package);
        put(&mut p, self.w.package, package);
        put(
            &mut p,
            self.w.buffer,
            opt_int(d.needs.map(|n| i64::from(n.buffer.get()))),
        );
        put(&mut p, self.w.ipv4, opt_int(d.needs.map(|n| n.ipv4.get())));
        let locations = self.locations(&line.locations);
        put(&mut p, self.w.locations, locations);
        array(p)
    }

    fn stats(&mut self, requests: u32, hits: u32, elapsed: std::time::Duration) -> Zval {
        let mut s = table(3);
        put(&mut s, self.w.requests, int(i64::from(requests)));
        put(&mut s, self.w.cache_hits, int(i64::from(hits)));
        let mut ms = Zval::new();
        ms.set_double(elapsed.as_secs_f64() * 1000.0);
        put(&mut s, self.w.elapsed_ms, ms);
        array(s)
    }

    /// `vf_stock_refresh`'s answer.
    pub fn refresh(&mut self, out: &Outcome, with_reserved: bool) -> ZBox<ZendHashTable> {
        let reserved: HashMap<i64, &Reserved> = out.reserved.iter().map(|(g, r)| (*g, r)).collect();
        let mut products = table(out.lines.len());
        for line in &out.lines {
            let _ = products.insert_at_index(line.id, self.line(line, &reserved, with_reserved));
        }
        let mut t = table(3);
        put(&mut t, self.w.ran, boolean(out.ran));
        put(&mut t, self.w.products, array(products));
        let stats = self.stats(out.cost.requests, out.cost.cache_hits, out.elapsed);
        put(&mut t, self.w.stats, stats);
        t
    }

    /// `vf_stock_check`'s answer.
    pub fn check(
        &mut self,
        out: &crate::shell::check::Outcome,
        keys: Vec<Option<Zval>>,
    ) -> ZBox<ZendHashTable> {
        let mut items = table(out.items.len());
        for (item, key) in out.items.iter().zip(keys) {
            append(&mut items, self.item(item, key));
        }
        let mut t = table(3);
        put(&mut t, self.w.ok, boolean(out.ok()));
        put(&mut t, self.w.items, array(items));
        let stats = self.stats(out.cost.requests, out.cost.cache_hits, out.elapsed);
        put(&mut t, self.w.stats, stats);
        t
    }

    fn item(&mut self, item: &ItemOutcome, key: Option<Zval>) -> Zval {
        let mut t = table(6);
        put(&mut t, self.w.key, key.unwrap_or_default());
        put(&mut t, self.w.ok, boolean(item.status.ok()));
        let status = self.word(item.status.as_str());
        put(&mut t, self.w.status, status);
        put(&mut t, self.w.count, int(item.count));
        put(&mut t, self.w.placed, int(item.placed));
        put(
            &mut t,
            self.w.reason,
            item.reason.as_deref().map_or_else(Zval::new, text),
        );
        array(t)
    }
}
