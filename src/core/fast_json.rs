//! A resources page read straight from JSON text, for the shape a panel
//! sends: the hot path of `vf_capacity_for($json)` and of every group page
//! a refresh reads.
//!
//! The generic reader (`core::input` through serde_json) spent three times
//! serde's own skip-only parse on the same bytes: a visitor per value, a
//! deserializer per nested object, large values moved through results. This
//! reader walks the bytes once, matches the keys the core needs and skips the
//! rest, and builds each [`Hypervisor`] directly.
//!
//! It never decides anything itself that the generic reader would decide
//! differently: it answers only documents it fully understands, and gives up
//! (`None`) on anything else — a syntax error, an escape in a string, a
//! float or a very long integer where a number is read, a key that is a list
//! index, a list given as an object, deep nesting. The caller then reads the
//! whole document with the generic reader, which has the last word (and the
//! error message).

use std::sync::Arc;

use super::fit::Quota;
use super::hypervisor::{
    add_pool, eligibility, Hypervisor, PoolName, PoolNames, Pools, Skip, Slots, StoragePool,
};
use super::input::{list_index_bytes, List, Num, ResourcesPage};
use super::name::Name;
use super::value::{parse_numeric, str_flag};

/// Not understood here: the generic reader decides.
struct Bail;

type R<T> = Result<T, Bail>;

/// Deeper than this, skipping gives up (serde_json's own limit is 128).
const MAX_SKIP_DEPTH: u32 = 100;

/// Reads a resources page, or `None` when the generic reader must.
pub fn resources(text: &[u8]) -> Option<ResourcesPage> {
    let mut p = P {
        b: text,
        i: 0,
        names: PoolNames::default(),
        other: Vec::new(),
    };
    let page = p.page().ok()?;
    p.ws();
    (p.i == p.b.len()).then_some(page)
}

struct P<'a> {
    b: &'a [u8],
    i: usize,
    /// Pool names seen, shared between hypervisors.
    names: PoolNames,
    /// The current entry's `otherStorage` items, reused between entries.
    other: Vec<Option<PoolData>>,
}

/// What a value is where an object is expected.
enum Shape {
    Object,
    NotObject,
}

/// A storage pool as read.
struct PoolData {
    max: i64,
    free: i64,
    enabled: bool,
    storage_type: i64,
    name: Option<Arc<str>>,
}

#[derive(Default)]
struct Info {
    id: i64,
    name: Option<Name>,
    enabled: bool,
    commissioned: bool,
    prohibit: bool,
}

#[derive(Default)]
struct Res {
    memory: Option<Quota>,
    cpu: Option<Quota>,
    local: Option<PoolData>,
    /// `otherStorage` is a list (its items are in `P::other`).
    other: bool,
    slots: Option<Slots>,
    ipv4_free: Option<i64>,
}

fn empty_name() -> Arc<str> {
    Arc::from("")
}

