-- The DeathStarBench social mix: home timeline reads, user timeline reads
-- and posts with mentions and links, users drawn uniformly.
-- DATA.tokens[i] belongs to DATA.usernames[i] / DATA.account_ids[i];
-- DATA.home, DATA.user: shares of the two reads (the rest are posts);
-- DATA.limit: page size; DATA.text_chars, DATA.link_chars; DATA.seed.

local ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

local function random_text(n)
  local chars = {}
  for i = 1, n do
    local k = math.random(1, #ALNUM)
    chars[i] = string.sub(ALNUM, k, k)
  end
  return table.concat(chars)
end

function init(args)
  math.randomseed(DATA.seed + wrk.thread:get("thread_index"))
end

function request()
  local n = #DATA.tokens
  local user = math.random(1, n)
  local headers = {["Authorization"] = "Bearer " .. DATA.tokens[user]}
  local r = math.random()
  if r < DATA.home then
    count("home")
    return wrk.format("GET", "/api/v1/timelines/home?limit=" .. DATA.limit, headers)
  elseif r < DATA.home + DATA.user then
    count("user")
    local target = DATA.account_ids[math.random(1, n)]
    return wrk.format("GET", "/api/v1/accounts/" .. target .. "/statuses?limit=" .. DATA.limit,
      headers)
  end
  count("post")
  local words = {random_text(DATA.text_chars)}
  for _ = 1, math.random(1, 6) do
    table.insert(words, "@" .. DATA.usernames[math.random(1, n)])
  end
  for _ = 1, math.random(1, 6) do
    table.insert(words, "https://example.com/" .. random_text(DATA.link_chars))
  end
  headers["Content-Type"] = "application/json"
  local body = '{"status":"' .. table.concat(words, " ") .. '"}'
  return wrk.format("POST", "/api/v1/statuses", headers, body)
end
