//! Untrusted input, read leniently in one streaming pass: the panel's JSON,
//! WHMCS's product rows and settings, footprints.
//!
//! Real fleets send every shape: numbers as strings, `null` where an object
//! belongs, duplicated keys, hundreds of fields we do not need. These types
//! deserialize from any `serde` source (JSON text, or a PHP value through
//! the boundary's reader) without ever failing on content: a field of the
//! wrong type reads as 0 / false / "not an object", unknown fields are
//! skipped without being built, and a repeated key keeps its last value, as
//! PHP's `json_decode` does. Only syntax errors fail.
//!
//! **One document, one answer.** `json_decode($json, true)` cannot tell `{}`
//! from `[]`, nor `{"0": x}` from `[x]`. So that JSON text and its decoded
//! array read alike, JSON is read the way PHP would see it: an empty list
//! where an object is expected is an empty object (and the reverse), and an
//! object whose keys are `"0"`, `"1"`, … is a list.
//!
//! **Lookups.** A reader that already holds a hash table (the PHP boundary)
//! may hand an object to these types through `visit_newtype_struct` with a
//! deserializer that answers `deserialize_struct` by looking the known
//! fields up instead of walking every entry. JSON never takes that path.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::hypervisor::Hypervisor;
use super::value::{float_text, parse_numeric, str_flag, truncate};

/// Drains a sequence we do not use, so that the deserializer moves past it.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Drains a map we do not use.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The list index a PHP array key would be: a canonical decimal integer ≥ 0
/// (`"0"`, `"17"`; not `"007"`, `"+1"` or `"1.0"`).
pub fn list_index(key: &str) -> Option<u64> {
    list_index_bytes(key.as_bytes())
}

