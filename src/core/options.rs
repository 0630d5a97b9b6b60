//! WHMCS configurable options as vfstock reads them: an option is found by
//! the part of its name before any `|`, and a sub-option's value is the
//! part of its name before a `|` (`2|Paris` is group 2, shown as "Paris").

/// The part before the first `|`, trimmed: an option's key or a
/// sub-option's value.
pub fn option_value(name: &str) -> &str {
    name.split('|').next().unwrap_or("").trim()
}

/// The part after the first `|`, trimmed; the whole name when there is none.
pub fn option_label(name: &str) -> &str {
    match name.split_once('|') {
        Some((_, label)) => label.trim(),
        None => name.trim(),
    }
}

/// A sub-option of the Location option, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The sub-option's name as stored (`2|Paris`).
    pub name: String,
    /// The group it names: its value when that reads as an integer > 0.
    pub group: Option<i64>,
    /// What it is called: the part after the `|`, else the whole name.
    pub label: String,
}

impl Location {
    pub fn read(name: &str) -> Location {
        Location {
            name: name.to_owned(),
            group: group_id(option_value(name)),
            label: option_label(name).to_owned(),
        }
    }
}

/// A value that reads as a group id: an integer > 0 (surrounding spaces
/// allowed, nothing else).
pub fn group_id(text: &str) -> Option<i64> {
    text.trim().parse().ok().filter(|&id: &i64| id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_labels() {
        assert_eq!(option_value(" 2 | Paris "), "2");
        assert_eq!(option_label(" 2 | Paris "), "Paris");
        assert_eq!(option_label("London"), "London");
        assert_eq!(option_value("a|b|c"), "a");
        assert_eq!(option_label("a|b|c"), "b|c");
    }

    #[test]
    fn locations_name_groups() {
        let l = Location::read("2|Paris");
        assert_eq!((l.group, l.label.as_str()), (Some(2), "Paris"));
        assert_eq!(Location::read(" 7 ").group, Some(7));
        for name in [
            "0|Nowhere",
            "-3|x",
            "2.5|x",
            "x|2",
            "",
            "|",
            "99999999999999999999|x",
        ] {
            assert_eq!(Location::read(name).group, None, "{name}");
        }
    }
}
