-- Delivered jobs are deleted by their status (the workers of the process
-- that wrote a job are handed its status, not the job's id).
CREATE INDEX fanout_jobs_status_id_idx ON fanout_jobs (status_id);
