//! A resources page read straight from the PHP arrays `json_decode` makes.
//!
//! `vf_capacity_for` with array input spent most of its time in the generic
//! reader ([`ZvalDe`] through serde): an iterator per table to tell a list
//! from an object, a key parsed for digits before every lookup, a visitor
//! per field. The shape a panel sends (and `json_decode($json, true)` makes)
//! is fixed, so this reads it directly: each field the core needs by one
//! hash lookup, lists by index, scalars of the usual types inline. The
//! entries of a page share their layout, so each field first checks the
//! bucket it was found in for the entry before ([`Field`]).
//!
//! It answers exactly what the generic reader answers. Anything it does not
//! handle itself (objects, packed arrays with holes, hash tables that might
//! be lists, lists given as maps) is handed to the generic reader — the
//! whole hypervisor entry, or the whole page — so the lenient rules of
//! `core::input` stay written once.

use std::cell::Cell;
use std::mem::size_of;
use std::sync::Arc;

use ext_php_rs::ffi::{zend_hash_find_known_hash, zend_hash_index_find, zend_string, Bucket};
use ext_php_rs::types::{ZendHashTable, ZendStr, Zval};
use serde::Deserialize;

use super::prefetch::Ahead;
use super::zval_de::zval_type::*;
use super::zval_de::{dense_list, deref, never_indexed, packed, packed_at, type_of, ZvalDe};
use crate::core::fit::Quota;
use crate::core::hypervisor::{
    add_pool, eligibility, Hypervisor, PoolName, PoolNames, Skip, Slots, StoragePool,
};
use crate::core::input::{self, DocError, Flag, Num, SharedText};
use crate::core::name::Name;

/// The depth the generic reader gives an element of the `data` list.
const ENTRY_DEPTH: usize = 2;

/// The keys, interned for good at startup.
struct Permanent(Keys);

// SAFETY: permanent interned strings are immutable and never freed while
// the module is loaded; every thread of a ZTS build may read them.
unsafe impl Send for Permanent {}
unsafe impl Sync for Permanent {}

static PERMANENT: once_cell::sync::OnceCell<Permanent> = once_cell::sync::OnceCell::new();

/// MINIT: interns the field names once per process.
pub fn startup() {
    let _ = PERMANENT.set(Permanent(Keys::interned(true)));
}

/// Not handled here: the generic reader decides.
struct Odd;

/// The value behind a reference or an indirect slot, or the value itself.
fn value(zv: &Zval) -> &Zval {
    match type_of(zv) {
        IS_REFERENCE | IS_INDIRECT => deref(zv),
        _ => zv,
    }
}

macro_rules! keys {
    ($($field:ident = $text:literal,)*) => {
        /// The field names looked up, interned once per call: a lookup
        /// then uses the hash computed at interning.
        #[derive(Clone, Copy)]
        struct Keys { $($field: *mut zend_string,)* }
        impl Keys {
            fn new() -> Keys {
                match PERMANENT.get() {
                    Some(k) => k.0,
                    None => Keys::interned(false),
                }
            }
            fn interned(persistent: bool) -> Keys {
                Keys { $($field: ZendStr::new_interned($text, persistent).into_raw().cast(),)* }
            }
        }
    };
}

keys! {
    data = "data", hypervisor = "hypervisor", resources = "resources",
    id = "id", name = "name", enabled = "enabled", commissioned = "commissioned",
    prohibit = "prohibit", network = "network", total = "total", ipv4 = "ipv4", free = "free",
    max = "max", local_storage = "localStorage", other_storage = "otherStorage",
    storage_type = "storageType", servers = "servers", memory = "memory", cpu_cores = "cpuCores",
}

/// The value at index `i` of a hash table.
fn at(ht: &ZendHashTable, i: u32) -> Option<&Zval> {
    // SAFETY: a lookup in a live table; the zval lives as long as it.
    unsafe { zend_hash_index_find(ht, u64::from(i)).as_ref() }
}

