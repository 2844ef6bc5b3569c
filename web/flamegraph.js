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
 * options: { orientation: 'flame' | 'icicle', title: string }
 */
(function (global) {
	'use strict';

	const ROW = 16;
	const MIN_PX = 0.5;
	const KINDS = ['user', 'kernel', 'inline', 'jit', 'lost', 'comm'];

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
	 * The call tree as structure-of-arrays. Node 0 is the synthetic root
	 * "all"; children of a node sit together (CSR) sorted by name.
	 */
	function buildTree(profile) {
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
		names[nframes] = 'all';
		kinds[nframes] = KINDS.indexOf('comm');

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
		const width = new Float64Array(n);
		const delta = diff ? new Float64Array(n) : null;
		let maxAbs = 0;
		for (let i = 0; i < n; i++) {
			if (diff) {
				const a = total ? val[i] / total : 0;
				const bb = baseTotal ? bval[i] / baseTotal : 0;
				width[i] = a + bb;
				delta[i] = a - bb;
				if (i && Math.abs(delta[i]) > maxAbs) maxAbs = Math.abs(delta[i]);
			} else {
				width[i] = val[i];
			}
		}
		return {
			n, names, kinds, frame, parent, depth, val, bval, width, delta, maxAbs,
			first, children, total, baseTotal, maxDepth, diff, nframes,
		};
	}

	function create(container, profile, options) {
		const opts = Object.assign({ orientation: 'flame' }, options || {});
		if (!profile || (profile.format && profile.format !== 'bpfprof-flamegraph') ||
		    (profile.version || 1) > 1)
			throw new Error('flamegraph: not a bpfprof-flamegraph version 1 profile');
		const t0 = performance.now();
		const tree = buildTree(profile);
		const buildMs = performance.now() - t0;

		container.classList.add('fg');
		container.textContent = '';
		const bar = el('div', 'fg-bar');
		const title = el('span', 'fg-title',
			opts.title || profile.title || (tree.diff ? 'Differential flame graph' : 'Flame graph'));
		const reset = el('button', 'fg-reset', 'Reset zoom');
		const orient = el('button', 'fg-orient', '');
		const search = el('input', 'fg-search');
		search.type = 'search';
		search.placeholder = 'Search (regex)';
		const clear = el('button', 'fg-clear', 'Clear');
		const matched = el('span', 'fg-matched', '');
		bar.append(title, reset, orient, search, clear, matched);

		const info = el('div', 'fg-info');
		const legend = el('div', 'fg-legend');
		if (tree.diff) {
			legend.append(legendItem('hsl(0,85%,55%)', 'grew'),
				legendItem('hsl(220,85%,55%)', 'shrank'),
				legendItem('hsl(0,0%,88%)', 'same'));
			info.textContent = `before ${fmtInt(tree.baseTotal)} samples, after ${fmtInt(tree.total)} samples; ` +
				'width = before share + after share, colour = change in share of all samples';
		} else {
			for (const k of ['user', 'kernel', 'inline', 'jit', 'lost'])
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
		wrap.append(canvas, tip);
		container.append(bar, info, legend, wrap, status);
		const ctx = canvas.getContext('2d');

		let focus = 0;
		let orientation = opts.orientation === 'icicle' ? 'icicle' : 'flame';
		let matchFrames = null; // Uint8Array over frames, or null
		let matchInfo = null;
		let cssWidth = 0;
		/* drawn rectangles, for hit tests and tests: per row, flat arrays */
		let rows = [];
		let lastDrawMs = 0;

		const T = tree;

		function rowY(d, height) {
			return orientation === 'flame' ? height - (d + 1) * ROW : d * ROW;
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
			for (let d = 0; d <= T.maxDepth; d++) rows.push({ node: [], x: [], w: [] });

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
			if (w > 24) {
				const chars = Math.floor((w - 6) / 7.3);
				const text = name.length > chars ? name.slice(0, Math.max(chars - 2, 0)) + '..' : name;
				if (chars >= 3) {
					ctx.fillStyle = '#000';
					ctx.fillText(text, x + 3, y + ROW / 2);
				}
			}
			ctx.globalAlpha = 1;
			const r = rows[d];
			r.node.push(node);
			r.x.push(x);
			r.w.push(w);
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
				const a = T.total ? T.val[node] / T.total : 0;
				const b = T.baseTotal ? T.bval[node] / T.baseTotal : 0;
				const pts = (100 * (a - b)).toFixed(2);
				return `${name}\nbefore ${fmtInt(T.bval[node])} samples (${fmtPct(b)}), ` +
					`after ${fmtInt(T.val[node])} samples (${fmtPct(a)}), ` +
					`change ${a - b >= 0 ? '+' : ''}${pts} pts`;
			}
			return `${name}${node ? ' [' + kind + ']' : ''}\n${fmtInt(T.val[node])} samples ` +
				`(${fmtPct(T.total ? T.val[node] / T.total : 0)})`;
		}

		function zoom(node) {
			focus = node >= 0 && node < T.n ? node : 0;
			reset.disabled = focus === 0;
			draw();
		}

		function setOrientation(o) {
			orientation = o === 'icicle' ? 'icicle' : 'flame';
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
			return matchInfo;
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
		reset.addEventListener('click', () => zoom(0));
		orient.addEventListener('click', () => setOrientation(orientation === 'flame' ? 'icicle' : 'flame'));
		canvas.addEventListener('click', (e) => {
			const r = canvas.getBoundingClientRect();
			const node = hit(e.clientX - r.left, e.clientY - r.top);
			if (node >= 0) zoom(node);
		});
		canvas.addEventListener('mousemove', (e) => {
			const r = canvas.getBoundingClientRect();
			const px = e.clientX - r.left, py = e.clientY - r.top;
			const node = hit(px, py);
			if (node < 0) { tip.style.display = 'none'; return; }
			tip.textContent = describe(node);
			tip.style.display = 'block';
			const left = Math.min(px + 12, Math.max(0, cssWidth - tip.offsetWidth - 4));
			tip.style.left = left + 'px';
			tip.style.top = (py + 14) + 'px';
		});
		canvas.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
		const onKey = (e) => {
			if (e.key === 'Escape') zoom(0);
			if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); search.focus(); }
		};
		document.addEventListener('keydown', onKey);
		let resizeTimer = 0;
		const onResize = () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(draw, 100); };
		global.addEventListener('resize', onResize);

		reset.disabled = true;
		setOrientation(orientation);
		const firstDrawMs = lastDrawMs;

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
			stats() {
				return { nodes: T.n, total: T.total, baseTotal: T.baseTotal, diff: T.diff,
					buildMs, firstDrawMs, lastDrawMs, match: matchInfo };
			},
			destroy() {
				document.removeEventListener('keydown', onKey);
				global.removeEventListener('resize', onResize);
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
						x: r.x[i], y: rowY(d, height), w: r.w[i], h: ROW,
						samples: T.val[node], baseSamples: T.bval[node],
						matched: !!(matchFrames && f < T.nframes && matchFrames[f]),
						delta: T.diff ? T.delta[node] : 0,
					});
				}
			}
			return out;
		}
	}

	global.Flamegraph = { create, buildTree, KINDS };
})(typeof window !== 'undefined' ? window : globalThis);
