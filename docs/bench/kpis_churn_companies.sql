.timer on
SELECT COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM deals w WHERE w.workspace_id = c.workspace_id AND w.company_id = c.id AND w.status = 'won' AND w.deleted_at IS NULL AND w.closed_at > '2026-06-09T00:00:00Z' AND w.closed_at <= '2026-12-06T00:00:00Z')
 OR EXISTS (SELECT 1 FROM activities x WHERE x.workspace_id = c.workspace_id AND x.record_type = 'company' AND x.record_id = CAST(c.id AS TEXT)
	AND x.deleted_at IS NULL AND ((x.kind <> 'task' AND x.occurred_at > '2026-06-09T00:00:00Z' AND x.occurred_at <= '2026-12-06T00:00:00Z')
	OR (x.kind = 'task' AND x.done = 1 AND COALESCE(x.done_at, x.occurred_at) > '2026-06-09T00:00:00Z' AND COALESCE(x.done_at, x.occurred_at) <= '2026-12-06T00:00:00Z')))
 THEN 0 ELSE 1 END), 0), count(*)
FROM companies c WHERE c.workspace_id = 1 AND c.deleted_at IS NULL AND c.id IN (SELECT w.company_id FROM deals w WHERE w.workspace_id = 1 AND w.status = 'won'
	AND w.deleted_at IS NULL AND w.closed_at <= '2026-06-09T00:00:00Z' AND w.company_id IS NOT NULL);
