-- Reference data: one writer (ducha_ref, used by the operator CLI), read by every service.

-- Identities behind CURVE keys (and, for the HTTP gateway, API keys). A key maps to one identity
-- with a role and a scope; revoking sets revoked_at, and services pick it up without a restart.
CREATE TABLE identity (
  name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._:-]{1,64}$'),
  role        text NOT NULL CHECK (role IN ('integration', 'body', 'enforcement_bureau',
                                            'commissioner_office', 'supervision_center',
                                            'operator', 'service')),
  channels    text[] NOT NULL DEFAULT '{}',   -- integration: channels it may submit on
  scope       text[] NOT NULL DEFAULT '{}',   -- body: the division codes it answers for
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  note        text NOT NULL DEFAULT ''
);

CREATE TABLE identity_key (
  public_key  text PRIMARY KEY CHECK (length(public_key) = 40),
  identity    text NOT NULL REFERENCES identity(name),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX identity_key_by_identity ON identity_key(identity);

-- The fleet's simulated clock (one row). When enabled, every service reads time from here
-- instead of the system clock; the CLI advances it.
CREATE TABLE sim_clock (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  enabled    boolean NOT NULL DEFAULT false,
  now_ms     bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sim_clock DEFAULT VALUES;
