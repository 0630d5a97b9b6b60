//! The `vfstock.*` ini settings, all `PHP_INI_ALL`.

use std::ffi::{c_int, c_void, CStr};
use std::time::Duration;

use ext_php_rs::ffi::{zend_ini_entry, zend_string};
use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::{ExecutorGlobals, IniEntryDef, IniEntryDefs};

use crate::shell::settings::{seconds, Settings, MAX_PAGE_SIZE};

type OnModify = unsafe extern "C" fn(
    *mut zend_ini_entry,
    *mut zend_string,
    *mut c_void,
    *mut c_void,
    *mut c_void,
    c_int,
) -> c_int;

/// A setting with a modify handler: without one, PHP refuses `ini_restore`
/// at run time, and nothing would reject `ini_set('vfstock.timeout', 'abc')`.
const fn entry(name: &'static CStr, value: &'static CStr, check: OnModify) -> IniEntryDef {
    let mut e = IniEntryDef::new(name, value, IniEntryPermission::All);
    e.on_modify = Some(check);
    e
}

/// A modify handler's new value, as text.
///
/// # Safety
/// `value` is null or the valid zend_string the engine passes.
unsafe fn new_value(value: *mut zend_string) -> Option<String> {
    // SAFETY: as the function says.
    unsafe { value.as_ref() }.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// `SUCCESS` or `FAILURE` (ini_set then returns false, the value stays).
fn verdict(ok: bool) -> c_int {
    if ok {
        0
    } else {
        -1
    }
}

/// A modify handler accepting the values `$accept` does.
macro_rules! handler {
    ($(#[$doc:meta])* $name:ident, |$text:ident| $accept:expr) => {
        $(#[$doc])*
        unsafe extern "C" fn $name(
            _: *mut zend_ini_entry,
            value: *mut zend_string,
            _: *mut c_void,
            _: *mut c_void,
            _: *mut c_void,
            _: c_int,
        ) -> c_int {
            // SAFETY: the engine passes the new value as a valid zend_string.
            verdict(unsafe { new_value(value) }.is_some_and(|$text: String| $accept))
        }
    };
}

handler!(
    /// Accepts a non-negative number.
    number_check,
    |t| t.trim().parse::<f64>().is_ok_and(|f| f.is_finite() && f >= 0.0)
);

handler!(
    /// Accepts a page size the API serves: a whole number from 1 to 200.
    page_size_check,
    |t| t.trim().parse::<u32>().is_ok_and(|n| (1..=MAX_PAGE_SIZE).contains(&n))
);

handler!(
    /// Accepts any value (paths).
    any_value,
    |_t| true
);

/// The spellings of a boolean vfstock accepts; anything else is refused,
/// so that a typo can never turn TLS verification off.
pub fn strict_flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some(true),
        "0" | "off" | "no" | "false" => Some(false),
        _ => None,
    }
}

extern "C" {
    fn zend_error(kind: c_int, format: *const std::ffi::c_char, ...);
}

/// `ZEND_INI_STAGE_STARTUP`: php.ini being read.
const STAGE_STARTUP: c_int = 1;
const E_WARNING: c_int = 2;

/// Accepts only a boolean spelling (`vfstock.verify_tls`); a refused value
/// in php.ini is said at startup, and the default (verify) stays.
unsafe extern "C" fn flag_check(
    entry: *mut zend_ini_entry,
    value: *mut zend_string,
    _: *mut c_void,
    _: *mut c_void,
    _: *mut c_void,
    stage: c_int,
) -> c_int {
    // SAFETY: the engine passes the new value as a valid zend_string.
    let text = unsafe { new_value(value) };
    if text.as_deref().and_then(strict_flag).is_some() {
        return 0;
    }
    if stage == STAGE_STARTUP {
        // SAFETY: the entry's name is a valid zend_string; the format takes two strings.
        let name = unsafe { entry.as_ref().and_then(|e| e.name.as_ref()) }
            .map(|n| String::from_utf8_lossy(n.as_bytes()).into_owned())
            .unwrap_or_default();
        let message = format!(
            "{name}: {:?} is not 1/0/on/off/yes/no/true/false; TLS verification stays on\0",
            text.unwrap_or_default().replace('\0', "")
        );
        unsafe { zend_error(E_WARNING, c"%s".as_ptr(), message.as_ptr()) };
    }
    -1
}

static INI: IniEntryDefs<12> = IniEntryDefs::new([
    entry(c"vfstock.timeout", c"10", number_check),
    entry(c"vfstock.connect_timeout", c"5", number_check),
    entry(c"vfstock.concurrency", c"8", number_check),
    entry(c"vfstock.page_size", c"200", page_size_check),
    entry(c"vfstock.page_limit", c"25", number_check),
    entry(c"vfstock.max_response_bytes", c"16777216", number_check),
    entry(c"vfstock.package_ttl", c"600", number_check),
    entry(c"vfstock.group_ttl", c"120", number_check),
    entry(c"vfstock.missing_ttl", c"60", number_check),
    entry(c"vfstock.verify_tls", c"1", flag_check),
    entry(c"vfstock.ca_file", c"", any_value),
    IniEntryDef::end(),
]);

/// MINIT: registers the settings.
pub fn register(module_number: i32) {
    IniEntryDef::register(INI.as_slice(), module_number);
}

/// The current value of one setting (after `ini_set`), as text.
pub fn get(name: &str) -> Option<String> {
    let globals = ExecutorGlobals::get();
    // SAFETY: EG(ini_directives) is set up before any request code runs and
    // maps names to `zend_ini_entry` pointers owned by the engine.
    unsafe {
        let table = globals.ini_directives.as_ref()?;
        let entry = table.get(name)?.ptr::<zend_ini_entry>()?.as_ref()?;
        let value = entry.value.as_ref()?;
        Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
    }
}

/// A numeric setting; `number_check` let only finite numbers ≥ 0 in.
fn number(name: &str) -> Option<f64> {
    get(name)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}

fn count(name: &str, default: u64, max: u64) -> u64 {
    match number(name) {
        Some(f) if f >= 1.0 => (f as u64).min(max),
        _ => default,
    }
}

/// A snapshot of every setting; nonsense values read as the default.
pub fn settings() -> Settings {
    let d = Settings::default();
    let secs = |name, default: Duration| number(name).map_or(default, |f| seconds(f, default));
    Settings {
        timeout: secs("vfstock.timeout", d.timeout),
        connect_timeout: secs("vfstock.connect_timeout", d.connect_timeout),
        concurrency: count("vfstock.concurrency", d.concurrency as u64, 256) as usize,
        page_size: count(
            "vfstock.page_size",
            u64::from(d.page_size),
            u64::from(MAX_PAGE_SIZE),
        ) as u32,
        page_limit: count("vfstock.page_limit", u64::from(d.page_limit), 10_000) as u32,
        max_response_bytes: count("vfstock.max_response_bytes", d.max_response_bytes, u64::MAX),
        // A TTL of 0 is meaningful: never serve from the cache.
        package_ttl: number("vfstock.package_ttl").map_or(d.package_ttl, ttl),
        group_ttl: number("vfstock.group_ttl").map_or(d.group_ttl, ttl),
        missing_ttl: number("vfstock.missing_ttl").map_or(d.missing_ttl, ttl),
        verify_tls: get("vfstock.verify_tls")
            .and_then(|v| strict_flag(&v))
            .unwrap_or(true),
        ca_file: get("vfstock.ca_file").unwrap_or_default().trim().to_owned(),
    }
}

fn ttl(f: f64) -> Duration {
    if f > 0.0 {
        Duration::from_secs_f64(f.min(1e9))
    } else {
        Duration::ZERO
    }
}
