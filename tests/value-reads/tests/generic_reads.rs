//! `flag_value!("name": T)` where `T` is a type parameter of the fn around it: one call site read as
//! several types, each declared value decoded at most once per type (counted by the types' own
//! `Deserialize`), a value that does not fit one type an error for that type only, the first reads racing
//! on several threads, and a dynamic flag switched while the generic fn reads it.
//!
//! Each test has its call site (its own generic fn) and its own types (the const parameter `TEST` of
//! [`Columns`] and [`Rows`]), so that the tests, run in parallel, count apart. Only the last switches a
//! flag, `panel`, which no other test reads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use flag_runtime::{Error, flag_value, reset, set_value};
use serde::de::DeserializeOwned;

const TESTS: usize = 3;
/// How many times [`Columns`] and [`Rows`] were decoded, by test.
static COLUMNS_DECODED: [AtomicUsize; TESTS] = [const { AtomicUsize::new(0) }; TESTS];
static ROWS_DECODED: [AtomicUsize; TESTS] = [const { AtomicUsize::new(0) }; TESTS];

/// `layout`'s values (`{ columns = 1 }` by default) fit this type.
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(try_from = "serde_json::Value")]
struct Columns<const TEST: usize> {
    columns: u8,
}

/// `layout`'s values do not fit this one: no `rows`.
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(try_from = "serde_json::Value")]
struct Rows<const TEST: usize> {
    rows: u8,
}

#[derive(serde::Deserialize)]
struct ColumnsFields {
    columns: u8,
}

#[derive(serde::Deserialize)]
struct RowsFields {
    rows: u8,
}

/// `json` as `F`, counted in `count` whether it fits or not.
fn counted<F: DeserializeOwned>(count: &AtomicUsize, json: serde_json::Value) -> Result<F, String> {
    count.fetch_add(1, Ordering::SeqCst);
    serde_json::from_value(json).map_err(|error| error.to_string())
}

impl<const TEST: usize> TryFrom<serde_json::Value> for Columns<TEST> {
    type Error = String;
    fn try_from(json: serde_json::Value) -> Result<Self, String> {
        let fields: ColumnsFields = counted(&COLUMNS_DECODED[TEST], json)?;
        Ok(Columns {
            columns: fields.columns,
        })
    }
}

impl<const TEST: usize> TryFrom<serde_json::Value> for Rows<TEST> {
    type Error = String;
    fn try_from(json: serde_json::Value) -> Result<Self, String> {
        let fields: RowsFields = counted(&ROWS_DECODED[TEST], json)?;
        Ok(Rows { rows: fields.rows })
    }
}

fn decoded(count: &[AtomicUsize; TESTS], test: usize) -> usize {
    count[test].load(Ordering::SeqCst)
}

/// The call site of [`one_call_site_two_types`].
fn read_layout<T: DeserializeOwned + Send + Sync + 'static>() -> Result<&'static T, Error> {
    flag_value!("layout": T)
}

