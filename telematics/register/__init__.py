"""The use register (公务用车使用登记): fuel and cost entries, odometer readings, and the monthly register per unit
(one row per journey, totals per vehicle) as a page and XLSX, PDF, CSV or JSON."""
