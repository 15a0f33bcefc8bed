DROP TABLE rounds;
DROP TABLE teams;
DROP TABLE sites;
DROP TABLE residents;
DROP TABLE buildings;
DROP TABLE communities;
DROP TABLE settings;
