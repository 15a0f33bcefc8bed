use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::settings;
use super::DbConnection;
use crate::domain::PersonalDataKey;

const PERSONAL_DATA_KEY: &str = "personal_data_key";

/// The district's key for hashing ID numbers, made on first use. Kept in the database so
/// that every process serving the district matches lookups the same way.
pub fn personal_data_key(conn: &mut DbConnection) -> QueryResult<PersonalDataKey> {
    // Read first: every lookup and scan asks, and on SQLite even an insert that does
    // nothing takes the write lock, which would queue readers behind writers.
    if let Some(key) = stored_key(conn)? {
        return key;
    }
    let fresh = PersonalDataKey::generate().to_hex();
    // Hex digits only: safe to inline. DO NOTHING keeps the first key if two processes race.
    conn.batch_execute(&format!(
        "INSERT INTO settings (key, value) VALUES ('{PERSONAL_DATA_KEY}', '{fresh}') \
         ON CONFLICT (key) DO NOTHING"
    ))?;
    stored_key(conn)?.unwrap_or(Err(diesel::result::Error::NotFound))
}

fn stored_key(conn: &mut DbConnection) -> QueryResult<Option<QueryResult<PersonalDataKey>>> {
    let stored: Option<String> = settings::table
        .find(PERSONAL_DATA_KEY)
        .select(settings::value)
        .get_result(conn)
        .optional()?;
    Ok(stored.map(|hex| {
        PersonalDataKey::from_hex(&hex).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("settings.{PERSONAL_DATA_KEY} is not 64 hex digits").into(),
            )
        })
    }))
}
