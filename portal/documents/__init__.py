"""Rendered documents (PDFs) stored in the database: :mod:`portal.documents.store`."""
