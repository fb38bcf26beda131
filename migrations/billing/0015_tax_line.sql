-- How a tax line reads, in one place for every statement that writes one: `USt 19.00%`, or
-- `incl. USt 19.00%` when prices include the tax (HOSTWIRE_PRICES_INCLUDE_TAX).
CREATE FUNCTION tax_line(name text, basis_points integer, inclusive boolean) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN inclusive THEN 'incl. ' ELSE '' END || name || ' ' || (basis_points / 100.0)::numeric(5, 2) || '%'
$$;
-- The tax in (inclusive) or on (exclusive) an amount at a rate, rounded half-up.
CREATE FUNCTION tax_of(amount integer, basis_points integer, inclusive boolean) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$
    SELECT round(amount * basis_points / CASE WHEN inclusive THEN 10000.0 + basis_points ELSE 10000.0 END)::int
$$;
