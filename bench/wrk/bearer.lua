-- A POST (or GET with METHOD=GET) carrying BEARER as the access token.
wrk.method = os.getenv("METHOD") or "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BEARER")
