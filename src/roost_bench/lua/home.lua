-- Home timeline reads by users drawn uniformly at random.
-- DATA.tokens: bearer tokens; DATA.limit: page size; DATA.seed.

function init(args)
  math.randomseed(DATA.seed + wrk.thread:get("thread_index"))
end

function request()
  local token = DATA.tokens[math.random(1, #DATA.tokens)]
  count("home")
  return wrk.format("GET", DATA.home_path .. "?limit=" .. DATA.limit,
    {["Authorization"] = "Bearer " .. token})
end
