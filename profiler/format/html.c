// SPDX-License-Identifier: MIT
/*
 * html.c - fill web/page.html's @@NAME@@ slots: the renderer's CSS and JS,
 * the profile JSON and the title. Everything is inlined: the page needs no
 * network and no other file.
 */
#include "format/html.h"
#include "format/json_profile.h"
#include "format/web_assets.h"

#include <errno.h>
#include <string.h>

static void html_text(const char *s, FILE *out)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: putc(*s, out);
		}
	}
}

int html__write(const struct profile *p, const struct profile *base, const char *title,
		FILE *out)
{
	const char *t = (const char *)web_page_html, *end = t + web_page_html_len;
	const char *name = title ? title : base ? "bpfprof differential flame graph"
					       : "bpfprof flame graph";
	int ret = 0;

	while (t < end && !ret) {
		const char *slot = strstr(t, "@@"), *close;
		size_t len;

		if (!slot || !(close = strstr(slot + 2, "@@"))) {
			fwrite(t, 1, (size_t)(end - t), out);
			break;
		}
		fwrite(t, 1, (size_t)(slot - t), out);
		len = (size_t)(close - slot - 2);
		slot += 2;
		if (len == 5 && !strncmp(slot, "TITLE", len))
			html_text(name, out);
		else if (len == 14 && !strncmp(slot, "FLAMEGRAPH_CSS", len))
			fwrite(web_flamegraph_css, 1, web_flamegraph_css_len, out);
		else if (len == 13 && !strncmp(slot, "FLAMEGRAPH_JS", len))
			fwrite(web_flamegraph_js, 1, web_flamegraph_js_len, out);
		else if (len == 12 && !strncmp(slot, "PROFILE_JSON", len))
			ret = json_profile__write(p, base, title, out);
		else
			fwrite(slot - 2, 1, len + 4, out); /* not a slot: keep it */
		t = close + 2;
	}
	if (!ret && (fflush(out) || ferror(out)))
		ret = -EIO;
	return ret;
}
