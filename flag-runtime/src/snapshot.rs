//! The fleet's local snapshot: the last applied revision's tables, written after each applied batch, so
//! that an instance that starts while the store is out of reach serves the fleet's last known flags rather
//! than only the layers below.
//!
//! The file is TOML, written whole to a temporary file beside it and renamed over it, so a reader never sees
//! half of one. It names its prefix: a snapshot of another fleet (a copied file, a changed prefix) is
//! refused, as is one that does not parse; either is reported and ignored.
//!
//! ```toml
//! # flag-runtime fleet snapshot: the fleet's flags as of one revision
//! format = 1
//! prefix = "/flags/checkout/prod/"
//! revision = 42
//!
//! [flags.fast_search]
//! revision = 40
//! table = "default = true\n"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::fleet::Table;

/// The only format written and read.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    format: u32,
    prefix: String,
    revision: i64,
    flags: BTreeMap<String, Key>,
}

/// One flag's key: the revision that wrote it and its table.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Key {
    revision: i64,
    table: String,
}

/// What reading a snapshot file gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// The fleet's tables as of a revision.
    Tables(i64, Vec<Table>),
    /// No file yet (a first start): nothing to report.
    Missing,
}

/// Writes the fleet's `tables` at `revision` to `path`, atomically.
pub(crate) fn write(
    path: &Path,
    prefix: &str,
    revision: i64,
    tables: &[Table],
) -> Result<(), String> {
    let snapshot = Snapshot {
        format: FORMAT,
        prefix: prefix.to_owned(),
        revision,
        flags: tables
            .iter()
            .map(|table| {
                (
                    table.name.clone(),
                    Key {
                        revision: table.revision,
                        table: table.text.clone(),
                    },
                )
            })
            .collect(),
    };
    let text = toml::to_string(&snapshot).map_err(|error| error.to_string())?;
    let text =
        format!("# flag-runtime fleet snapshot: the fleet's flags as of one revision\n{text}");
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            format!(
                "cannot write the fleet snapshot {}: {error}",
                path.display()
            )
        })
}

/// Reads the snapshot at `path` of the fleet at `prefix`: its revision and tables.
pub(crate) fn read(path: &Path, prefix: &str) -> Result<Read, String> {
    let describe =
        |message: String| format!("fleet snapshot {}: {message}; ignored", path.display());
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Read::Missing),
        Err(error) => return Err(describe(error.to_string())),
    };
    let snapshot: Snapshot = toml::from_str(&text)
        .map_err(|error| describe(format!("not a snapshot: {}", error.message().trim())))?;
    if snapshot.format != FORMAT {
        return Err(describe(format!(
            "format {} is not the one this program reads ({FORMAT})",
            snapshot.format
        )));
    }
    if snapshot.prefix != prefix {
        return Err(describe(format!(
            "it is a snapshot of the fleet at {}, not {prefix}",
            snapshot.prefix
        )));
    }
    let tables = snapshot
        .flags
        .into_iter()
        .map(|(name, key)| Table {
            name,
            text: key.table,
            revision: key.revision,
        })
        .collect();
    Ok(Read::Tables(snapshot.revision, tables))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_reads_back_and_refuses_what_is_not_its_own() {
        let dir = std::env::temp_dir().join(format!("flag-snapshot-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fleet.toml");
        let tables = vec![
            Table {
                name: "a".into(),
                text: "default = true\n".into(),
                revision: 40,
            },
            Table {
                name: "b".into(),
                text: "[[rules]]\nrollout = { percent = 5 }\n".into(),
                revision: 42,
            },
        ];
        assert_eq!(read(&path, "/flags/x/"), Ok(Read::Missing), "a first start");
        write(&path, "/flags/x/", 42, &tables).unwrap();
        assert_eq!(read(&path, "/flags/x/"), Ok(Read::Tables(42, tables)));

        let foreign = read(&path, "/flags/y/").unwrap_err();
        assert!(
            foreign.contains("a snapshot of the fleet at /flags/x/, not /flags/y/"),
            "{foreign}"
        );
        std::fs::write(&path, "revision = \"many\"\n").unwrap();
        let corrupt = read(&path, "/flags/x/").unwrap_err();
        assert!(corrupt.contains("not a snapshot"), "{corrupt}");
        assert!(corrupt.ends_with("; ignored"), "{corrupt}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
