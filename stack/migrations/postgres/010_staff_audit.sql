-- Who among the staff did what, and when (pipelines/staffAudit.ts): every change a reviewer or an ops admin makes
-- through the API, and every read of a person's data (a resume, a seeker's contact). The route and its ids, never
-- the body: a note or a resume is not copied here.
CREATE TABLE staff_audit (
  audit_id  bigserial   PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  staff_id  text        NOT NULL,
  role      text        NOT NULL,
  method    text        NOT NULL,
  route     text        NOT NULL,
  target    jsonb       NOT NULL,
  status    integer     NOT NULL
);
CREATE INDEX staff_audit_by_time ON staff_audit (at DESC);
CREATE INDEX staff_audit_by_staff ON staff_audit (staff_id, at DESC);