/// The table of an array read as an object: a hash table, or a packed
/// one with no slot used. Fields are read from these only, so a field's
/// learnt place, when the table has it, is always a bucket.
#[derive(Clone, Copy)]
struct Object<'a>(&'a ZendHashTable);

/// The table of an array zval that is an object by its header alone: a
/// hash table into which no key >= 0 was ever inserted (what `json_decode`
/// makes of an object), so no list.
#[inline(always)]
fn plain_object(zv: &Zval) -> Option<Object<'_>> {
    if type_of(zv) != IS_ARRAY {
        return None;
    }
    // SAFETY: an array zval holds a live table.
    let ht: &ZendHashTable = unsafe { &*zv.value.arr };
    (!packed(ht) && never_indexed(ht)).then_some(Object(ht))
}

/// Reads `zv` where an object is expected, as the generic reader would:
/// its table when it is an array that is not a list, or the empty array
/// (`{}` = `[]`); `None` when it is no object (a scalar, null, or a
/// non-empty list).
#[inline(always)]
fn object(zv: &Zval) -> Result<Option<Object<'_>>, Odd> {
    match plain_object(zv) {
        Some(ht) => Ok(Some(ht)),
        None => any_object(zv),
    }
}

/// [`object`] for any value.
#[inline(never)]
fn any_object(zv: &Zval) -> Result<Option<Object<'_>>, Odd> {
    let zv = value(zv);
    match type_of(zv) {
        IS_ARRAY => {}
        IS_OBJECT => return Err(Odd),
        _ => return Ok(None),
    }
    // SAFETY: an array zval holds a live table.
    let ht: &ZendHashTable = unsafe { &*zv.value.arr };
    if ht.nNumOfElements == 0 {
        // A packed table with slots but no element (PHP trims a list's
        // trailing holes, so unset() leaves none; a table built otherwise
        // might): the generic reader's, as its slots are no buckets.
        return if packed(ht) && ht.nNumUsed > 0 {
            Err(Odd)
        } else {
            Ok(Some(Object(ht)))
        };
    }
    if packed(ht) {
        return if dense_list(ht) { Ok(None) } else { Err(Odd) };
    }
    // A hash table without a key 0 is no list; one with it might be.
    if never_indexed(ht) || at(ht, 0).is_none() {
        Ok(Some(Object(ht)))
    } else {
        Err(Odd)
    }
}

/// A value that is defined (references followed).
fn defined(v: &Zval) -> Option<&Zval> {
    let v = value(v);
    (type_of(v) != IS_UNDEF).then_some(v)
}

/// A field read at one place of the shape, and the bucket it was found in
/// last time. The entries of a page are decoded from one shape, so a key
/// sits in the same bucket of every entry's table: that bucket is checked
/// first, which spares the hash slot and the call. Keys are unique in a
/// table, so a live bucket holding the key is the one a lookup finds; on a
/// miss the lookup runs and the place is learnt.
struct Field {
    key: *mut zend_string,
    /// The key's hash and text, copied here so that the check of a bucket
    /// reads the bucket and its key, nothing else.
    h: u64,
    text: KeyText,
    at: Cell<u32>,
}

/// Which PHP value types a fast read takes as they are; any other goes
/// through the lookup and the generic rules.
type Accept = fn(u32) -> bool;

/// A value used as it is: defined, and neither a reference nor an
/// indirect slot (`IS_NULL` to `IS_RESOURCE`).
fn plain(t: u32) -> bool {
    t.wrapping_sub(IS_NULL) < 9
}

impl Field {
    fn new(key: *mut zend_string) -> Field {
        // SAFETY: the keys are interned strings, alive for the call; their
        // hash was computed when they were interned.
        let ours: &ZendStr = unsafe { &*key.cast::<ZendStr>() };
        Field {
            key,
            h: ours.h,
            text: KeyText::of(key),
            at: Cell::new(u32::MAX),
        }
    }