/// The index of the first byte at or after `i` that ends plain string
/// content — `"`, `\\` or a control character — or the end of `b`.
///
/// Keys and skipped strings are most of a panel's bytes, and a byte loop
/// spent a dozen instructions on each; this tests eight at a time (SWAR:
/// the lowest flagged byte of each test is exact, borrows only run upward).
#[inline(always)]
fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let stops = zero_in(w ^ (ONES * u64::from(b'"')))
            | zero_in(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS);
        if stops != 0 {
            return i + (stops.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

impl<'a> P<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace: one test in compact JSON (what panels send), the
    /// loop only when there is some.
    #[inline(always)]
    fn ws(&mut self) {
        if matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.ws_run();
        }
    }

    #[cold]
    fn ws_run(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> R<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// After a member or an element: `true` past a `,` (another follows),
    /// `false` past `close`.
    #[inline(always)]
    fn more(&mut self, close: u8) -> R<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                self.ws();
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Bail),
        }
    }

    /// A member's key and its `:`, leaving the value next.
    #[inline(always)]
    fn key(&mut self) -> R<&'a [u8]> {
        let key = self.string()?;
        self.eat(b':')?;
        self.ws();
        Ok(key)
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// A string without escapes (its bytes, not checked for UTF-8).
    #[inline(always)]
    fn string(&mut self) -> R<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return Err(Bail);
        }
        let start = self.i + 1;
        let end = plain_run(self.b, start);
        if self.b.get(end) != Some(&b'"') {
            return Err(Bail);
        }
        self.i = end + 1;
        Ok(&self.b[start..end])
    }

    /// Skips a string, escapes included (as serde_json does: an escape is
    /// checked for its form only).
    fn skip_string(&mut self) -> R<()> {
        if self.peek() != Some(b'"') {
            return Err(Bail);
        }
        let b = self.b;
        let mut i = self.i + 1;
        loop {
            i = plain_run(b, i);
            match b.get(i) {
                None => return Err(Bail),
                Some(b'"') => {
                    self.i = i + 1;
                    return Ok(());
                }
                Some(b'\\') => match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        let hex = b.get(i + 2..i + 6).ok_or(Bail)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err(Bail);
                        }
                        i += 6;
                    }
                    _ => return Err(Bail),
                },
                Some(_) => return Err(Bail), // a control character
            }
        }
    }

    /// A number token, checked against JSON's grammar; whether it is an
    /// integer (no fraction, no exponent).
    fn number(&mut self) -> R<(&'a [u8], bool)> {
        let start = self.i;
        let b = self.b;
        let digits = |i: &mut usize| {
            let from = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - from
        };
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        let n = digits(&mut i);
        if n == 0 || (n > 1 && b[int_start] == b'0') {
            return Err(Bail);
        }
        let mut integer = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(Bail);
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(Bail);
            }
            integer = false;
        }
        self.i = i;
        Ok((&b[start..i], integer))
    }

    /// An integer token of at most 18 characters as i64; anything else
    /// (a fraction, an exponent, a longer token, `-0`, a leading zero)
    /// bails. One pass: numbers are the other half of a panel's values.
    fn int(&mut self) -> R<i64> {
        let b = self.b;
        let start = self.i;
        let neg = b.get(start) == Some(&b'-');
        let digits = start + usize::from(neg);
        let mut i = digits;
        let mut n: i64 = 0;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            n = n.wrapping_mul(10).wrapping_add(i64::from(d));
            i += 1;
        }
        let count = i - digits;
        if count == 0
            || i - start > 18
            || (count > 1 && b[digits] == b'0')
            || matches!(b.get(i), Some(b'.' | b'e' | b'E'))
        {
            return Err(Bail);
        }
        self.i = i;
        match (neg, n) {
            // serde_json reads -0 as a float (-0.0): its text would differ.
            (true, 0) => Err(Bail),
            (true, n) => Ok(-n),
            (false, n) => Ok(n),
        }
    }

    /// Skips any value.
    fn skip(&mut self, depth: u32) -> R<()> {
        self.ws();
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{') => {
                if depth >= MAX_SKIP_DEPTH {
                    return Err(Bail);
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_string()?;
                    self.eat(b':')?;
                    self.skip(depth + 1)?;
                    if !self.more(b'}')? {
                        return Ok(());
                    }
                }
            }
            Some(b'[') => {
                if depth >= MAX_SKIP_DEPTH {
                    return Err(Bail);
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                self.skip_elements(depth + 1)
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number().map(drop),
            _ => Err(Bail),
        }
    }

    /// The rest of a non-empty list whose `[` is read.
    fn skip_elements(&mut self, depth: u32) -> R<()> {
        loop {
            self.skip(depth)?;
            if !self.more(b']')? {
                return Ok(());
            }
        }
    }

    /// A value read as an object: `field` is called for each key (it reads
    /// the value and says so, or leaves it to be skipped). `[]` is the
    /// empty object; any other list, or a scalar, is not an object.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &[u8]) -> R<bool>) -> R<Shape> {
        self.ws();
        match self.peek() {
            Some(b'{') => {}
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Shape::Object);
                }
                self.skip_elements(1)?;
                return Ok(Shape::NotObject);
            }
            _ => {
                self.skip(0)?;
                return Ok(Shape::NotObject);
            }
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Shape::Object);
        }
        loop {
            let key = self.key()?;
            if key.first().is_some_and(u8::is_ascii_digit) && list_index_bytes(key).is_some() {
                return Err(Bail); // maybe a list (PHP's reading): the generic reader knows
            }
            if !field(self, key)? {
                self.skip(1)?;
            }
            if !self.more(b'}')? {
                return Ok(Shape::Object);
            }
        }
    }

    /// `core::input::Num`.
    fn num(&mut self) -> R<i64> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.int(),
            Some(b'"') => {
                let s = std::str::from_utf8(self.string()?).map_err(|_| Bail)?;
                Ok(parse_numeric(s).unwrap_or(0))
            }
            _ => self.skip(0).map(|()| 0),
        }
    }

    /// `core::input::Flag`.
    fn flag(&mut self) -> R<bool> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            Some(b'-' | b'0'..=b'9') => self.int().map(|n| n != 0),
            Some(b'"') => {
                let s = std::str::from_utf8(self.string()?).map_err(|_| Bail)?;
                Ok(str_flag(s))
            }
            _ => self.skip(0).map(|()| false),
        }
    }

    /// `core::input::SharedText`, made by `make` from its bytes (`None`:
    /// empty; `make` answers `None` for bytes that are not UTF-8).
    fn text<T>(&mut self, make: impl FnOnce(&mut PoolNames, &[u8]) -> Option<T>) -> R<Option<T>> {
        match self.peek() {
            Some(b'"') => {
                let bytes = self.string()?;
                if bytes.is_empty() {
                    return Ok(None);
                }
                make(&mut self.names, bytes).ok_or(Bail).map(Some)
            }
            Some(b'-' | b'0'..=b'9') => {
                let n = self.int()?.to_string();
                make(&mut self.names, n.as_bytes()).ok_or(Bail).map(Some)
            }
            _ => self.skip(0).map(|()| None),
        }
    }

    /// A `{max, free}` cell (`None`: not an object).
    fn cell(&mut self) -> R<Option<Quota>> {
        let mut q = Quota { max: 0, free: 0 };
        let shape = self.object(|p, k| {
            match k {
                b"max" => q.max = p.num()?,
                b"free" => q.free = p.num()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(matches!(shape, Shape::Object).then_some(q))
    }

    /// A storage pool; `named`: its name is read (otherStorage).
    fn pool(&mut self, named: bool) -> R<Option<PoolData>> {
        let mut d = PoolData {
            max: 0,
            free: 0,
            enabled: false,
            storage_type: 0,
            name: None,
        };
        let shape = self.object(|p, k| {
            match k {
                b"max" => d.max = p.num()?,
                b"free" => d.free = p.num()?,
                b"enabled" => d.enabled = p.flag()?,
                b"storageType" => d.storage_type = p.num()?,
                b"name" if named => d.name = p.text(PoolNames::get)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(matches!(shape, Shape::Object).then_some(d))
    }

    /// `network.total.ipv4.free` (`None`: not reported).
    fn network(&mut self) -> R<Option<i64>> {
        let mut free = None;
        self.object(|p, k| {
            if k != b"total" {
                return Ok(false);
            }
            let mut total_free = None;
            p.object(|p, k| {
                if k != b"ipv4" {
                    return Ok(false);
                }
                let mut ipv4_free = None;
                p.object(|p, k| {
                    if k != b"free" {
                        return Ok(false);
                    }
                    ipv4_free = if p.peek() == Some(b'n') {
                        p.literal(b"null")?;
                        None
                    } else {
                        Some(p.num()?)
                    };
                    Ok(true)
                })?;
                total_free = ipv4_free;
                Ok(true)
            })?;
            free = total_free;
            Ok(true)
        })?;
        Ok(free)
    }

    /// `otherStorage`: a list of pools, into `self.other` (false: not a list).
    fn other_storage(&mut self) -> R<bool> {
        self.other.clear();
        match self.peek() {
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(true);
                }
                loop {
                    let pool = self.pool(true)?;
                    self.other.push(pool);
                    if !self.more(b']')? {
                        return Ok(true);
                    }
                }
            }
            Some(b'{') => Err(Bail), // a list as an object: the generic reader's rules
            _ => self.skip(0).map(|()| false),
        }
    }

    fn resources(&mut self) -> R<Option<Res>> {
        let mut r = Res::default();
        let shape = self.object(|p, k| {
            match k {
                b"memory" => r.memory = p.cell()?,
                b"cpuCores" => r.cpu = p.cell()?,
                b"localStorage" => r.local = p.pool(false)?,
                b"otherStorage" => r.other = p.other_storage()?,
                b"servers" => {
                    r.slots = if p.peek() == Some(b'n') {
                        p.literal(b"null")?;
                        None
                    } else {
                        Some(Slots::Cell(p.cell()?))
                    };
                }
                b"network" => r.ipv4_free = p.network()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(matches!(shape, Shape::Object).then_some(r))
    }

    fn info(&mut self) -> R<Option<Info>> {
        let mut h = Info::default();
        let shape = self.object(|p, k| {
            match k {
                b"id" => h.id = p.num()?,
                b"name" => h.name = p.text(|_, b| Name::from_utf8(b))?,
                b"enabled" => h.enabled = p.flag()?,
                b"commissioned" => h.commissioned = p.flag()?,
                b"prohibit" => h.prohibit = p.flag()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(matches!(shape, Shape::Object).then_some(h))
    }

    /// One element of `data`, as `Hypervisor::deserialize` reads it.
    fn entry(&mut self) -> R<Hypervisor> {
        let mut info = None;
        let mut res = None;
        self.object(|p, k| {
            match k {
                b"hypervisor" => info = p.info()?,
                b"resources" => res = p.resources()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let (id, name) = info.as_mut().map_or((0, None), |h| (h.id, h.name.take()));
        let name = name.unwrap_or_default();
        let skipped = |skip| Hypervisor::skipped(id, name.clone(), skip);
        let (Some(h), Some(r)) = (info, res) else {
            return Ok(skipped(Skip::Malformed));
        };
        if let Err(skip) = eligibility(h.enabled, h.commissioned, h.prohibit) {
            return Ok(skipped(skip));
        }
        let other: &[Option<PoolData>] = if r.other { &self.other } else { &[] };
        let mut pools = Pools::with_capacity(1 + other.len());
        let quota = |d: &PoolData| Quota {
            max: d.max,
            free: d.free,
        };
        if let Some(l) = &r.local {
            add_pool(
                &mut pools,
                StoragePool {
                    name: PoolName::Local,
                    storage_type: l.storage_type,
                    enabled: l.enabled,
                    quota: quota(l),
                },
            );
        }
        for (i, d) in other.iter().enumerate() {
            if let Some(d) = d {
                let name = PoolName::other(i, d.name.clone().unwrap_or_else(empty_name));
                add_pool(
                    &mut pools,
                    StoragePool {
                        name,
                        storage_type: d.storage_type,
                        enabled: d.enabled,
                        quota: quota(d),
                    },
                );
            }
        }
        Ok(Hypervisor {
            id,
            name,
            eligible: Ok(()),
            memory: r.memory,
            cpu: r.cpu,
            pools,
            slots: r.slots.unwrap_or(Slots::Unreported),
            ipv4_free: r.ipv4_free,
        })
    }

    fn page(&mut self) -> R<ResourcesPage> {
        self.ws();
        if self.peek() != Some(b'{') {
            return Err(Bail);
        }
        let mut data: Option<Vec<Hypervisor>> = None;
        let mut last_page = 0;
        let hint = (self.b.len() / 512).min(4096);
        self.object(|p, k| {
            match k {
                b"data" => {
                    if p.peek() != Some(b'[') {
                        return Err(Bail); // no list: the generic reader's error
                    }
                    p.i += 1;
                    let mut items = Vec::with_capacity(hint);
                    p.ws();
                    if p.peek() == Some(b']') {
                        p.i += 1;
                    } else {
                        loop {
                            items.push(p.entry()?);
                            if !p.more(b']')? {
                                break;
                            }
                        }
                    }
                    data = Some(items);
                }
                b"last_page" => last_page = p.num()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        let data = data.ok_or(Bail)?;
        Ok(ResourcesPage {
            data: List(Some(data)),
            last_page: Num(last_page),
            list_keyed: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{plain_run, resources};
    use crate::core::input::resources_from_json_generic;

    const FIXTURE: &str =
        include_str!("../../tests/fixtures/virtfusion-v7/openapi-v7-group-resources.json");

    /// Whenever the direct reader answers, it answers what the generic one does.
    fn agrees(text: &str) -> bool {
        match resources(text.as_bytes()) {
            None => false,
            Some(page) => {
                assert_eq!(
                    Ok(page),
                    resources_from_json_generic(text.as_bytes()),
                    "{text}"
                );
                true
            }
        }
    }

    /// The word-at-a-time scan finds the same stop as a byte loop, for a
    /// stop of every kind at every offset of a word, after any plain bytes
    /// (UTF-8 above 0x7f and the neighbours of each stop byte included).
    #[test]
    fn plain_run_stops_where_a_byte_loop_does() {
        let naive = |b: &[u8], i: usize| {
            (i..b.len())
                .find(|&j| b[j] == b'"' || b[j] == b'\\' || b[j] < 0x20)
                .unwrap_or(b.len())
        };
        let fillers = [b'a', 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']', 0x20, 0x21];
        for stop in [b'"', b'\\', 0x00, 0x1f, 0x0a, 0x09] {
            for &fill in &fillers {
                for len in 0..26 {
                    for at in 0..=len {
                        let mut b = vec![fill; len];
                        if at < len {
                            b[at] = stop;
                        }
                        for from in 0..=len.min(9) {
                            assert_eq!(plain_run(&b, from), naive(&b, from), "{b:?} from {from}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn reads_the_v7_example_as_the_generic_reader_does() {
        assert!(agrees(FIXTURE));
        assert!(
            agrees(&FIXTURE.replace('/', "\\/")),
            "escaped slashes, as PHP writes them"
        );
    }

    #[test]
    fn odd_values_agree_or_go_to_the_generic_reader() {
        let swaps: &[(&str, &str)] = &[
            ("\"max\": 6004", "\"max\": \"6004\""),
            ("\"max\": 6004", "\"max\": 6004.9"),
            ("\"max\": 6004", "\"max\": -0"),
            ("\"max\": 6004", "\"max\": 123456789012345678901"),
            ("\"max\": 6004", "\"max\": 123456789012345678"),
            ("\"max\": 6004", "\"max\": -12345678901234567"),
            ("\"max\": 6004", "\"max\": -123456789012345678"),
            ("\"max\": 6004", "\"max\": 06004"),
            ("\"max\": 6004", "\"max\": 6004e0"),
            ("\"max\": 6004", "\"max\": -"),
            ("\"max\": 6004", "\"max\": 0"),
            ("\"enabled\": true", "\"enabled\": \"0\""),
            ("\"enabled\": true", "\"enabled\": 2"),
            ("\"enabled\": true", "\"enabled\": null"),
            ("\"name\": \"PHV 1 (RED)\"", "\"name\": 7"),
            ("\"name\": \"PHV 1 (RED)\"", "\"name\": \"P\\u0048V\""),
            ("\"otherStorage\": []", "\"otherStorage\": {}"),
            ("\"otherStorage\": []", "\"otherStorage\": null"),
            (
                "\"otherStorage\": []",
                "\"otherStorage\": [1, {\"name\": \"\"}]",
            ),
            ("\"servers\": {", "\"servers\": null, \"x\": {"),
            ("\"free\": 470", "\"free\": null"),
            ("\"ipv4\": {", "\"ipv4\": [], \"y\": {"),
            ("\"memory\": {", "\"memory\": [1], \"z\": {"),
            ("\"memory\": {", "\"memory\": {\"max\": 1}, \"memory\": {"),
            ("\"hypervisor\": {", "\"hypervisor\": {\"0\": 1}, \"h\": {"),
            ("\"last_page\": 1", "\"last_page\": \"2\""),
        ];
        for (from, to) in swaps {
            assert!(FIXTURE.contains(from), "{from}");
            let text = FIXTURE.replacen(from, to, 1);
            let _ = agrees(&text);
        }
        for bad in [
            "",
            "[]",
            "{}",
            "{\"data\": 1}",
            "{\"data\": []} x",
            "{\"data\": [}",
        ] {
            assert!(resources(bad.as_bytes()).is_none(), "{bad}");
        }
    }
}
