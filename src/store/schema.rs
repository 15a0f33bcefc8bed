//! Table definitions shared by both backends (kept by hand: the migrations under
//! `migrations/sqlite` and `migrations/postgres` create the same columns).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    districts (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        timezone -> Text,
    }
}

diesel::table! {
    communities (id) {
        id -> BigInt,
        district_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    buildings (id) {
        id -> BigInt,
        district_id -> BigInt,
        code -> Text,
        community_id -> BigInt,
        address -> Text,
        lat -> Double,
        lon -> Double,
        floors -> Integer,
        has_elevator -> Bool,
    }
}

diesel::table! {
    residents (id) {
        id -> BigInt,
        district_id -> BigInt,
        code -> Text,
        name -> Text,
        id_hash -> Binary,
        id_masked -> Text,
        phone_masked -> Nullable<Text>,
        building_id -> BigInt,
        unit -> Text,
        floor -> Integer,
        room -> Text,
        household -> Text,
        birth_year -> Nullable<Integer>,
        mobility -> Text,
        home_visit -> Bool,
        available_from_min -> Nullable<Integer>,
        available_to_min -> Nullable<Integer>,
        notes -> Text,
        phone_sealed -> Nullable<Binary>,
    }
}

diesel::table! {
    sites (id) {
        id -> BigInt,
        district_id -> BigInt,
        code -> Text,
        name -> Text,
        lat -> Double,
        lon -> Double,
        lanes -> Integer,
        per_lane_per_hour -> Integer,
        opens_min -> Integer,
        closes_min -> Integer,
        queue_capacity -> Integer,
    }
}

diesel::table! {
    teams (id) {
        id -> BigInt,
        district_id -> BigInt,
        code -> Text,
        name -> Text,
        members -> Integer,
        start_lat -> Double,
        start_lon -> Double,
        shift_start_min -> Integer,
        shift_end_min -> Integer,
        speed_kmh -> Double,
        max_visits -> Integer,
        pin_hash -> Nullable<Text>,
    }
}

diesel::table! {
    rounds (id) {
        id -> BigInt,
        district_id -> BigInt,
        date -> Date,
        starts_min -> Integer,
        ends_min -> Integer,
        slot_minutes -> Integer,
        status -> Text,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        placed -> Nullable<BigInt>,
        walking_metres -> Nullable<Double>,
        bound_metres -> Nullable<Double>,
        bound_placed -> Nullable<BigInt>,
        recall_households -> Bool,
    }
}

diesel::table! {
    slot_assignments (round_id, resident_id) {
        district_id -> BigInt,
        round_id -> BigInt,
        resident_id -> BigInt,
        site_id -> BigInt,
        starts_min -> Integer,
        ends_min -> Integer,
    }
}

diesel::table! {
    slot_loads (round_id, site_id, starts_min) {
        round_id -> BigInt,
        site_id -> BigInt,
        starts_min -> Integer,
        ends_min -> Integer,
        planned -> Integer,
        capacity -> Integer,
        utilisation -> Double,
        mean_wait_minutes -> Double,
        p90_wait_minutes -> Double,
        mean_queue -> Double,
        p90_queue -> Double,
    }
}

diesel::table! {
    slot_unplaced (round_id, resident_id) {
        round_id -> BigInt,
        resident_id -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    slot_moves (id) {
        id -> BigInt,
        round_id -> BigInt,
        resident_id -> BigInt,
        from_site_id -> BigInt,
        from_starts_min -> Integer,
        to_site_id -> Nullable<BigInt>,
        to_starts_min -> Nullable<Integer>,
        reason -> Text,
        moved_at -> Timestamp,
    }
}

diesel::table! {
    team_routes (round_id, team_id) {
        round_id -> BigInt,
        team_id -> BigInt,
        visits -> Integer,
        leaves_s -> Integer,
        returns_s -> Integer,
        distance_metres -> BigInt,
        travel_seconds -> BigInt,
    }
}

diesel::table! {
    route_stops (round_id, resident_id) {
        district_id -> BigInt,
        round_id -> BigInt,
        resident_id -> BigInt,
        team_id -> BigInt,
        seq -> Integer,
        arrives_s -> Integer,
        starts_s -> Integer,
        ends_s -> Integer,
    }
}

diesel::table! {
    route_unvisited (round_id, resident_id) {
        round_id -> BigInt,
        resident_id -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    visit_outcomes (id) {
        district_id -> BigInt,
        id -> BigInt,
        round_id -> BigInt,
        resident_id -> BigInt,
        team_id -> BigInt,
        outcome -> Text,
        tube_code -> Nullable<Text>,
        note -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        login -> Text,
        role -> Text,
        district_id -> Nullable<BigInt>,
        password_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Binary,
        role -> Text,
        district_id -> Nullable<BigInt>,
        account_id -> Nullable<BigInt>,
        team_id -> Nullable<BigInt>,
        expires_at -> Timestamp,
        read_fence -> Nullable<Text>,
    }
}

diesel::table! {
    audit (id) {
        id -> BigInt,
        actor -> Text,
        action -> Text,
        subject -> Text,
        at -> Timestamp,
        district_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    handled_requests (actor, request_id) {
        actor -> Text,
        request_id -> Text,
        endpoint -> Text,
        fingerprint -> Nullable<Binary>,
        status -> Integer,
        body -> Text,
        handled_at -> Timestamp,
    }
}

diesel::table! {
    tubes (id) {
        id -> BigInt,
        district_id -> BigInt,
        round_id -> BigInt,
        code -> Text,
        team_id -> BigInt,
        pool_size -> Integer,
        status -> Text,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        result_at -> Nullable<Timestamp>,
        swabs -> Integer,
        ct_value -> Nullable<Double>,
        tested_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    samples (id) {
        district_id -> BigInt,
        id -> BigInt,
        round_id -> BigInt,
        resident_id -> BigInt,
        tube_id -> BigInt,
        taken_at -> Timestamp,
        taken_by -> Text,
        attempt -> Integer,
    }
}

diesel::table! {
    login_failures (who) {
        who -> Text,
        failures -> Integer,
        next_try_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    lane_closures (round_id, site_id) {
        round_id -> BigInt,
        site_id -> BigInt,
        lanes_closed -> Integer,
    }
}

diesel::table! {
    /// Which district each ID number (its keyed hash) is registered in: a table kept by
    /// triggers on PostgreSQL (the city-wide rule a partitioned table cannot index), a view
    /// of residents' unique index on SQLite.
    resident_id_hashes (id_hash) {
        id_hash -> Binary,
        district_id -> BigInt,
    }
}

// No join of a district's large tables with residents by resident id alone: residents are
// partitioned by district on PostgreSQL, so such a join would look in every district's
// partition. Those joins are written out with the district (`residents::district_id`).
diesel::joinable!(buildings -> communities (community_id));
diesel::joinable!(residents -> districts (district_id));
diesel::joinable!(rounds -> districts (district_id));
diesel::joinable!(samples -> tubes (tube_id));
diesel::joinable!(residents -> buildings (building_id));
diesel::joinable!(slot_assignments -> sites (site_id));
diesel::joinable!(slot_assignments -> rounds (round_id));
diesel::joinable!(slot_loads -> sites (site_id));
diesel::joinable!(route_stops -> teams (team_id));
diesel::joinable!(team_routes -> teams (team_id));
diesel::joinable!(sessions -> teams (team_id));
diesel::joinable!(sessions -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    districts,
    communities,
    buildings,
    residents,
    resident_id_hashes,
    sites,
    teams,
    rounds,
    slot_assignments,
    slot_loads,
    slot_unplaced,
    slot_moves,
    team_routes,
    route_stops,
    route_unvisited,
    visit_outcomes,
    accounts,
    sessions,
    audit,
    handled_requests,
    tubes,
    samples,
    lane_closures,
    login_failures,
);
