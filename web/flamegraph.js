// SPDX-License-Identifier: MIT
/*
 * flamegraph.js - bpfprof's flame graph: a dependency-free canvas renderer.
 *
 *   const fg = Flamegraph.create(containerElement, profileJson, options);
 *
 * profileJson is the format described in web/README.md (bpfprof writes it in
 * the HTML output and `bpfprof convert -o x.json`; the agent serves it at
 * /api/profile?format=json). The widget builds its own toolbar, canvas and
 * tooltip inside the container. Click a frame to zoom, Reset (or Escape) to
 * zoom out, type in the search box to highlight matches and see their share,
 * and switch between a flame graph (root at the bottom) and an icicle graph.
 *
 * Big profiles stay fast: the call tree is built once into typed arrays, and a
 * redraw visits only frames wider than half a pixel, so its cost depends on
 * the canvas size, not on the number of stacks.
 *
 * options: { orientation: 'auto' | 'flame' | 'icicle', title: string,
 *            functions: bool (a functions table under the graph) }
 * 'auto' (the default) draws a flame graph when it fits in the window and an
 * icicle graph (root on top) when it does not, so a page with deep stacks
 * opens on the root and the widest paths.
 *
 * Right-click a frame (or a row of the functions table, or "Sandwich" after
 * zooming) for the sandwich view: the function's callers as an inverted flame
 * graph above, its callees below, with its self and total samples.
 */