/// [`list_index`] of raw key bytes (most keys fail at their first byte).
pub fn list_index_bytes(key: &[u8]) -> Option<u64> {
    let canonical =
        !key.is_empty() && key.iter().all(u8::is_ascii_digit) && (key == b"0" || key[0] != b'0');
    if !canonical || key.len() > 19 {
        return None;
    }
    key.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// How PHP reads an object's keys, one at a time: as a list when they are
/// `"0"`, `"1"`, … in order, a repeated key replacing its value.
struct ListKeys {
    len: u64,
    listy: bool,
}

impl ListKeys {
    fn new() -> ListKeys {
        ListKeys {
            len: 0,
            listy: true,
        }
    }

    /// The list position of the next key (its list index, if it has one);
    /// `None` once the keys are not a list's.
    fn next(&mut self, index: Option<u64>) -> Option<u64> {
        match index {
            Some(i) if self.listy && i <= self.len => {
                self.len = self.len.max(i + 1);
                Some(i)
            }
            _ => {
                self.listy = false;
                None
            }
        }
    }
}

/// Generates the scalar visitor methods shared by [`Num`], [`Flag`],
/// [`Text`] and [`Setting`]: each maps a scalar through the given closures;
/// lists and maps read as `other`.
macro_rules! scalar_visitor {
    ($ty:ident, $expect:literal, int: $int:expr, uint: $uint:expr, float: $float:expr,
     bool: $bool:expr, str: $str:expr, other: $other:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expect)
                    }
                    fn visit_i64<E>(self, v: i64) -> Result<$ty, E> {
                        Ok($int(v))
                    }
                    fn visit_u64<E>(self, v: u64) -> Result<$ty, E> {
                        Ok($uint(v))
                    }
                    fn visit_f64<E>(self, v: f64) -> Result<$ty, E> {
                        Ok($float(v))
                    }
                    fn visit_bool<E>(self, v: bool) -> Result<$ty, E> {
                        Ok($bool(v))
                    }
                    fn visit_str<E>(self, v: &str) -> Result<$ty, E> {
                        Ok($str(v))
                    }
                    fn visit_unit<E>(self) -> Result<$ty, E> {
                        Ok($other)
                    }
                    fn visit_none<E>(self) -> Result<$ty, E> {
                        Ok($other)
                    }
                    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<$ty, D2::Error> {
                        d.deserialize_any(self)
                    }
                    fn visit_newtype_struct<D2: Deserializer<'de>>(
                        self,
                        d: D2,
                    ) -> Result<$ty, D2::Error> {
                        d.deserialize_ignored_any(IgnoredAny).map(|_| $other)
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<$ty, A::Error> {
                        drain_seq(seq).map(|_| $other)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$ty, A::Error> {
                        drain_map(map).map(|_| $other)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// A number: integer, float (truncated toward zero) or numeric string;
/// anything else is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Num(pub i64);

scalar_visitor!(Num, "a number",
    int: Num,
    uint: |v: u64| Num(i64::try_from(v).unwrap_or(i64::MAX)),
    float: |v: f64| Num(truncate(v)),
    bool: |_| Num(0),
    str: |v: &str| Num(parse_numeric(v).unwrap_or(0)),
    other: Num(0));

/// A flag: `true`, a non-zero number, or a non-empty string other than "0".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

scalar_visitor!(Flag, "a flag",
    int: |v: i64| Flag(v != 0),
    uint: |v: u64| Flag(v != 0),
    float: |v: f64| Flag(v != 0.0),
    bool: Flag,
    str: |v: &str| Flag(str_flag(v)),
    other: Flag(false));

/// A display string: a string as is, a number as PHP writes it
/// (`(string)`: `12`, `12.5`, `1.0E+25`), anything else empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(pub String);

/// An unsigned JSON integer as its text. One past `i64` is a float to PHP
/// (`json_decode` reads it so), so it is written as that float is.
fn uint_text(v: u64) -> String {
    if i64::try_from(v).is_ok() {
        v.to_string()
    } else {
        float_text(v as f64)
    }
}

scalar_visitor!(Text, "a string",
    int: |v: i64| Text(v.to_string()),
    uint: |v: u64| Text(uint_text(v)),
    float: |v: f64| Text(float_text(v)),
    bool: |_| Text(String::new()),
    str: |v: &str| Text(v.to_owned()),
    other: Text(String::new()));

/// A display string kept shared (a hypervisor's or a pool's name): read
/// straight into one allocation that every row showing it can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedText(pub std::sync::Arc<str>);

impl Default for SharedText {
    fn default() -> Self {
        SharedText(std::sync::Arc::from(""))
    }
}

scalar_visitor!(SharedText, "a string",
    int: |v: i64| SharedText(std::sync::Arc::from(v.to_string())),
    uint: |v: u64| SharedText(std::sync::Arc::from(uint_text(v))),
    float: |v: f64| SharedText(std::sync::Arc::from(float_text(v))),
    bool: |_| SharedText::default(),
    str: |v: &str| SharedText(std::sync::Arc::from(v)),
    other: SharedText::default());

/// A product setting as WHMCS stores it (`configoption3`, `configoption7`,
/// an option's value): `Some` when it is a number (integer, float truncated
/// toward zero, numeric string), `None` when blank or not numeric. NaN is
/// not a number; infinities saturate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Setting(pub Option<i64>);

scalar_visitor!(Setting, "a setting",
    int: |v: i64| Setting(Some(v)),
    uint: |v: u64| Setting(Some(i64::try_from(v).unwrap_or(i64::MAX))),
    float: |v: f64| Setting((!v.is_nan()).then(|| truncate(v))),
    bool: |_| Setting(None),
    str: |v: &str| Setting(parse_numeric(v)),
    other: Setting(None));

/// A value that is present and not `null`, read as a number; `None` when
/// absent or `null` (a missing IPv4 report is "no limit", not "zero free").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reported(pub Option<i64>);

impl<'de> Deserialize<'de> for Reported {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Num>::deserialize(d).map(|o| Reported(o.map(|n| n.0)))
    }
}

/// An id: an integer, or a string holding one (trimmed); anything else,
/// floats included, is none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Id(pub Option<i64>);

scalar_visitor!(Id, "an id",
    int: |v: i64| Id(Some(v)),
    uint: |v: u64| Id(i64::try_from(v).ok()),
    float: |_| Id(None),
    bool: |_| Id(None),
    str: |v: &str| Id(v.trim().parse().ok()),
    other: Id(None));

/// What every [`lenient_object!`] type tells [`Obj`]: whether the JSON
/// object it was read from has only list keys (`"0"`, `"1"`, …), which PHP
/// decodes to a list, so it is not an object.
pub trait Lenient: Default {
    fn list_keyed(&self) -> bool;
}

/// An object of type `T`, or the record that the value was something else.
/// This is how "an entry of the wrong shape is skipped and reported" is kept
/// apart from "the entry says zero".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Obj<T> {
    Object(T),
    #[default]
    NotObject,
}

impl<T> Obj<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Obj::Object(t) => Some(t),
            Obj::NotObject => None,
        }
    }

    pub fn into_inner(self) -> Option<T> {
        match self {
            Obj::Object(t) => Some(t),
            Obj::NotObject => None,
        }
    }
}

