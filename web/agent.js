// SPDX-License-Identifier: MIT
/*
 * agent.js - the page `bpfprof serve` shows at /: a timeline of samples, a
 * flame graph of the selected range (drawn by flamegraph.js, the same
 * renderer as the HTML output), top processes (grouped by comm, pid or any
 * label) and functions, the sandwich view of a function, filters by any label
 * the agent reports, a comparison of two ranges as a differential flame
 * graph, and downloads.
 *
 * Labels: every field of an /api/processes row but `samples` (pid, comm and,
 * where the agent reports them, cgroup, host, exe, service, container_id,
 * pod_uid, --label keys) is a label key; its values in the range are offered
 * as filters, and a filter is sent to api/profile as pid=, comm=, cgroup= or
 * label.KEY=VALUE. A new label key in the API needs no code here.
 *
 * It talks only to the agent that served it (relative URLs under api/, listed
 * in the README under `bpfprof serve`), so it works with no other
 * network. Times are the agent's Unix milliseconds: the timeline's answer
 * fixes the time axis, so a browser whose clock is off still selects the
 * right data.
 *
 * State lives in one object; every load carries a generation number so a
 * slow answer for an old selection never overwrites a newer one. The state
 * is mirrored in location.hash, so a link opens the same view.
 *
 * For tests and the console: window.bpfprofAgent (state, flamegraph(),
 * profile(), timeToX(), xToTime(), functionStats(), mergeDiff()); body
 * carries data-loading (1 while loading) and data-loads (finished loads).
 */
