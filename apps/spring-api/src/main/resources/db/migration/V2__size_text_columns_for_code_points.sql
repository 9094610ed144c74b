-- The API limits titles, bodies and authors in Unicode code points, as JSON Schema's maxLength
-- counts them. H2 counts UTF-16 units, in which one code point can take two, and the lower-cased
-- title key can be twice as long as the title ('İ' lower-cases to two characters). Without room
-- for both, a valid article failed with "value too long", which read as a duplicate title.
ALTER TABLE article ALTER COLUMN title SET DATA TYPE VARCHAR(400);
ALTER TABLE article ALTER COLUMN title_key SET DATA TYPE VARCHAR(400);
ALTER TABLE article ALTER COLUMN body SET DATA TYPE VARCHAR(20000);
ALTER TABLE article ALTER COLUMN author SET DATA TYPE VARCHAR(200);
