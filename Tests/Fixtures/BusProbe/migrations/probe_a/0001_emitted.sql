-- Which chunks of numbers were emitted, so a retried emit call never emits twice.
CREATE TABLE emitted (first_number integer PRIMARY KEY);
