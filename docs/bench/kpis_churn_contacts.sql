.timer on
SELECT COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM deal_contacts dc JOIN deals w ON w.workspace_id = dc.workspace_id AND w.id = dc.deal_id
	WHERE dc.workspace_id = c.workspace_id AND dc.contact_id = c.id AND w.status = 'won' AND w.deleted_at IS NULL AND w.closed_at > '2026-06-09T00:00:00Z' AND w.closed_at <= '2026-12-06T00:00:00Z')
 OR EXISTS (SELECT 1 FROM activities x WHERE x.workspace_id = c.workspace_id AND x.record_type = 'contact' AND x.record_id = CAST(c.id AS TEXT)
	AND x.deleted_at IS NULL AND ((x.kind <> 'task' AND x.occurred_at > '2026-06-09T00:00:00Z' AND x.occurred_at <= '2026-12-06T00:00:00Z')
	OR (x.kind = 'task' AND x.done = 1 AND COALESCE(x.done_at, x.occurred_at) > '2026-06-09T00:00:00Z' AND COALESCE(x.done_at, x.occurred_at) <= '2026-12-06T00:00:00Z')))
 THEN 0 ELSE 1 END), 0), count(*)
FROM contacts c WHERE c.workspace_id = 1 AND c.deleted_at IS NULL AND c.id IN (SELECT dc.contact_id FROM deals w JOIN deal_contacts dc ON dc.workspace_id = w.workspace_id AND dc.deal_id = w.id
	WHERE w.workspace_id = 1 AND w.status = 'won' AND w.deleted_at IS NULL AND w.closed_at <= '2026-06-09T00:00:00Z');
