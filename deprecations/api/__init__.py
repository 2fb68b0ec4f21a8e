"""The read-only JSON API (``/api/v1/``), built on Django REST framework and drf-spectacular.

Its retirement shape is also the catalogue export's (``export.catalogue_document``), which the
code scanner reads.
"""
