"""Default follow-up templates (data only): one folder per language, one file per stage."""
