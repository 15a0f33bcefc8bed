use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::settings;
use super::DbConnection;
use crate::domain::PersonalDataKey;

const PERSONAL_DATA_KEY: &str = "personal_data_key";

/// The district's key for hashing ID numbers, made on first use. Kept in the database so
/// that every process serving the district matches lookups the same way.
pub fn personal_data_key(conn: &mut DbConnection) -> QueryResult<PersonalDataKey> {
    let fresh = PersonalDataKey::generate().to_hex();
    // Hex digits only: safe to inline. DO NOTHING keeps the first key if two processes race.
    conn.batch_execute(&format!(
        "INSERT INTO settings (key, value) VALUES ('{PERSONAL_DATA_KEY}', '{fresh}') \
         ON CONFLICT (key) DO NOTHING"
    ))?;
    let stored: String = settings::table
        .find(PERSONAL_DATA_KEY)
        .select(settings::value)
        .first(conn)?;
    PersonalDataKey::from_hex(&stored).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("settings.{PERSONAL_DATA_KEY} is not 64 hex digits").into(),
        )
    })
}
