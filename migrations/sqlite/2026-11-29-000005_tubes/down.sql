DROP TABLE lane_closures;
DROP TABLE samples;
DROP TABLE tubes;
