"""Map rendering: scored regions to Leaflet HTML and PNG."""
