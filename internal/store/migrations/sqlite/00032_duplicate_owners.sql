-- The duplicates a restricted role sees, found through its owners instead
-- of by reading every group and pair (docs/decisions/0034-duplicate-pairs-and-review.md):
-- each pair keeps the owners of its two records (kept with the pair: a
-- record's owner change rescores its pairs), and the groups and pairs are
-- indexed by owner, so a salesperson's page reads their own rows only.
-- A pair's explanation and time of scoring are no longer kept: the review
-- queue works the explanation out for the few pairs it shows, and
-- millions of pairs' explanations were most of a full rescore's writing.

-- +goose Up
ALTER TABLE duplicate_pairs ADD COLUMN a_owner INTEGER;
ALTER TABLE duplicate_pairs ADD COLUMN b_owner INTEGER;
UPDATE duplicate_pairs SET
    a_owner = (SELECT owner_id FROM duplicate_profiles f WHERE f.workspace_id = duplicate_pairs.workspace_id
        AND f.object = duplicate_pairs.object AND f.record_id = duplicate_pairs.a_id),
    b_owner = (SELECT owner_id FROM duplicate_profiles f WHERE f.workspace_id = duplicate_pairs.workspace_id
        AND f.object = duplicate_pairs.object AND f.record_id = duplicate_pairs.b_id);
CREATE INDEX duplicate_pairs_owners ON duplicate_pairs (workspace_id, object, a_owner, b_owner, probability, a_id, b_id);
CREATE INDEX duplicate_groups_owner ON duplicate_groups (workspace_id, object, owner_id, group_id);
ALTER TABLE duplicate_pairs DROP COLUMN contributions;
ALTER TABLE duplicate_pairs DROP COLUMN scored_at;

-- +goose Down
ALTER TABLE duplicate_pairs ADD COLUMN scored_at TEXT NOT NULL DEFAULT '';
ALTER TABLE duplicate_pairs ADD COLUMN contributions TEXT NOT NULL DEFAULT '[]';
DROP INDEX duplicate_groups_owner;
DROP INDEX duplicate_pairs_owners;
ALTER TABLE duplicate_pairs DROP COLUMN b_owner;
ALTER TABLE duplicate_pairs DROP COLUMN a_owner;
