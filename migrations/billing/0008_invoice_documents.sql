-- Each invoice's PDF, rendered once after it is issued and never again: what a customer
-- downloads is what was issued, whatever happens to the invoice afterwards.
CREATE TABLE invoice_documents (
    invoice_id uuid PRIMARY KEY REFERENCES invoices (id),
    pdf bytea NOT NULL,
    sha256 text NOT NULL,
    rendered_at timestamptz NOT NULL DEFAULT now()
);
