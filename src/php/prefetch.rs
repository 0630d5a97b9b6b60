//! Fetching a decoded resources page from memory ahead of its reader.
//!
//! At fleet scale the arrays `json_decode` makes do not fit in cache: about
//! 7 KB a hypervisor, in a dozen small tables spread over the heap. Each
//! field lookup is a chain of loads that wait on one another (table, hash
//! slot, bucket, key), so read in order a hypervisor waited on some forty
//! cache misses one after another. A few entries ahead of the reader, this
//! walks each entry's tables one step per entry read and asks for the
//! memory of the next step with prefetches, which do not wait: the misses of
//! several entries overlap, and the reader finds its tables in cache.
//!
//! It asks for what every field read needs: table headers, buckets, keys,
//! and the headers of child tables. Not hash slots (the reader finds a
//! field at its bucket from the entry before) nor value strings (it reads
//! one name per entry): fetching those as well took cache and time the
//! reader needed, 3–5% of the call at 1,000–2,000 hypervisors.
//!
//! It only reads table headers and buckets, never a value's meaning, so it
//! cannot change an answer; its work per entry is bounded, so an odd
//! document is only read more slowly.

use ext_php_rs::ffi::{Bucket, HashTable};
use ext_php_rs::types::Zval;

use super::zval_de::zval_type::IS_ARRAY;
use super::zval_de::{packed, packed_at, type_of, PACKED_SLOT};

/// Pages with fewer entries fit in cache (the L2 holds ~150 hypervisors).
const MIN_ENTRIES: u32 = 128;

/// How far ahead of the reader an entry's walk starts: a table takes two
/// steps (its header, then its elements) and the reader goes five tables
/// deep (entry, resources, network, total, ipv4).
const AHEAD: u32 = 10;

/// At most this many tables are carried from one step to the next.
const MAX_TABLES: usize = 64;

/// At most this many elements of one table are looked at.
const MAX_ELEMENTS: u32 = 32;

/// At most this many cache lines of one table's elements are fetched.
const MAX_LINES: usize = 24;

const LINE: usize = 64;

/// The walk ahead of the reader of one list. Every table passes through
/// it in two steps: its header is asked for, then its elements (buckets),
/// then its keys and child tables; entries at different depths share the
/// queues.
pub struct Ahead<'a> {
    list: &'a HashTable,
    /// Three queues, by turns: the tables whose header was asked for last
    /// step, those whose elements were, and the next step's headers.
    queues: [Queue; 3],
    /// Which queue holds the headers (the elements are in the next one).
    turn: usize,
}

/// Tables carried to the next step: a fixed array, so that a push is a
/// store and a count, with no growth to check.
struct Queue {
    tables: [*const HashTable; MAX_TABLES],
    len: usize,
}

impl Queue {
    fn new() -> Queue {
        Queue {
            tables: [std::ptr::null(); MAX_TABLES],
            len: 0,
        }
    }

    /// Adds `t` while there is room (a bounded walk drops the rest).
    #[inline(always)]
    fn push(&mut self, t: *const HashTable) {
        if self.len < MAX_TABLES {
            self.tables[self.len] = t;
            self.len += 1;
        }
    }

    fn tables(&self) -> &[*const HashTable] {
        &self.tables[..self.len]
    }
}

fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Asks for the cache lines of `len` bytes from `start`, at most `MAX_LINES`.
fn prefetch_span(start: *const u8, len: usize) {
    for line in 0..len.div_ceil(LINE).min(MAX_LINES) {
        prefetch(start.wrapping_add(line * LINE));
    }
}

impl<'a> Ahead<'a> {
    /// The walk over `list`, a packed list without holes, started on its
    /// first entries; `None` when the list is short enough to be in cache.
    pub fn over(list: &'a HashTable) -> Option<Ahead<'a>> {
        if list.nNumOfElements < MIN_ENTRIES {
            return None;
        }
        let mut ahead = Ahead {
            list,
            queues: [Queue::new(), Queue::new(), Queue::new()],
            turn: 0,
        };
        for j in 0..AHEAD - 1 {
            ahead.advance(j);
        }
        Some(ahead)
    }

    /// Before entry `i` is read: entry `i` has been walked `AHEAD - 1`
    /// steps, and entry `i + AHEAD - 1` starts.
    pub fn step(&mut self, i: u32) {
        self.advance(i + AHEAD - 1);
    }

    /// Takes every table one step on and starts on entry `newest`.
    fn advance(&mut self, newest: u32) {
        let [a, b, c] = &mut self.queues;
        let (headers, elements, children) = match self.turn {
            0 => (a, b, c),
            1 => (b, c, a),
            _ => (c, a, b),
        };
        // The headers asked for last step: their elements now.
        for &t in headers.tables() {
            // SAFETY: a table of the live document; its header was asked for.
            prefetch_elements(unsafe { &*t });
        }
        // The elements asked for last step: their keys and child tables
        // now, the children becoming the next step's headers.
        children.len = 0;
        for &t in elements.tables() {
            // SAFETY: as above; its elements were asked for.
            for_each_child(unsafe { &*t }, |child| {
                prefetch(child);
                children.push(child);
            });
        }
        if let Some(zv) = packed_at(self.list, newest) {
            if type_of(zv) == IS_ARRAY {
                // SAFETY: an array zval holds a live table.
                let entry = unsafe { zv.value.arr };
                prefetch(entry);
                children.push(entry);
            }
        }
        // Children → headers, headers → elements; the elements' queue
        // takes the next step's children.
        self.turn = (self.turn + 2) % 3;
    }
}

/// Asks for a table's elements (its buckets, or a list's zvals).
fn prefetch_elements(t: &HashTable) {
    // SAFETY: the header of a live table: its data pointer and sizes.
    let data = unsafe { t.__bindgen_anon_1.arData }.cast::<u8>();
    let used = t.nNumUsed.min(MAX_ELEMENTS) as usize;
    let size = if packed(t) {
        PACKED_SLOT
    } else {
        std::mem::size_of::<Bucket>()
    };
    prefetch_span(data, used * size);
}

/// Calls `f` with each table among the first `MAX_ELEMENTS` values of
/// `t`, asking for the keys of a hash table on the way.
#[inline(always)]
fn for_each_child(t: &HashTable, mut f: impl FnMut(*const HashTable)) {
    let used = t.nNumUsed.min(MAX_ELEMENTS);
    let mut child = |zv: &Zval| {
        if type_of(zv) == IS_ARRAY {
            // SAFETY: an array zval holds a live table.
            f(unsafe { zv.value.arr });
        }
    };
    if packed(t) {
        for i in 0..used {
            if let Some(zv) = packed_at(t, i) {
                child(zv);
            }
        }
        return;
    }
    // SAFETY: a hash table's first `nNumUsed` buckets are initialised
    // (deleted ones are IS_UNDEF, which is no table).
    let buckets = unsafe { std::slice::from_raw_parts(t.__bindgen_anon_1.arData, used as usize) };
    for b in buckets {
        // A null key (an integer one) is asked for too: a prefetch of
        // any address is harmless, and the test cost more than it saves.
        prefetch(b.key);
        child(&b.val);
    }
}
