//! Static flags under the workspace's `flags.toml`, built with no `FEATURE_FLAGS*` variable set:
//! `new_ui` off, `new_api` and `legacy_export` on.

use flag_runtime::{feature_flag, flag};

#[test]
fn the_build_has_no_flag_variables() {
    for (name, value) in [
        ("FEATURE_FLAGS", option_env!("FEATURE_FLAGS")),
        (
            "FEATURE_FLAGS_PROFILE",
            option_env!("FEATURE_FLAGS_PROFILE"),
        ),
        (
            "FEATURE_FLAGS_MANIFEST",
            option_env!("FEATURE_FLAGS_MANIFEST"),
        ),
    ] {
        assert!(
            value.is_none_or(str::is_empty),
            "these tests expect the manifest's defaults; unset {name} (it is {value:?}) and rerun"
        );
    }
}

#[test]
fn flag_is_a_literal_for_static_flags() {
    const NEW_UI: bool = flag!("new_ui");
    const NEW_API: bool = flag!("new_api");
    // Read through a variable, as the values are constants the compiler would otherwise fold into the assert.
    let values = [
        NEW_UI,
        NEW_API,
        flag!(not("new_ui")),
        flag!(all("new_api", "legacy_export")),
        flag!(all("new_api", "new_ui")),
        flag!(any("new_ui", "legacy_export")),
        flag!(all()),
        flag!(any()),
    ];
    assert_eq!(values, [false, true, true, true, false, true, true, false]);
    // Usable where only constants are: array lengths and const generics.
    let lengths = [0u8; flag!("new_api") as usize + 1];
    assert_eq!(lengths.len(), 2);
}

#[feature_flag("new_ui")]
fn dashboard() -> &'static str {
    "new dashboard"
}

#[feature_flag(not("new_ui"))]
fn dashboard() -> &'static str {
    "classic dashboard"
}

#[test]
fn one_of_two_definitions_is_kept() {
    assert_eq!(dashboard(), "classic dashboard");
}

fn render_v1((user, _): (&str, u8), count: usize) -> String {
    format!("v1 {user} {count}")
}

#[feature_flag("new_ui", fallback = render_v1)]
fn render((user, _): (&str, u8), count: usize) -> String {
    format!("v2 {user} {count}")
}

#[test]
fn fallback_keeps_the_signature_and_calls_the_old_fn() {
    assert_eq!(render(("ana", 1), 3), "v1 ana 3");
}

fn render_kept_v1(user: &str, count: usize) -> String {
    format!("v1 {user} {count}")
}

#[feature_flag("new_api", fallback = render_kept_v1)]
fn render_kept(user: &str, count: usize) -> String {
    format!("kept {user} {count}")
}

#[test]
fn fallback_is_unused_when_the_flag_is_on() {
    assert_eq!(render_kept("bo", 2), "kept bo 2");
}

struct Greeter {
    name: String,
}

impl Greeter {
    fn classic(&self, greeting: &str) -> String {
        format!("{greeting}, {}", self.name)
    }

    #[feature_flag("new_ui", fallback = Self::classic)]
    fn greet(&self, greeting: &str) -> String {
        format!("{greeting}!!! {}", self.name.to_uppercase())
    }

    #[feature_flag("new_ui")]
    fn beta_only(&self) {}

    #[feature_flag("legacy_export")]
    fn export(&self) -> &'static str {
        "csv"
    }
}

#[test]
fn methods_with_receivers() {
    let greeter = Greeter { name: "Ana".into() };
    assert_eq!(greeter.greet("Hello"), "Hello, Ana");
    assert_eq!(greeter.export(), "csv");
}

trait Exporter {
    fn format(&self) -> &'static str {
        "json"
    }
}

struct Report;

impl Exporter for Report {
    #[feature_flag("legacy_export")]
    fn format(&self) -> &'static str {
        "csv"
    }
}

struct Chart;

impl Exporter for Chart {
    #[feature_flag("new_ui")]
    fn format(&self) -> &'static str {
        "svg"
    }
}

#[test]
fn trait_impl_methods_are_kept_or_fall_back_to_the_default() {
    assert_eq!(Report.format(), "csv");
    assert_eq!(Chart.format(), "json");
}

async fn fetch_v1(id: u32) -> u32 {
    id
}

