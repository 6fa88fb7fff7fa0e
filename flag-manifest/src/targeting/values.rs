//! The typed values that constraints compare: numbers, semantic versions, RFC 3339 instants and CIDR blocks.
//!
//! Each parser lives here once, for two callers: the manifest's validation (a constraint's value must parse)
//! and the runtime's evaluation (the context's value is parsed at each check). The parsers therefore borrow
//! their input and never allocate, so that evaluating a constraint stays allocation-free.

use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;

/// Parses a decimal number as the numeric operators read it: surrounding whitespace allowed, finite values
/// only (`inf` and `NaN` are refused).
///
/// ```
/// use flag_manifest::targeting::parse_number;
/// assert_eq!(parse_number(" 12.5 "), Some(12.5));
/// assert_eq!(parse_number("1e3"), Some(1000.0));
/// assert_eq!(parse_number("twelve"), None);
/// assert_eq!(parse_number("NaN"), None);
/// ```
pub fn parse_number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
}

/// A semantic version (semver 2.0.0), borrowed from the text it was parsed from.
///
/// Ordering follows semver precedence: major, minor and patch numerically; a pre-release sorts before its
/// release; pre-release identifiers compare numerically when both are numbers, numbers sort before words, and
/// a shorter list of identifiers sorts first when it is a prefix of the other. Build metadata is ignored, so
/// two versions that differ only in it compare equal.
///
/// ```
/// use flag_manifest::targeting::SemVer;
///
/// let v = |text| SemVer::parse(text).unwrap();
/// assert!(v("2.0.0-alpha") < v("2.0.0-alpha.1"));
/// assert!(v("2.0.0-alpha.1") < v("2.0.0-beta"));
/// assert!(v("2.0.0-rc.1") < v("2.0.0"));
/// assert!(v("1.2.10") > v("1.2.9"));
/// assert_eq!(v("1.0.0+build.5").cmp(&v("1.0.0")), std::cmp::Ordering::Equal);
/// assert!(SemVer::parse("v1.2.3").is_none());
/// assert!(SemVer::parse("1.02.3").is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SemVer<'a> {
    /// The major version.
    pub major: u64,
    /// The minor version.
    pub minor: u64,
    /// The patch version.
    pub patch: u64,
    /// The pre-release identifiers, dot-separated, without the leading `-` (empty for a release).
    pub pre: &'a str,
}

impl<'a> SemVer<'a> {
    /// Parses `text` strictly: `MAJOR.MINOR.PATCH`, then optionally `-PRE` and `+BUILD`, with no leading `v`
    /// and no leading zeros in numbers.
    pub fn parse(text: &'a str) -> Option<SemVer<'a>> {
        let (version, build) = match text.split_once('+') {
            Some((version, build)) => (version, Some(build)),
            None => (text, None),
        };
        if let Some(build) = build
            && !build.split('.').all(is_identifier)
        {
            return None;
        }
        let (core, pre) = match version.split_once('-') {
            Some((core, pre)) => (core, pre),
            None => (version, ""),
        };
        if version.contains('-')
            && !pre
                .split('.')
                .all(|part| is_identifier(part) && !is_number_with_leading_zero(part))
        {
            return None;
        }
        let mut numbers = core.split('.');
        let major = parse_version_number(numbers.next()?)?;
        let minor = parse_version_number(numbers.next()?)?;
        let patch = parse_version_number(numbers.next()?)?;
        if numbers.next().is_some() {
            return None;
        }
        Some(SemVer {
            major,
            minor,
            patch,
            pre,
        })
    }
}

fn is_identifier(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
}

fn is_number_with_leading_zero(part: &str) -> bool {
    part.len() > 1 && part.starts_with('0') && part.bytes().all(|byte| byte.is_ascii_digit())
}

fn parse_version_number(part: &str) -> Option<u64> {
    if part.is_empty()
        || !part.bytes().all(|byte| byte.is_ascii_digit())
        || is_number_with_leading_zero(part)
    {
        return None;
    }
    part.parse().ok()
}

impl PartialEq for SemVer<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemVer<'_> {}

impl PartialOrd for SemVer<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_pre_releases(self.pre, other.pre))
    }
}