    /// The value in the bucket this field was found in last time, when
    /// that bucket still holds the key and the value's type is one
    /// `accept` takes. Types `accept` takes are never `IS_UNDEF`, so the
    /// bucket is live and its key may be read.
    #[inline(always)]
    fn learnt<'a>(&self, Object(ht): Object<'a>, accept: Accept) -> Option<&'a Zval> {
        let at = self.at.get();
        if at >= ht.nNumUsed {
            return None;
        }
        // SAFETY: an object's table with slots used is a hash table, which
        // holds `nNumUsed` initialised buckets at `arData`.
        let b: &Bucket = unsafe { &*ht.__bindgen_anon_1.arData.add(at as usize) };
        if !accept(type_of(&b.val)) || b.h != self.h || b.key.is_null() {
            return None;
        }
        // A live bucket's key, when not null, is a live string.
        self.text.matches(b.key).then_some(&b.val)
    }

    /// The field in `ht`: present and defined.
    #[inline(always)]
    fn get<'a>(&self, ht: Object<'a>) -> Option<&'a Zval> {
        match self.learnt(ht, plain) {
            Some(v) => Some(v),
            None => self.find(ht),
        }
    }

    /// The field in `ht` by lookup, its bucket learnt for the next table.
    #[inline(never)]
    fn find<'a>(&self, Object(ht): Object<'a>) -> Option<&'a Zval> {
        // SAFETY: a lookup in a live table with an interned key (its hash
        // known); the zval lives as long as the table.
        let v = unsafe { zend_hash_find_known_hash(ht, self.key).as_ref() }?;
        if !packed(ht) {
            // A hash table's values are the first member of its buckets.
            // SAFETY: reading the data pointer of a live table.
            let data = unsafe { ht.__bindgen_anon_1.arData } as usize;
            let index = (v as *const Zval as usize).wrapping_sub(data) / size_of::<Bucket>();
            self.at.set(u32::try_from(index).unwrap_or(u32::MAX));
        }
        defined(v)
    }

    /// A number field (`core::input::Num`), an integer read inline.
    #[inline(always)]
    fn num(&self, ht: Object<'_>) -> i64 {
        match self.learnt(ht, |t| t == IS_LONG) {
            // SAFETY: a long zval.
            Some(v) => unsafe { v.value.lval },
            None => num(self.find(ht)),
        }
    }

    /// A flag field (`core::input::Flag`), a boolean or integer read inline.
    #[inline(always)]
    fn flag(&self, ht: Object<'_>) -> bool {
        flag(
            match self.learnt(ht, |t| (IS_FALSE..=IS_LONG).contains(&t)) {
                Some(v) => Some(v),
                None => self.find(ht),
            },
        )
    }

    /// The field read as an object (`None`: absent or not one).
    #[inline(always)]
    fn object<'a>(&self, ht: Object<'a>) -> Result<Option<Object<'a>>, Odd> {
        if let Some(t) = self.learnt(ht, |t| t == IS_ARRAY).and_then(plain_object) {
            return Ok(Some(t));
        }
        self.get(ht).map_or(Ok(None), object)
    }
}

/// A key's text as two 8-byte words, taken where a string holding it has
/// them: the first and the last eight bytes of a text of 8 to 16 bytes;
/// of a shorter text, the eight bytes that end with it, which begin in the
/// string's header (its length, and on 32-bit targets its hash: both equal
/// the key's by the time the words are read). A key is then checked with
/// two loads and two compares, whatever its length. Longer keys never
/// match a learnt bucket: they are always looked up.
#[derive(Clone, Copy)]
struct KeyText {
    /// The text's length, `usize::MAX` for a long text (no string has it).
    len: usize,
    /// Offsets of the two words from the text's first byte.
    first: isize,
    last: isize,
    words: [u64; 2],
}

/// Longer texts than this are looked up.
const WORDS_COVER: usize = 16;

