"""Metrics for operators (Prometheus): the service's business read from the database on each scrape
(``service``), and the request counts of one web process's workers (``process``). See docs/metrics.md."""
