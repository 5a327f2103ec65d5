-- The HTTP gateway (issue #9): its own role, and the API keys of the integrations it serves.
-- An API key belongs to an identity exactly like a CURVE key; only its SHA-256 is stored, and
-- revoking sets revoked_at (the gateway's refresher drops it within seconds, without a restart).
ALTER TABLE identity DROP CONSTRAINT identity_role_check;
ALTER TABLE identity ADD CONSTRAINT identity_role_check
  CHECK (role IN ('integration', 'body', 'enforcement_bureau', 'commissioner_office',
                  'supervision_center', 'operator', 'service', 'gateway'));

CREATE TABLE identity_api_key (
  key_hash    text PRIMARY KEY CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  identity    text NOT NULL REFERENCES identity(name),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX identity_api_key_by_identity ON identity_api_key(identity);