#[test]
fn one_call_site_two_types() {
    const TEST: usize = 0;
    let columns = read_layout::<Columns<TEST>>().unwrap();
    assert_eq!(columns, &Columns { columns: 1 });

    let error = read_layout::<Rows<TEST>>().unwrap_err();
    let Error::ObjectType {
        flag,
        value,
        type_name,
        message,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((flag.as_str(), value.as_str()), ("layout", "narrow"));
    assert!(type_name.ends_with("Rows<0>"), "{type_name}");
    assert!(message.starts_with("missing field `rows`"), "{message}");

    // Read again, in either order, and as a third type: each type keeps its own decoding.
    for _ in 0..3 {
        assert!(std::ptr::eq(
            read_layout::<Columns<TEST>>().unwrap(),
            columns
        ));
        assert_eq!(read_layout::<Rows<TEST>>().unwrap_err(), error);
        let json = read_layout::<serde_json::Value>().unwrap();
        assert_eq!(json["columns"], 1);
    }
    assert_eq!(decoded(&COLUMNS_DECODED, TEST), 1);
    assert_eq!(decoded(&ROWS_DECODED, TEST), 1);
}

/// The call site of [`first_reads_on_several_threads`].
fn read_layout_shared<T: DeserializeOwned + Send + Sync + 'static>() -> Result<&'static T, Error> {
    flag_value!("layout": T)
}

#[test]
fn first_reads_on_several_threads() {
    const TEST: usize = 1;
    const THREADS: usize = 8;
    let start = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|thread| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                // Half the threads read as each type, interleaved, so that the types race for the
                // call site's first slot.
                let (columns, rows) = if thread % 2 == 0 {
                    let columns = read_layout_shared::<Columns<TEST>>();
                    (columns, read_layout_shared::<Rows<TEST>>())
                } else {
                    let rows = read_layout_shared::<Rows<TEST>>();
                    (read_layout_shared::<Columns<TEST>>(), rows)
                };
                (
                    columns.unwrap() as *const Columns<TEST> as usize,
                    rows.unwrap_err(),
                )
            })
        })
        .collect();
    let reads: Vec<_> = threads
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .collect();
    assert_eq!(
        decoded(&COLUMNS_DECODED, TEST),
        1,
        "decoded once, on one thread"
    );
    assert_eq!(
        decoded(&ROWS_DECODED, TEST),
        1,
        "decoded once, on one thread"
    );
    let (columns, error) = &reads[0];
    assert!(
        reads.iter().all(|read| read == &reads[0]),
        "every thread has the same decoding: {reads:?}"
    );
    let again = read_layout_shared::<Columns<TEST>>().unwrap();
    assert_eq!(again as *const Columns<TEST> as usize, *columns);
    assert_eq!(again, &Columns { columns: 1 });
    assert!(
        matches!(error, Error::ObjectType { type_name, .. } if type_name.ends_with("Rows<1>")),
        "{error:?}"
    );
}

/// `panel`'s values as [`switched_while_read_through_a_generic_fn`] reads them: `hidden` has no width.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Panel {
    side: String,
    width: u32,
}

/// The call site of [`switched_while_read_through_a_generic_fn`].
fn read_panel<T: DeserializeOwned + Send + Sync + 'static>() -> Result<&'static T, Error> {
    flag_value!("panel": T)
}

#[test]
fn switched_while_read_through_a_generic_fn() {
    let left = Panel {
        side: "left".to_owned(),
        width: 200,
    };
    assert_eq!(read_panel::<Panel>().unwrap(), &left);
    assert_eq!(read_panel::<serde_json::Value>().unwrap()["width"], 200);

    set_value("panel", "hidden").unwrap();
    let error = read_panel::<Panel>().unwrap_err();
    assert!(
        matches!(&error, Error::ObjectType { flag, value, .. } if flag == "panel" && value == "hidden"),
        "{error:?}"
    );
    assert_eq!(read_panel::<serde_json::Value>().unwrap()["side"], "none");

    // A reader on another thread while the flag switches back and forth: every read is one of the two
    // values, as the type sees it, never a mixture and never a panic.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let (mut fits, mut does_not) = (0_u32, 0_u32);
            while !stop.load(Ordering::SeqCst) {
                let json = read_panel::<serde_json::Value>().unwrap();
                match read_panel::<Panel>() {
                    Ok(panel) => {
                        assert_eq!((panel.side.as_str(), panel.width), ("left", 200));
                        fits += 1;
                    }
                    Err(Error::ObjectType { value, .. }) => {
                        assert_eq!(value, "hidden");
                        does_not += 1;
                    }
                    Err(error) => panic!("{error:?}"),
                }
                assert!(json["side"] == "left" || json["side"] == "none", "{json}");
            }
            (fits, does_not)
        })
    };
    for round in 0..200 {
        set_value("panel", if round % 2 == 0 { "left" } else { "hidden" }).unwrap();
        thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    let (fits, does_not) = reader.join().unwrap();
    assert!(fits + does_not > 0, "the reader read");

    reset("panel").unwrap();
    assert_eq!(read_panel::<Panel>().unwrap(), &left);
}
