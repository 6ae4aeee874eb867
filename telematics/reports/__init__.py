"""Fleet reports per vehicle or unit and period: trips, stops, daily mileage, summary and online rate (在线率), as
pages with charts and as CSV, JSON, XLSX and PDF files; the long-period ones read the daily rollups."""
