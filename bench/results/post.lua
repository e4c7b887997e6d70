wrk.method = "POST"
wrk.body = "{\"deviceType\": \"android\", \"deviceToken\": null, \"language\": \"uz\", \"usesWebSocket\": true}"
wrk.headers["Content-Type"] = "application/json"
