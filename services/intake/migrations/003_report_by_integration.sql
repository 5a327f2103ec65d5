-- The HTTP gateway's status reads (intake.list_reports): one integration's reports in report id
-- order, a page at a time.
CREATE INDEX report_by_integration ON report (integration, report_id);
