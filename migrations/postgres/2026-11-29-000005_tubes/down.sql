DROP TABLE samples;
DROP TABLE tubes;