#[feature_flag("new_ui", fallback = fetch_v1)]
async fn fetch(id: u32) -> u32 {
    id * 100
}

fn parse_v1<T: std::str::FromStr + Default>(text: &str) -> T {
    text.parse().unwrap_or_default()
}

#[feature_flag("new_ui", fallback = parse_v1::<T>)]
fn parse<T: std::str::FromStr + Default>(text: &str) -> T {
    let _ = text;
    T::default()
}

fn show_v1(value: impl std::fmt::Display) -> String {
    format!("<{value}>")
}

#[feature_flag("new_ui", fallback = show_v1)]
fn show(value: impl std::fmt::Display) -> String {
    format!("[{value}]")
}

unsafe fn raw_v1(pointer: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer, as `raw` requires.
    unsafe { *pointer }
}

#[feature_flag("new_ui", fallback = raw_v1)]
unsafe fn raw(pointer: *const u8) -> u8 {
    let _ = pointer;
    0
}

#[test]
fn async_generic_impl_trait_and_unsafe_fallbacks() {
    let fetched = std::pin::pin!(fetch(7));
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    assert_eq!(fetched.poll(&mut context), std::task::Poll::Ready(7));
    assert_eq!(parse::<u32>("42"), 42);
    assert_eq!(show(5), "<5>");
    let byte = 9u8;
    // SAFETY: a pointer to a live local.
    assert_eq!(unsafe { raw(&byte) }, 9);
}

use std::future::Future as _;

// Every kind of item, on and off.
#[feature_flag("new_ui")]
mod beta_module {
    pub fn missing() {}
}
#[feature_flag("new_api")]
mod api_module {
    pub fn present() -> u8 {
        2
    }
}
#[feature_flag(not("new_ui"))]
use std::collections::BTreeMap as Map;
#[feature_flag("new_ui")]
use std::collections::HashMap as Map;
#[feature_flag("new_api")]
const LIMIT: u32 = 10;
#[feature_flag("new_api")]
static NAME: &str = "api";
#[feature_flag("new_api")]
type Id = u64;
#[feature_flag("new_api")]
#[derive(Debug, PartialEq)]
enum Shape {
    Circle,
}
#[feature_flag("new_ui")]
struct Unused;
#[feature_flag("new_api")]
struct Wrapper(u8);
#[feature_flag("new_api")]
impl Wrapper {
    fn get(&self) -> u8 {
        self.0
    }
}
#[feature_flag("new_api")]
macro_rules! twice {
    ($e:expr) => {
        $e * 2
    };
}
#[feature_flag("new_api")]
thread_local! {
    static COUNTER: std::cell::Cell<u8> = const { std::cell::Cell::new(3) };
}

#[test]
fn every_kind_of_item() {
    assert_eq!(api_module::present(), 2);
    let map: Map<u8, u8> = Map::new();
    let _: &std::collections::BTreeMap<u8, u8> = &map;
    assert_eq!(LIMIT, 10);
    assert_eq!(NAME, "api");
    let id: Id = 1;
    assert_eq!(id, 1u64);
    assert_eq!(Shape::Circle, Shape::Circle);
    assert_eq!(Wrapper(4).get(), 4);
    assert_eq!(twice!(2), 4);
    assert_eq!(COUNTER.with(|c| c.get()), 3);
}

#[test]
fn items_inside_fn_bodies() {
    #[feature_flag("new_ui")]
    fn inner() -> u8 {
        1
    }
    #[feature_flag(not("new_ui"))]
    fn inner() -> u8 {
        2
    }
    assert_eq!(inner(), 2);
}

/// A static value flag's `flag_value!` is a literal of its type, usable in `const`.
#[test]
fn a_static_value_is_a_constant() {
    const LIMIT: i64 = flag_runtime::flag_value!("upload_limit_mb");
    const _: () = assert!(LIMIT == 10);
    let ctx = flag_runtime::Context::new().user_id("1");
    assert_eq!(flag_runtime::flag_value!("upload_limit_mb", &ctx), LIMIT);
    let evaluation = flag_runtime::evaluate("upload_limit_mb", &ctx).unwrap();
    assert_eq!(evaluation.reason, flag_runtime::Reason::Static);
    assert_eq!(evaluation.value, Some(flag_runtime::Value::Int(10)));
}
