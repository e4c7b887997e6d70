"""HTTP interface of the cashback app, split by audience."""
