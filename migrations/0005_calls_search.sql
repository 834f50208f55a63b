-- The calls list's duration filter (GET /v1/calls?minDuration&maxDuration): a range few calls
-- fall in was a scan of every call (0.3 s at 1M calls). Full-text search needs nothing new: the
-- generated search_vector column and its GIN index came with 0000_calls.
CREATE INDEX "voice_calls_duration_idx" ON "voice_calls" USING btree ("duration_seconds");
