/* SPDX-License-Identifier: MIT */
/*
 * pprof_proto.h - the field numbers of profile.proto
 * (github.com/google/pprof/proto/profile.proto), shared by the writer
 * (pprof.c) and the reader (pprof_read.c). One enum per message.
 */
#ifndef BPFPROF_PPROF_PROTO_H
#define BPFPROF_PPROF_PROTO_H

/* Profile */
enum {
	PPROF_PROFILE_SAMPLE_TYPE = 1,	/* ValueType */
	PPROF_PROFILE_SAMPLE = 2,	/* Sample */
	PPROF_PROFILE_MAPPING = 3,	/* Mapping */
	PPROF_PROFILE_LOCATION = 4,	/* Location */
	PPROF_PROFILE_FUNCTION = 5,	/* Function */
	PPROF_PROFILE_STRING_TABLE = 6, /* string */
	PPROF_PROFILE_TIME_NANOS = 9,
	PPROF_PROFILE_DURATION_NANOS = 10,
	PPROF_PROFILE_PERIOD_TYPE = 11, /* ValueType */
	PPROF_PROFILE_PERIOD = 12,
	PPROF_PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};

/* ValueType */
enum {
	PPROF_VALUE_TYPE_TYPE = 1, /* string index */
	PPROF_VALUE_TYPE_UNIT = 2, /* string index */
};

/* Sample */
enum {
	PPROF_SAMPLE_LOCATION_ID = 1, /* repeated, leaf first */
	PPROF_SAMPLE_VALUE = 2,	      /* repeated, one per sample_type */
	PPROF_SAMPLE_LABEL = 3,	      /* Label */
};

/* Label */
enum {
	PPROF_LABEL_KEY = 1, /* string index */
	PPROF_LABEL_STR = 2, /* string index */
	PPROF_LABEL_NUM = 3,
};

/* Mapping */
enum {
	PPROF_MAPPING_ID = 1,
	PPROF_MAPPING_MEMORY_START = 2,
	PPROF_MAPPING_MEMORY_LIMIT = 3,
	PPROF_MAPPING_FILE_OFFSET = 4,
	PPROF_MAPPING_FILENAME = 5, /* string index */
	PPROF_MAPPING_BUILD_ID = 6, /* string index */
	PPROF_MAPPING_HAS_FUNCTIONS = 7,
	PPROF_MAPPING_HAS_FILENAMES = 8,
	PPROF_MAPPING_HAS_LINE_NUMBERS = 9,
	PPROF_MAPPING_HAS_INLINE_FRAMES = 10,
};

/* Location */
enum {
	PPROF_LOCATION_ID = 1,
	PPROF_LOCATION_MAPPING_ID = 2,
	PPROF_LOCATION_ADDRESS = 3,
	PPROF_LOCATION_LINE = 4, /* Line, repeated, innermost first */
};

/* Line */
enum {
	PPROF_LINE_FUNCTION_ID = 1,
	PPROF_LINE_LINE = 2,
};

/* Function */
enum {
	PPROF_FUNCTION_ID = 1,
	PPROF_FUNCTION_NAME = 2,	/* string index */
	PPROF_FUNCTION_SYSTEM_NAME = 3, /* string index */
	PPROF_FUNCTION_FILENAME = 4,	/* string index */
};

#endif
