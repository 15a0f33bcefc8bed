//! Endpoints for the city's headquarters: every district's counts, read-only, nobody named.

use actix_web::web;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Actor;
use super::office::{Counts, Progress};
use super::{blocking, ApiError};
use crate::config::Config;
use crate::districts;
use crate::rounds;
use crate::store::Db;

#[derive(serde::Deserialize, IntoParams)]
pub struct CityDateQuery {
    /// The day; default: today in `district.timezone` of the configuration.
    date: Option<chrono::NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct DistrictCompletion {
    /// The district's code (`D1`).
    code: String,
    name: String,
    /// Whether the district has a round that day; without one its counts are left out.
    round: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    counts: Option<Counts>,
    /// Residents sampled by each hour of the district's clock (each counted once).
    by_hour: Vec<Progress>,
}

#[derive(Serialize, ToSchema)]
pub struct CityCompletion {
    date: chrono::NaiveDate,
    /// The city's clock (`district.timezone` of the configuration), for the pages' times.
    #[schema(example = "Asia/Shanghai")]
    timezone: String,
    /// Every district of the city, by code.
    districts: Vec<DistrictCompletion>,
    /// The districts with a round, added up.
    total: Counts,
    /// Sampled by each hour, added up over the districts.
    by_hour: Vec<Progress>,
}

/// `GET /api/v1/city/completion?date=` — for every district: expected, sampled, recalled
/// and missing (not home, refused, pending), and sampled by the hour; with the city's sum.
#[utoipa::path(
    get,
    path = "/api/v1/city/completion",
    params(CityDateQuery),
    tag = "city",
    security(("bearer" = ["city"])),
    responses(
        (status = 200, description = "Every district, and the city", body = CityCompletion),
    )
)]
pub async fn completion(
    actor: Actor,
    db: web::Data<Db>,
    config: web::Data<Config>,
    query: web::Query<CityDateQuery>,
) -> Result<web::Json<CityCompletion>, ApiError> {
    actor.require_city()?;
    let date = query.date.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&config.district.timezone)
            .date_naive()
    });
    let city_config = config.clone();
    let city = blocking(move || {
        let mut conn = actor.reader(&db).conn()?;
        let districts = districts::all(&mut conn, &city_config)?;
        Ok(rounds::city_completion(&mut conn, &districts, date)?)
    })
    .await?;
    Ok(web::Json(CityCompletion {
        date: city.date,
        timezone: config.district.timezone.name().to_string(),
        districts: city
            .districts
            .into_iter()
            .map(|d| DistrictCompletion {
                code: d.district.code,
                name: d.district.name,
                round: d.counts.is_some(),
                counts: d.counts.map(Counts::from),
                by_hour: d.by_hour.into_iter().map(Progress::from).collect(),
            })
            .collect(),
        total: city.total.into(),
        by_hour: city.by_hour.into_iter().map(Progress::from).collect(),
    }))
}
