// SPDX-License-Identifier: MIT
/* web_assets.c - look up an embedded web/ file by name. */
#include "format/web_assets.h"

#include <string.h>

const struct web_asset *web_assets__find(const char *name)
{
	for (const struct web_asset *a = web_assets; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}
