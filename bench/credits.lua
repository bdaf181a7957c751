-- wrk script: POST the pre-signed credit bodies in $BODIES_FILE, one per request.
-- Run wrk with one thread (-t1): the bench sizes the file so that every
-- request of the run is a fresh order, and starts over only past its end.
local bodies = {}
local index = 0

function init(args)
  for line in io.lines(os.getenv("BODIES_FILE")) do
    bodies[#bodies + 1] = line
  end
end

function request()
  index = index + 1
  if index > #bodies then
    index = 1
  end
  return wrk.format("POST", "/api/v1/coins/credit", {["Content-Type"] = "application/json"}, bodies[index])
end