impl<T: Lenient> Obj<T> {
    fn of(t: T) -> Obj<T> {
        if t.list_keyed() {
            Obj::NotObject
        } else {
            Obj::Object(t)
        }
    }
}

impl<'de, T: Deserialize<'de> + Lenient> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Lenient> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj::of)
            }
            /// The PHP boundary's hand-over of an array it can look keys up in.
            fn visit_newtype_struct<D2: Deserializer<'de>>(
                self,
                d: D2,
            ) -> Result<Obj<T>, D2::Error> {
                T::deserialize(d).map(Obj::of)
            }
            /// `[]` is the empty object, as PHP reads `{}`; any other list is
            /// not an object.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(Obj::Object(T::default()));
                }
                drain_seq(seq).map(|_| Obj::NotObject)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Obj<T>, D2::Error> {
                d.deserialize_any(self)
            }
            fn visit_none<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
            fn visit_unit<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
            fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj::NotObject)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list of `T`, or `None` when the value is not a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<T>(pub Option<Vec<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<T> List<T> {
    pub fn items(&self) -> &[T] {
        self.0.as_deref().unwrap_or(&[])
    }

    pub fn into_items(self) -> Vec<T> {
        self.0.unwrap_or_default()
    }
}

/// A map key read only for whether it is a list index.
struct IndexKey(Option<u64>);

impl<'de> Deserialize<'de> for IndexKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IndexKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<IndexKey, E> {
                Ok(IndexKey(list_index(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<IndexKey, E> {
                Ok(IndexKey(Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<IndexKey, E> {
                Ok(IndexKey(u64::try_from(v).ok()))
            }
        }
        d.deserialize_identifier(V)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(List(Some(items)))
            }
            /// A map is a list when PHP would decode it to one: its keys are
            /// `"0"`, `"1"`, … (a repeated key replaces, as in PHP); `{}` is `[]`.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
                let mut items: Vec<T> = Vec::new();
                let mut keys = ListKeys::new();
                while let Some(IndexKey(index)) = map.next_key()? {
                    match keys.next(index).and_then(|i| usize::try_from(i).ok()) {
                        Some(i) if i == items.len() => items.push(map.next_value()?),
                        Some(i) => items[i] = map.next_value()?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(List(keys.listy.then_some(items)))
            }
            fn visit_newtype_struct<D2: Deserializer<'de>>(
                self,
                d: D2,
            ) -> Result<List<T>, D2::Error> {
                d.deserialize_any(self)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<List<T>, D2::Error> {
                d.deserialize_any(self)
            }
            fn visit_none<E>(self) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_unit<E>(self) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<List<T>, E> {
                Ok(List(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<List<T>, E> {
                Ok(List(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Declares a lenient object: every field optional (missing reads as its
/// default), unknown keys skipped without being built, a repeated key keeps
/// its last value. A derived `Deserialize` would reject duplicate keys and
/// fail the whole group over one odd hypervisor.
///
/// It asks for a struct with its field names, so a reader holding a hash
/// table can look those up; JSON reads it as any map.
macro_rules! lenient_object {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Read from a JSON object whose keys are all list indexes.
            pub list_keyed: bool,
        }

        impl Lenient for $name {
            fn list_keyed(&self) -> bool {
                self.list_keyed
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[allow(non_camel_case_types)]
                enum Key { $($field,)* Index(u64), Other }
                fn key_of(v: &[u8]) -> Key {
                    match v {
                        $(k if k == $key.as_bytes() => Key::$field,)*
                        other => list_index_bytes(other).map_or(Key::Other, Key::Index),
                    }
                }
                impl<'de> Deserialize<'de> for Key {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        struct KV;
                        impl<'de> Visitor<'de> for KV {
                            type Value = Key;
                            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                                f.write_str("a key")
                            }
                            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                                Ok(key_of(v.as_bytes()))
                            }
                            /// Keys are compared as bytes: JSON keys are then
                            /// never checked for UTF-8, only matched.
                            fn visit_bytes<E>(self, v: &[u8]) -> Result<Key, E> {
                                Ok(key_of(v))
                            }
                            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Key, E> {
                                Ok(key_of(v))
                            }
                            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                                Ok(Key::Index(v))
                            }
                            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                                Ok(u64::try_from(v).map_or(Key::Other, Key::Index))
                            }
                        }
                        d.deserialize_bytes(KV)
                    }
                }
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("an object (", stringify!($name), ")"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut out = $name::default();
                        let (mut keys, mut any) = (ListKeys::new(), false);
                        while let Some(key) = map.next_key::<Key>()? {
                            any = true;
                            match key {
                                $(Key::$field => {
                                    keys.next(None);
                                    out.$field = map.next_value()?;
                                })*
                                Key::Index(i) => {
                                    keys.next(Some(i));
                                    map.next_value::<IgnoredAny>()?;
                                }
                                Key::Other => {
                                    keys.next(None);
                                    map.next_value::<IgnoredAny>()?;
                                }
                            }
                        }
                        out.list_keyed = any && keys.listy;
                        Ok(out)
                    }
                }
                const FIELDS: &[&str] = &[$($key,)*];
                d.deserialize_struct(stringify!($name), FIELDS, V)
            }
        }
    };
}

lenient_object! {
    /// What one VPS of a package consumes (`GET /packages/{id}`).
    pub struct Package {
        memory: Num = "memory",
        cpu_cores: Num = "cpuCores",
        primary_storage: Num = "primaryStorage",
        /// A storage *type code*, not a pool id (see the seed notes).
        primary_storage_profile: Num = "primaryStorageProfile",
        enabled: Flag = "enabled",
    }
}

lenient_object! {
    /// A `/packages/{id}` body or a bare package: the package is `data` when
    /// that is an object, else the body itself.
    pub struct PackageDoc {
        data: Obj<Package> = "data",
        memory: Num = "memory",
        cpu_cores: Num = "cpuCores",
        primary_storage: Num = "primaryStorage",
        primary_storage_profile: Num = "primaryStorageProfile",
        enabled: Flag = "enabled",
    }
}

impl PackageDoc {
    pub fn into_package(self) -> Package {
        match self.data {
            Obj::Object(p) => p,
            Obj::NotObject => Package {
                memory: self.memory,
                cpu_cores: self.cpu_cores,
                primary_storage: self.primary_storage,
                primary_storage_profile: self.primary_storage_profile,
                enabled: self.enabled,
                list_keyed: false,
            },
        }
    }
}

lenient_object! {
    /// A resource cell: `{max, free}` (the panel adds units, allocated and
    /// percent, which are not needed).
    pub struct Cell {
        max: Num = "max",
        free: Num = "free",
    }
}

lenient_object! {
    /// An `otherStorage[]` entry: a cell with a type code, a switch and a name.
    pub struct Pool {
        max: Num = "max",
        free: Num = "free",
        enabled: Flag = "enabled",
        storage_type: Num = "storageType",
        name: SharedText = "name",
    }
}

lenient_object! {
    /// `localStorage`, the default mountpoint: a pool whose name is not
    /// needed (it is shown as `localStorage`).
    pub struct LocalPool {
        max: Num = "max",
        free: Num = "free",
        enabled: Flag = "enabled",
        storage_type: Num = "storageType",
    }
}

lenient_object! {
    pub struct HypervisorInfo {
        id: Num = "id",
        name: SharedText = "name",
        enabled: Flag = "enabled",
        commissioned: Flag = "commissioned",
        prohibit: Flag = "prohibit",
    }
}

lenient_object! {
    pub struct Ipv4 { free: Reported = "free", }
}

lenient_object! {
    pub struct NetworkTotal { ipv4: Obj<Ipv4> = "ipv4", }
}

lenient_object! {
    pub struct Network { total: Obj<NetworkTotal> = "total", }
}

lenient_object! {
    pub struct Resources {
        memory: Obj<Cell> = "memory",
        cpu_cores: Obj<Cell> = "cpuCores",
        local_storage: Obj<LocalPool> = "localStorage",
        other_storage: List<Obj<Pool>> = "otherStorage",
        /// The hypervisor's `maxServers` slots; `None` when absent or null
        /// (older panels), which is no limit.
        servers: Option<Obj<Cell>> = "servers",
        network: Obj<Network> = "network",
    }
}

impl Resources {
    /// `network.total.ipv4.free`, when reported (present and not null).
    pub fn ipv4_free(&self) -> Option<i64> {
        let ipv4 = self.network.get()?.total.get()?.ipv4.get()?;
        ipv4.free.0
    }
}

lenient_object! {
    /// One element of a group's `data` list.
    pub struct Entry {
        hypervisor: Obj<HypervisorInfo> = "hypervisor",
        resources: Obj<Resources> = "resources",
    }
}

lenient_object! {
    /// A page of `GET /compute/hypervisors/groups/{id}/resources`, its
    /// entries read straight into the core's hypervisors.
    pub struct ResourcesPage {
        data: List<Hypervisor> = "data",
        last_page: Num = "last_page",
    }
}

lenient_object! {
    /// The fields of a `tblproducts` row that matter here.
    pub struct ProductRow {
        id: Num = "id",
        server_type: Text = "servertype",
        stock_control: Flag = "stockcontrol",
        qty: Num = "qty",
        /// The default hypervisor group.
        configoption1: Id = "configoption1",
        /// The VirtFusion package id.
        configoption2: Num = "configoption2",
        /// IPv4 addresses per VPS.
        configoption3: Setting = "configoption3",
        /// The safety buffer, percent.
        configoption7: Setting = "configoption7",
    }
}

lenient_object! {
    /// A footprint as a caller writes it: a package's needs, each
    /// one overridable, in one group.
    pub struct FootprintDoc {
        package: Id = "package",
        group: Id = "group",
        count: Setting = "count",
        memory: Setting = "memory",
        cpu_cores: Setting = "cpuCores",
        primary_storage: Setting = "primaryStorage",
        ipv4: Setting = "ipv4",
        buffer: Setting = "buffer",
    }
}

/// Why a top-level document cannot be used at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocError {
    /// Not JSON (message from the parser, with line and column).
    Syntax(String),
    /// JSON, but the top level is not an object.
    NotObject,
    /// An object without a `data` list.
    NoDataList,
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            DocError::Syntax(m) => write!(f, "is not valid JSON ({m})"),
            DocError::NotObject => f.write_str("is not an object"),
            DocError::NoDataList => f.write_str("has no `data` list"),
        }
    }
}

/// Reads a top-level package document from any serde source.
pub fn package_from<'de, D: Deserializer<'de>>(d: D) -> Result<Package, DocError>
where
    D::Error: fmt::Display,
{
    match Obj::<PackageDoc>::deserialize(d) {
        Ok(Obj::Object(doc)) => Ok(doc.into_package()),
        Ok(Obj::NotObject) => Err(DocError::NotObject),
        Err(e) => Err(DocError::Syntax(e.to_string())),
    }
}

/// Reads a top-level resources page from any serde source; it must be an
/// object with a `data` list.
pub fn resources_from<'de, D: Deserializer<'de>>(d: D) -> Result<ResourcesPage, DocError>
where
    D::Error: fmt::Display,
{
    match Obj::<ResourcesPage>::deserialize(d) {
        Ok(Obj::Object(page)) if page.data.0.is_some() => Ok(page),
        Ok(Obj::Object(_)) => Err(DocError::NoDataList),
        Ok(Obj::NotObject) => Err(DocError::NotObject),
        Err(e) => Err(DocError::Syntax(e.to_string())),
    }
}

/// Parses JSON text into a package; trailing garbage is a syntax error.
pub fn package_from_json(text: &[u8]) -> Result<Package, DocError> {
    from_json(text, |de| package_from(de))
}

/// Parses JSON text into a resources page; trailing garbage is a syntax error.
pub fn resources_from_json(text: &[u8]) -> Result<ResourcesPage, DocError> {
    // The shape panels send, read directly; anything else (and every
    // error) by the generic reader below, which has the last word.
    super::fast_json::resources(text).map_or_else(|| resources_from_json_generic(text), Ok)
}

/// [`resources_from_json`] without the direct reader: the generic reader
/// alone (what the direct one must agree with).
pub fn resources_from_json_generic(text: &[u8]) -> Result<ResourcesPage, DocError> {
    from_json(text, |de| resources_from(de))
}

/// Whether the text is JSON at all (any value): the API's own error bodies
/// are, a web server's error page is not.
pub fn is_json(text: &[u8]) -> bool {
    let mut de = serde_json::Deserializer::from_slice(text);
    IgnoredAny::deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// Runs `read` over JSON text, as `json_decode` reads it where serde_json
/// differs:
///
/// - the integer `-0` is the integer 0 to PHP (its text "0") but the float
///   -0.0 to serde_json (its text "-0"): a document holding one is read as
///   written with ` 0` (same length, so error offsets stay true);
/// - a number beyond `f64`'s range (`1e400`, which `json_decode` reads as
///   INF) is a syntax error to serde_json: such a document is read again
///   with those numbers written as the largest finite float of their sign,
///   which truncates to the same saturated integer as INF does in PHP.
///
/// Both rewrites run only on the rare documents that need them.
fn from_json<T>(
    text: &[u8],
    read: impl Fn(&mut serde_json::Deserializer<serde_json::de::SliceRead<'_>>) -> Result<T, DocError>,
) -> Result<T, DocError> {
    let once = |text: &[u8]| {
        let mut de = serde_json::Deserializer::from_slice(text);
        let out = read(&mut de)?;
        de.end().map_err(|e| DocError::Syntax(e.to_string()))?;
        Ok(out)
    };
    let zeroless = memchr::memmem::find(text, b"-0")
        .and_then(|_| rewrite_numbers(text, |token| (token == b"-0").then(|| b" 0".to_vec())));
    let text = zeroless.as_deref().unwrap_or(text);
    match once(text) {
        Err(DocError::Syntax(why)) if why.contains("number out of range") => {
            match rewrite_numbers(text, saturated) {
                Some(fixed) => once(&fixed),
                None => Err(DocError::Syntax(why)),
            }
        }
        other => other,
    }
}

/// A number token whose value overflows `f64` as `±1.7976931348623157e308`.
fn saturated(token: &[u8]) -> Option<Vec<u8>> {
    let value = std::str::from_utf8(token).ok()?.parse::<f64>().ok()?;
    value.is_infinite().then(|| {
        let sign = if value < 0.0 { "-" } else { "" };
        format!("{sign}1.7976931348623157e308").into_bytes()
    })
}

/// The JSON text with the number tokens outside strings that `rewrite`
/// answers replaced by its answer; `None` (and nothing copied) when it
/// answered none.
fn rewrite_numbers(text: &[u8], rewrite: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b == b'"' {
            i += 1;
            while i < text.len() && text[i] != b'"' {
                i += if text[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(text.len());
        } else if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < text.len()
                && matches!(text[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                i += 1;
            }
            if let Some(new) = rewrite(&text[start..i]) {
                let out = out.get_or_insert_with(|| Vec::with_capacity(text.len() + 32));
                out.extend_from_slice(&text[copied..start]);
                out.extend_from_slice(&new);
                copied = i;
            }
        } else {
            i += 1;
        }
    }
    let mut out = out?;
    out.extend_from_slice(&text[copied..]);
    Some(out)
}
