//! A hypervisor's name: kept inline when it is short, as panels' names
//! nearly always are.
//!
//! Every hypervisor of every page read has one, and so has every breakdown
//! row made from it. Held on the heap, each was an allocation and a free
//! per hypervisor per read, and the rows of a large group chased a pointer
//! each to print their names.

use std::fmt;
use std::sync::Arc;

/// Bytes held inline; a longer name is shared on the heap. Thirty covers
/// names such as `hv-00001.g1.example.net` or `node12.ams3.example.com`
/// and keeps a `Name` at 32 bytes.
const INLINE: usize = 30;

/// A name, compared and shown as the text it holds.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    /// `bytes[..len]` is the whole text: valid UTF-8 by construction.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Shared(Arc<str>),
}

impl Name {
    pub fn new(s: &str) -> Name {
        if s.len() > INLINE {
            return Name(Repr::Shared(Arc::from(s)));
        }
        Name::inline(s.as_bytes())
    }

    /// The name `b` spells, if it is UTF-8. Panels' names are ASCII, which
    /// is checked a word at a time rather than by UTF-8's byte loop.
    pub fn from_utf8(b: &[u8]) -> Option<Name> {
        if b.len() <= INLINE && b.is_ascii() {
            return Some(Name::inline(b));
        }
        std::str::from_utf8(b).ok().map(Name::new)
    }

    /// `b`: UTF-8, at most `INLINE` bytes.
    fn inline(b: &[u8]) -> Name {
        let mut bytes = [0; INLINE];
        bytes[..b.len()].copy_from_slice(b);
        Name(Repr::Inline {
            len: b.len() as u8, // at most INLINE
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always valid: the bytes are a whole `&str`'s, copied.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Shared(s) => s,
        }
    }

    /// Its text's bytes: for a writer that takes bytes, without checking
    /// again (as `as_str` does) that an inline name's are UTF-8.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Shared(s) => s.as_bytes(),
        }
    }

    /// The bytes it holds outside itself (for byte-bounded caches).
    pub fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Shared(s) => s.len(),
        }
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::new("")
    }
}

/// A name read as shared text keeps its allocation only when it is long.
impl From<Arc<str>> for Name {
    fn from(s: Arc<str>) -> Name {
        if s.len() <= INLINE {
            Name::new(&s)
        } else {
            Name(Repr::Shared(s))
        }
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
