//! `vf_stock_check`: can these VPSes be placed now?. The
//! check itself is `shell::check`.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use super::api::read_api;
use super::callbacks::Stop;
use super::convert::kv;
use super::errors::{guard, invalid_argument};
use super::ini;
use super::refresh::finish;
use super::request::Keys;
use super::shape::Shape;
use crate::shell::check::{self, ItemStatus, Request};

const FUNCTION: &str = "vf_stock_check";

const KEYS: [&str; 6] = [
    "api",
    "deadline",
    "ipv4Pool",
    "log",
    "reservations",
    "items",
];

/// Can these VPSes be placed now? The checkout check.
#[php_function]
pub fn vf_stock_check(request: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
    finish(guard(FUNCTION, || Ok(run(request))))
}

fn run(req: &ZendHashTable) -> Result<ZBox<ZendHashTable>, Stop> {
    let keys = Keys::new(req, FUNCTION, &KEYS)?;
    let settings = ini::settings();
    let api = read_api(
        keys.required_array("api", "['url' => …, 'token' => …]")?,
        "api",
        &settings,
    )?;
    if keys.get("items").is_none() {
        return Err(invalid_argument(format!(
            "{FUNCTION}(): items is required (a list of footprints)"
        ))
        .into());
    }
    let (items, item_keys): (Vec<_>, Vec<_>) = keys.footprints("items", true)?.into_iter().unzip();
    let request = Request {
        api,
        settings,
        deadline: keys.deadline()?,
        pool: keys.ipv4_pool()?,
        reservations: keys
            .footprints("reservations", false)?
            .into_iter()
            .map(|(f, _)| f)
            .collect(),
        items,
    };
    let log = keys.callback("log")?;
    let outcome = check::check(&request);
    if let Some(log) = &log {
        for (item, out) in request.items.iter().zip(&outcome.items) {
            if out.status == ItemStatus::Placed {
                continue;
            }
            let asked = kv(&[
                ("package", item.package),
                ("group", item.group),
                ("count", item.count),
                ("placed", out.placed),
            ]);
            let why = format!(
                "{}: {}",
                out.status.as_str(),
                out.reason.as_deref().unwrap_or_default()
            );
            log.call(vec![&"check", &asked, &why.as_str()])?;
        }
    }
    Ok(Shape::new().check(&outcome, item_keys))
}

/// The registration of `vf_stock_check`.
pub fn function() -> ext_php_rs::builders::FunctionBuilder<'static> {
    wrap_function!(vf_stock_check)
}
