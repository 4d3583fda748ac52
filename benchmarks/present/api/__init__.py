"""The public JSON API over the published benchmark snapshot (DESIGN.md, "Public URLs")."""
