-- Numeric ids for the console API (docs/console-contract.md §3): Adobe's tooling puts
-- them in paths and validates downloaded workspace files against `^[0-9]+$`, while
-- Latchkey's own ids are hex. Each org, project, workspace (one implicit workspace per
-- project, keyed by the project id) and credential gets a stable number the first time
-- the console names it; `number` is unique per kind, so a path resolves to one object.
-- PostgreSQL dialect; keep equivalent to ../sqlite/0005_console_ids.sql.
CREATE TABLE console_ids (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    number  TEXT NOT NULL,
    PRIMARY KEY (kind, id),
    UNIQUE (kind, number)
);
