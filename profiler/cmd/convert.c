// SPDX-License-Identifier: MIT
/*
 * convert.c - `bpfprof convert IN -o OUT`: between folded, pprof, HTML and
 * the flame-graph JSON. The input format is read from the content, the
 * output format from OUT's name or --format.
 */
#include "cmd/convert.h"
#include "cmd/cli.h"
#include "format/input.h"
#include "format/output.h"
#include "format/profile.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>


static const char usage[] =
	"Usage: bpfprof convert IN [-o OUT] [OPTIONS]\n"
	"\n"
	"Convert a profile. IN is folded stacks or pprof (gzip or not), told apart by\n"
	"content; \"-\" reads stdin.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write here (default: stdout); the format follows the\n"
	"                      name: .pb.gz/.pprof pprof, .html flame graph, .json the\n"
	"                      flame-graph JSON, anything else folded stacks\n"
	"  -f, --format FMT    folded, pprof, html or json (default: from the name)\n"
	"      --lines         folded: frames as \"func (file.c:42)\" where known\n"
	"      --title TEXT    html, json: the page title\n"
	"  -h, --help          this help\n"
	"\n"
	"Examples:\n"
	"  bpfprof convert profile.folded -o profile.pb.gz\n"
	"  bpfprof convert profile.pb.gz -o profile.html\n"
	"  bpfprof convert cpu.pprof > cpu.folded\n";

/* Shared by convert and diff: -o, -f, --lines, --title. -1 to go on. */
static int parse_common(const char *cmd, const char *help, int argc, char **argv,
			struct output_opts *out, const char **output, const char **inputs,
			int ninputs)
{
	enum { OPT_LINES = 256, OPT_TITLE };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"lines", no_argument, NULL, OPT_LINES},
		{"title", required_argument, NULL, OPT_TITLE},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool format_given = false;
	int c, n = 0;

	optind = 1;
	opterr = 0;
	/* permute: options may come after the inputs */
	while ((c = getopt_long(argc, argv, ":o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			*output = optarg;
			break;
		case 'f':
			if (output__parse_format(optarg, &out->format))
				return cli__usage_error(cmd, "unknown format %s", optarg);
			format_given = true;
			break;
		case OPT_LINES:
			out->lines = true;
			break;
		case OPT_TITLE:
			out->title = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		case ':':
			return cli__usage_error(cmd, "option needs a value: %s", argv[optind - 1]);
		default:
			return cli__usage_error(cmd, "unknown option %s", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++) {
		if (n == ninputs)
			return cli__usage_error(cmd, "too many arguments: %s", argv[optind]);
		inputs[n++] = argv[optind];
	}
	if (n < ninputs)
		return cli__usage_error(cmd, "%s",
					ninputs == 1 ? "needs an input file" : "needs two input files");
	if (!format_given)
		out->format = output__format_for_path(*output);
	return -1;
}

static int write_out(const char *cmd, const struct profile *p, const struct output_opts *o,
		     const char *output)
{
	char err[512] = "";

	if (output__write(p, o, output, err, sizeof(err))) {
		fprintf(stderr, "bpfprof %s: %s\n", cmd, err);
		return 1;
	}
	return 0;
}

int convert__main(int argc, char **argv)
{
	struct output_opts o = {0};
	const char *output = NULL, *in = NULL;
	struct profile *p = NULL;
	char err[512] = "";
	int ret = parse_common("convert", usage, argc, argv, &o, &output, &in, 1);

	if (ret >= 0)
		return ret;
	p = profile__new();
	if (!p) {
		fprintf(stderr, "bpfprof convert: out of memory\n");
		return 1;
	}
	if (input__read_file(in, p, err, sizeof(err))) {
		fprintf(stderr, "bpfprof convert: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	ret = write_out("convert", p, &o, output);
cleanup:
	profile__free(p);
	return ret;
}

static const char diff_usage[] =
	"Usage: bpfprof diff BEFORE AFTER [-o OUT] [OPTIONS]\n"
	"\n"
	"Draw a differential flame graph: each frame's width is its share of BEFORE\n"
	"plus its share of AFTER, its colour the change of its share of all samples\n"
	"(red grew, blue shrank), so profiles of different lengths compare fairly.\n"
	"BEFORE and AFTER are folded or pprof files.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write here (default: stdout); .html or .json\n"
	"  -f, --format FMT    html or json (default: from the name, else html)\n"
	"      --title TEXT    the page title\n"
	"  -h, --help          this help\n"
	"\n"
	"Example:\n"
	"  bpfprof diff before.pb.gz after.pb.gz -o diff.html\n";

int diff__main(int argc, char **argv)
{
	struct output_opts o = {0};
	const char *output = NULL, *in[2] = {NULL, NULL};
	struct profile *before = NULL, *after = NULL;
	char err[512] = "";
	int ret = parse_common("diff", diff_usage, argc, argv, &o, &output, in, 2);

	if (ret >= 0)
		return ret;
	if (!output || !strcmp(output, "-")) {
		if (o.format == OUTPUT_FOLDED)
			o.format = OUTPUT_HTML;
	}
	if (o.format != OUTPUT_HTML && o.format != OUTPUT_JSON)
		return cli__usage_error("diff", "writes html or json, not %s", output);
	before = profile__new();
	after = profile__new();
	if (!before || !after) {
		fprintf(stderr, "bpfprof diff: out of memory\n");
		ret = 1;
		goto cleanup;
	}
	if (input__read_file(in[0], before, err, sizeof(err)) ||
	    input__read_file(in[1], after, err, sizeof(err))) {
		fprintf(stderr, "bpfprof diff: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	o.base = before;
	ret = write_out("diff", after, &o, output);
cleanup:
	profile__free(before);
	profile__free(after);
	return ret;
}
