"""The pure core: no Flask, SQLAlchemy or docxtpl. `today` and policy come in as arguments."""
