"""Directives that authors use inside chapters (objectives, debates, teaching notes, tables)."""
