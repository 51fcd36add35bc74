-- wrk script: book an Instance IPv4 address per request (project from env); each one opens an
-- interval in the usage ledger.
local project = os.getenv("BENCH_PROJECT")
request = function()
  local body = string.format('{"project":"%s","type":"routed_ipv4"}', project)
  return wrk.format("POST", nil, nil, body)
end
