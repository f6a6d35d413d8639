-- 0004: per-conversation delivery order. An outbox item's lane is one recipient's
-- conversation about one case (a keyed hash: which party it is cannot be read from
-- it, see docs/PROTOCOL.md); seq is the order items were committed in. An item is
-- due only once every earlier item of its lane is delivered, so a message waiting for
-- its retry holds back the ones after it to the same person, and nobody else's.
-- Rows written before this migration get no lane: they keep the old behaviour (no
-- ordering), since their recipient is sealed in the payload and SQL cannot read it.
-- Their seq is their rowid, the order they were inserted in.
ALTER TABLE outbox ADD COLUMN lane TEXT;
ALTER TABLE outbox ADD COLUMN seq INTEGER;
UPDATE outbox SET seq = rowid;
CREATE UNIQUE INDEX outbox_by_seq ON outbox (seq);
