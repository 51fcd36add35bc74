-- wrk script: POST a JSON body with a unique name per request.
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"name":"bench-%d-%d","description":"wrk"}', math.random(1, 1000000000), counter)
  return wrk.format("POST", nil, nil, body)
end
