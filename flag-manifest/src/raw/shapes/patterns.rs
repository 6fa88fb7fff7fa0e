//! The syntax of names and of the values constraints compare, as the ECMA-262 regular expressions JSON
//! Schema uses: each mirrors a parser of `check` or `targeting::values`, which the tests of
//! `tests/schema.rs` compare it with.

/// Flag, profile and variant names: a lowercase letter, then lowercase letters, digits and `_` (see
/// `check::check_name`).
pub(crate) const NAME_PATTERN: &str = "^[a-z][a-z0-9_]*$";

// The value syntaxes of `targeting::values`, as ECMA-262 patterns (the dialect of JSON Schema), written
// with `[0-9]` rather than `\d`, which some validators read as any Unicode digit, and with Rust's
// whitespace spelled out rather than `\s`, which ECMA-262 reads differently (U+0085, U+FEFF).

/// The characters `char::is_whitespace` (so `str::trim`) takes for whitespace, inside a character class.
macro_rules! whitespace {
    () => {
        r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// Whitespace, any number of times: what `str::trim` removes at either end.
macro_rules! padding {
    () => {
        concat!("[", whitespace!(), "]*")
    };
}

/// A context field name: something besides whitespace (`Checker::context_name`).
pub(crate) const NOT_BLANK_PATTERN: &str = concat!("[^", whitespace!(), "]");

/// `parse_number`: Rust's `f64` syntax, finite values only, surrounding whitespace allowed.
pub(crate) const NUMBER_PATTERN: &str = concat!(
    "^",
    padding!(),
    r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?",
    padding!(),
    "$",
);

/// `SemVer::parse`: semver 2.0.0, no leading `v`, no leading zeros in numbers, no whitespace.
pub(crate) const SEMVER_PATTERN: &str = concat!(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)",
    r"(-(0|[1-9][0-9]*|[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*)",
    r"(\.(0|[1-9][0-9]*|[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*))*)?",
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$",
);

/// `parse_rfc3339`: a date that exists (leap years included), `T`, `t` or a space, a time (second 60
/// allowed), an optional fraction, and `Z`, `z` or an offset up to 23:59.
pub(crate) const RFC3339_PATTERN: &str = concat!(
    "^",
    padding!(),
    "(",
    r"[0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)",
    r"|02-(0[1-9]|1[0-9]|2[0-8]))",
    r"|([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[048]|[2468][048]|[13579][26])00)-02-29",
    r")[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?",
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])",
    padding!(),
    "$",
);

/// An IPv4 address as `std::net::Ipv4Addr` reads it: four octets up to 255, without leading zeros.
pub(crate) const IPV4: &str = r"((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// `Cidr::parse`: an IPv4 or IPv6 address (as `std::net::IpAddr` reads them), optionally `/PREFIX` up to
/// 32 or 128 (leading zeros allowed, as `u8` parsing allows them), surrounding whitespace allowed.
pub(crate) fn cidr_pattern() -> String {
    pub(crate) const HEX: &str = "[0-9A-Fa-f]{1,4}";
    // Eight groups, or six and an IPv4 address, or `::` standing for at least one zero group between `head`
    // hex groups and a tail of at most `7 - head` groups (an IPv4 address at its end counts as two), as
    // `Ipv6Addr`'s parser reads them.
    let mut forms = vec![
        format!("({HEX}:){{7}}{HEX}"),
        format!("({HEX}:){{6}}{IPV4}"),
    ];
    for head in 0..=7 {
        let head_part = if head == 0 {
            String::new()
        } else {
            format!("({HEX}:){{{}}}{HEX}", head - 1)
        };
        let room = 7 - head;
        let tail = match room {
            0 => String::new(),
            1 => format!("({HEX})?"),
            _ => format!(
                "(({HEX}:){{0,{}}}{HEX}|({HEX}:){{0,{}}}{IPV4})?",
                room - 1,
                room - 2
            ),
        };
        forms.push(format!("{head_part}::{tail}"));
    }
    let ipv6 = forms.join("|");
    let padding = padding!();
    format!(
        r"^{padding}({IPV4}(/0*([0-9]|[12][0-9]|3[0-2]))?|({ipv6})(/0*([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))?){padding}$"
    )
}
