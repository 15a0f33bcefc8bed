//! A seeded synthetic district, written as the four roster CSV files so that the real
//! import path is what loads it. Proportions follow an old inner-city district: more than
//! half of the buildings are walk-ups without lifts, about 1% of residents need a home
//! visit, one sampling site and one mobile team per ~3,000 residents.

use std::collections::HashSet;
use std::path::Path;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::IdNumber;

/// What `sweep demo` makes; the defaults are the README's demo district.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    pub residents: u32,
    pub seed: u64,
    /// When given, the share of the sites' capacity for the day the walkers fill (0.8: a
    /// district where capacity binds), with the smallest sites next to the densest blocks.
    /// Otherwise the sites have room to spare.
    pub capacity_use: Option<f64>,
    /// Which district of a made-up city (0: the first): each lies 8 km east of the one
    /// before, and its residents' ID numbers are from a region of its own, so that no two
    /// districts register one person.
    pub district: u32,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            residents: 30_000,
            seed: 1,
            capacity_use: None,
            district: 0,
        }
    }
}

/// How many of each the files hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCounts {
    pub communities: usize,
    pub buildings: usize,
    pub residents: usize,
    pub home_visits: usize,
    pub sites: usize,
    pub teams: usize,
}

const RESIDENTS_PER_BUILDING: u32 = 230;
const RESIDENTS_PER_SITE: u32 = 3_000;
const RESIDENTS_PER_TEAM: u32 = 3_000;
const BUILDINGS_PER_COMMUNITY: usize = 26;
/// The district's centre, in Shanghai's old town.
const CENTRE: (f64, f64) = (31.2304, 121.4737);
const METRES_PER_DEGREE_LAT: f64 = 111_320.0;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "建国", "桂英", "玉兰", "志强", "海燕", "晓东", "子涵", "雨桐", "浩然",
    "欣怡", "宇轩",
];
const COMMUNITY_NAMES: &[&str] = &[
    "梅园", "桃源", "兰苑", "松竹", "春晖", "和平", "光明", "友谊", "长寿", "幸福", "锦绣", "枫林",
    "晨曦", "南华",
];
const STREETS: &[&str] = &[
    "淮海", "复兴", "建国", "瑞金", "陕西", "延安", "西藏", "河南", "中华", "人民",
];
const REGIONS: &[&str] = &[
    "310101", "310104", "310105", "310106", "310109", "320102", "330106", "340104",
];
const HOME_VISIT_NOTES: &[&str] = &[
    "独居老人",
    "请先电话联系",
    "家中有犬",
    "需家属开门",
    "轮椅出行",
    "",
];

struct Community {
    name: String,
    centre: (f64, f64),
}

struct BuildingPlan {
    code: String,
    community: usize,
    location: (f64, f64),
    floors: u32,
    units: u32,
    elevator: bool,
}

