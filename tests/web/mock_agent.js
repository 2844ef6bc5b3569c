// SPDX-License-Identifier: MIT
/*
 * mock_agent.js - a stand-in for `bpfprof serve` that answers the agent API
 * (README, `bpfprof serve`) from a made-up history, and serves web/ like the agent
 * does. For working on the page without BPF or root:
 *
 *   node tests/web/mock_agent.js PORT       then open http://127.0.0.1:PORT/
 *
 * The history starts 60 s before the mock did, one window every 2 s: the
 * first 30 s `syscall_loop` spins in read(), then `calltree` runs its known
 * tree (leaf_alpha 60 %, leaf_beta 30 %, leaf_gamma 10 %). Printed on start:
 * "mock agent on PORT switch MS" (MS: the first window of calltree).
 *
 *   node tests/web/mock_agent.js PORT busy
 *
 * A busy machine instead, all in the first window (1,575 samples): `deepapp`
 * (pid 500, 400 samples, 122-frame stacks), 302 short `gzip` processes (one
 * sample each, pids 10000-10301: leaf deflate 31, longest_match 120,
 * fill_window 151) and 60 services svc_00..svc_59 (pids 1000-1059, 14 or 15
 * samples each). Every process has a cgroup and a `container` label (as the
 * agent reports host, service, container_id, ... as more keys of
 * /api/processes rows).
 *
 * /api/processes honours limit= (default 50) like the agent; /api/profile
 * filters by every label key of a process as the agent does: pid=, comm=,
 * cgroup=, and label.KEY= for the others.
 * MOCK_WEB=DIR serves another web/ folder (to try the tests on old pages).
 */
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const WEB = path.resolve(process.env.MOCK_WEB || path.join(__dirname, '../../web'));
const WIN = 2000;
const port = +process.argv[2] || 7070;
const busy = process.argv[3] === 'busy';
const t0 = Math.floor((Date.now() - 60000) / WIN) * WIN;
const switchAt = t0 + 30000;

const CT = 'calltree;__libc_start_call_main;main;run;stage_one;stage_two;stage_three;';
const SL = 'syscall_loop;__libc_start_call_main;main;read_zero_loop;entry_SYSCALL_64_[k];do_syscall_64_[k];';
const PIDS = { calltree: 300, syscall_loop: 200, sshd: 77 };
const CGROUPS = { calltree: '/system.slice/calltree.service', syscall_loop: '/user.slice/user-0.slice',
	sshd: '/system.slice/ssh.service' };

/* one process's samples: [stack, count, labels] */
const proc = (stack, n, labels) => [stack, n, labels];
const std = (comm) => ({ pid: PIDS[comm], comm, cgroup: CGROUPS[comm] });

function busyStacks() {
	const out = [];
	let deep = 'deepapp;main';
	for (let j = 0; j < 60; j++) deep += `;d_${j}`;
	[250, 50, 50, 50].forEach((n, k) => {
		let s = deep;
		for (let j = 60; j < 120; j++) s += `;b${k}_${j}`;
		out.push(proc(s, n, { pid: 500, comm: 'deepapp', cgroup: '/system.slice/deepapp.service', container: 'deep-1' }));
	});
	for (let i = 0; i < 302; i++) {
		const leaf = i % 10 === 0 ? '' : i % 2 === 0 ? ';longest_match' : ';fill_window';
		out.push(proc('gzip;__libc_start_call_main;main;zip;deflate' + leaf, 1,
			{ pid: 10000 + i, comm: 'gzip', cgroup: '/system.slice/backup.service', container: 'backup-1' }));
	}
	for (let i = 0; i < 60; i++) {
		const name = 'svc_' + String(i).padStart(2, '0');
		out.push(proc(`${name};main;serve;handle_${i % 5}`, 14 + (i < 33 ? 1 : 0),
			{ pid: 1000 + i, comm: name, cgroup: i < 30 ? '/system.slice/web.service' : '/user.slice/user-1000.slice',
				container: i < 30 ? 'web-1' : 'batch-1' }));
	}
	return out;
}
const BUSY = busy ? busyStacks() : null;

function windowStacks(t) {
	if (busy) return t === t0 ? BUSY : [];
	if (t < switchAt)
		return [proc(SL + 'ksys_read_[k];vfs_read_[k];read_zero_[k]', 80, std('syscall_loop')),
			proc(SL + 'ksys_read_[k]', 10, std('syscall_loop')), proc('sshd;main;poll', 2, std('sshd'))];
	return [proc(CT + 'leaf_alpha', 59, std('calltree')), proc(CT + 'leaf_beta', 29, std('calltree')),
		proc(CT + 'leaf_gamma', 10, std('calltree')), proc('sshd;main;poll', 2, std('sshd'))];
}

function parseTime(s, now, dflt) {
	if (s === undefined || s === null || s === '') return dflt;
	if (s === 'now') return now;
	let m = /^-(\d+)(s|m|h|d)$/.exec(s);
	if (m) return now - +m[1] * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2]];
	m = /^\d{1,15}$/.exec(s);
	if (m) return +s;
	return NaN;
}

