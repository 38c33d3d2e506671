"""Reading collection files and feeds into records: one module per input format, one service to store them."""