/// Writes buildings.csv, residents.csv, sites.csv and teams.csv into `dir`.
pub fn write_district(dir: &Path, spec: DemoSpec) -> std::io::Result<DemoCounts> {
    std::fs::create_dir_all(dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let n_buildings = (spec.residents / RESIDENTS_PER_BUILDING).max(1) as usize;
    let n_communities = n_buildings.div_ceil(BUILDINGS_PER_COMMUNITY);
    let centre = offset(CENTRE, 0.0, 8_000.0 * f64::from(spec.district));
    let communities = place_communities(n_communities, centre, &mut rng);
    let buildings = plan_buildings(n_buildings, &communities, &mut rng);

    let mut out = csv::Writer::from_path(dir.join("buildings.csv"))?;
    out.write_record([
        "code",
        "community",
        "address",
        "lat",
        "lon",
        "floors",
        "elevator",
    ])?;
    for (i, b) in buildings.iter().enumerate() {
        let street = STREETS[b.community % STREETS.len()];
        out.write_record([
            b.code.clone(),
            communities[b.community].name.clone(),
            format!(
                "{street}路{}弄{}号",
                100 + b.community * 3,
                i % BUILDINGS_PER_COMMUNITY + 1
            ),
            format!("{:.6}", b.location.0),
            format!("{:.6}", b.location.1),
            b.floors.to_string(),
            if b.elevator { "yes" } else { "no" }.to_string(),
        ])?;
    }
    out.flush()?;

    let walkers = write_residents(dir, &spec, &buildings, &mut rng)?;
    let home_visits = spec.residents as usize - walkers.iter().sum::<u32>() as usize;
    let n_sites = (spec.residents / RESIDENTS_PER_SITE).max(1) as usize;
    let sites = place_sites(n_sites, &communities, &mut rng);
    let size = match spec.capacity_use {
        Some(share) => SiteSize::Binding(binding_capacities(&sites, &buildings, &walkers, share)),
        None => SiteSize::Roomy,
    };
    write_sites(dir, &sites, &communities, size)?;
    let n_teams = (spec.residents / RESIDENTS_PER_TEAM).max(1) as usize;
    write_teams(dir, n_teams, &communities, &mut rng)?;
    Ok(DemoCounts {
        communities: communities.len(),
        buildings: buildings.len(),
        residents: spec.residents as usize,
        home_visits,
        sites: n_sites,
        teams: n_teams,
    })
}

/// Offsets in metres turned into degrees around `origin`.
fn offset(origin: (f64, f64), north_m: f64, east_m: f64) -> (f64, f64) {
    let lat = origin.0 + north_m / METRES_PER_DEGREE_LAT;
    let lon = origin.1 + east_m / (METRES_PER_DEGREE_LAT * origin.0.to_radians().cos());
    (lat, lon)
}

fn place_communities(n: usize, centre: (f64, f64), rng: &mut ChaCha8Rng) -> Vec<Community> {
    let side = (n as f64).sqrt().ceil() as usize;
    let spacing = 700.0;
    (0..n)
        .map(|i| {
            let (row, col) = (i / side, i % side);
            let north =
                (row as f64 - side as f64 / 2.0) * spacing + rng.random_range(-100.0..100.0);
            let east = (col as f64 - side as f64 / 2.0) * spacing + rng.random_range(-100.0..100.0);
            let base = COMMUNITY_NAMES[i % COMMUNITY_NAMES.len()];
            let name = match i / COMMUNITY_NAMES.len() {
                0 => format!("{base}新村"),
                k => format!("{base}{}村", k + 1),
            };
            Community {
                name,
                centre: offset(centre, north, east),
            }
        })
        .collect()
}

fn plan_buildings(n: usize, communities: &[Community], rng: &mut ChaCha8Rng) -> Vec<BuildingPlan> {
    (0..n)
        .map(|i| {
            let community = i / BUILDINGS_PER_COMMUNITY;
            let (floors, elevator) = match rng.random_range(0..100) {
                0..=59 => (rng.random_range(5..=7), false), // 1980s walk-up
                60..=84 => (rng.random_range(11..=18), true),
                _ => (rng.random_range(24..=33), true),
            };
            let location = offset(
                communities[community].centre,
                rng.random_range(-250.0..250.0),
                rng.random_range(-250.0..250.0),
            );
            BuildingPlan {
                code: format!("B{:05}", i + 1),
                community,
                location,
                floors,
                units: if elevator {
                    rng.random_range(1..=2)
                } else {
                    rng.random_range(2..=5)
                },
                elevator,
            }
        })
        .collect()
}

/// Residents are spread over the buildings by their number of flats; returns how many
/// need a home visit.
/// Writes residents.csv; returns how many residents of each building walk to a site.
fn write_residents(
    dir: &Path,
    spec: &DemoSpec,
    buildings: &[BuildingPlan],
    rng: &mut ChaCha8Rng,
) -> std::io::Result<Vec<u32>> {
    let mut out = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(dir.join("residents.csv"))?,
    ));
    out.write_record([
        "code",
        "name",
        "id_number",
        "phone",
        "building",
        "unit",
        "floor",
        "room",
        "household",
        "birth_year",
        "mobility",
        "home_visit",
        "available_from",
        "available_to",
        "notes",
    ])?;
    let flats: Vec<u64> = buildings
        .iter()
        .map(|b| u64::from(b.floors * b.units * 2))
        .collect();
    let all_flats: u64 = flats.iter().sum();
    let total = spec.residents;
    let mut used_ids = HashSet::with_capacity(total as usize);
    let (mut written, mut household_no) = (0u32, 0u32);
    let mut walkers = vec![0u32; buildings.len()];
    let mut carried = 0.0;
    for (b, building) in buildings.iter().enumerate() {
        // Each building's share, rounding carried over so the total comes out exact.
        let share = f64::from(total) * flats[b] as f64 / all_flats as f64 + carried;
        let mut quota = share.round() as u32;
        carried = share - f64::from(quota);
        if b + 1 == buildings.len() {
            quota = total - written;
        }
        let mut flat_order: Vec<u32> = (0..building.floors * building.units * 2).collect();
        for i in (1..flat_order.len()).rev() {
            flat_order.swap(i, rng.random_range(0..=i));
        }
        let mut placed = 0;
        for flat in flat_order.iter().cycle() {
            if placed >= quota {
                break;
            }
            let (unit, rest) = (
                flat / (building.floors * 2) + 1,
                flat % (building.floors * 2),
            );
            let (floor, door) = (rest / 2 + 1, rest % 2 + 1);
            household_no += 1;
            let size = *[1, 2, 2, 3, 3, 3, 4, 5].choose(rng).unwrap();
            let surname = *SURNAMES.choose(rng).unwrap();
            for _ in 0..size.min(quota - placed) {
                written += 1;
                placed += 1;
                let person = Person::random(rng, surname, spec.district, &mut used_ids);
                walkers[b] += u32::from(!person.home_visit);
                let window = (person.home_visit && rng.random_bool(0.3)).then(|| {
                    *[("09:00", "11:30"), ("14:00", "17:00"), ("10:00", "16:00")]
                        .choose(rng)
                        .unwrap()
                });
                out.write_record([
                    format!("R{written:07}").as_str(),
                    &person.name,
                    person.id.as_str(),
                    &person.phone,
                    &building.code,
                    &unit.to_string(),
                    &floor.to_string(),
                    &format!("{floor}{door:02}"),
                    &format!("H{household_no:07}"),
                    &person.birth_year.to_string(),
                    person.mobility,
                    if person.mobility == "limited" && person.home_visit {
                        "yes"
                    } else {
                        ""
                    },
                    window.map_or("", |w| w.0),
                    window.map_or("", |w| w.1),
                    if person.home_visit {
                        HOME_VISIT_NOTES.choose(rng).unwrap()
                    } else {
                        ""
                    },
                ])?;
            }
        }
    }
    out.flush()?;
    Ok(walkers)
}

