//! The panel's JSON, read leniently in one streaming pass.
//!
//! Real fleets send every shape: numbers as strings, `null` where an object
//! belongs, duplicated keys, hundreds of fields we do not need. These types
//! deserialize from any JSON (or any `serde` source, such as a converted PHP
//! array) without ever failing on content: a field of the wrong type reads as
//! 0 / false / "not an object", unknown fields are skipped without being
//! built, and a repeated key keeps its last value, as PHP's `json_decode` does.
//! Only syntax errors fail, and only at the top level do we care.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::value::{parse_numeric, str_flag, truncate};

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

/// Generates the scalar visitor methods shared by [`Num`], [`Flag`] and
/// [`Text`]: each maps a JSON scalar through the given closures.
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

/// A display string: a string as is, a number as its decimal text, anything
/// else empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(pub String);

scalar_visitor!(Text, "a string",
    int: |v: i64| Text(v.to_string()),
    uint: |v: u64| Text(v.to_string()),
    float: |v: f64| Text(v.to_string()),
    bool: |_| Text(String::new()),
    str: |v: &str| Text(v.to_owned()),
    other: Text(String::new()));

/// A value that is `present` and not `null`, read as a number; `None` when
/// absent or `null` (a missing IPv4 report is "no cap", not "zero free").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reported(pub Option<i64>);

impl<'de> Deserialize<'de> for Reported {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Num>::deserialize(d).map(|o| Reported(o.map(|n| n.0)))
    }
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
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
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
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<List<T>, A::Error> {
                drain_map(map).map(|_| List(None))
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
macro_rules! lenient_object {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name { $($(#[$fmeta])* pub $field: $ty,)* }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[allow(non_camel_case_types)]
                enum Key { $($field,)* Other }
                impl<'de> Deserialize<'de> for Key {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        struct KV;
                        impl<'de> Visitor<'de> for KV {
                            type Value = Key;
                            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                                f.write_str("a key")
                            }
                            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                                Ok(match v { $($key => Key::$field,)* _ => Key::Other })
                            }
                            fn visit_u64<E>(self, _: u64) -> Result<Key, E> {
                                Ok(Key::Other)
                            }
                            fn visit_i64<E>(self, _: i64) -> Result<Key, E> {
                                Ok(Key::Other)
                            }
                        }
                        d.deserialize_identifier(KV)
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
                        while let Some(key) = map.next_key::<Key>()? {
                            match key {
                                $(Key::$field => out.$field = map.next_value()?,)*
                                Key::Other => { map.next_value::<IgnoredAny>()?; }
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
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
            },
        }
    }
}

lenient_object! {
    /// A resource cell (`{max, free}`) or a storage pool, which is a cell
    /// with a type, a switch and a name.
    pub struct Cell {
        max: Num = "max",
        free: Num = "free",
        enabled: Flag = "enabled",
        storage_type: Num = "storageType",
        name: Option<Text> = "name",
    }
}

lenient_object! {
    pub struct HypervisorInfo {
        id: Num = "id",
        name: Text = "name",
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
        local_storage: Obj<Cell> = "localStorage",
        other_storage: List<Obj<Cell>> = "otherStorage",
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
    /// A page of `GET /compute/hypervisors/groups/{id}/resources`.
    pub struct ResourcesPage {
        data: List<Obj<Entry>> = "data",
        last_page: Num = "last_page",
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
    let mut de = serde_json::Deserializer::from_slice(text);
    let out = package_from(&mut de)?;
    de.end().map_err(|e| DocError::Syntax(e.to_string()))?;
    Ok(out)
}

/// Parses JSON text into a resources page; trailing garbage is a syntax error.
pub fn resources_from_json(text: &[u8]) -> Result<ResourcesPage, DocError> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let out = resources_from(&mut de)?;
    de.end().map_err(|e| DocError::Syntax(e.to_string()))?;
    Ok(out)
}