fn compare_pre_releases(left: &str, right: &str) -> Ordering {
    match (left.is_empty(), right.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut left_parts = left.split('.');
    let mut right_parts = right.split('.');
    loop {
        match (left_parts.next(), right_parts.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => {
                let order = compare_identifiers(a, b);
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

fn compare_identifiers(a: &str, b: &str) -> Ordering {
    let a_numeric = a.bytes().all(|byte| byte.is_ascii_digit());
    let b_numeric = b.bytes().all(|byte| byte.is_ascii_digit());
    match (a_numeric, b_numeric) {
        // Without leading zeros, a longer number is a larger one; equal lengths compare digit by digit.
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl fmt::Display for SemVer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

/// Parses an RFC 3339 date-time (`2022-01-29T13:00:00.000Z`, `2022-01-22T13:00:00+02:00`) into milliseconds
/// since the Unix epoch. A time zone (`Z` or an offset) is required; `T`, `t` or a space separates the date
/// from the time; fractions of a second beyond milliseconds are truncated.
///
/// ```
/// use flag_manifest::targeting::parse_rfc3339;
/// assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Some(1_000));
/// assert_eq!(parse_rfc3339("2022-01-22T13:00:00.000+02:00"), parse_rfc3339("2022-01-22T11:00:00Z"));
/// assert_eq!(parse_rfc3339("2022-02-30T00:00:00Z"), None);
/// assert_eq!(parse_rfc3339("2022-01-22"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.trim().as_bytes();
    if bytes.len() < 20 {
        return None;
    }
    let year = digits(bytes, 0, 4)? as i64;
    expect(bytes, 4, b'-')?;
    let month = digits(bytes, 5, 2)?;
    expect(bytes, 7, b'-')?;
    let day = digits(bytes, 8, 2)?;
    if !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let hour = digits(bytes, 11, 2)?;
    expect(bytes, 13, b':')?;
    let minute = digits(bytes, 14, 2)?;
    expect(bytes, 16, b':')?;
    let second = digits(bytes, 17, 2)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut index = 19;
    let mut millis = 0;
    if bytes[index] == b'.' {
        index += 1;
        let start = index;
        while index < bytes.len() && bytes[index].is_ascii_digit() {
            if index - start < 3 {
                millis = millis * 10 + u32::from(bytes[index] - b'0');
            }
            index += 1;
        }
        let fraction_digits = index - start;
        if fraction_digits == 0 {
            return None;
        }
        for _ in fraction_digits..3 {
            millis *= 10;
        }
    }
    let offset_minutes: i64 = match bytes.get(index)? {
        b'Z' | b'z' if index + 1 == bytes.len() => 0,
        sign @ (b'+' | b'-') if index + 6 == bytes.len() => {
            let hours = digits(bytes, index + 1, 2)?;
            expect(bytes, index + 3, b':')?;
            let minutes = digits(bytes, index + 4, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = i64::from(hours * 60 + minutes);
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds =
        days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
    Some(seconds * 1000 + i64::from(millis))
}

fn digits(bytes: &[u8], start: usize, count: usize) -> Option<u32> {
    let slice = bytes.get(start..start + count)?;
    slice.iter().try_fold(0u32, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

fn expect(bytes: &[u8], index: usize, byte: u8) -> Option<()> {
    (bytes.get(index) == Some(&byte)).then_some(())
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date, counting in 400-year eras of 146,097 days
/// whose years start on March 1st (so that the leap day ends the year).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A block of IP addresses, `192.168.0.0/16` or `2001:db8::/32`; a bare address is a block of one.
///
/// ```
/// use flag_manifest::targeting::Cidr;
///
/// let block = Cidr::parse("160.33.0.0/16").unwrap();
/// assert!(block.contains("160.33.0.33".parse().unwrap()));
/// assert!(!block.contains("160.34.0.1".parse().unwrap()));
/// assert!(Cidr::parse("2001:db8::1").unwrap().contains("2001:db8::1".parse().unwrap()));
/// assert!(Cidr::parse("127.invalid").is_none());
/// assert!(Cidr::parse("10.0.0.0/33").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The block's first address (host bits are ignored when matching).
    pub address: IpAddr,
    /// How many leading bits an address must share with `address`: up to 32 for IPv4, 128 for IPv6.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `ADDRESS/PREFIX` or a bare `ADDRESS`.
    pub fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) => {
                prefix.parse::<u8>().ok().filter(|&bits| bits <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Cidr { address, prefix })
    }

    /// Whether `address` lies in the block. An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) matches IPv4
    /// blocks.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, address) {
            (IpAddr::V4(block), IpAddr::V4(candidate)) => same_prefix(
                u128::from(block.to_bits()),
                u128::from(candidate.to_bits()),
                32,
                self.prefix,
            ),
            (IpAddr::V6(block), IpAddr::V6(candidate)) => {
                same_prefix(block.to_bits(), candidate.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(block: u128, candidate: u128, width: u32, prefix: u8) -> bool {
    let host_bits = width - u32::from(prefix);
    if host_bits >= 128 {
        return true;
    }
    (block >> host_bits) == (candidate >> host_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_precedence_follows_the_specification() {
        // The chain from semver.org, section 11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for pair in chain.windows(2) {
            let (low, high) = (
                SemVer::parse(pair[0]).unwrap(),
                SemVer::parse(pair[1]).unwrap(),
            );
            assert!(low < high, "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn semver_refuses_malformed_versions() {
        for text in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "v1.2.3",
            "01.2.3",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.x",
            " 1.2.3",
            "not a semver",
        ] {
            assert!(SemVer::parse(text).is_none(), "{text:?}");
        }
        let version = SemVer::parse("10.20.30-rc.1+build.7").unwrap();
        assert_eq!(
            (version.major, version.minor, version.patch, version.pre),
            (10, 20, 30, "rc.1")
        );
        assert_eq!(version.to_string(), "10.20.30-rc.1");
    }

    #[test]
    fn rfc3339_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        assert_eq!(
            parse_rfc3339("2022-01-29T13:00:00.5Z"),
            Some(1_643_461_200_500)
        );
        assert_eq!(
            parse_rfc3339("2022-01-29t13:00:00.123456z"),
            Some(1_643_461_200_123)
        );
        assert_eq!(
            parse_rfc3339("2022-01-29 15:30:00+02:30"),
            parse_rfc3339("2022-01-29T13:00:00Z")
        );
        for text in [
            "2022-01-29T13:00:00",
            "2022-13-01T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2022-01-29T24:00:00Z",
            "2022-01-29T13:00:00.Z",
            "2022-01-29T13:00:00+2:00",
            "2022-01-29T13:00:00ZZ",
            "2022/01/29T13:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn cidr_blocks() {
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!(!all.contains("::1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:0:1::42".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        let v4 = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(v4.contains("::ffff:10.1.2.3".parse().unwrap()));
        for text in [
            "",
            "10.0.0.0/",
            "10.0.0.0/x",
            "::/129",
            "bad::cidr",
            "10.0.0.0/-1",
        ] {
            assert!(Cidr::parse(text).is_none(), "{text}");
        }
    }
}