struct Person {
    name: String,
    id: IdNumber,
    phone: String,
    birth_year: i32,
    mobility: &'static str,
    home_visit: bool,
}

impl Person {
    fn random(
        rng: &mut ChaCha8Rng,
        surname: &str,
        district: u32,
        used_ids: &mut HashSet<IdNumber>,
    ) -> Person {
        let age: i32 = match rng.random_range(0..100) {
            0..=4 => rng.random_range(81..=98),
            5..=19 => rng.random_range(65..=80),
            _ => rng.random_range(0..=64),
        };
        let birth_year = 2026 - age;
        let (bedridden, limited) = match age {
            81.. => (0.10, 0.20),
            65..=80 => (0.015, 0.06),
            _ => (0.0005, 0.005),
        };
        let draw: f64 = rng.random();
        let mobility = if draw < bedridden {
            "bedridden"
        } else if draw < bedridden + limited {
            "limited"
        } else {
            "ambulatory"
        };
        let home_visit = mobility == "bedridden" || (mobility == "limited" && rng.random_bool(0.1));
        let id = loop {
            // The first district draws as it always has (the same files for a seed).
            let region = match (REGIONS.choose(rng).unwrap(), district) {
                (region, 0) => region.to_string(),
                (_, k) => (410_000 + 100 * k).to_string(),
            };
            let body = format!(
                "{region}{birth_year:04}{:02}{:02}{:03}",
                rng.random_range(1..=12),
                rng.random_range(1..=28),
                rng.random_range(0..1000)
            );
            let id = IdNumber::mainland_from_body(&body);
            if used_ids.insert(id.clone()) {
                break id;
            }
        };
        let phone = if age < 10 || rng.random_bool(0.08) {
            String::new()
        } else {
            format!(
                "1{}{}{:08}",
                rng.random_range(3..=9),
                rng.random_range(0..=9),
                rng.random_range(0..100_000_000)
            )
        };
        Person {
            name: format!("{surname}{}", GIVEN.choose(rng).unwrap()),
            id,
            phone,
            birth_year,
            mobility,
            home_visit,
        }
    }
}

/// Where each site is, the community it is named after, and its lanes, their rate and its
/// waiting area when it has room to spare (drawn for every district, so that a seed gives
/// the same district whichever way the sites are then sized).
struct SitePlan {
    community: usize,
    location: (f64, f64),
    roomy: (u32, u32, u32),
}

