-- wrk_status.lua - wrk script that counts responses by status code over
-- every thread and prints "status CODE COUNT" lines when the run is done
-- (wrk itself only reports "Non-2xx or 3xx responses").
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	codes = {}
end

function response(status, headers, body)
	codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		for code, n in pairs(t:get("codes")) do
			total[code] = (total[code] or 0) + n
		end
	end
	for code, n in pairs(total) do
		io.write(string.format("status %d %d\n", code, n))
	end
	io.write(string.format("errors connect %d read %d write %d timeout %d status %d\n",
		summary.errors.connect, summary.errors.read, summary.errors.write,
		summary.errors.timeout, summary.errors.status))
	io.write(string.format("requests %d\n", summary.requests))
end