function windows(from, to, now) {
	const out = [];
	for (let t = Math.max(t0, Math.ceil(from / WIN) * WIN); t < to && t + WIN <= now; t += WIN) out.push(t);
	return out;
}

/* samples per stack of [from, to), of the processes whose labels match q's
 * (pid=, comm=, cgroup=, label.KEY=) */
const DIRECT = ['pid', 'comm', 'cgroup'];
function merged(from, to, now, query) {
	const acc = new Map(), q = {};
	for (const [k, v] of Object.entries(query)) {
		if (DIRECT.includes(k)) q[k] = v;
		else if (k.startsWith('label.')) q[k.slice(6)] = v;
	}
	for (const t of windows(from, to, now))
		for (const [stack, n, labels] of windowStacks(t)) {
			if (Object.keys(labels).some((k) => q[k] !== undefined && String(labels[k]) !== q[k])) continue;
			acc.set(stack, (acc.get(stack) || 0) + n);
		}
	return acc;
}

function toJSON(acc) {
	const strings = [], sidx = new Map(), frames = [], fidx = new Map(), stacks = [], counts = [];
	let total = 0;
	for (const [stack, n] of acc) {
		const st = stack.split(';').map((name, i) => {
			let kind = i === 0 ? 5 : 0;
			if (name.endsWith('_[k]')) { name = name.slice(0, -4); kind = 1; }
			const key = kind + ':' + name;
			if (!fidx.has(key)) {
				if (!sidx.has(name)) { sidx.set(name, strings.length); strings.push(name); }
				fidx.set(key, frames.length / 2);
				frames.push(sidx.get(name), kind);
			}
			return fidx.get(key);
		});
		stacks.push(st);
		counts.push(n);
		total += n;
	}
	return { format: 'bpfprof-flamegraph', version: 1, title: 'mock', unit: 'samples', total,
		kinds: ['user', 'kernel', 'inline', 'jit', 'lost', 'comm'], strings, frames, stacks, counts };
}

function send(res, code, type, body) {
	res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
	res.end(body);
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url, 'http://x');
	const q = Object.fromEntries(url.searchParams);
	const now = Date.now();
	const p = url.pathname;
	if (p === '/' || p.startsWith('/ui/')) {
		const name = p === '/' ? 'agent.html' : p.slice(4);
		if (!/^[a-z0-9._-]+$/.test(name) || !fs.existsSync(path.join(WEB, name)))
			return send(res, 404, 'text/plain', 'not found\n');
		const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'text/html';
		return send(res, 200, type + '; charset=utf-8', fs.readFileSync(path.join(WEB, name)));
	}
	const to = parseTime(q.to, now, now);
	const from = parseTime(q.from, now, to - 900e3);
	if (p.startsWith('/api/') && p !== '/api/info' && !(to > from))
		return send(res, 400, 'text/plain', 'bad from/to\n');
	if (p === '/api/info')
		return send(res, 200, 'application/json', JSON.stringify({ version: 'mock', hostname: 'mockhost',
			freq: 49, window_ms: WIN, oldest: t0, newest: Math.floor(now / WIN) * WIN }));
	if (p === '/api/timeline') {
		const step = Math.max(WIN, +q.step || Math.ceil((to - from) / 200));
		const points = [];
		for (let t = from; t < to && points.length < 5000; t += step) {
			let n = 0;
			for (const w of windows(t, t + step, now)) for (const [, c] of windowStacks(w)) n += c;
			points.push([t, n]);
		}
		return send(res, 200, 'application/json', JSON.stringify({ from, to, step, points }));
	}
	if (p === '/api/processes') {
		const limit = q.limit === undefined ? 50 : +q.limit;
		if (!(limit >= 1 && limit <= 100000)) return send(res, 400, 'text/plain', "bad 'limit'\n");
		const per = new Map();
		let total = 0;
		for (const t of windows(from, to, now))
			for (const [, n, labels] of windowStacks(t)) {
				const key = JSON.stringify(labels);
				if (!per.has(key)) per.set(key, Object.assign({}, labels, { samples: 0 }));
				per.get(key).samples += n;
				total += n;
			}
		const processes = [...per.values()].sort((a, b) => b.samples - a.samples || a.pid - b.pid).slice(0, limit);
		return send(res, 200, 'application/json', JSON.stringify({ total, processes }));
	}
	if (p === '/api/profile') {
		const filter = Object.assign({}, q);
		for (const k of ['from', 'to', 'format']) delete filter[k];
		const acc = merged(from, to, now, filter);
		const fmt = q.format || 'folded';
		if (fmt === 'json') return send(res, 200, 'application/json', JSON.stringify(toJSON(acc)));
		if (fmt === 'folded')
			return send(res, 200, 'text/plain', [...acc].map(([s, n]) => `${s} ${n}\n`).join(''));
		if (fmt === 'pprof') return send(res, 501, 'text/plain', 'pprof is not in the mock\n');
		return send(res, 400, 'text/plain', 'bad format\n');
	}
	if (p === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
	send(res, 404, 'text/plain', 'not found\n');
});
server.listen(port, '127.0.0.1', () => console.log(`mock agent on ${port} switch ${switchAt}`));
