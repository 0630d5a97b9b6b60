//! The `api` request key: which panel, with which token, over which transport.

use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendHashTable, Zval};

use super::convert::type_name;
use super::errors::invalid_argument;
use crate::shell::settings::{seconds, Api, Settings};

/// Reads `['url' => …, 'token' => …, 'timeout'?, 'connectTimeout'?,
/// 'verifyTls'?, 'caFile'?]` over the ini defaults. Messages name the key
/// (`{context}.url`) and never echo the token.
pub fn read_api(table: &ZendHashTable, context: &str, s: &Settings) -> PhpResult<Api> {
    let text = |key: &str| -> PhpResult<Option<String>> {
        match table.get(key).map(Zval::dereference) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => match v.zend_str() {
                Some(s) => Ok(Some(String::from_utf8_lossy(s.as_bytes()).into_owned())),
                None => Err(invalid_argument(format!(
                    "{context}.{key} must be a string, {} given",
                    type_name(v)
                ))),
            },
        }
    };
    let url = text("url")?
        .map(|u| u.trim().to_owned())
        .unwrap_or_default();
    if url.is_empty() {
        return Err(invalid_argument(format!(
            "{context}.url is required (e.g. https://panel.example.com/api/v1)"
        )));
    }
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(invalid_argument(format!(
            "{context}.url must start with https:// or http://, got `{url}`"
        )));
    }
    let token = text("token")?.unwrap_or_default();
    if token.trim().is_empty() {
        return Err(invalid_argument(format!("{context}.token is required")));
    }
    let mut api = Api::new(&url, token.trim(), s);
    for (key, slot) in [
        ("timeout", &mut api.timeout),
        ("connectTimeout", &mut api.connect_timeout),
    ] {
        if let Some(v) = table
            .get(key)
            .map(Zval::dereference)
            .filter(|v| !v.is_null())
        {
            let secs = v
                .double()
                .or_else(|| v.long().map(|n| n as f64))
                .ok_or_else(|| {
                    invalid_argument(format!(
                        "{context}.{key} must be a number of seconds, {} given",
                        type_name(v)
                    ))
                })?;
            if secs.is_nan() || secs <= 0.0 {
                return Err(invalid_argument(format!(
                    "{context}.{key} must be more than 0 seconds"
                )));
            }
            *slot = seconds(secs, *slot);
        }
    }
    if let Some(v) = table
        .get("verifyTls")
        .map(Zval::dereference)
        .filter(|v| !v.is_null())
    {
        api.verify_tls = v.bool().ok_or_else(|| {
            invalid_argument(format!(
                "{context}.verifyTls must be a bool, {} given",
                type_name(v)
            ))
        })?;
    }
    if let Some(ca) = text("caFile")? {
        api.ca_file = ca.trim().to_owned();
    }
    Ok(api)
}
