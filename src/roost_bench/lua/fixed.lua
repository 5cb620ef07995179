-- One fixed GET (wrk's static request): the ceiling and framework runs.
-- DATA.path is the path to request.

wrk.path = DATA.path