(function (global) {
	'use strict';

	const ROW = 16;
	const MIN_PX = 0.5;
	const KINDS = ['user', 'kernel', 'inline', 'jit', 'lost', 'comm', 'python'];

	function hash(s) {
		let h = 2166136261;
		for (let i = 0; i < s.length; i++) {
			h ^= s.charCodeAt(i);
			h = Math.imul(h, 16777619);
		}
		return (h >>> 0) / 4294967296;
	}

	/* Colour of a frame by kind, varied by name like flamegraph.pl. */
	function kindColour(kind, name) {
		const v = hash(name);
		switch (kind) {
		case 'kernel': return `hsl(${28 + 14 * v},85%,${52 + 10 * v}%)`; // orange
		case 'inline': return `hsl(${178 + 14 * v},55%,${50 + 12 * v}%)`; // aqua
		case 'jit': return `hsl(${100 + 30 * v},55%,${48 + 10 * v}%)`; // green
		case 'lost': return `hsl(0,0%,${62 + 10 * v}%)`; // grey
		case 'python': return `hsl(${205 + 25 * v},60%,${55 + 10 * v}%)`; // blue (interpreted)
		case 'comm': return `hsl(${260 + 20 * v},25%,${70 + 8 * v}%)`; // lavender
		default: return `hsl(${2 + 16 * v},80%,${55 + 10 * v}%)`; // red (user)
		}
	}

	function diffColour(delta, maxAbs) {
		if (!maxAbs || Math.abs(delta) < 1e-12) return 'hsl(0,0%,88%)';
		const t = Math.min(1, Math.abs(delta) / maxAbs);
		const light = 88 - 40 * Math.sqrt(t);
		return delta > 0 ? `hsl(0,85%,${light}%)` : `hsl(220,85%,${light}%)`;
	}

	function fmtInt(n) {
		return Math.round(n).toLocaleString('en-US');
	}

	function fmtPct(x) {
		return (100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 2) + '%';
	}

	function el(tag, cls, text) {
		const e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined) e.textContent = text;
		return e;
	}


	/*
	 * Frame labels: as much of the name as fits in `chars` characters. The
	 * full name; else without its argument list; else without the namespace
	 * too (`v8::internal::Invoke(...)` -> `Invoke`); else that, cut with an
	 * ellipsis. '' when not even two characters fit.
	 */
	function stripArgs(name) {
		let s = name.replace(/\s+\[clone [^\]]*\]$/, '');
		for (let k = 0; k < 4; k++) {
			const t = s.replace(/\s*(?:\bconst|\bvolatile|\bnoexcept|&&|&)$/, '');
			if (t === s) break;
			s = t;
		}
		if (!s.endsWith(')')) return name;
		let depth = 0;
		for (let i = s.length - 1; i > 0; i--) {
			const ch = s[i];
			if (ch === ')') depth++;
			else if (ch === '(' && --depth === 0) return s.slice(0, i);
		}
		return name;
	}

	function lastComponent(name) {
		let depth = 0;
		for (let i = name.length - 1; i > 0; i--) {
			const ch = name[i];
			if (ch === ')' || ch === '>') depth++;
			else if ((ch === '(' || ch === '<') && depth > 0) depth--;
			else if (ch === ':' && name[i - 1] === ':' && depth === 0)
				return i + 1 < name.length ? name.slice(i + 1) : name;
		}
		return name;
	}

	function shortNames(name) {
		const noArgs = stripArgs(name);
		return [noArgs, lastComponent(noArgs)];
	}

	function frameLabel(name, chars, short) {
		if (chars < 2) return '';
		if (name.length <= chars) return name;
		const [noArgs, last] = short || shortNames(name);
		if (noArgs.length <= chars) return noArgs;
		if (last.length <= chars) return last;
		return last.slice(0, chars - 1) + '\u2026';
	}

	/*
	 * Dark mode: follows prefers-color-scheme unless the user chose, with
	 * the toggle, 'dark' or 'light' (localStorage 'bpfprof-theme'). The
	 * choice is set as <html data-theme>, which the stylesheets read.
	 */
	const THEME_KEY = 'bpfprof-theme';
	const themeListeners = [];

	function storedTheme() {
		try {
			const t = global.localStorage.getItem(THEME_KEY);
			return t === 'dark' || t === 'light' ? t : null;
		} catch (e) {
			return null;
		}
	}

	function systemDark() {
		return !!(global.matchMedia && global.matchMedia('(prefers-color-scheme: dark)').matches);
	}

	function isDark() {
		const t = storedTheme();
		return t ? t === 'dark' : systemDark();
	}

	function applyTheme() {
		if (typeof document === 'undefined') return;
		const t = storedTheme();
		if (t) document.documentElement.dataset.theme = t;
		else delete document.documentElement.dataset.theme;
		for (const f of themeListeners) f(isDark());
	}

	function setTheme(t) {
		try {
			if (t === 'dark' || t === 'light') global.localStorage.setItem(THEME_KEY, t);
			else global.localStorage.removeItem(THEME_KEY);
		} catch (e) { /* no storage: this page only */
			if (typeof document !== 'undefined') document.documentElement.dataset.theme = t;
		}
		applyTheme();
	}

	const theme = {
		dark: isDark,
		set: setTheme,
		toggle() { setTheme(isDark() ? 'light' : 'dark'); },
		onChange(f) { themeListeners.push(f); },
	};
	applyTheme();
	if (global.matchMedia) {
		const mq = global.matchMedia('(prefers-color-scheme: dark)');
		if (mq.addEventListener) mq.addEventListener('change', applyTheme);
	}

	/*
	 * Self and total samples per function (frame name and kind; process-name
	 * frames left out): self counts where the function is the leaf, total
	 * counts every stack it appears in once, however deep its recursion.
	 * With baseCounts, the same for the base side (bself, btotal).
	 */
	function functionStats(p) {
		const KIND_COMM = 5;
		const pf = p.frames || [], ps = p.strings || [];
		const nf = pf.length >> 1;
		const self = new Float64Array(nf), total = new Float64Array(nf);
		const bself = new Float64Array(nf), btotal = new Float64Array(nf);
		const seen = new Int32Array(nf).fill(-1);
		const st = p.stacks || [], ct = p.counts || [], bt = p.baseCounts || null;
		for (let s = 0; s < st.length; s++) {
			const c = +ct[s] > 0 ? +ct[s] : 0;
			const b = bt && +bt[s] > 0 ? +bt[s] : 0;
			if (!(c || b) || !Array.isArray(st[s])) continue;
			let leaf = -1;
			const a = st[s];
			for (let j = 0; j < a.length; j++) {
				const f = a[j] | 0;
				if (f < 0 || f >= nf) break;
				if ((pf[2 * f + 1] | 0) === KIND_COMM) continue;
				leaf = f;
				if (seen[f] === s) continue;
				seen[f] = s;
				total[f] += c;
				btotal[f] += b;
			}
			if (leaf >= 0) {
				self[leaf] += c;
				bself[leaf] += b;
			}
		}
		const rows = [];
		for (let f = 0; f < nf; f++) {
			if (!total[f] && !btotal[f]) continue;
			const k = pf[2 * f + 1] | 0;
			rows.push({ name: String(ps[pf[2 * f]] ?? '?'), kind: KINDS[k] || 'user',
				self: self[f], total: total[f], bself: bself[f], btotal: btotal[f] });
		}
		return rows;
	}

	/*
	 * The sandwich of function `name` (of kind `kind`, or any kind): two
	 * profiles of the same format whose root is the function. In `callers`
	 * each stack is the path from the function's outermost call up to the
	 * process, in `callees` from it down to the leaf; every stack through
	 * the function counts once in each. self/total as in functionStats.
	 */
	function sandwichProfiles(p, name, kind) {
		const pf = p.frames || [], ps = p.strings || [];
		const nf = pf.length >> 1;
		const want = new Uint8Array(nf);
		let rootKind = -1;
		for (let f = 0; f < nf; f++) {
			const k = pf[2 * f + 1] | 0;
			if (String(ps[pf[2 * f]] ?? '?') === name && (kind === undefined || kind === null ||
			    KINDS[k] === kind) && k !== 5) {
				want[f] = 1;
				if (rootKind < 0) rootKind = k;
			}
		}
		const st = p.stacks || [], ct = p.counts || [], bt = p.baseCounts || null;
		const up = [], down = [], counts = [], base = bt ? [] : null;
		let self = 0, total = 0, bself = 0, btotal = 0, all = 0, ball = 0;
		for (let s = 0; s < st.length; s++) {
			const c = +ct[s] > 0 ? +ct[s] : 0;
			const b = bt && +bt[s] > 0 ? +bt[s] : 0;
			const a = st[s];
			all += c;
			ball += b;
			if (!(c || b) || !Array.isArray(a)) continue;
			let i = 0;
			while (i < a.length && !((a[i] | 0) >= 0 && (a[i] | 0) < nf && want[a[i] | 0])) i++;
			if (i === a.length) continue;
			total += c;
			btotal += b;
			if (want[a[a.length - 1] | 0]) { self += c; bself += b; }
			up.push(a.slice(0, i).reverse());
			down.push(a.slice(i + 1));
			counts.push(c);
			if (base) base.push(b);
		}
		const mk = (stacks, title) => {
			const q = { format: 'bpfprof-flamegraph', version: 1, title, unit: p.unit || 'samples',
				total, shareTotal: all, kinds: KINDS.slice(), strings: ps, frames: pf, stacks, counts };
			if (base) { q.baseCounts = base; q.baseTotal = btotal; q.shareBaseTotal = ball; }
			return q;
		};
		return { name, kind: rootKind >= 0 ? KINDS[rootKind] : (kind || 'user'), self, total, bself, btotal,
			diff: !!base, callers: mk(up, `callers of ${name}`), callees: mk(down, `callees of ${name}`) };
	}

	/*
	 * The call tree as structure-of-arrays. Node 0 is the synthetic root
	 * "all"; children of a node sit together (CSR) sorted by name.
	 */
	function buildTree(profile, root) {
		const strings = profile.strings || [];
		const frames = profile.frames || [];
		const stacks = profile.stacks || [];
		const counts = profile.counts || [];
		const base = profile.baseCounts || null;
		const nframes = frames.length >> 1;
		const names = new Array(nframes + 1);
		const kinds = new Uint8Array(nframes + 1);
		for (let i = 0; i < nframes; i++) {
			names[i] = String(strings[frames[2 * i]] ?? '?');
			const k = frames[2 * i + 1] | 0;
			kinds[i] = k >= 0 && k < KINDS.length ? k : 0;
		}
		names[nframes] = root ? root.name : 'all';
		kinds[nframes] = root ? Math.max(0, KINDS.indexOf(root.kind)) : KINDS.indexOf('comm');

		/* at most one node per frame of every stack: size everything once */
		let bound = 1;
		for (let s = 0; s < stacks.length; s++) bound += stacks[s].length;
		const frame = new Int32Array(bound);
		const parent = new Int32Array(bound);
		const depth = new Int32Array(bound);
		const val = new Float64Array(bound);
		const bval = new Float64Array(bound);
		let n = 1;
		frame[0] = nframes;
		parent[0] = -1;
		let total = 0, baseTotal = 0, maxDepth = 0;
		/* (parent, frame) -> child: open addressing over typed arrays, much
		 * faster than a Map once keys leave the small-integer range */
		let hcap = 1024;
		while (hcap < 2 * bound) hcap *= 2;
		const mask = hcap - 1;
		const hkeyP = new Int32Array(hcap).fill(-1), hkeyF = new Int32Array(hcap);
		const hval = new Int32Array(hcap);

		let prev = [], prevLen = 0;
		const path = [];
		for (let s = 0; s < stacks.length; s++) {
			const st = stacks[s];
			const c = +counts[s] || 0;
			const b = base ? +base[s] || 0 : 0;
			if (c <= 0 && b <= 0) continue;
			total += c;
			baseTotal += b;
			val[0] += c;
			bval[0] += b;
			/* stacks usually come sorted: reuse the previous stack's path
			 * for the prefix they share */
			let i = 0, node = 0;
			while (i < st.length && i < prevLen && st[i] === prev[i]) {
				node = path[i];
				val[node] += c;
				bval[node] += b;
				i++;
			}
			prev = st;
			prevLen = i;
			for (; i < st.length; i++) {
				const f = st[i] | 0;
				if (f < 0 || f >= nframes) break;
				let h = ((Math.imul(node, 0x9e3779b1) ^ Math.imul(f, 0x85ebca6b)) >>> 0) & mask;
				let child = -1;
				while (hkeyP[h] >= 0) {
					if (hkeyP[h] === node && hkeyF[h] === f) { child = hval[h]; break; }
					h = (h + 1) & mask;
				}
				if (child < 0) {
					child = n++;
					frame[child] = f;
					parent[child] = node;
					depth[child] = depth[node] + 1;
					if (depth[child] > maxDepth) maxDepth = depth[child];
					hkeyP[h] = node; hkeyF[h] = f; hval[h] = child;
				}
				val[child] += c;
				bval[child] += b;
				node = child;
				path[i] = child;
				prevLen = i + 1;
			}
		}

		/* children lists, sorted by name (then kind) */
		const nchild = new Int32Array(n + 1);
		for (let i = 1; i < n; i++) nchild[parent[i] + 1]++;
		const first = new Int32Array(n + 1);
		for (let i = 0; i < n; i++) first[i + 1] = first[i] + nchild[i + 1];
		const fill = first.slice(0, n);
		const children = new Int32Array(Math.max(n - 1, 1));
		for (let i = 1; i < n; i++) children[fill[parent[i]]++] = i;
		const cmp = (a, b) => {
			const na = names[frame[a]], nb = names[frame[b]];
			return na < nb ? -1 : na > nb ? 1 : kinds[frame[a]] - kinds[frame[b]];
		};
		for (let i = 0; i < n; i++) {
			const lo = first[i], hi = first[i + 1];
			if (hi - lo > 1) {
				const seg = Array.from(children.subarray(lo, hi)).sort(cmp);
				children.set(seg, lo);
			}
		}

		const diff = !!base;
		/* shares are of these totals: the profile's own, or (a sandwich
		 * half) those of the whole profile it was cut from */
		const normTotal = +profile.shareTotal > 0 ? +profile.shareTotal : total;
		const normBase = +profile.shareBaseTotal > 0 ? +profile.shareBaseTotal : baseTotal;
		const width = new Float64Array(n);
		const delta = diff ? new Float64Array(n) : null;
		let maxAbs = 0;
		for (let i = 0; i < n; i++) {
			if (diff) {
				const a = normTotal ? val[i] / normTotal : 0;
				const bb = normBase ? bval[i] / normBase : 0;
				width[i] = a + bb;
				delta[i] = a - bb;
				if (i && Math.abs(delta[i]) > maxAbs) maxAbs = Math.abs(delta[i]);
			} else {
				width[i] = val[i];
			}
		}
		return {
			n, names, kinds, frame, parent, depth, val, bval, width, delta, maxAbs,
			first, children, total, baseTotal, maxDepth, diff, nframes, normTotal, normBase,
		};
	}

	function create(container, profile, options) {
		const opts = Object.assign({ orientation: 'auto' }, options || {});
		const embedded = !!opts.embedded;
		if (!profile || (profile.format && profile.format !== 'bpfprof-flamegraph') ||
		    (profile.version || 1) > 1)
			throw new Error('flamegraph: not a bpfprof-flamegraph version 1 profile');
		const t0 = performance.now();
		const tree = buildTree(profile, opts.root);
		const buildMs = performance.now() - t0;

		container.classList.add('fg');
		container.textContent = '';
		const bar = el('div', 'fg-bar');
		const title = el('span', 'fg-title',
			opts.title || profile.title || (tree.diff ? 'Differential flame graph' : 'Flame graph'));
		const reset = el('button', 'fg-reset', 'Reset zoom');
		const orient = el('button', 'fg-orient', '');
		const sandBtn = el('button', 'fg-sandwich-open', 'Sandwich');
		sandBtn.title = 'Callers and callees of the zoomed frame (or right-click any frame)';
		const search = el('input', 'fg-search');
		search.type = 'search';
		search.placeholder = 'Search (regex)';
		const clear = el('button', 'fg-clear', 'Clear');
		const matched = el('span', 'fg-matched', '');
		const themeBtn = el('button', 'fg-theme', '');
		bar.append(title, reset, orient, sandBtn, search, clear, matched);
		if (opts.themeToggle !== false) bar.append(themeBtn);

		const info = el('div', 'fg-info');
		const legend = el('div', 'fg-legend');
		if (tree.diff) {
			legend.append(legendItem('hsl(0,85%,55%)', 'grew'),
				legendItem('hsl(220,85%,55%)', 'shrank'),
				legendItem('hsl(0,0%,88%)', 'same'));
			info.textContent = `before ${fmtInt(tree.baseTotal)} samples, after ${fmtInt(tree.total)} samples; ` +
				'width = before share + after share, colour = change in share of all samples';
		} else {
			for (const k of ['user', 'kernel', 'inline', 'jit', 'python', 'lost'])
				legend.append(legendItem(kindColour(k, ''), k));
			info.textContent = `${fmtInt(tree.total)} samples`;
		}
		function legendItem(colour, text) {
			const it = el('span', 'fg-legend-item');
			const sw = el('span', 'fg-swatch');
			sw.style.background = colour;
			it.append(sw, document.createTextNode(text));
			return it;
		}

		const wrap = el('div', 'fg-canvas-wrap');
		const canvas = el('canvas', 'fg-canvas');
		const tip = el('div', 'fg-tip');
		tip.style.display = 'none';
		const status = el('div', 'fg-status', '');
		const sandBox = el('div', 'fg-sandwich-box');
		const funcBox = el('div', 'fg-functions-box');
		wrap.append(canvas, tip);
		if (embedded) container.append(wrap);
		else container.append(bar, info, legend, wrap, sandBox, status, funcBox);
		const ctx = canvas.getContext('2d');

		let focus = 0;
		let orientation = opts.orientation === 'icicle' ? 'icicle' : 'flame';
		let matchFrames = null; // Uint8Array over frames, or null
		let matchInfo = null;
		let cssWidth = 0;
		/* drawn rectangles, for hit tests and tests: per row, flat arrays */
		let rows = [];
		let lastDrawMs = 0;
		let sandwich = null; // { info, callers, callees } while the sandwich view is open

		const T = tree;
		const shortCache = new Array(T.nframes + 1);

		function rowY(d, height) {
			return orientation === 'flame' ? height - (d + 1) * ROW : d * ROW;
		}

		/* 'auto': a flame graph if it fits in the space left in the window
		 * (or in the wrap's max-height when the page scrolls it), else icicle */
		function autoOrientation() {
			const height = (T.maxDepth + 1) * ROW;
			let avail = (global.innerHeight || 800) - Math.max(0, wrap.getBoundingClientRect().top);
			const mh = parseFloat(global.getComputedStyle ? global.getComputedStyle(wrap).maxHeight : '');
			if (mh > 0) avail = Math.min(Math.max(avail, 0) || mh, mh);
			return height > Math.max(avail, 5 * ROW) ? 'icicle' : 'flame';
		}

		function draw() {
			const t = performance.now();
			cssWidth = Math.max(200, wrap.clientWidth || container.clientWidth || 1000);
			const height = (T.maxDepth + 1) * ROW;
			const dpr = global.devicePixelRatio || 1;
			canvas.width = Math.round(cssWidth * dpr);
			canvas.height = Math.round(height * dpr);
			canvas.style.width = cssWidth + 'px';
			canvas.style.height = height + 'px';
			ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
			ctx.clearRect(0, 0, cssWidth, height);
			ctx.font = '12px ui-monospace, "DejaVu Sans Mono", Menlo, monospace';
			ctx.textBaseline = 'middle';
			rows = [];
			for (let d = 0; d <= T.maxDepth; d++) rows.push({ node: [], x: [], w: [], label: [] });

			/* ancestors of the focus span the whole width */
			for (let a = focus; a >= 0; a = T.parent[a])
				box(a, 0, cssWidth, height, a !== focus);

			const fw = T.width[focus];
			if (fw > 0) {
				const scale = cssWidth / fw;
				const stackN = [focus], stackX = [0];
				while (stackN.length) {
					const node = stackN.pop();
					let x = stackX.pop();
					if (node !== focus) box(node, x, T.width[node] * scale, height, false);
					for (let i = T.first[node]; i < T.first[node + 1]; i++) {
						const c = T.children[i];
						const w = T.width[c] * scale;
						if (w >= MIN_PX) {
							stackN.push(c);
							stackX.push(x);
						}
						x += w;
					}
				}
			}
			lastDrawMs = performance.now() - t;
			status.textContent = `${fmtInt(T.n)} nodes; drawn in ${lastDrawMs.toFixed(0)} ms`;
		}

		function box(node, x, w, height, dim) {
			const d = T.depth[node];
			const y = rowY(d, height);
			const f = T.frame[node];
			const name = T.names[f];
			const isMatch = matchFrames && f < T.nframes && matchFrames[f];
			let fill;
			if (isMatch) fill = 'hsl(300,80%,60%)';
			else if (T.diff) fill = diffColour(T.delta[node], T.maxAbs);
			else fill = kindColour(KINDS[T.kinds[f]], name);
			ctx.globalAlpha = dim ? 0.55 : 1;
			ctx.fillStyle = fill;
			ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), ROW - 1);
			let text = '';
			if (w > 20) {
				const chars = Math.floor((w - 6) / 7.3);
				if (chars >= 2 && name.length > chars && !shortCache[f]) shortCache[f] = shortNames(name);
				text = chars >= 2 ? frameLabel(name, chars, shortCache[f]) : '';
				if (text) {
					ctx.fillStyle = '#000';
					ctx.fillText(text, x + 3, y + ROW / 2);
				}
			}
			ctx.globalAlpha = 1;
			const r = rows[d];
			r.node.push(node);
			r.x.push(x);
			r.w.push(w);
			r.label.push(text);
		}

		function hit(px, py) {
			const height = (T.maxDepth + 1) * ROW;
			const d = orientation === 'flame' ? Math.floor((height - py) / ROW) : Math.floor(py / ROW);
			if (d < 0 || d >= rows.length) return -1;
			const r = rows[d];
			for (let i = 0; i < r.node.length; i++)
				if (px >= r.x[i] && px < r.x[i] + r.w[i]) return r.node[i];
			return -1;
		}

		function describe(node) {
			const name = T.names[T.frame[node]];
			const kind = KINDS[T.kinds[T.frame[node]]];
			if (T.diff) {
				const a = T.normTotal ? T.val[node] / T.normTotal : 0;
				const b = T.normBase ? T.bval[node] / T.normBase : 0;
				const pts = (100 * (a - b)).toFixed(2);
				return `${name}\nbefore ${fmtInt(T.bval[node])} samples (${fmtPct(b)}), ` +
					`after ${fmtInt(T.val[node])} samples (${fmtPct(a)}), ` +
					`change ${a - b >= 0 ? '+' : ''}${pts} pts`;
			}
			return `${name}${node ? ' [' + kind + ']' : ''}\n${fmtInt(T.val[node])} samples ` +
				`(${fmtPct(T.normTotal ? T.val[node] / T.normTotal : 0)}${T.normTotal !== T.total ? ' of all' : ''})`;
		}

		function zoom(node) {
			focus = node >= 0 && node < T.n ? node : 0;
			reset.disabled = focus === 0 && !sandwich;
			sandBtn.disabled = focus === 0 || T.frame[focus] >= T.nframes ||
				KINDS[T.kinds[T.frame[focus]]] === 'comm';
			draw();
		}

		function setOrientation(o) {
			orientation = o === 'icicle' ? 'icicle' : o === 'flame' ? 'flame' : autoOrientation();
			orient.textContent = orientation === 'flame' ? 'Icicle' : 'Flame';
			draw();
		}

		function runSearch(term) {
			search.value = term;
			matchFrames = null;
			matchInfo = null;
			matched.textContent = '';
			if (term) {
				let re;
				try { re = new RegExp(term, 'i'); } catch (e) { re = null; }
				const lower = term.toLowerCase();
				matchFrames = new Uint8Array(T.nframes);
				for (let f = 0; f < T.nframes; f++)
					matchFrames[f] = re ? re.test(T.names[f]) : T.names[f].toLowerCase().includes(lower);
				/* share: outermost matching nodes, so nested matches count once */
				let hitVal = 0, hitBase = 0;
				const stack = [0];
				while (stack.length) {
					const node = stack.pop();
					const f = T.frame[node];
					if (node && f < T.nframes && matchFrames[f]) {
						hitVal += T.val[node];
						hitBase += T.bval[node];
						continue;
					}
					for (let i = T.first[node]; i < T.first[node + 1]; i++) stack.push(T.children[i]);
				}
				const share = T.total ? hitVal / T.total : 0;
				matchInfo = { term, samples: hitVal, share, baseSamples: hitBase,
					baseShare: T.baseTotal ? hitBase / T.baseTotal : 0 };
				matched.textContent = T.diff
					? `Matched: before ${fmtPct(matchInfo.baseShare)}, after ${fmtPct(share)}`
					: `Matched: ${fmtPct(share)} (${fmtInt(hitVal)} samples)`;
			}
			draw();
			if (sandwich) {
				sandwich.callers.search(term);
				sandwich.callees.search(term);
			}
			return matchInfo;
		}

		/* ---- the sandwich view: callers above (inverted), callees below ---- */

		function closeSandwich() {
			if (!sandwich) return;
			sandwich.callers.destroy();
			sandwich.callees.destroy();
			sandwich = null;
			sandBox.textContent = '';
			wrap.style.display = '';
			reset.disabled = focus === 0;
		}

		function openSandwich(name, kind) {
			if (embedded) return null;
			closeSandwich();
			const sw = sandwichProfiles(profile, name, kind);
			if (!sw.total && !sw.btotal) return null;
			const head = el('div', 'fg-sandwich-head');
			const close = el('button', 'fg-sandwich-close', '\u00d7 Back to the flame graph');
			const pct = (x, t) => fmtPct(t ? x / t : 0);
			const sides = sw.diff
				? `before: self ${fmtInt(sw.bself)} (${pct(sw.bself, T.baseTotal)}), total ${fmtInt(sw.btotal)} ` +
				  `(${pct(sw.btotal, T.baseTotal)}); after: self ${fmtInt(sw.self)} (${pct(sw.self, T.total)}), ` +
				  `total ${fmtInt(sw.total)} (${pct(sw.total, T.total)})`
				: `self ${fmtInt(sw.self)} (${pct(sw.self, T.total)}), total ${fmtInt(sw.total)} ` +
				  `(${pct(sw.total, T.total)})`;
			const nameEl = el('b', 'fg-sandwich-name', name);
			head.append(el('span', '', 'Sandwich of '), nameEl, el('span', 'fg-sandwich-stats', ' \u2014 ' + sides), close);
			const upCap = el('div', 'fg-sandwich-cap', `callers of ${name} (who calls it: read upwards)`);
			const up = el('div', 'fg-sandwich-half fg-sandwich-callers');
			const downCap = el('div', 'fg-sandwich-cap', `callees of ${name} (what it calls: read downwards)`);
			const down = el('div', 'fg-sandwich-half fg-sandwich-callees');
			const box = el('div', 'fg-sandwich');
			box.append(head, upCap, up, downCap, down);
			sandBox.textContent = '';
			sandBox.append(box);
			wrap.style.display = 'none';
			tip.style.display = 'none';
			const root = { name, kind: sw.kind };
			const sub = { embedded: true, root, onPick: (n, k) => openSandwich(n, k) };
			const callers = create(up, sw.callers, Object.assign({ orientation: 'flame' }, sub));
			const callees = create(down, sw.callees, Object.assign({ orientation: 'icicle' }, sub));
			close.addEventListener('click', closeSandwich);
			sandwich = { info: sw, callers, callees };
			reset.disabled = false;
			if (search.value) { callers.search(search.value); callees.search(search.value); }
			/* the callers' root (the function) sits at the bottom of its half */
			const uw = up.querySelector('.fg-canvas-wrap');
			if (uw) uw.scrollTop = uw.scrollHeight;
			return sandwich;
		}

		function resetAll() {
			zoom(0);
			if (sandwich) { sandwich.callers.reset(); sandwich.callees.reset(); }
		}

		/* ---- the functions table (options.functions) ---- */

		function buildFunctions() {
			funcBox.textContent = '';
			const rowsAll = functionStats(profile);
			const h = el('div', 'fg-functions-head');
			const filter = el('input', 'fg-functions-filter');
			filter.type = 'search';
			filter.placeholder = 'filter names';
			h.append(el('b', '', 'Functions'), filter,
				el('span', 'fg-hint', 'click a row for its callers and callees'));
			const table = el('table', 'fg-functions');
			const thead = el('thead'), tbody = el('tbody');
			const cols = T.diff
				? ['function', 'self before', 'self after', '\u0394 self', 'total before', 'total after']
				: ['function', 'self', 'self %', 'total', 'total %'];
			const tr = el('tr');
			cols.forEach((c, i) => tr.append(el('th', i ? 'num' : '', c)));
			thead.append(tr);
			table.append(thead, tbody);
			const wrapT = el('div', 'fg-functions-scroll');
			wrapT.append(table);
			funcBox.append(h, wrapT);
			const pa = (x) => (T.total ? x / T.total : 0), pb = (x) => (T.baseTotal ? x / T.baseTotal : 0);
			for (const r of rowsAll) r.key = T.diff ? Math.abs(pa(r.self) - pb(r.bself)) : r.self;
			/* the first 100 by key: a numeric sort of the keys finds the
			 * cut, only the rows above it are sorted as objects */
			const top = (list) => {
				let cut = -Infinity;
				if (list.length > 100) {
					const keys = Float64Array.from(list, (r) => r.key).sort();
					cut = keys[keys.length - 100];
				}
				return list.filter((r) => r.key >= cut).sort((a, b) => b.key - a.key || b.total - a.total ||
					(a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, 100);
			};
			const fill = () => {
				tbody.textContent = '';
				const want = filter.value.trim().toLowerCase();
				const list = want ? rowsAll.filter((r) => r.name.toLowerCase().includes(want)) : rowsAll;
				for (const r of top(list)) {
					const row = el('tr');
					const nameTd = el('td', 'name', r.name);
					nameTd.title = `${r.name} [${r.kind}]`;
					row.append(nameTd);
					const cells = T.diff
						? [fmtPct(pb(r.bself)), fmtPct(pa(r.self)),
							(pa(r.self) - pb(r.bself) > 0 ? '+' : '') + (100 * (pa(r.self) - pb(r.bself))).toFixed(2),
							fmtPct(pb(r.btotal)), fmtPct(pa(r.total))]
						: [fmtInt(r.self), fmtPct(pa(r.self)), fmtInt(r.total), fmtPct(pa(r.total))];
					for (const c of cells) row.append(el('td', 'num', c));
					row.addEventListener('click', () => {
						if (openSandwich(r.name, r.kind)) sandBox.scrollIntoView({ block: 'start' });
					});
					tbody.append(row);
				}
				if (list.length > 100) {
					const more = el('tr'), td = el('td', '', `\u2026 ${fmtInt(list.length - 100)} more: filter by name`);
					td.colSpan = cols.length;
					more.append(td);
					tbody.append(more);
				}
			};
			let ft = 0;
			filter.addEventListener('input', () => { clearTimeout(ft); ft = setTimeout(fill, 120); });
			fill();
		}

		function themeLabel() {
			themeBtn.textContent = isDark() ? 'Light' : 'Dark';
			themeBtn.title = `Switch to ${isDark() ? 'light' : 'dark'} mode (remembered in this browser)`;
		}

		let searchTimer = 0;
		search.addEventListener('input', () => {
			clearTimeout(searchTimer);
			searchTimer = setTimeout(() => runSearch(search.value), 120);
		});
		search.addEventListener('keydown', (e) => {
			if (e.key === 'Enter') { clearTimeout(searchTimer); runSearch(search.value); }
		});
		clear.addEventListener('click', () => runSearch(''));
		reset.addEventListener('click', resetAll);
		orient.addEventListener('click', () => {
			setOrientation(orientation === 'flame' ? 'icicle' : 'flame');
			/* a deep flame graph: bring its root (the bottom) into view */
			const r = canvas.getBoundingClientRect();
			if (orientation === 'flame' && r.bottom > (global.innerHeight || r.bottom))
				canvas.scrollIntoView({ block: 'end' });
		});
		sandBtn.addEventListener('click', () => {
			if (focus) openSandwich(T.names[T.frame[focus]], KINDS[T.kinds[T.frame[focus]]]);
		});
		themeBtn.addEventListener('click', () => theme.toggle());
		const onTheme = () => themeLabel();
		if (!embedded) themeListeners.push(onTheme);
		canvas.addEventListener('click', (e) => {
			const r = canvas.getBoundingClientRect();
			const node = hit(e.clientX - r.left, e.clientY - r.top);
			if (node >= 0) zoom(node);
		});
		canvas.addEventListener('contextmenu', (e) => {
			const r = canvas.getBoundingClientRect();
			const node = hit(e.clientX - r.left, e.clientY - r.top);
			if (node <= 0 || T.frame[node] >= T.nframes || KINDS[T.kinds[T.frame[node]]] === 'comm') return;
			e.preventDefault();
			const name = T.names[T.frame[node]], kind = KINDS[T.kinds[T.frame[node]]];
			if (opts.onPick) opts.onPick(name, kind);
			else openSandwich(name, kind);
		});
		canvas.addEventListener('mousemove', (e) => {
			const r = canvas.getBoundingClientRect();
			const px = e.clientX - r.left, py = e.clientY - r.top;
			const node = hit(px, py);
			if (node < 0) { tip.style.display = 'none'; return; }
			tip.textContent = describe(node) + (node ? '\nclick: zoom \u00b7 right-click: callers and callees' : '');
			tip.style.display = 'block';
			const left = Math.min(px + 12, Math.max(0, cssWidth - tip.offsetWidth - 4));
			tip.style.left = left + 'px';
			tip.style.top = (py + 14) + 'px';
		});
		canvas.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
		const onKey = (e) => {
			if (e.key === 'Escape') resetAll();
			if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); search.focus(); }
		};
		if (!embedded) document.addEventListener('keydown', onKey);
		let resizeTimer = 0;
		const onResize = () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(draw, 100); };
		global.addEventListener('resize', onResize);

		reset.disabled = true;
		sandBtn.disabled = true;
		themeLabel();
		setOrientation(opts.orientation);
		const firstDrawMs = lastDrawMs;
		let funcTimer = 0;
		/* after the graph is on screen: a big profile's table takes a moment */
		let funcFrame = 0;
		if (opts.functions && !embedded)
			funcFrame = global.requestAnimationFrame(() => { funcTimer = setTimeout(buildFunctions, 0); });

		return {
			/* zoom to the widest drawn frame called name (or the root) */
			zoom(name) {
				if (name === undefined || name === null) { zoom(0); return true; }
				const f = drawn().filter((d) => d.name === name).sort((a, b) => b.w - a.w)[0];
				if (!f) return false;
				zoom(f.node);
				return true;
			},
			reset() { zoom(0); },
			search: runSearch,
			setOrientation,
			orientation() { return orientation; },
			focus() { return focus ? T.names[T.frame[focus]] : 'all'; },
			/* every rectangle of the last draw, in CSS pixels within the canvas */
			drawn,
			/* the open sandwich view: its function, self and total (and the
			 * base side's in a differential profile) and the controllers of
			 * its two halves; null when closed */
			sandwich() {
				if (!sandwich) return null;
				const i = sandwich.info;
				return { name: i.name, kind: i.kind, self: i.self, total: i.total, baseSelf: i.bself,
					baseTotal: i.btotal, callers: sandwich.callers, callees: sandwich.callees };
			},
			openSandwich(name, kind) { return openSandwich(name, kind) ? this.sandwich() : null; },
			closeSandwich,
			stats() {
				return { nodes: T.n, total: T.total, baseTotal: T.baseTotal, diff: T.diff,
					buildMs, firstDrawMs, lastDrawMs, match: matchInfo };
			},
			destroy() {
				closeSandwich();
				global.cancelAnimationFrame(funcFrame);
				clearTimeout(funcTimer);
				document.removeEventListener('keydown', onKey);
				global.removeEventListener('resize', onResize);
				const i = themeListeners.indexOf(onTheme);
				if (i >= 0) themeListeners.splice(i, 1);
				container.textContent = '';
			},
		};

		function drawn() {
			const height = (T.maxDepth + 1) * ROW;
			const out = [];
			for (let d = 0; d < rows.length; d++) {
				const r = rows[d];
				for (let i = 0; i < r.node.length; i++) {
					const node = r.node[i];
					const f = T.frame[node];
					out.push({
						node, name: T.names[f], kind: KINDS[T.kinds[f]], depth: d,
						x: r.x[i], y: rowY(d, height), w: r.w[i], h: ROW, label: r.label[i],
						samples: T.val[node], baseSamples: T.bval[node],
						matched: !!(matchFrames && f < T.nframes && matchFrames[f]),
						delta: T.diff ? T.delta[node] : 0,
					});
				}
			}
			return out;
		}
	}

	global.Flamegraph = { create, buildTree, KINDS, frameLabel, functionStats, sandwichProfiles, theme };
})(typeof window !== 'undefined' ? window : globalThis);
