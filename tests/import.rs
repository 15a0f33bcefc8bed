//! Roster import, through the same function `sweep import` calls, on both backends.

mod common;

use std::path::Path;

use diesel::prelude::*;
use indicatif::ProgressBar;

use common::TestDb;
use sweep::demo::{self, DemoSpec};
use sweep::import::{self, ImportError, RosterFiles, RowError};
use sweep::store::residents::ResidentRow;
use sweep::store::roster::{self, Totals};
use sweep::store::schema::{buildings, residents};

const BUILDINGS: &str = "code,community,address,lat,lon,floors,elevator
B1,梅园新村,淮海路1号,31.22,121.46,6,no
B2,梅园新村,淮海路2号,31.221,121.461,18,yes
";
const RESIDENTS: &str = "code,name,id_number,phone,building,unit,floor,room,household,birth_year,mobility,home_visit,available_from,available_to,notes
R1,王伟,11010519491231002X,13812345678,B1,1,6,601,H1,1949,bedridden,,09:00,11:30,独居老人
R2,王芳,110105195001010012,,B1,1,6,601,H1,,ambulatory,,,,
R3,李娜,E12345678,021-6543 2109,B2,1,17,1702,,,limited,yes,,,
";
const SITES: &str = "code,name,lat,lon,lanes,per_lane_per_hour,open,close,queue_capacity
S1,梅园广场,31.2205,121.4605,4,120,07:00,19:00,150
";
const TEAMS: &str =
    "code,name,members,start_lat,start_lon,shift_start,shift_end,speed_kmh,max_visits
T1,流动采样1队,2,31.22,121.46,08:00,17:00,4.5,35
";

