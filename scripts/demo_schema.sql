-- Demo schema: a small permits web app (Flask + gunicorn + SQLAlchemy/Alembic) as it looks in
-- production, so that opsagent's readiness checks (config/demo.toml) have something real to
-- look at. Loaded by scripts/demo.sh as the `app` role, which therefore owns every table.
-- Experiment by breaking it:  ALTER TABLE contacts DROP COLUMN email_verified;
--                             UPDATE alembic_version SET version_num = 'b71e0c2a9d44';
BEGIN;

CREATE TABLE contacts (
    id              bigserial PRIMARY KEY,
    full_name       text        NOT NULL,
    email           text        NOT NULL UNIQUE,
    phone           text,
    organisation    text,
    email_verified  boolean     NOT NULL DEFAULT false,  -- added by migration 4f2a9c1d7e30
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE permits (
    id              bigserial PRIMARY KEY,
    permit_number   text        NOT NULL UNIQUE,
    kind            text        NOT NULL CHECK (kind IN ('building', 'electrical', 'plumbing', 'demolition')),
    status          text        NOT NULL DEFAULT 'submitted'
                                CHECK (status IN ('submitted', 'in_review', 'approved', 'rejected', 'expired')),
    site_address    text        NOT NULL,
    applicant_id    bigint      NOT NULL REFERENCES contacts (id),
    description     text,
    fee_cents       integer     NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    expires_on      date
);
CREATE INDEX permits_status_idx ON permits (status);
CREATE INDEX permits_applicant_idx ON permits (applicant_id);

CREATE TABLE inspections (
    id              bigserial PRIMARY KEY,
    permit_id       bigint      NOT NULL REFERENCES permits (id) ON DELETE CASCADE,
    inspector       text        NOT NULL,
    scheduled_for   timestamptz NOT NULL,
    outcome         text        CHECK (outcome IN ('passed', 'failed', 'cancelled')),
    notes           text,
    completed_at    timestamptz
);
CREATE INDEX inspections_permit_idx ON inspections (permit_id);

-- Rendered pages cached by the Flask app; swept by a cron job.
CREATE TABLE page_cache (
    cache_key       text        PRIMARY KEY,
    body            bytea       NOT NULL,
    content_type    text        NOT NULL DEFAULT 'text/html; charset=utf-8',
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);

CREATE TABLE cron_log (
    id              bigserial PRIMARY KEY,
    job_name        text        NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    succeeded       boolean,
    detail          text
);

-- Added by the latest migration (4f2a9c1d7e30): per-permit checklist before an inspection.
CREATE TABLE prep_checklists (
    id              bigserial PRIMARY KEY,
    permit_id       bigint      NOT NULL REFERENCES permits (id) ON DELETE CASCADE,
    item            text        NOT NULL,
    done            boolean     NOT NULL DEFAULT false,
    done_by         bigint      REFERENCES contacts (id),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (permit_id, item)
);

-- Alembic's bookkeeping, exactly as `alembic upgrade head` leaves it.
CREATE TABLE alembic_version (
    version_num     varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version (version_num) VALUES ('4f2a9c1d7e30');

INSERT INTO contacts (full_name, email, phone, organisation, email_verified) VALUES
    ('Ana Kowalski',  'ana@kowalski-build.example',  '+1 555 0101', 'Kowalski Build', true),
    ('Tomas Reyes',   'tomas.reyes@example.org',     '+1 555 0102', NULL,             false),
    ('Priya Natarajan', 'priya@brightspark.example', '+1 555 0103', 'BrightSpark Electric', true);

INSERT INTO permits (permit_number, kind, status, site_address, applicant_id, description,
                     fee_cents, submitted_at, decided_at, expires_on) VALUES
    ('BLD-2024-0117', 'building',   'approved',  '14 Harbour Row',   1, 'Two-storey rear extension',
     48000, now() - interval '40 days', now() - interval '12 days', current_date + 365),
    ('ELE-2024-0342', 'electrical', 'in_review', '3 Mill Lane, Unit 2', 3, 'Rewire and new consumer unit',
     9500,  now() - interval '5 days',  NULL, NULL),
    ('PLB-2024-0051', 'plumbing',   'submitted', '77 Orchard Street', 2, 'Relocate kitchen drainage',
     6000,  now() - interval '1 day',   NULL, NULL);

INSERT INTO inspections (permit_id, inspector, scheduled_for, outcome, notes, completed_at) VALUES
    (1, 'J. Okafor', now() - interval '3 days', 'passed', 'Foundations as drawn.', now() - interval '3 days'),
    (1, 'J. Okafor', now() + interval '9 days', NULL, NULL, NULL),
    (2, 'M. Lindqvist', now() + interval '2 days', NULL, NULL, NULL);

INSERT INTO prep_checklists (permit_id, item, done, done_by) VALUES
    (1, 'Site access arranged', true, 1),
    (1, 'Structural drawings on site', false, NULL),
    (2, 'Power isolated at the meter', false, NULL);

INSERT INTO page_cache (cache_key, body, expires_at) VALUES
    ('/permits?status=approved', convert_to('<html>…</html>', 'UTF8'), now() + interval '10 minutes');

INSERT INTO cron_log (job_name, started_at, finished_at, succeeded, detail) VALUES
    ('expire_permits',   now() - interval '1 hour', now() - interval '1 hour' + interval '2 seconds', true, '0 permits expired'),
    ('sweep_page_cache', now() - interval '10 minutes', now() - interval '10 minutes' + interval '150 ms', true, '4 rows deleted');

COMMIT;