(function (global) {
	'use strict';

	const doc = global.document;
	const $ = (id) => doc.getElementById(id);
	const LIVE_MS = 15 * 60 * 1000;
	const KIND_NAMES = ['user', 'kernel', 'inline', 'jit', 'lost', 'comm', 'python'];
	const MAX_FUNC_ROWS = 200;
	/* every process of the range (the API's most): grouping by comm must see
	 * the many short processes each of which alone is too small for a top 50 */
	const PROC_LIMIT = 100000;
	const PLOT_TOP = 14, AXIS_H = 16;

	/* ---------- formatting ---------- */

	const pad = (n) => String(n).padStart(2, '0');

	function fmtTime(ms, withDate) {
		const d = new Date(ms);
		const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
		return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}` : t;
	}

	function fmtDur(ms) {
		const s = ms / 1000;
		if (s < 90) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
		if (s < 90 * 60) return `${Math.round(s / 60)} min`;
		if (s < 48 * 3600) return `${(s / 3600).toFixed(s < 36000 ? 1 : 0)} h`;
		return `${(s / 86400).toFixed(1)} d`;
	}

	function fmtRange(r) {
		if (!r) return '';
		const withDate = new Date(r.from).toDateString() !== new Date().toDateString();
		return `${fmtTime(r.from, withDate)} – ${fmtTime(r.to)} (${fmtDur(r.to - r.from)})`;
	}

	const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
	const fmtPct = (x) => (100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 2) + '%';
	const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

	function el(tag, cls, text) {
		const e = doc.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined) e.textContent = text;
		return e;
	}

	/* ---------- the agent's API ---------- */

	function query(params) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(params || {}))
			if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
		const s = q.toString();
		return s ? '?' + s : '';
	}

	async function getJSON(path, params) {
		const url = path + query(params);
		let res;
		try {
			res = await fetch(url, { cache: 'no-store' });
		} catch (e) {
			throw new Error(`GET ${url}: the agent did not answer (${e.message})`);
		}
		if (!res.ok) {
			let reason = '';
			try { reason = (await res.text()).trim().split('\n')[0].slice(0, 300); } catch (e) { /* none */ }
			throw new Error(`GET ${url}: HTTP ${res.status}${reason ? ' – ' + reason : ''}`);
		}
		try {
			return await res.json();
		} catch (e) {
			throw new Error(`GET ${url}: the answer is not JSON (${e.message})`);
		}
	}

	/* the API's own filters keep their names; every other label is label.KEY */
	const DIRECT_FILTERS = ['pid', 'comm', 'cgroup'];
	function filterParams() {
		const out = {};
		for (const [k, v] of Object.entries(state.filter))
			out[DIRECT_FILTERS.includes(k) ? k : 'label.' + k] = v;
		return out;
	}

	function profileURL(format, r) {
		return 'api/profile' + query(Object.assign({ format, from: Math.floor(r.from), to: Math.ceil(r.to) },
			filterParams()));
	}

	async function fetchProfile(r) {
		const p = await getJSON('api/profile', Object.assign({ format: 'json',
			from: Math.floor(r.from), to: Math.ceil(r.to) }, filterParams()));
		if (!p || typeof p !== 'object' || !Array.isArray(p.stacks) || !Array.isArray(p.counts))
			throw new Error('api/profile: the answer is not a bpfprof flame-graph profile');
		p.total = sumCounts(p.counts);
		return p;
	}

	function sumCounts(a) {
		let t = 0;
		for (let i = 0; i < (a ? a.length : 0); i++) t += +a[i] > 0 ? +a[i] : 0;
		return t;
	}

	/* ---------- profile arithmetic (pure, exported for tests) ---------- */

	/*
	 * A differential profile from two profiles of the JSON format: frames are
	 * matched by (name, kind), stacks by their frames; "counts" are after's,
	 * "baseCounts" before's. The renderer normalises each side by its total,
	 * so widths and colours compare shares, not raw counts.
	 */
	function mergeDiff(before, after, title) {
		const strings = [], strIdx = new Map();
		const frames = [], frIdx = new Map();
		const stacks = [], counts = [], baseCounts = [], stIdx = new Map();

		function addProfile(p, isBase) {
			const pf = p.frames || [], ps = p.strings || [];
			const nf = pf.length >> 1;
			const map = new Int32Array(nf).fill(-1);
			const st = p.stacks || [], ct = p.counts || [];
			for (let s = 0; s < st.length; s++) {
				const c = +ct[s] || 0;
				if (c <= 0 || !Array.isArray(st[s])) continue;
				const out = [];
				for (const f0 of st[s]) {
					const f = f0 | 0;
					if (f < 0 || f >= nf) break;
					if (map[f] < 0) {
						const name = String(ps[pf[2 * f]] ?? '?');
						const kind = pf[2 * f + 1] | 0;
						const key = kind + '\u0000' + name;
						let idx = frIdx.get(key);
						if (idx === undefined) {
							let si = strIdx.get(name);
							if (si === undefined) {
								si = strings.length;
								strings.push(name);
								strIdx.set(name, si);
							}
							idx = frames.length >> 1;
							frames.push(si, kind);
							frIdx.set(key, idx);
						}
						map[f] = idx;
					}
					out.push(map[f]);
				}
				const key = out.join(',');
				let idx = stIdx.get(key);
				if (idx === undefined) {
					idx = stacks.length;
					stacks.push(out);
					counts.push(0);
					baseCounts.push(0);
					stIdx.set(key, idx);
				}
				(isBase ? baseCounts : counts)[idx] += c;
			}
		}
		addProfile(after, false);
		addProfile(before, true);
		return {
			format: 'bpfprof-flamegraph', version: 1, title: title || 'Differential flame graph',
			unit: 'samples', total: sumCounts(counts), baseTotal: sumCounts(baseCounts),
			kinds: KIND_NAMES.slice(), strings, frames, stacks, counts, baseCounts,
		};
	}

	/* self and total per function: the renderer's (flamegraph.js) */
	const functionStats = (p) => global.Flamegraph.functionStats(p);

	/* ---------- state ---------- */

	const state = {
		info: null,
		spanMs: 15 * 60 * 1000, // how much history the timeline shows
		live: true,             // the selection is the last 15 minutes, following new data
		sel: null,              // {from, to}: the selected range (agent ms)
		compare: false,
		a: null, b: null,       // compare: before and after ranges
		arm: 'a',               // compare: which range a timeline drag sets
		filter: {},             // label key -> value (strings): pid, comm, cgroup, ...
		procsAll: [],           // every /api/processes row of the range
		procGroup: 'comm',      // Top processes: group rows by this label key
		orientation: null,      // flame/icicle once the user chose; null: the renderer's 'auto'
		timeline: null,         // the last /api/timeline answer, plus view {from, to}
		profile: null,          // the profile shown (diff or plain)
		procs: null,
		funcSort: null,         // {key, asc}
		fg: null,
		gen: 0,
		loads: 0,
		error: null,
	};

	/* ---------- messages ---------- */

	function setBusy(on) {
		doc.body.dataset.loading = on ? '1' : '0';
		if (!on) doc.body.dataset.loads = String(++state.loads);
		$('ag-status').textContent = on ? 'loading…' : statusText();
	}

	function statusText() {
		const i = state.info;
		if (!i) return '';
		const parts = [];
		if (i.freq) parts.push(`${i.freq} Hz`);
		if (i.window_ms) parts.push(`${fmtDur(i.window_ms)} windows`);
		if (i.oldest) parts.push(`history since ${fmtTime(i.oldest, true)}`);
		return parts.join(' · ');
	}

	function showMessage(text, isError) {
		const m = $('ag-message');
		m.hidden = !text;
		m.textContent = text || '';
		m.classList.toggle('error', !!isError);
	}

	/* ---------- timeline ---------- */

	const TICKS = [1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3,
		3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];

	function timelineView() {
		return state.timeline ? state.timeline.view : null;
	}

	function timeToX(ms) {
		const v = timelineView(), c = $('ag-timeline');
		if (!v) return NaN;
		return (ms - v.from) / (v.to - v.from) * c.clientWidth;
	}

	function xToTime(x) {
		const v = timelineView(), c = $('ag-timeline');
		if (!v) return NaN;
		const t = v.from + x / Math.max(1, c.clientWidth) * (v.to - v.from);
		return Math.min(v.to, Math.max(v.from, t));
	}

	function drawTimeline() {
		const c = $('ag-timeline');
		const w = c.clientWidth, h = c.clientHeight;
		const dpr = global.devicePixelRatio || 1;
		c.width = Math.round(w * dpr);
		c.height = Math.round(h * dpr);
		const ctx = c.getContext('2d');
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		ctx.clearRect(0, 0, w, h);
		const tl = state.timeline;
		const msg = $('ag-timeline-msg');
		if (!tl) {
			msg.textContent = state.error ? '' : 'loading…';
			return;
		}
		const v = tl.view, span = v.to - v.from;
		const plotH = h - PLOT_TOP - AXIS_H, base = h - AXIS_H;
		const X = (t) => (t - v.from) / span * w;
		let max = 0, sum = 0;
		for (const [, n] of tl.points) {
			if (n > max) max = n;
			sum += n;
		}
		msg.textContent = sum ? '' : 'no samples in this period';

		/* selections under the bars */
		const shade = (r, fill, edge, label) => {
			if (!r) return;
			const x0 = Math.max(0, X(r.from)), x1 = Math.min(w, X(r.to));
			if (x1 <= x0 - 0.5) return;
			ctx.fillStyle = fill;
			ctx.fillRect(x0, 0, Math.max(1, x1 - x0), base);
			ctx.fillStyle = edge;
			ctx.fillRect(x0, 0, 1, base);
			ctx.fillRect(Math.max(x0, x1 - 1), 0, 1, base);
			if (label) {
				ctx.font = 'bold 11px system-ui, sans-serif';
				ctx.fillText(label, x0 + 4, 11);
			}
		};
		if (state.compare) {
			shade(state.a, 'rgba(29,79,184,0.16)', 'rgba(29,79,184,0.9)', 'A');
			shade(state.b, 'rgba(181,29,29,0.14)', 'rgba(181,29,29,0.9)', 'B');
		} else {
			shade(state.sel, 'rgba(60,110,220,0.14)', 'rgba(60,110,220,0.8)', state.live ? 'last 15 min' : '');
		}

		/* bars: one per point, as wide as its step */
		const css = global.getComputedStyle(doc.documentElement);
		const colour = (name, dflt) => css.getPropertyValue(name).trim() || dflt;
		ctx.fillStyle = '#5b74c9';
		const bw = Math.max(1, tl.step / span * w - (tl.step / span * w > 3 ? 1 : 0));
		for (const [t, n] of tl.points) {
			if (!(n > 0)) continue;
			const bh = Math.max(1, n / max * plotH);
			ctx.fillRect(X(t), base - bh, bw, bh);
		}

		/* time axis */
		ctx.fillStyle = colour('--fg-border', '#ccc');
		ctx.fillRect(0, base, w, 1);
		ctx.fillStyle = colour('--fg-muted', '#555');
		ctx.font = '11px system-ui, sans-serif';
		ctx.textBaseline = 'alphabetic';
		const want = span / Math.max(1, w / 110);
		const tick = TICKS.find((t) => t >= want) || 86400e3 * Math.ceil(want / 86400e3);
		const tzOff = new Date(v.from).getTimezoneOffset() * 60e3;
		const withDate = span > 86400e3;
		for (let t = Math.ceil((v.from - tzOff) / tick) * tick + tzOff; t <= v.to; t += tick) {
			const x = X(t);
			ctx.fillRect(x, base, 1, 4);
			const label = fmtTime(t, withDate && tick >= 3600e3);
			ctx.fillText(label, Math.min(Math.max(0, x - 22), w - 52), h - 3);
		}
		ctx.fillStyle = colour('--fg-faint', '#777');
		ctx.textAlign = 'right';
		if (max) ctx.fillText(`max ${fmtInt(max)} samples per ${fmtDur(tl.step)}`, w - 4, 11);
		ctx.textAlign = 'left';

		/* the drag in progress */
		if (drag && Math.abs(drag.x1 - drag.x0) >= 1) {
			ctx.fillStyle = 'rgba(0,0,0,0.14)';
			ctx.fillRect(Math.min(drag.x0, drag.x1), 0, Math.abs(drag.x1 - drag.x0), base);
		}
	}

	let drag = null;

	/* the point under x: its time and samples, for the timeline's tooltip */
	function hoverText(x) {
		const tl = state.timeline;
		if (!tl) return '';
		const t = xToTime(x);
		const p = tl.points.find((q) => t >= q[0] && t < q[0] + tl.step);
		const at = p ? `${fmtTime(p[0])}–${fmtTime(p[0] + tl.step)}: ${fmtInt(p[1])} samples` : fmtTime(t);
		return `${at}\ndrag to select a range`;
	}

	function timelineEvents() {
		const c = $('ag-timeline');
		const px = (e) => e.clientX - c.getBoundingClientRect().left;
		c.addEventListener('pointerdown', (e) => {
			if (!state.timeline || e.button !== 0) return;
			drag = { x0: px(e), x1: px(e) };
			c.setPointerCapture(e.pointerId);
			e.preventDefault();
		});
		c.addEventListener('pointermove', (e) => {
			if (!drag) {
				c.title = hoverText(px(e));
				return;
			}
			drag.x1 = Math.min(c.clientWidth, Math.max(0, px(e)));
			drawTimeline();
		});
		const end = (e, cancel) => {
			if (!drag) return;
			const d = drag;
			drag = null;
			if (!cancel) d.x1 = Math.min(c.clientWidth, Math.max(0, px(e)));
			if (cancel || Math.abs(d.x1 - d.x0) < 3) { drawTimeline(); return; }
			const r = { from: xToTime(Math.min(d.x0, d.x1)), to: xToTime(Math.max(d.x0, d.x1)) };
			selectRange(Math.round(r.from), Math.round(r.to));
		};
		c.addEventListener('pointerup', (e) => end(e, false));
		c.addEventListener('pointercancel', (e) => end(e, true));
	}

	/* ---------- tables ---------- */

	/* names that are never label keys: the row's count, the API's own
	 * parameters and the URL hash's */
	const NOT_LABELS = ['samples', 'from', 'to', 'format', 'step', 'limit', 'span', 'a', 'b', 'sel'];
	const isLabelKey = (k) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) && !NOT_LABELS.includes(k);

	/* label keys of the rows: every field but samples, pid and comm first */
	function labelKeys(rows) {
		const keys = new Set(['comm', 'pid']);
		for (const r of rows)
			for (const [k, v] of Object.entries(r))
				if (isLabelKey(k) && (typeof v === 'string' || typeof v === 'number')) keys.add(k);
		return [...keys];
	}

	const labelOf = (row, key) => (row[key] === undefined || row[key] === null ? null : String(row[key]));

	/* the rows the filters keep (a filter on a key the rows lack keeps them) */
	function filteredProcs() {
		const f = Object.entries(state.filter);
		return state.procsAll.filter((r) => f.every(([k, v]) => labelOf(r, k) === null || labelOf(r, k) === v));
	}

	/* [value, samples, processes] of key over rows, most samples first */
	function groupBy(rows, key) {
		const m = new Map();
		for (const r of rows) {
			const v = labelOf(r, key);
			if (v === null) continue;
			const g = m.get(v) || [v, 0, 0];
			g[1] += +r.samples || 0;
			g[2]++;
			m.set(v, g);
		}
		return [...m.values()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
	}

	function toggleFilter(key, value) {
		const f = Object.assign({}, state.filter);
		if (f[key] === value) delete f[key];
		else f[key] = value;
		setFilter(f);
	}

	const MAX_PROC_ROWS = 100;

	function renderProcs() {
		$('ag-procs-of').textContent = state.compare ? ' of B' : '';
		const keys = labelKeys(state.procsAll);
		const gsel = $('ag-procs-group');
		if (!keys.includes(state.procGroup)) state.procGroup = 'comm';
		gsel.textContent = '';
		for (const k of keys) gsel.append(new Option(k, k, false, k === state.procGroup));
		const key = state.procGroup;
		const table = $('ag-procs');
		const head = table.querySelector('thead tr'), tbody = table.querySelector('tbody');
		head.textContent = '';
		tbody.textContent = '';
		const byPid = key === 'pid';
		const cols = byPid ? [['pid', 'num'], ['comm', ''], ['samples', 'num'], ['share', 'num']]
			: [[key, ''], ['processes', 'num'], ['samples', 'num'], ['share', 'num']];
		for (const [label, cls] of cols) head.append(el('th', cls, label));
		const p = state.procs;
		const rows = filteredProcs();
		if (!p || !rows.length) {
			const tr = el('tr');
			const td = el('td', '', p ? 'no processes in this range' : '');
			td.colSpan = 4;
			tr.append(td);
			tbody.append(tr);
			return;
		}
		const total = rows.reduce((s, x) => s + (+x.samples || 0), 0);
		const shareTd = (n) => {
			const share = total ? n / total : 0;
			const td = el('td', 'num');
			const bar = el('span', 'ag-bar');
			bar.style.width = Math.round(40 * share) + 'px';
			td.append(bar, doc.createTextNode(fmtPct(share)));
			return td;
		};
		const list = byPid ? rows.map((r) => [String(r.pid), +r.samples || 0, 1, r]) : groupBy(rows, key);
		for (const [value, samples, nproc, row] of list.slice(0, MAX_PROC_ROWS)) {
			const tr = el('tr');
			if (state.filter[key] === value) tr.classList.add('selected');
			if (byPid) {
				const comm = String(row.comm ?? '');
				const commTd = el('td', 'comm', comm);
				commTd.title = `filter by comm ${comm}`;
				tr.append(el('td', 'num', value), commTd, el('td', 'num', fmtInt(samples)), shareTd(samples));
				tr.title = `filter by pid ${value}`;
				tr.addEventListener('click', (e) => {
					if (e.target === commTd) toggleFilter('comm', comm);
					else toggleFilter('pid', value);
				});
			} else {
				const td = el('td', 'label', value);
				tr.append(td, el('td', 'num', fmtInt(nproc)), el('td', 'num', fmtInt(samples)), shareTd(samples));
				tr.title = `filter by ${key} ${value}`;
				tr.addEventListener('click', () => toggleFilter(key, value));
			}
			tbody.append(tr);
		}
		if (list.length > MAX_PROC_ROWS) {
			const tr = el('tr'), td = el('td', '', `… ${fmtInt(list.length - MAX_PROC_ROWS)} more`);
			td.colSpan = 4;
			tr.append(td);
			tbody.append(tr);
		}
	}

	function funcColumns(diff) {
		if (diff) return [
			{ key: 'name', label: 'function' },
			{ key: 'bselfShare', label: 'self A', num: true, fmt: fmtPct },
			{ key: 'selfShare', label: 'self B', num: true, fmt: fmtPct },
			{ key: 'dself', label: 'Δ self', num: true, fmt: fmtPts },
			{ key: 'dtotal', label: 'Δ total', num: true, fmt: fmtPts },
			{ key: 'sandwich', label: '' },
		];
		return [
			{ key: 'name', label: 'function' },
			{ key: 'self', label: 'self', num: true, fmt: fmtInt },
			{ key: 'selfShare', label: 'self %', num: true, fmt: fmtPct },
			{ key: 'total', label: 'total', num: true, fmt: fmtInt },
			{ key: 'totalShare', label: 'total %', num: true, fmt: fmtPct },
			{ key: 'sandwich', label: '' },
		];
	}

	function fmtPts(x) {
		return (x > 0 ? '+' : '') + (100 * x).toFixed(2);
	}

	function renderFuncs() {
		const table = $('ag-funcs');
		const head = table.querySelector('thead tr'), tbody = table.querySelector('tbody');
		head.textContent = '';
		tbody.textContent = '';
		const p = state.profile;
		const diff = !!(p && p.baseCounts);
		const cols = funcColumns(diff);
		const sort = state.funcSort && cols.some((c) => c.key === state.funcSort.key)
			? state.funcSort : { key: diff ? 'dself' : 'self', asc: false };
		for (const col of cols) {
			if (col.key === 'sandwich') { head.append(el('th', '', '')); continue; }
			const th = el('th', (col.num ? 'num ' : '') + 'sortable' + (col.key === sort.key ? ' sorted' : ''),
				col.label);
			th.addEventListener('click', () => {
				state.funcSort = { key: col.key, asc: sort.key === col.key ? !sort.asc : col.key === 'name' };
				renderFuncs();
			});
			head.append(th);
		}
		if (!p) return;
		const total = p.total || 0, btotal = p.baseTotal || 0;
		let rows = functionStats(p).map((r) => Object.assign(r, {
			selfShare: total ? r.self / total : 0, totalShare: total ? r.total / total : 0,
			bselfShare: btotal ? r.bself / btotal : 0, btotalShare: btotal ? r.btotal / btotal : 0,
		}));
		for (const r of rows) {
			r.dself = r.selfShare - r.bselfShare;
			r.dtotal = r.totalShare - r.btotalShare;
		}
		const want = $('ag-func-filter').value.trim().toLowerCase();
		if (want) rows = rows.filter((r) => r.name.toLowerCase().includes(want));
		const k = sort.key, dir = sort.asc ? 1 : -1;
		rows.sort((x, y) => (x[k] < y[k] ? -1 : x[k] > y[k] ? 1 : 0) * dir ||
			(x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
		const term = state.fg && state.fg.stats().match ? state.fg.stats().match.term : '';
		for (const r of rows.slice(0, MAX_FUNC_ROWS)) {
			const tr = el('tr');
			const re = '^' + escapeRegex(r.name) + '$';
			if (term === re) tr.classList.add('selected');
			for (const col of cols) {
				if (col.key === 'name') {
					const td = el('td', 'name', r.name);
					td.title = `${r.name} [${r.kind}] – click to highlight`;
					tr.append(td);
					continue;
				}
				if (col.key === 'sandwich') {
					const td = el('td', 'ag-sw');
					const b = el('button', 'ag-sandwich', 'callers/callees');
					b.title = `the sandwich view of ${r.name}: who calls it, what it calls`;
					b.addEventListener('click', (e) => {
						e.stopPropagation();
						if (state.fg && state.fg.openSandwich(r.name, r.kind))
							$('ag-flame').scrollIntoView({ block: 'start' });
					});
					td.append(b);
					tr.append(td);
					continue;
				}
				const td = el('td', 'num', col.fmt(r[col.key]));
				if (diff && col.key[0] === 'd' && r[col.key]) td.classList.add(r[col.key] > 0 ? 'up' : 'down');
				tr.append(td);
			}
			tr.addEventListener('click', () => {
				if (!state.fg) return;
				state.fg.search(term === re ? '' : re);
				renderFuncs();
			});
			tbody.append(tr);
		}
		if (rows.length > MAX_FUNC_ROWS) {
			const tr = el('tr'), td = el('td', '', `… ${fmtInt(rows.length - MAX_FUNC_ROWS)} more`);
			td.colSpan = cols.length;
			tr.append(td);
			tbody.append(tr);
		}
	}

	/* ---------- flame graph ---------- */

	function showFlame(profile, title, keepZoom) {
		const box = $('ag-flame');
		const prev = state.fg;
		let term = '', focus = 'all', sw = null;
		if (prev) {
			const m = prev.stats().match;
			term = m ? m.term : '';
			focus = prev.focus();
			sw = prev.sandwich();
			prev.destroy();
			state.fg = null;
		}
		box.textContent = '';
		state.profile = profile;
		if (!profile) return;
		const empty = !profile.total && !profile.baseTotal;
		if (empty) {
			box.classList.remove('fg');
			box.append(el('div', 'ag-empty', `No samples ${emptyWhat()}.`));
			return;
		}
		state.fg = global.Flamegraph.create(box, profile, { orientation: state.orientation || 'auto', title,
			themeToggle: false });
		if (term) state.fg.search(term);
		if (keepZoom && focus !== 'all') state.fg.zoom(focus);
		if (sw) state.fg.openSandwich(sw.name, sw.kind);
		scrollToRoot();
	}

	/* the graph scrolls when stacks are deep: show its root end first */
	function scrollToRoot() {
		const wrap = $('ag-flame').querySelector('.fg-canvas-wrap');
		if (wrap && state.fg) wrap.scrollTop = state.fg.orientation() === 'flame' ? wrap.scrollHeight : 0;
	}

	function emptyWhat() {
		const i = state.info || {};
		if (!+i.oldest && !+i.windows)
			return `yet: the agent stores its first window ${fmtDur(+i.window_ms || 10000)} after it ` +
				'starts; turn on auto-refresh or press "Last 15 minutes"';
		const filt = Object.entries(state.filter).map(([k, v]) => ` for ${k} "${v}"`).join(' and');
		if (state.compare) return `in A or B${filt}`;
		return `between ${fmtRange(state.sel)}${filt}; select another range on the timeline`;
	}

	/* ---------- loading ---------- */

	async function loadTimeline() {
		const span = state.spanMs;
		const info = state.info || {};
		const win = +info.window_ms > 0 ? +info.window_ms : 10000;
		const step = (ms) => Math.max(win, Math.ceil(ms / 200 / 1000) * 1000);
		let tl = await getJSON('api/timeline', { from: `-${Math.round(span / 1000)}s`, to: 'now',
			step: step(span) });
		if (!tl || !Array.isArray(tl.points) || !(+tl.to > +tl.from))
			throw new Error('api/timeline: the answer has no time range or points');
		/* a young history: show only the part that has data, in finer steps */
		const oldest = +info.oldest > 0 ? +info.oldest : 0;
		let from = +tl.from;
		if (oldest && oldest - win > from + 2 * (+tl.step || win)) {
			from = Math.max(from, oldest - win);
			tl = await getJSON('api/timeline', { from, to: +tl.to, step: step(+tl.to - from) });
			if (!tl || !Array.isArray(tl.points))
				throw new Error('api/timeline: the answer has no points');
		}
		tl.view = { from: +tl.from, to: +tl.to };
		tl.step = +tl.step > 0 ? +tl.step : win;
		tl.points = tl.points.filter((p) => Array.isArray(p) && p.length >= 2).map((p) => [+p[0], +p[1] || 0]);
		return tl;
	}

	/* Load everything the current state needs: info, timeline, processes, profile(s). */
	async function load(opts) {
		const o = Object.assign({ timeline: true, keepZoom: false }, opts || {});
		const gen = ++state.gen;
		setBusy(true);
		try {
			if (o.timeline) {
				const info = await getJSON('api/info');
				if (!info || typeof info !== 'object')
					throw new Error('api/info: the answer is not an object');
				state.info = info;
				const tl = await loadTimeline();
				if (gen !== state.gen) return;
				state.timeline = tl;
				$('ag-host').textContent = [info.hostname, info.version ? 'bpfprof ' + info.version : '']
					.filter(Boolean).join(' · ');
				if (state.live) state.sel = { from: tl.view.to - LIVE_MS, to: tl.view.to };
			}
			state.error = null;
			drawTimeline();
			renderRanges();
			const procRange = state.compare ? state.b : state.sel;
			let profile, title, procs;
			if (state.compare) {
				const [a, b, pr] = await Promise.all([fetchProfile(state.a), fetchProfile(state.b),
					getJSON('api/processes', { from: Math.floor(procRange.from), to: Math.ceil(procRange.to), limit: PROC_LIMIT })]);
				if (gen !== state.gen) return;
				profile = mergeDiff(a, b);
				title = `Differential: A ${fmtRange(state.a)} → B ${fmtRange(state.b)}${filterTitle()}`;
				procs = pr;
				const notes = [];
				if (!a.total) notes.push('range A has no samples');
				if (!b.total) notes.push('range B has no samples');
				showMessage(notes.length && (a.total || b.total)
					? `Note: ${notes.join(', ')}; every frame shows as ${a.total ? 'shrunk' : 'grown'}.` : '');
			} else {
				const [p, pr] = await Promise.all([fetchProfile(state.sel),
					getJSON('api/processes', { from: Math.floor(procRange.from), to: Math.ceil(procRange.to), limit: PROC_LIMIT })]);
				if (gen !== state.gen) return;
				profile = p;
				title = `${state.live ? 'Last 15 minutes' : fmtRange(state.sel)}${filterTitle()}`;
				procs = pr;
				showMessage('');
			}
			state.procs = procs;
			state.procsAll = procs && Array.isArray(procs.processes)
				? procs.processes.filter((r) => r && typeof r === 'object') : [];
			showFlame(profile, title, o.keepZoom);
			renderProcs();
			renderFilters();
			renderFuncs();
			renderDownloads();
			writeHash();
		} catch (e) {
			if (gen !== state.gen) return;
			state.error = e.message;
			showMessage(e.message, true);
			drawTimeline();
		} finally {
			if (gen === state.gen) setBusy(false);
		}
	}

	function filterTitle() {
		return Object.entries(state.filter).map(([k, v]) => ` · ${k} ${v}`).join('');
	}

	/* ---------- actions ---------- */

	function selectRange(from, to) {
		if (!(to > from)) return;
		const r = { from, to };
		if (state.compare) {
			state[state.arm] = r;
			if (state.arm === 'a') setArm('b');
		} else {
			state.live = false;
			state.sel = r;
		}
		load({ timeline: false });
	}

	function setArm(which) {
		state.arm = which === 'a' ? 'a' : 'b';
		for (const r of doc.querySelectorAll('input[name="ag-arm"]')) r.checked = r.value === state.arm;
	}

	function setFilter(f) {
		const out = {};
		for (const [k, v] of Object.entries(f || {}))
			if (isLabelKey(k) && v !== undefined && v !== null && v !== '') out[k] = String(v);
		state.filter = out;
		renderFilters();
		load({ timeline: false });
	}

	/* chips of the active filters, then "filter by [key] [value]" from the range's labels */
	function renderFilters() {
		const box = $('ag-filters');
		box.textContent = '';
		for (const [k, v] of Object.entries(state.filter)) {
			const c = el('span', 'ag-chip', `${k} ${v}`);
			c.dataset.key = k;
			const x = el('button', '', '×');
			x.title = 'remove filter';
			x.addEventListener('click', () => {
				const f = Object.assign({}, state.filter);
				delete f[k];
				setFilter(f);
			});
			c.append(x);
			box.append(c);
		}
		const rows = state.procsAll;
		if (!rows.length) return;
		const pick = el('span', 'ag-pick');
		const ksel = el('select');
		ksel.id = 'ag-label-key';
		ksel.title = 'label to filter by';
		const vsel = el('select');
		vsel.id = 'ag-label-value';
		vsel.title = 'values present in the range, most samples first';
		const keys = labelKeys(rows);
		const key = keys.includes(state.pickKey) ? state.pickKey : 'comm';
		for (const k of keys) ksel.append(new Option(k, k, false, k === key));
		vsel.append(new Option(`any ${key}`, ''));
		for (const [v, n] of groupBy(rows, key))
			vsel.append(new Option(`${v} (${fmtInt(n)})`, v, false, state.filter[key] === v));
		ksel.addEventListener('change', () => {
			state.pickKey = ksel.value;
			renderFilters();
		});
		vsel.addEventListener('change', () => {
			const f = Object.assign({}, state.filter);
			if (vsel.value === '') delete f[key];
			else f[key] = vsel.value;
			setFilter(f);
		});
		pick.append(doc.createTextNode('Filter by '), ksel, vsel);
		box.append(pick);
	}

	function enterCompare() {
		const b = state.sel || (state.timeline && { from: state.timeline.view.to - LIVE_MS, to: state.timeline.view.to });
		if (!b) return;
		state.compare = true;
		state.live = false;
		state.b = { from: b.from, to: b.to };
		state.a = { from: b.from - (b.to - b.from), to: b.from };
		setArm('a');
		renderCompare();
		load({ timeline: false });
	}

	function exitCompare() {
		state.compare = false;
		if (state.b) state.sel = state.b;
		renderCompare();
		load({ timeline: false });
	}

	function renderCompare() {
		$('ag-comparebar').hidden = !state.compare;
		$('ag-compare').classList.toggle('active', state.compare);
	}

	function renderRanges() {
		$('ag-range').textContent = state.compare ? ''
			: state.live ? `last 15 minutes, until ${fmtTime(state.sel.to)}` : fmtRange(state.sel);
		$('ag-range-a').textContent = state.a ? 'A: ' + fmtRange(state.a) : '';
		$('ag-range-b').textContent = state.b ? 'B: ' + fmtRange(state.b) : '';
	}

	function renderDownloads() {
		const box = $('ag-downloads');
		box.textContent = '';
		const link = (text, format, r, tag) => {
			const a = el('a', '', text);
			a.href = profileURL(format, r);
			a.download = `bpfprof-${tag}${Math.floor(r.from)}-${Math.ceil(r.to)}.` +
				(format === 'pprof' ? 'pb.gz' : 'folded');
			a.title = `${format} of ${fmtRange(r)}${filterTitle()}`;
			box.append(a);
		};
		box.append(doc.createTextNode('Download:'));
		if (state.compare) {
			link('A pprof', 'pprof', state.a, 'A-');
			link('A folded', 'folded', state.a, 'A-');
			link('B pprof', 'pprof', state.b, 'B-');
			link('B folded', 'folded', state.b, 'B-');
		} else if (state.sel) {
			link('pprof', 'pprof', state.sel, '');
			link('folded', 'folded', state.sel, '');
		}
	}

	/* ---------- the URL hash: a link opens the same view ---------- */

	function writeHash() {
		const q = new URLSearchParams();
		if (state.spanMs !== 15 * 60 * 1000) q.set('span', String(state.spanMs));
		if (state.compare) {
			q.set('a', `${Math.floor(state.a.from)}-${Math.ceil(state.a.to)}`);
			q.set('b', `${Math.floor(state.b.from)}-${Math.ceil(state.b.to)}`);
		} else if (!state.live && state.sel) {
			q.set('sel', `${Math.floor(state.sel.from)}-${Math.ceil(state.sel.to)}`);
		}
		for (const [k, v] of Object.entries(state.filter)) q.set(k, v);
		const h = q.toString();
		if (('#' + h) !== global.location.hash && (h || global.location.hash))
			global.history.replaceState(null, '', h ? '#' + h : global.location.pathname + global.location.search);
	}

	function readHash() {
		const q = new URLSearchParams(global.location.hash.replace(/^#/, ''));
		const range = (s) => {
			const m = /^(\d+)-(\d+)$/.exec(s || '');
			return m && +m[2] > +m[1] ? { from: +m[1], to: +m[2] } : null;
		};
		const span = +q.get('span');
		if (span >= 60e3 && span <= 366 * 86400e3) {
			state.spanMs = span;
			const sel = $('ag-span');
			if (![...sel.options].some((o) => +o.value === span)) sel.append(new Option(fmtDur(span), String(span)));
			sel.value = String(span);
		}
		const a = range(q.get('a')), b = range(q.get('b')), sel = range(q.get('sel'));
		if (a && b) {
			state.compare = true;
			state.live = false;
			state.a = a;
			state.b = b;
			setArm('b');
		} else if (sel) {
			state.live = false;
			state.sel = sel;
		}
		/* every other key is a label filter */
		for (const [k, v] of q)
			if (isLabelKey(k) && v !== '') state.filter[k] = v;
	}

	/* ---------- start ---------- */

	let autoTimer = 0;

	function setAuto(on) {
		clearInterval(autoTimer);
		autoTimer = 0;
		if (!on) return;
		const win = state.info && +state.info.window_ms > 0 ? +state.info.window_ms : 10000;
		autoTimer = setInterval(() => {
			if (state.live && !state.compare && doc.body.dataset.loading !== '1' && !drag)
				load({ keepZoom: true });
		}, Math.min(30000, Math.max(2000, win)));
	}

	function start() {
		if (!global.Flamegraph) {
			showMessage('flamegraph.js did not load (ui/flamegraph.js)', true);
			return;
		}
		readHash();
		renderCompare();
		renderFilters();
		timelineEvents();
		$('ag-span').addEventListener('change', (e) => {
			state.spanMs = +e.target.value;
			load();
		});
		$('ag-live').addEventListener('click', () => {
			state.live = true;
			state.compare = false;
			renderCompare();
			load();
		});
		$('ag-auto').addEventListener('change', (e) => setAuto(e.target.checked));
		$('ag-procs-group').addEventListener('change', (e) => {
			state.procGroup = e.target.value;
			renderProcs();
		});
		const themeBtn = $('ag-theme');
		const themeLabel = () => {
			const dark = global.Flamegraph.theme.dark();
			themeBtn.textContent = dark ? 'Light' : 'Dark';
			themeBtn.title = `Switch to ${dark ? 'light' : 'dark'} mode (remembered in this browser)`;
		};
		themeLabel();
		themeBtn.addEventListener('click', () => global.Flamegraph.theme.toggle());
		global.Flamegraph.theme.onChange(() => { themeLabel(); drawTimeline(); });
		$('ag-compare').addEventListener('click', () => (state.compare ? exitCompare() : enterCompare()));
		$('ag-compare-exit').addEventListener('click', exitCompare);
		let filterTimer = 0;
		$('ag-func-filter').addEventListener('input', () => {
			clearTimeout(filterTimer);
			filterTimer = setTimeout(renderFuncs, 150);
		});
		$('ag-prev').addEventListener('click', () => {
			if (!state.b) return;
			state.a = { from: state.b.from - (state.b.to - state.b.from), to: state.b.from };
			load({ timeline: false });
		});
		$('ag-swap').addEventListener('click', () => {
			[state.a, state.b] = [state.b, state.a];
			load({ timeline: false });
		});
		for (const r of doc.querySelectorAll('input[name="ag-arm"]'))
			r.addEventListener('change', () => r.checked && setArm(r.value));
		/* after the renderer's own handler flipped flame/icicle */
		$('ag-flame').addEventListener('click', (e) => {
			if (e.target.classList.contains('fg-orient') && state.fg) {
				state.orientation = state.fg.orientation();
				scrollToRoot();
			}
		});
		let resizeTimer = 0;
		global.addEventListener('resize', () => {
			clearTimeout(resizeTimer);
			resizeTimer = setTimeout(drawTimeline, 100);
		});
		load();
	}

	global.bpfprofAgent = {
		state,
		flamegraph: () => state.fg,
		profile: () => state.profile,
		timeToX,
		xToTime,
		selectRange,
		functionStats,
		mergeDiff,
		reload: (opts) => load(opts),
	};

	if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
	else start();
})(window);