fn write_roster(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn import_dir(db: &TestDb, dir: &Path) -> Result<Totals, ImportError> {
    let files = RosterFiles::from_dir(dir, &ProgressBar::hidden())?;
    import::import(&db.db, &db.district(), files, 1_000)
}

/// What a district holds before its first import.
const NOTHING: Totals = Totals {
    buildings: 0,
    residents: 0,
    sites: 0,
    teams: 0,
};

fn totals(db: &TestDb) -> Totals {
    roster::totals(&mut db.db.conn().unwrap(), db.district().id).unwrap()
}

fn errors_of(result: Result<Totals, ImportError>) -> Vec<RowError> {
    match result {
        Err(ImportError::Invalid(errors)) => errors.shown,
        other => panic!("expected bad rows, got {other:?}"),
    }
}

/// (file, line, column) of each error, for compact assertions.
fn places(errors: &[RowError]) -> Vec<(&'static str, u64, String)> {
    errors
        .iter()
        .map(|e| (e.file, e.line, e.column.clone().unwrap_or_default()))
        .collect()
}

/// The residents of the test's district (not its neighbour's).
fn stored_residents(db: &TestDb) -> Vec<ResidentRow> {
    residents::table
        .filter(residents::district_id.eq(db.district().id))
        .select(ResidentRow::as_select())
        .order(residents::code)
        .load(&mut db.db.conn().unwrap())
        .unwrap()
}

fn a_small_roster_imports_with_defaults_filled_in(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    write_roster(
        &dir,
        &[
            ("buildings.csv", BUILDINGS),
            ("residents.csv", RESIDENTS),
            ("sites.csv", SITES),
            ("teams.csv", TEAMS),
        ],
    );
    let totals = import_dir(db, &dir).unwrap();
    assert_eq!(
        totals,
        Totals {
            buildings: 2,
            residents: 3,
            sites: 1,
            teams: 1
        }
    );
    let stored = stored_residents(db);
    // A bedridden resident is visited at home unless the roster says otherwise; a
    // resident without a household is a household of one.
    assert_eq!(
        (stored[0].mobility.as_str(), stored[0].home_visit),
        ("bedridden", true)
    );
    assert_eq!(
        (stored[1].mobility.as_str(), stored[1].home_visit),
        ("ambulatory", false)
    );
    assert_eq!(stored[2].household, "R3");
    // Personal data is stored only as a hash and masks.
    assert_eq!(stored[0].id_masked, "110***********002X");
    assert_eq!(stored[0].phone_masked.as_deref(), Some("138****5678"));
    assert_eq!(stored[2].phone_masked.as_deref(), Some("*******2109"));
    assert_eq!(stored[1].phone_masked, None);
    assert!(stored.iter().all(|r| r.id_hash.len() == 16));
}

fn a_spreadsheet_export_with_bom_crlf_and_shuffled_columns_imports(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    let buildings = "\u{feff}elevator,floors,code,community,address,lon,lat\r\nno,6,B1,梅园新村,淮海路1号,121.46,31.22\r\n";
    let residents = "\u{feff}mobility,floor,building,id_number,name,code\r\nambulatory,3,B1,11010519491231002X,王伟,R1\r\n";
    write_roster(
        &dir,
        &[("buildings.csv", buildings), ("residents.csv", residents)],
    );
    let totals = import_dir(db, &dir).unwrap();
    assert_eq!((totals.buildings, totals.residents), (1, 1));
}

fn reimporting_the_same_demo_roster_changes_nothing(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    let counts = demo::write_district(
        &dir,
        DemoSpec {
            residents: 3_000,
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    let first = import_dir(db, &dir).unwrap();
    assert_eq!(first.residents, 3_000);
    assert_eq!(first.buildings as usize, counts.buildings);
    assert_eq!(first.sites as usize, counts.sites);
    assert_eq!(first.teams as usize, counts.teams);
    let before = stored_residents(db);
    let second = import_dir(db, &dir).unwrap();
    assert_eq!(first, second);
    assert_eq!(before, stored_residents(db));
}

fn an_updated_roster_updates_by_code(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    write_roster(
        &dir,
        &[("buildings.csv", BUILDINGS), ("residents.csv", RESIDENTS)],
    );
    import_dir(db, &dir).unwrap();
    let update = "code,name,id_number,building,floor,mobility,household
R2,王芳,110105195001010012,B2,12,limited,H2
R4,张敏,310101198001010018,B2,3,ambulatory,
";
    std::fs::remove_file(dir.join("buildings.csv")).unwrap();
    write_roster(&dir, &[("residents.csv", update)]);
    let totals = import_dir(db, &dir).unwrap();
    assert_eq!(
        totals.residents, 4,
        "R1 and R3 stay, R2 is updated, R4 is new"
    );
    let stored = stored_residents(db);
    let r2 = stored.iter().find(|r| r.code == "R2").unwrap();
    assert_eq!(
        (r2.floor, r2.household.as_str(), r2.mobility.as_str()),
        (12, "H2", "limited")
    );
}

fn a_roster_with_bad_rows_is_refused_whole_and_every_row_is_named(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    let buildings = "code,community,address,lat,lon,floors,elevator
B1,梅园新村,淮海路1号,31.22,121.46,6,no
B2,梅园新村,淮海路2号,95.0,121.461,18,perhaps
B1,梅园新村,淮海路3号,31.22,121.46,6,no
";
    let residents = "code,name,id_number,phone,building,unit,floor,room,household,birth_year,mobility,home_visit,available_from,available_to,notes
R1,王伟,110105194912310021,,B1,1,6,601,H1,,bedridden,,,,
R2,王芳,110105195001010012,,B9,1,2,201,H2,,ambulatory,,,,
R3,李娜,310101198001010018,,B1,1,7,701,H3,,ambulatory,,,,
R4,,310101198001020013,,B1,1,2,201,H4,,walking,,9am,,
R1,张敏,310101198001030019,,B1,1,2,202,H5,,ambulatory,,,,
R6,赵强,310101198001040014,,B1,1,2,203,H6,1990,ambulatory,,14:00,10:00,
";
    let sites = "code,name,lat,lon,lanes,per_lane_per_hour,open,close,queue_capacity
S1,梅园广场,31.2205,121.4605,0,120,19:00,07:00,150
";
    let teams = "code,name,members,start_lat,start_lon,shift_start,shift_end,speed_kmh,max_visits
T1,流动采样1队,2,31.22,200,08:00,17:00,fast,35
";
    write_roster(
        &dir,
        &[
            ("buildings.csv", buildings),
            ("residents.csv", residents),
            ("sites.csv", sites),
            ("teams.csv", teams),
        ],
    );
    let errors = errors_of(import_dir(db, &dir));
    let expected = [
        ("buildings.csv", 3, "lat"),
        ("buildings.csv", 3, "elevator"),
        ("buildings.csv", 4, "code"),
        ("sites.csv", 2, "lanes"),
        ("sites.csv", 2, "close"),
        ("teams.csv", 2, "start_lon"),
        ("teams.csv", 2, "speed_kmh"),
        ("residents.csv", 2, "id_number"),
        ("residents.csv", 3, "building"),
        ("residents.csv", 4, "floor"),
        ("residents.csv", 5, "name"),
        ("residents.csv", 5, "mobility"),
        ("residents.csv", 5, "available_from"),
        ("residents.csv", 6, "code"),
        ("residents.csv", 7, "birth_year"),
        ("residents.csv", 7, "available_to"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(f, l, c)| (*f, *l, c.to_string()))
        .collect();
    assert_eq!(places(&errors), expected, "{errors:#?}");
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(messages[7].contains("check digit"), "{}", messages[7]);
    assert!(
        messages[8].contains("unknown building B9"),
        "{}",
        messages[8]
    );
    assert!(
        messages[9].contains("above the top floor (6)"),
        "{}",
        messages[9]
    );
    assert!(messages[13].contains("first on line 2"), "{}", messages[13]);
    assert_eq!(totals(db), NOTHING);
    // Not even an empty table: on PostgreSQL a district's first import makes its residents'
    // partition, and only a roster that is written does (the checking pass once made an
    // empty one, and the write that followed went row by row through its indexes).
    if let sweep::store::DbConnection::Pg(c) = &mut *db.db.conn().unwrap() {
        let partition: Option<String> = diesel::select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >(&format!(
            "to_regclass('residents_d{}')::text",
            db.district().id
        )))
        .get_result(c)
        .unwrap();
        assert_eq!(partition, None);
    }
}

/// A row with a bad field still hears of its building and floor; rows and problems are
/// counted apart, and a long list is cut to the first few with the totals kept.
fn every_problem_of_every_row_is_counted_and_the_list_is_cut(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    let residents = "code,name,id_number,building,floor,mobility
R1,王伟,11010519491231002X,B9,2,walks
R2,王芳,110105195001010012,B1,9,walks
R3,李娜,310101198001010018,B1,2,ambulatory
";
    write_roster(
        &dir,
        &[("buildings.csv", BUILDINGS), ("residents.csv", residents)],
    );
    let Err(ImportError::Invalid(problems)) = import_dir(db, &dir) else {
        panic!("refused")
    };
    assert_eq!((problems.rows, problems.errors), (2, 4));
    assert_eq!(
        places(&problems.shown),
        [
            ("residents.csv", 2, "mobility"),
            ("residents.csv", 2, "building"),
            ("residents.csv", 3, "mobility"),
            ("residents.csv", 3, "floor"),
        ]
        .map(|(f, l, c)| (f, l, c.to_string()))
    );
    assert_eq!(problems.shown[3].problem.code(), "above_top_floor");
    assert!(problems
        .to_string()
        .starts_with("2 bad row(s), 4 problem(s)"));

    // Ten thousand bad rows: all counted, the first three listed.
    let mut many = String::from("code,name,id_number,building,floor,mobility\n");
    for i in 0..10_000 {
        many.push_str(&format!("X{i},某,,B1,x,walks\n"));
    }
    write_roster(&dir, &[("residents.csv", &many)]);
    let files = RosterFiles::from_dir(&dir, &ProgressBar::hidden()).unwrap();
    let Err(ImportError::Invalid(problems)) = import::import(&db.db, &db.district(), files, 3)
    else {
        panic!("refused")
    };
    assert_eq!((problems.rows, problems.errors), (10_000, 30_000));
    assert_eq!(problems.shown.len(), 3);
    assert!(problems.to_string().contains("the first 3 are listed"));
}

fn one_bad_row_leaves_an_earlier_import_untouched(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    write_roster(
        &dir,
        &[
            ("buildings.csv", BUILDINGS),
            ("residents.csv", RESIDENTS),
            ("sites.csv", SITES),
        ],
    );
    import_dir(db, &dir).unwrap();
    let before = stored_residents(db);
    // Good changes to buildings and sites, one bad resident at the very end.
    let buildings = BUILDINGS.replace(
        "B1,梅园新村,淮海路1号,31.22,121.46,6,no",
        "B1,梅园新村,淮海路1号,31.22,121.46,7,no",
    );
    let residents =
        format!("{RESIDENTS}R9,孙杰,110105195001010018,,B1,1,2,201,H9,,ambulatory,,,,\n");
    write_roster(
        &dir,
        &[("buildings.csv", &buildings), ("residents.csv", &residents)],
    );
    let errors = errors_of(import_dir(db, &dir));
    assert_eq!(
        places(&errors),
        vec![("residents.csv", 5, "id_number".to_string())]
    );
    let floors: i32 = buildings::table
        .filter(buildings::code.eq("B1"))
        .select(buildings::floors)
        .first(&mut db.db.conn().unwrap())
        .unwrap();
    assert_eq!(
        floors, 6,
        "the building change was rolled back with the bad resident"
    );
    assert_eq!(before, stored_residents(db));
}

fn the_same_person_cannot_appear_twice(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    write_roster(
        &dir,
        &[("buildings.csv", BUILDINGS), ("residents.csv", RESIDENTS)],
    );
    import_dir(db, &dir).unwrap();
    // R1's ID number under a new code, in lower case: the same person.
    let residents = "code,name,id_number,building,floor,mobility
R7,王伟,11010519491231002x,B1,2,ambulatory
R8,王伟,310101198001010018,B1,2,ambulatory
R9,王伟,310101198001010018,B1,2,ambulatory
";
    write_roster(&dir, &[("residents.csv", residents)]);
    let errors = errors_of(import_dir(db, &dir));
    assert_eq!(
        places(&errors),
        vec![
            ("residents.csv", 2, "id_number".to_string()),
            ("residents.csv", 4, "id_number".to_string())
        ]
    );
    assert!(
        errors[0].to_string().contains("belongs to resident R1"),
        "{}",
        errors[0]
    );
    assert!(errors[1].to_string().contains("line 3"), "{}", errors[1]);
}

fn a_household_cannot_span_two_buildings(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    let residents = "code,name,id_number,building,floor,mobility,household
R1,王伟,11010519491231002X,B1,2,ambulatory,H1
R2,王芳,110105195001010012,B2,2,ambulatory,H1
";
    write_roster(
        &dir,
        &[("buildings.csv", BUILDINGS), ("residents.csv", residents)],
    );
    let errors = errors_of(import_dir(db, &dir));
    assert_eq!(
        places(&errors),
        vec![("residents.csv", 3, "household".to_string())]
    );
    // A resident is their own household unless one is named: naming R3 as the household
    // of someone in another building is the same mistake, whichever row comes first.
    let residents = "code,name,id_number,building,floor,mobility,household
R3,王伟,11010519491231002X,B1,2,ambulatory,
R4,王芳,110105195001010012,B2,2,ambulatory,R3
R5,李娜,310101198001010018,B2,2,ambulatory,R6
R6,张敏,310101198001030019,B1,2,ambulatory,
R7,赵强,310101198001040014,B1,2,ambulatory,R3
";
    write_roster(&dir, &[("residents.csv", residents)]);
    let errors = errors_of(import_dir(db, &dir));
    assert_eq!(
        places(&errors),
        vec![
            ("residents.csv", 3, "household".to_string()),
            ("residents.csv", 5, "household".to_string())
        ],
        "{errors:?}"
    );
    assert!(
        errors[1]
            .to_string()
            .contains("lives in building B2 on line 4"),
        "{}",
        errors[1]
    );
}

fn headers_must_name_known_columns(db: &TestDb) {
    let dir = db.dir.path().join("roster");
    let buildings =
        "code,community,adress,lat,lon,floors,elevator\nB1,梅园新村,淮海路1号,31.22,121.46,6,no\n";
    write_roster(&dir, &[("buildings.csv", buildings)]);
    let errors = errors_of(import_dir(db, &dir));
    assert_eq!(
        places(&errors),
        vec![
            ("buildings.csv", 1, "adress".to_string()),
            ("buildings.csv", 1, "address".to_string())
        ]
    );
}

/// The city-wide rule on ID numbers holds in the database itself, not only in the import's
/// check: a row naming an ID number registered in another district is refused (on
/// PostgreSQL, where residents are partitioned by district, by `resident_id_hashes`).
fn an_id_number_of_another_district_is_refused_by_the_database(db: &TestDb) {
    let ours = db.district();
    // Residents of our own first (on PostgreSQL their import makes our partition).
    let dir = db.dir.path().join("ours");
    sweep::demo::write_district(
        &dir,
        sweep::demo::DemoSpec {
            residents: 5,
            seed: 9,
            ..Default::default()
        },
    )
    .unwrap();
    import_dir(db, &dir).expect("our own residents");
    let neighbour = sweep::districts::named(
        &mut db.db.conn().unwrap(),
        &db.config,
        Some(common::NEIGHBOUR),
    )
    .unwrap();
    let mut conn = db.db.conn().unwrap();
    let copy = |district: i64, code: &str| {
        format!(
            "INSERT INTO residents (district_id, code, name, id_hash, id_masked, building_id, unit, \
             floor, room, household, mobility, home_visit, notes) \
             SELECT {district}, '{code}', name, id_hash, id_masked, building_id, unit, floor, room, \
             household, mobility, home_visit, notes FROM residents WHERE district_id = {} \
             ORDER BY id LIMIT 1",
            neighbour.id
        )
    };
    let refused = match &mut *conn {
        sweep::store::DbConnection::Sqlite(c) => diesel::sql_query(copy(ours.id, "RX")).execute(c),
        sweep::store::DbConnection::Pg(c) => diesel::sql_query(copy(ours.id, "RX")).execute(c),
    };
    assert!(
        matches!(
            refused,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        ),
        "{refused:?}"
    );
    let in_ours: i64 = residents::table
        .filter(residents::district_id.eq(ours.id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(in_ours, 5, "ours, and not the neighbour's");

    // On PostgreSQL each district's residents are in its own partition.
    if let sweep::store::DbConnection::Pg(c) = &mut *conn {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let in_partition = |c: &mut diesel::PgConnection, district: i64| {
            diesel::sql_query(format!("SELECT count(*) AS n FROM residents_d{district}"))
                .get_result::<Count>(c)
                .unwrap()
                .n
        };
        assert_eq!(in_partition(c, neighbour.id), 60);
        assert_eq!(in_partition(c, ours.id), 5);
        // Every index of a partitioned table begins with the district, so that a read
        // naming its district (every read does) looks in one partition, even where the
        // district comes from a join.
        #[derive(QueryableByName)]
        struct Index {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let without_district: Vec<String> = diesel::sql_query(
            "SELECT i.relname::text AS name FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] \
             WHERE t.relkind = 'p' AND a.attname <> 'district_id' \
             AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
        )
        .load::<Index>(c)
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
        assert_eq!(without_district, Vec::<String>::new());
        #[derive(QueryableByName)]
        struct Line {
            #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
            line: String,
        }
        let plan: Vec<Line> = diesel::sql_query(format!(
            "EXPLAIN SELECT * FROM residents WHERE district_id = {} AND code = 'R0000001'",
            neighbour.id
        ))
        .load(c)
        .unwrap();
        let plan: String = plan.into_iter().map(|l| l.line + "\n").collect();
        assert!(
            plan.contains(&format!("residents_d{}", neighbour.id)),
            "{plan}"
        );
        assert!(
            !plan.contains(&format!("residents_d{}", ours.id)),
            "one partition: {plan}"
        );
    }
}

/// A district's first roster is checked and written in one pass: a bad row near the end of
/// residents.csv, found after thousands of rows and the buildings, sites and teams were
/// written, leaves nothing of the import behind, and a good roster goes in afterwards.
fn a_first_roster_with_one_bad_row_at_the_end_leaves_nothing(db: &TestDb) {
    let dir = db.dir.path().join("late");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 20_000,
            seed: 9,
            ..Default::default()
        },
    )
    .unwrap();
    let residents = dir.join("residents.csv");
    let good = std::fs::read_to_string(&residents).unwrap();
    let second_line = good.lines().nth(1).unwrap().to_string();
    let lines = good.lines().count();
    std::fs::write(&residents, format!("{good}{second_line}\n")).unwrap();
    let errors = errors_of(import_dir(db, &dir));
    assert_eq!(
        errors
            .iter()
            .map(|e| (e.file, e.line, e.problem.code()))
            .collect::<Vec<_>>(),
        [
            ("residents.csv", lines as u64 + 1, "duplicate_code"),
            ("residents.csv", lines as u64 + 1, "same_id_number")
        ]
    );
    assert_eq!(totals(db), NOTHING);
    std::fs::write(&residents, good).unwrap();
    let totals = import_dir(db, &dir).unwrap();
    assert_eq!(totals.residents, 20_000);
}

/// Copies residents.csv of `dir` with the ID numbers (and the birth years they hold) of rows
/// `rows` (0 = the first after the header) replaced by the neighbour district's first ones.
fn with_neighbours_id_numbers(db: &TestDb, dir: &Path, rows: &[usize]) {
    let id_numbers = |path: &Path| -> (csv::StringRecord, Vec<csv::StringRecord>) {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let headers = reader.headers().unwrap().clone();
        (headers, reader.records().map(Result::unwrap).collect())
    };
    let (headers, neighbours) = id_numbers(&db.dir.path().join("neighbour/residents.csv"));
    let columns = ["id_number", "birth_year"].map(|c| headers.iter().position(|h| h == c).unwrap());
    let (headers, mut ours) = id_numbers(&dir.join("residents.csv"));
    for (k, row) in rows.iter().enumerate() {
        let mut fields: Vec<String> = ours[*row].iter().map(str::to_string).collect();
        for column in columns {
            fields[column] = neighbours[k][column].to_string();
        }
        ours[*row] = csv::StringRecord::from(fields);
    }
    let mut writer = csv::Writer::from_path(dir.join("residents.csv")).unwrap();
    writer.write_record(&headers).unwrap();
    for row in ours {
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
}

/// An ID number registered in another district, in a district's first roster (checked and
/// written in one pass) and in a later one (checked first): the lines are named with the
/// other district's code, and nothing of the import is written.
fn an_id_number_of_another_district_names_that_district(db: &TestDb) {
    let dir = db.dir.path().join("ours");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 30,
            seed: 9,
            ..Default::default()
        },
    )
    .unwrap();
    let good = std::fs::read_to_string(dir.join("residents.csv")).unwrap();
    let registered_elsewhere = |result| {
        errors_of(result)
            .into_iter()
            .map(|e| {
                let district = e.problem.params().first().map(|(_, v)| v.clone());
                (e.line, e.problem.code(), district)
            })
            .collect::<Vec<_>>()
    };
    let named = |lines: [u64; 2]| {
        lines.map(|line| {
            (
                line,
                "id_number_in_district",
                Some(common::NEIGHBOUR.to_string()),
            )
        })
    };
    with_neighbours_id_numbers(db, &dir, &[1, 20]);
    assert_eq!(registered_elsewhere(import_dir(db, &dir)), named([3, 22]));
    assert_eq!(totals(db), NOTHING);

    std::fs::write(dir.join("residents.csv"), &good).unwrap();
    assert_eq!(import_dir(db, &dir).unwrap().residents, 30);
    with_neighbours_id_numbers(db, &dir, &[4, 9]);
    assert_eq!(registered_elsewhere(import_dir(db, &dir)), named([6, 11]));
    assert_eq!(totals(db).residents, 30);
}

on_both_backends!(
    an_id_number_of_another_district_is_refused_by_the_database,
    every_problem_of_every_row_is_counted_and_the_list_is_cut,
    a_small_roster_imports_with_defaults_filled_in,
    a_spreadsheet_export_with_bom_crlf_and_shuffled_columns_imports,
    reimporting_the_same_demo_roster_changes_nothing,
    an_updated_roster_updates_by_code,
    a_roster_with_bad_rows_is_refused_whole_and_every_row_is_named,
    one_bad_row_leaves_an_earlier_import_untouched,
    the_same_person_cannot_appear_twice,
    a_household_cannot_span_two_buildings,
    headers_must_name_known_columns,
    a_first_roster_with_one_bad_row_at_the_end_leaves_nothing,
    an_id_number_of_another_district_names_that_district,
);