impl KeyText {
    /// The text of `key`, a live interned string.
    fn of(key: *mut zend_string) -> KeyText {
        // SAFETY: a live string.
        let ours: &ZendStr = unsafe { &*key.cast::<ZendStr>() };
        let len = ours.len;
        let short = len.min(WORDS_COVER) as isize;
        let first = if short >= 8 { 0 } else { short - 8 };
        let last = short - 8;
        let mut text = KeyText {
            len: if len > WORDS_COVER { usize::MAX } else { len },
            first,
            last,
            words: [0; 2],
        };
        // SAFETY: `key` is live, and the offsets lie in its header and text.
        text.words = unsafe { text.words_of(key) };
        text
    }

    /// The words of `s` at this text's offsets: they lie in the string,
    /// between its hash and the end of its text.
    ///
    /// # Safety
    /// `s` must be a live string with at least `min(len, 16)` bytes of text.
    #[inline(always)]
    unsafe fn words_of(&self, s: *const zend_string) -> [u64; 2] {
        // The eight bytes before the text are the header's hash and length.
        const _: () = assert!(
            std::mem::offset_of!(zend_string, val) - std::mem::offset_of!(zend_string, h) >= 8
        );
        let val = s.cast::<u8>().add(std::mem::offset_of!(zend_string, val));
        [
            val.offset(self.first).cast::<u64>().read_unaligned(),
            val.offset(self.last).cast::<u64>().read_unaligned(),
        ]
    }

    /// Whether `s`, whose hash equals the key's, holds this text.
    #[inline(always)]
    fn matches(&self, s: *const zend_string) -> bool {
        // SAFETY: `s` is a live string; its words are read once its
        // length is known to be this text's.
        unsafe { (*s).len == self.len && self.words_of(s) == self.words }
    }
}

/// The `{max, free}` of one kind of cell.
struct CellFields {
    max: Field,
    free: Field,
}

impl CellFields {
    fn new(k: &Keys) -> CellFields {
        CellFields {
            max: Field::new(k.max),
            free: Field::new(k.free),
        }
    }

    #[inline(always)]
    fn quota(&self, t: Object<'_>) -> Quota {
        Quota {
            max: self.max.num(t),
            free: self.free.num(t),
        }
    }
}

/// Every place of the shape a field is read at.
struct Fields {
    data: Field,
    hypervisor: Field,
    resources: Field,
    id: Field,
    name: Field,
    enabled: Field,
    commissioned: Field,
    prohibit: Field,
    network: Field,
    total: Field,
    ipv4: Field,
    ipv4_free: Field,
    local_storage: Field,
    local_type: Field,
    local_enabled: Field,
    local: CellFields,
    other_storage: Field,
    pool_name: Field,
    pool_type: Field,
    pool_enabled: Field,
    pool: CellFields,
    servers: Field,
    servers_cell: CellFields,
    memory: Field,
    memory_cell: CellFields,
    cpu_cores: Field,
    cpu_cell: CellFields,
}

impl Fields {
    fn new(k: &Keys) -> Fields {
        Fields {
            data: Field::new(k.data),
            hypervisor: Field::new(k.hypervisor),
            resources: Field::new(k.resources),
            id: Field::new(k.id),
            name: Field::new(k.name),
            enabled: Field::new(k.enabled),
            commissioned: Field::new(k.commissioned),
            prohibit: Field::new(k.prohibit),
            network: Field::new(k.network),
            total: Field::new(k.total),
            ipv4: Field::new(k.ipv4),
            ipv4_free: Field::new(k.free),
            local_storage: Field::new(k.local_storage),
            local_type: Field::new(k.storage_type),
            local_enabled: Field::new(k.enabled),
            local: CellFields::new(k),
            other_storage: Field::new(k.other_storage),
            pool_name: Field::new(k.name),
            pool_type: Field::new(k.storage_type),
            pool_enabled: Field::new(k.enabled),
            pool: CellFields::new(k),
            servers: Field::new(k.servers),
            servers_cell: CellFields::new(k),
            memory: Field::new(k.memory),
            memory_cell: CellFields::new(k),
            cpu_cores: Field::new(k.cpu_cores),
            cpu_cell: CellFields::new(k),
        }
    }
}

