"""The announcement's figures: indicators defined once, daily rollups per office, dashboards."""
