//! The databases the store tests run against: SQLite always, PostgreSQL
//! when `GATEHOUSE_TEST_POSTGRES` names a cluster (`cargo xtask test`
//! starts one and sets it).

use crate::Stores;
use std::path::PathBuf;

/// The environment variable naming a PostgreSQL cluster for tests (a URL
/// whose user may create databases).
pub(crate) const POSTGRES_ENV: &str = "GATEHOUSE_TEST_POSTGRES";

/// One database to run a test against.
pub(crate) struct Db {
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    /// What `database` would say in the configuration.
    pub database: PathBuf,
    _dir: tempfile::TempDir,
}

impl Db {
    /// Opens the stores of this database (again: a second instance).
    pub async fn stores(&self) -> Stores {
        Stores::open(&self.database).await.unwrap_or_else(|e| panic!("{}: {e:#}", self.name))
    }
}

/// A fresh SQLite database, and a fresh PostgreSQL one when a cluster is
/// configured (else a line says the PostgreSQL run was skipped).
pub(crate) async fn databases() -> Vec<Db> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![Db { name: "sqlite", database: dir.path().join("g.sqlite"), _dir: dir }];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => {
            let fresh = crate::pg::create_database(&url).await.expect("a database in the test cluster");
            out.push(Db { name: "postgres", database: PathBuf::from(fresh), _dir: tempfile::tempdir().unwrap() });
        }
        _ => eprintln!("{POSTGRES_ENV} is not set: this store test ran on SQLite only (cargo xtask test sets it)"),
    }
    out
}