fn place_sites(n: usize, communities: &[Community], rng: &mut ChaCha8Rng) -> Vec<SitePlan> {
    (0..n)
        .map(|i| {
            let community = i % communities.len();
            let location = offset(
                communities[community].centre,
                rng.random_range(-200.0..200.0),
                rng.random_range(-200.0..200.0),
            );
            let roomy = (
                rng.random_range(3..=6),
                rng.random_range(100..=140),
                rng.random_range(80..=200),
            );
            SitePlan {
                community,
                location,
                roomy,
            }
        })
        .collect()
}

/// How the sites are sized.
enum SiteSize {
    /// 3 to 6 lanes of 100 to 140 an hour, open 11 to 14 hours: room to spare.
    Roomy,
    /// People each site takes in its day (08:00–18:00), as [`binding_capacities`] sets.
    Binding(Vec<f64>),
}

/// The share of a slot's nominal throughput the plan fills (`slots.utilisation_target`).
const UTILISATION: f64 = 0.85;
const BINDING_HOURS: f64 = 10.0;

/// Each site's capacity for the day, so that the walkers fill `share` of all of it, spread
/// unevenly: the more walkers live nearest a site, the smaller it is — the squeeze of a
/// real round, where the small sites stand next to the big estates.
fn binding_capacities(
    sites: &[SitePlan],
    buildings: &[BuildingPlan],
    walkers: &[u32],
    share: f64,
) -> Vec<f64> {
    let metres = |a: (f64, f64), b: (f64, f64)| {
        let north = (a.0 - b.0) * METRES_PER_DEGREE_LAT;
        let east = (a.1 - b.1) * METRES_PER_DEGREE_LAT * a.0.to_radians().cos();
        north.hypot(east)
    };
    let mut nearby = vec![0.0f64; sites.len()];
    for (b, building) in buildings.iter().enumerate() {
        let nearest = (0..sites.len())
            .min_by(|&x, &y| {
                metres(building.location, sites[x].location)
                    .total_cmp(&metres(building.location, sites[y].location))
            })
            .expect("at least one site");
        nearby[nearest] += f64::from(walkers[b]);
    }
    let mean = nearby.iter().sum::<f64>() / sites.len() as f64;
    let weight: Vec<f64> = nearby
        .iter()
        .map(|&n| 1.0 / (0.5 + n / mean.max(1.0)))
        .collect();
    let total = f64::from(walkers.iter().sum::<u32>()) / share;
    let weights: f64 = weight.iter().sum();
    weight.iter().map(|w| total * w / weights).collect()
}

fn write_sites(
    dir: &Path,
    sites: &[SitePlan],
    communities: &[Community],
    size: SiteSize,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_path(dir.join("sites.csv"))?;
    out.write_record([
        "code",
        "name",
        "lat",
        "lon",
        "lanes",
        "per_lane_per_hour",
        "open",
        "close",
        "queue_capacity",
    ])?;
    for (i, site) in sites.iter().enumerate() {
        let community = &communities[site.community];
        let (lat, lon) = site.location;
        let place = ["广场", "小学操场", "社区中心", "停车场", "公园"][i % 5];
        let (lanes, per_lane, open, close, queue) = match &size {
            SiteSize::Roomy => (
                site.roomy.0,
                site.roomy.1,
                ["07:00", "07:30", "08:00"][i % 3],
                ["18:00", "19:00", "20:00", "21:00"][i % 4],
                site.roomy.2,
            ),
            SiteSize::Binding(people) => {
                // Lanes of about 120 an hour, the rate set to hit the day's people.
                let per_hour = people[i] / BINDING_HOURS / UTILISATION;
                let lanes = (per_hour / 120.0).ceil().clamp(1.0, 100.0) as u32;
                let per_lane = (per_hour / f64::from(lanes)).round().clamp(1.0, 2000.0) as u32;
                (lanes, per_lane, "08:00", "18:00", 500)
            }
        };
        out.write_record([
            format!("S{:04}", i + 1),
            format!("{}{place}采样点", community.name),
            format!("{lat:.6}"),
            format!("{lon:.6}"),
            lanes.to_string(),
            per_lane.to_string(),
            open.to_string(),
            close.to_string(),
            queue.to_string(),
        ])?;
    }
    out.flush()
}