/// The field of `t` read as an object (`None`: absent or not one).
#[inline(always)]
fn object_field<'a>(t: Option<Object<'a>>, field: &Field) -> Result<Option<Object<'a>>, Odd> {
    match t {
        Some(t) => field.object(t),
        None => Ok(None),
    }
}

/// A number field (`core::input::Num`).
fn num(v: Option<&Zval>) -> i64 {
    let Some(v) = v else { return 0 };
    if type_of(v) == IS_LONG {
        // SAFETY: a long zval.
        return unsafe { v.value.lval };
    }
    Num::deserialize(ZvalDe::new(v)).map_or(0, |n| n.0)
}

/// A flag field (`core::input::Flag`).
fn flag(v: Option<&Zval>) -> bool {
    let Some(v) = v else { return false };
    match type_of(v) {
        IS_TRUE => true,
        IS_FALSE | IS_NULL => false,
        // SAFETY: a long zval.
        IS_LONG => unsafe { v.value.lval != 0 },
        _ => Flag::deserialize(ZvalDe::new(v)).is_ok_and(|f| f.0),
    }
}

/// A display string field (`core::input::SharedText`).
fn text(v: Option<&Zval>) -> Arc<str> {
    let Some(v) = v else { return Arc::from("") };
    SharedText::deserialize(ZvalDe::new(v)).map_or_else(|_| Arc::from(""), |t| t.0)
}

/// A hypervisor's name (`core::input::SharedText`, held as a [`Name`]).
fn name(v: Option<&Zval>) -> Name {
    if let Some(v) = v.filter(|v| type_of(v) == IS_STRING) {
        // SAFETY: a string zval holds a live zend_string.
        if let Some(n) = Name::from_utf8(unsafe { &*v.value.str_ }.as_bytes()) {
            return n;
        }
    }
    Name::from(text(v))
}

/// One element of the `data` list, as `Hypervisor::deserialize` reads it,
/// written into `out`, a blank (`Hypervisor::skipped` as malformed): its
/// fields and pools are filled where they are kept, so that its 300-odd
/// bytes are not built aside and copied in. On `Err`, `out` is partly
/// written.
fn entry(f: &Fields, names: &mut PoolNames, zv: &Zval, out: &mut Hypervisor) -> Result<(), Odd> {
    let entry = object(zv)?;
    let hv = object_field(entry, &f.hypervisor)?;
    let res = object_field(entry, &f.resources)?;
    if let Some(h) = hv {
        out.id = f.id.num(h);
        out.name = name(f.name.get(h));
    }
    let (Some(hv), Some(res)) = (hv, res) else {
        return Ok(()); // malformed
    };
    out.eligible = eligibility(
        f.enabled.flag(hv),
        f.commissioned.flag(hv),
        f.prohibit.flag(hv),
    );
    if out.eligible.is_err() {
        return Ok(());
    }

    let ipv4 = object_field(object_field(f.network.object(res)?, &f.total)?, &f.ipv4)?;
    out.ipv4_free = match ipv4.and_then(|t| f.ipv4_free.get(t)) {
        Some(v) if type_of(v) != IS_NULL => Some(num(Some(v))),
        _ => None,
    };
    let pools = &mut out.pools;
    if let Some(local) = f.local_storage.object(res)? {
        add_pool(
            pools,
            StoragePool {
                name: PoolName::Local,
                storage_type: f.local_type.num(local),
                enabled: f.local_enabled.flag(local),
                quota: f.local.quota(local),
            },
        );
    }
    if let Some(other) = f.other_storage.get(res) {
        match (type_of(other) == IS_ARRAY).then(|| unsafe { &*other.value.arr }) {
            None if type_of(other) == IS_OBJECT => return Err(Odd),
            None => {} // not a list: no pools
            Some(list) if list.nNumOfElements == 0 => {}
            Some(list) if dense_list(list) => {
                for i in 0..list.nNumOfElements {
                    let Some(item) = packed_at(list, i) else {
                        return Err(Odd);
                    };
                    if let Some(p) = object(item)? {
                        let name =
                            PoolName::other(i as usize, pool_name(names, f.pool_name.get(p)));
                        add_pool(
                            pools,
                            StoragePool {
                                name,
                                storage_type: f.pool_type.num(p),
                                enabled: f.pool_enabled.flag(p),
                                quota: f.pool.quota(p),
                            },
                        );
                    }
                }
            }
            Some(_) => return Err(Odd), // a list given as a map
        }
    }
    out.slots = match f.servers.get(res) {
        None => Slots::Unreported,
        Some(v) if type_of(v) == IS_NULL => Slots::Unreported,
        Some(v) => Slots::Cell(object(v)?.map(|c| f.servers_cell.quota(c))),
    };
    out.memory = f.memory.object(res)?.map(|c| f.memory_cell.quota(c));
    out.cpu = f.cpu_cores.object(res)?.map(|c| f.cpu_cell.quota(c));
    Ok(())
}

