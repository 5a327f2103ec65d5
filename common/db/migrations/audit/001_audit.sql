-- Refused actions (审计记录): who tried what and why it was refused, for a role or scope
-- refusal at a service's command endpoint. Append-only; read by operators.
CREATE TABLE audit (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  identity    text NOT NULL,
  action      text NOT NULL,     -- the message type
  target      text NOT NULL,     -- the problem, task or enterprise, when there is one
  code        text NOT NULL,     -- forbidden, out_of_scope, own_city, ...
  reason      text NOT NULL
);