fn write_teams(
    dir: &Path,
    n: usize,
    communities: &[Community],
    rng: &mut ChaCha8Rng,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_path(dir.join("teams.csv"))?;
    out.write_record([
        "code",
        "name",
        "members",
        "start_lat",
        "start_lon",
        "shift_start",
        "shift_end",
        "speed_kmh",
        "max_visits",
    ])?;
    for i in 0..n {
        let community = &communities[i % communities.len()];
        let (lat, lon) = offset(
            community.centre,
            rng.random_range(-100.0..100.0),
            rng.random_range(-100.0..100.0),
        );
        // Staggered day shifts, so that the office's phones are answered from 08:00 to 18:00.
        let (start, end) = [("08:00", "17:00"), ("08:30", "17:30"), ("09:00", "18:00")][i % 3];
        out.write_record([
            format!("T{:03}", i + 1),
            format!("流动采样{}队", i + 1),
            rng.random_range(2..=3).to_string(),
            format!("{lat:.6}"),
            format!("{lon:.6}"),
            start.to_string(),
            end.to_string(),
            ["4.5", "5", "12"][i % 3].to_string(),
            rng.random_range(30..=40).to_string(),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// The demo district's logins: fixed and printed, so that a newcomer can try every role at
/// once. Only for made-up districts; real accounts come from `sweep user add` and `sweep
/// team pin`. In a made-up city the first district's are these, another's are named with
/// its code (`office-D2`).
pub const LOGINS: [(&str, crate::access::Role, &str); 2] = [
    ("office", crate::access::Role::Office, "demo-office"),
    ("lab", crate::access::Role::Lab, "demo-lab"),
];
/// The made-up city's headquarters login.
pub const CITY_LOGIN: (&str, &str) = ("city", "demo-city");

/// A demo login of a district: `office` for the first, `office-D2` for another.
pub fn login_of(login: &str, district: &crate::domain::District, first: bool) -> String {
    if first {
        login.to_string()
    } else {
        format!("{login}-{}", district.code)
    }
}
/// Every demo team's PIN.
pub const TEAM_PIN: &str = "246813";

/// Copies the roster files in `from` to `to` with `note` as every resident's note: a
/// roster whose import updates every resident (for measuring and testing re-imports).
pub fn write_with_note(from: &Path, to: &Path, note: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for name in ["buildings.csv", "sites.csv", "teams.csv"] {
        std::fs::copy(from.join(name), to.join(name))?;
    }
    let mut reader = csv::Reader::from_path(from.join("residents.csv"))?;
    let headers = reader.headers()?.clone();
    let notes = headers
        .iter()
        .position(|h| h == "notes")
        .ok_or_else(|| std::io::Error::other("residents.csv has no notes column"))?;
    let mut writer = csv::Writer::from_path(to.join("residents.csv"))?;
    writer.write_record(&headers)?;
    for record in reader.records() {
        let record = record?;
        let row: Vec<&str> = record
            .iter()
            .enumerate()
            .map(|(i, field)| if i == notes { note } else { field })
            .collect();
        writer.write_record(&row)?;
    }
    writer.flush()
}

/// Gives a made-up district's accounts their demo passwords (making them where missing),
/// every team of it the demo PIN, and the city its headquarters login. `first`: the first
/// district of the city, whose logins carry no district code.
pub fn open_logins(
    conn: &mut crate::store::DbConnection,
    district: &crate::domain::District,
    first: bool,
) -> diesel::QueryResult<()> {
    use crate::store::access;
    let now = chrono::Utc::now().naive_utc();
    let mut open = |login: &str, role: &str, district_id: Option<i64>, password: &str| {
        let hash = crate::access::hash_secret(password);
        match access::account(conn, login)? {
            Some(account) => access::set_password(conn, account.id, &hash),
            None => access::add_account(conn, login, role, district_id, &hash, now),
        }
    };
    for (login, role, password) in LOGINS {
        let login = login_of(login, district, first);
        open(&login, role.as_str(), Some(district.id), password)?;
    }
    let (city, password) = CITY_LOGIN;
    open(city, "city", None, password)?;
    // One hash for all teams: the PIN is public anyway, and hashing is slow on purpose.
    let pin = crate::access::hash_secret(TEAM_PIN);
    for team in crate::store::teams::all_teams(conn, district.id)? {
        access::set_team_pin(conn, team.id, &pin)?;
    }
    Ok(())
}
