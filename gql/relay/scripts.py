"""The relay's keys and its three Lua scripts: each runs atomically inside Redis.

Keys of one table (Redis Cluster: the `{...}` hash tag puts all three in the stream's slot,
since a table name has no braces):

    <table>:changes            the stream; each entry has one field, c: the change (codec.py)
    {<table>:changes}:epoch    a random name for this life of the stream
    {<table>:changes}:seen     the changes appended, by token (codec.token), scored by the
                               millisecond of their entry; trimmed with the stream

The epoch is what tells a reader that Redis lost entries it could not see go: it is made
when missing (a Redis restarted without persistence lost it with the stream), and replaced
by an appender that finds the stream behind an entry it appended itself (a Redis restarted
from an older snapshot). A reader whose epoch is no longer the key's has a gap.
"""

from __future__ import annotations

STREAM_SUFFIX = ":changes"


def stream_key(table: str) -> str:
    return f"{table}{STREAM_SUFFIX}"


def keys(table: str) -> list[str]:
    """[stream, epoch, seen] of a table."""
    stream = stream_key(table)
    return [stream, f"{{{stream}}}:epoch", f"{{{stream}}}:seen"]


_COMMON = """
local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function info(key)
  local raw = redis.call('XINFO', 'STREAM', key)
  local found = {}
  for i = 1, #raw, 2 do found[raw[i]] = raw[i + 1] end
  return found
end
local function last_id(key)
  if redis.call('EXISTS', key) == 0 then return '0-0' end
  return info(key)['last-generated-id']
end
"""

# KEYS: stream, epoch, seen. ARGV: maxlen, a fresh epoch, the epoch the appender knows (or
# ''), the last id it appended in that epoch (or ''), then token and text of each change (a
# token '' is never a duplicate). Returns {epoch, last id appended or '', appended, skipped}.
APPEND = (
    _COMMON
    + """
local stream, epochkey, seen = KEYS[1], KEYS[2], KEYS[3]
local epoch = redis.call('GET', epochkey)
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', epochkey, epoch)
elseif epoch == ARGV[3] and ARGV[4] ~= '' and before(last_id(stream), ARGV[4]) then
  -- An entry this appender made is gone: Redis came back from an older snapshot.
  epoch = ARGV[2]
  redis.call('SET', epochkey, epoch)
end
local appended, skipped, last = 0, 0, ''
for i = 5, #ARGV, 2 do
  local token = ARGV[i]
  if token ~= '' and redis.call('ZSCORE', seen, token) then
    skipped = skipped + 1
  else
    last = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], '*', 'c', ARGV[i + 1])
    if token ~= '' then
      local ms = parse(last)
      redis.call('ZADD', seen, ms, token)
    end
    appended = appended + 1
  end
end
if appended > 0 then
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  if first[1] then
    local ms = parse(first[1][1])
    redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. ms)
  end
end
return {epoch, last, appended, skipped}
"""
)

# KEYS: stream, epoch. ARGV: a fresh epoch. Returns {epoch, the stream's last id, how many
# entries were ever added to it}: a reader starts there, at the stream's end.
OPEN = (
    _COMMON
    + """
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[2], epoch)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {epoch, '0-0', 0} end
local found = info(KEYS[1])
return {epoch, found['last-generated-id'], found['entries-added']}
"""
)

# KEYS: stream, epoch. ARGV: the reader's epoch, its place (the id of the last entry it read,
# and how many entries the stream had added up to it), how many entries to read. Entries are
# only ever trimmed from the head, so the ordinal of the first one left says whether any after
# the place went (MAXLEN trimming does not move XINFO's max-deleted-entry-id).
# Returns {'ok', entries} or {'gap', why}.
READ = (
    _COMMON
    + """
local stream, position, ordinal = KEYS[1], ARGV[2], tonumber(ARGV[3])
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {'gap', 'epoch'} end
if redis.call('EXISTS', stream) == 0 then
  if ordinal == 0 then return {'ok', {}} end
  return {'gap', 'deleted'}
end
local found = info(stream)
local added = found['entries-added']
if before(found['last-generated-id'], position) or added < ordinal then
  return {'gap', 'behind'}
end
if added - found['length'] > ordinal then return {'gap', 'trimmed'} end
return {'ok', redis.call('XRANGE', stream, '(' .. position, '+', 'COUNT', ARGV[4])}
"""
)
