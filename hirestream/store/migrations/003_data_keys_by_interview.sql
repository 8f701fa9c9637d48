-- Candidate links carry an interview id and no tenant id: candidate access finds the tenant
-- through the interview's data key row (hirestream.store.datakeys.DataKeys.tenant_of).
CREATE INDEX data_keys_by_interview ON data_keys (interview_id);
