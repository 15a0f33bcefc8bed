//! The PostgreSQL server's connections, shared by every sweep process of a city. Each
//! process names its connections after its pool (`application_name` `sweep/ID/pool=N`), so
//! that a process starting up sees what the others may open at their peak, not only what
//! they hold at that moment; one whose pool would not fit refuses to start and says why,
//! instead of N processes finding out together at the morning's peak that the server
//! refuses connections.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// The `application_name` of a pool's connections: unique to the pool, and saying its size.
pub fn application_name(pool_size: u32) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("sweep/{}/pool={pool_size}", &id[..12])
}

/// What a server's connections are promised to, seen from one connection of a pool named
/// `ours` (which is not counted).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Budget {
    #[diesel(sql_type = BigInt)]
    pub max_connections: i64,
    /// Kept for administrators (`superuser_reserved_connections`, and from PostgreSQL 16
    /// `reserved_connections`).
    #[diesel(sql_type = BigInt)]
    pub reserved: i64,
    /// Connections of clients other than sweep's pools.
    #[diesel(sql_type = BigInt)]
    pub other_clients: i64,
    /// Sum of the other sweep pools' sizes, whether their connections are open yet or not.
    #[diesel(sql_type = BigInt)]
    pub other_pools: i64,
}

impl Budget {
    /// Connections this pool may still promise itself.
    pub fn left(&self) -> i64 {
        self.max_connections - self.reserved - self.other_clients - self.other_pools
    }
}

/// The server's budget as it stands, from a connection of the pool named `ours`.
pub fn budget(conn: &mut PgConnection, ours: &str) -> QueryResult<Budget> {
    // A pool is counted once by its name however many connections it has open. Sessions
    // of other roles may hide their application_name; they count as other clients.
    diesel::sql_query(
        "WITH clients AS (
             SELECT coalesce(application_name, '') AS name FROM pg_stat_activity
             WHERE backend_type = 'client backend')
         SELECT current_setting('max_connections')::bigint AS max_connections,
                current_setting('superuser_reserved_connections')::bigint
                  + coalesce(current_setting('reserved_connections', true)::bigint, 0)
                  AS reserved,
                (SELECT count(*) FROM clients WHERE name NOT LIKE 'sweep/%/pool=%')
                  AS other_clients,
                (SELECT coalesce(sum(split_part(name, 'pool=', 2)::bigint), 0)::bigint
                   FROM (SELECT DISTINCT name FROM clients
                         WHERE name LIKE 'sweep/%/pool=%' AND name <> $1) pools)
                  AS other_pools",
    )
    .bind::<Text, _>(ours)
    .get_result(conn)
}

/// `Err` with the reader's explanation when a pool of `pool_size` does not fit.
pub fn check(budget: &Budget, pool_size: u32) -> Result<(), String> {
    let left = budget.left();
    if i64::from(pool_size) <= left {
        return Ok(());
    }
    Err(format!(
        "database.pool_size is {pool_size} but the server has {} left of max_connections {} \
         ({} reserved for administrators, {} held by other clients, {} promised to other \
         sweep processes' pools): lower database.pool_size (SWEEP_DATABASE_POOL_SIZE) in \
         each process, run fewer processes, or raise max_connections on the server",
        left.max(0),
        budget.max_connections,
        budget.reserved,
        budget.other_clients,
        budget.other_pools,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(other_clients: i64, other_pools: i64) -> Budget {
        Budget {
            max_connections: 100,
            reserved: 3,
            other_clients,
            other_pools,
        }
    }

    #[test]
    fn a_pool_fits_in_what_the_others_leave() {
        assert_eq!(check(&server(5, 80), 12), Ok(()));
        assert_eq!(server(5, 80).left(), 12);
    }

    #[test]
    fn a_pool_that_does_not_fit_is_refused_with_the_numbers() {
        let refused = check(&server(5, 80), 13).unwrap_err();
        assert!(refused.contains("pool_size is 13"), "{refused}");
        assert!(
            refused.contains("12 left of max_connections 100"),
            "{refused}"
        );
        assert!(
            refused.contains("80 promised to other sweep processes"),
            "{refused}"
        );
        assert!(check(&server(50, 80), 1).unwrap_err().contains("0 left"));
    }

    #[test]
    fn a_pool_names_its_size() {
        let name = application_name(8);
        assert!(
            name.starts_with("sweep/") && name.ends_with("/pool=8"),
            "{name}"
        );
        assert_ne!(name, application_name(8), "each pool is told apart");
    }
}
