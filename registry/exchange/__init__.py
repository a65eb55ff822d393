"""Data exchange with other systems (the JSON API, ``web/api_v1``): the registry's reads as
another system may have them, scoped to the caller exactly as the pages are. Writes need
nothing here: the API calls the same use-cases the pages call."""
