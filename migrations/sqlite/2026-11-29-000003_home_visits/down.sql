DROP TABLE visit_outcomes;
DROP TABLE route_unvisited;
DROP TABLE route_stops;
DROP TABLE team_routes;
