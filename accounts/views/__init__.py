"""HTTP interface of the identity side; thin handlers over services and selectors."""
