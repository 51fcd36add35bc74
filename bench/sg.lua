-- wrk script: create an Instance security group per request (unique name, project from env).
local counter = 0
local project = os.getenv("BENCH_PROJECT")
request = function()
  counter = counter + 1
  local body = string.format(
    '{"name":"bench-sg-%d-%d","project":"%s","stateful":true,' ..
    '"inbound_default_policy":"accept","outbound_default_policy":"accept"}',
    math.random(1, 1000000000), counter, project)
  return wrk.format("POST", nil, nil, body)
end