/// A pool's name, shared through `names` when it is plain UTF-8 text.
fn pool_name(names: &mut PoolNames, v: Option<&Zval>) -> Arc<str> {
    if let Some(v) = v.filter(|v| type_of(v) == IS_STRING) {
        // SAFETY: a string zval holds a live zend_string.
        if let Some(n) = names.get(unsafe { &*v.value.str_ }.as_bytes()) {
            return n;
        }
    }
    text(v)
}

/// Each hypervisor of a resources page given as PHP arrays, as
/// `core::input::resources_from` reads it, the common shapes read directly
/// (see the module's notes). `each` has each one as it is read, while its
/// entry's tables are still in cache, with how many the page holds: no
/// list of the page's hypervisors is kept, which at fleet scale was
/// written out of cache and read back in.
pub fn each_hypervisor(
    zv: &Zval,
    mut each: impl FnMut(&Hypervisor, usize),
) -> Result<(), DocError> {
    let f = &Fields::new(&Keys::new());
    let mut names = PoolNames::default();
    let top = match object(zv) {
        Err(Odd) => return generic(zv, each),
        Ok(None) => return Err(DocError::NotObject),
        Ok(Some(t)) => t,
    };
    let Some(data) = f.data.get(top) else {
        return Err(DocError::NoDataList);
    };
    let Some(list) = (type_of(data) == IS_ARRAY).then(|| unsafe { &*data.value.arr }) else {
        return if type_of(data) == IS_OBJECT {
            generic(zv, each)
        } else {
            Err(DocError::NoDataList)
        };
    };
    if list.nNumOfElements > 0 && !dense_list(list) {
        return generic(zv, each);
    }
    let of = list.nNumOfElements as usize;
    let blank = || Hypervisor::skipped(0, Name::default(), Skip::Malformed);
    let mut ahead = Ahead::over(list);
    // A dense list holds a value at every index below its count.
    for (i, item) in (0..list.nNumOfElements).filter_map(|i| Some((i, packed_at(list, i)?))) {
        if let Some(ahead) = &mut ahead {
            ahead.step(i);
        }
        let mut hv = blank();
        if entry(f, &mut names, item, &mut hv).is_err() {
            hv = Hypervisor::deserialize(ZvalDe::at_depth(item, ENTRY_DEPTH))
                .map_err(|e| DocError::Syntax(e.to_string()))?;
        }
        each(&hv, of);
    }
    Ok(())
}

/// [`each_hypervisor`] for a page the generic reader reads, whole.
fn generic(zv: &Zval, mut each: impl FnMut(&Hypervisor, usize)) -> Result<(), DocError> {
    let items = input::resources_from(ZvalDe::new(zv))?.data.into_items();
    for hv in &items {
        each(hv, items.len());
    }
    Ok(())
}
