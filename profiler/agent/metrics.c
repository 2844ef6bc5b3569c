// SPDX-License-Identifier: MIT
/*
 * metrics.c - /metrics as one table: each row is a metric (or one labelled
 * series of it) and the snapshot field it reads. A metric's rows are
 * consecutive; HELP and TYPE are written before its first row.
 */
#include "agent/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

enum value_kind { U64, SIZE, F64 };

struct metric_row {
	const char *name, *type, *help;
	const char *labels; /* "" or 'key="value",...' */
	size_t off;	    /* of the value in struct agent_snapshot */
	enum value_kind kind;
};

#define FIELD(f, kind) offsetof(struct agent_snapshot, f), kind
#define BPF(idx) FIELD(sampler.metrics[idx], U64)
#define C "counter"
#define G "gauge"

static const struct metric_row rows[] = {
    {"bpfprof_samples_total", C, "Samples counted by the BPF program.", "", BPF(METRIC_SAMPLES)},
    {"bpfprof_samples_dropped_total", C, "Samples that could not be counted, by reason.",
     "reason=\"counts_map_full\"", BPF(METRIC_COUNTS_FULL)},
    {"bpfprof_samples_filtered_total", C,
     "Samples of processes outside the pid filter, not counted.", "", BPF(METRIC_FILTERED)},
    {"bpfprof_stacks_lost_total", C, "Samples kept without their kernel or user stack, by reason.",
     "stack=\"kernel\",reason=\"collision\"", BPF(METRIC_KSTACK_COLLISION)},
    {"bpfprof_stacks_lost_total", C, NULL, "stack=\"kernel\",reason=\"unreadable\"",
     BPF(METRIC_KSTACK_FAULT)},
    {"bpfprof_stacks_lost_total", C, NULL, "stack=\"kernel\",reason=\"map_full\"",
     BPF(METRIC_KSTACK_NOMEM)},
    {"bpfprof_stacks_lost_total", C, NULL, "stack=\"user\",reason=\"collision\"",
     BPF(METRIC_USTACK_COLLISION)},
    {"bpfprof_stacks_lost_total", C, NULL, "stack=\"user\",reason=\"unreadable\"",
     BPF(METRIC_USTACK_FAULT)},
    {"bpfprof_stacks_lost_total", C, NULL, "stack=\"user\",reason=\"map_full\"",
     BPF(METRIC_USTACK_NOMEM)},
    {"bpfprof_stacks_lost_total", C, NULL, "stack=\"any\",reason=\"other\"",
     BPF(METRIC_STACK_OTHER)},
    {"bpfprof_user_stacks_truncated_total", C, "Samples whose user stack hit the 127-frame limit.",
     "", FIELD(sampler.resolver.truncated_user, U64)},
    {"bpfprof_idle_samples_skipped_total", C, "Samples of idle CPUs left out.", "",
     BPF(METRIC_IDLE)},
    {"bpfprof_process_events_lost_total", C,
     "Process start/exec/exit events lost (ring buffer full).", "", BPF(METRIC_EVENTS_LOST)},
    {"bpfprof_processes_untracked_total", C,
     "New processes the BPF side could not remember (seen-pid map full): their "
     "mappings may be missed.",
     "", BPF(METRIC_PIDS_FULL)},
    {"bpfprof_user_unwinds_total", C,
     "User stacks unwound from unwind tables in BPF, by why the walk stopped.", "stop=\"complete\"",
     BPF(METRIC_UNWIND_END)},
    {"bpfprof_user_unwinds_total", C, NULL, "stop=\"no_table\"", BPF(METRIC_UNWIND_NO_TABLE)},
    {"bpfprof_user_unwinds_total", C, NULL, "stop=\"unsupported_rule\"",
     BPF(METRIC_UNWIND_UNSUPPORTED)},
    {"bpfprof_user_unwinds_total", C, NULL, "stop=\"bad_read\"", BPF(METRIC_UNWIND_BAD_READ)},
    {"bpfprof_user_unwinds_total", C, NULL, "stop=\"too_deep\"", BPF(METRIC_UNWIND_DEPTH)},
    {"bpfprof_user_stacks_frame_pointer_total", C,
     "User stacks walked by frame pointer: the process had no tables yet.", "",
     BPF(METRIC_UNWIND_FP_FALLBACK)},
    {"bpfprof_unwound_stacks_not_stored_total", C,
     "User stacks unwound from tables but not stored (unwound-stack map full); the "
     "frame-pointer stack was kept instead.",
     "", BPF(METRIC_USTACKS_FULL)},
    {"bpfprof_unwind_frames_total", C, "Frames of the user stacks unwound in BPF.", "",
     BPF(METRIC_UNWIND_FRAMES)},
    {"bpfprof_unwind_frame_pointer_steps_total", C,
     "Of those, frames found by a frame-pointer step (code outside every table, auto "
     "mode).",
     "", BPF(METRIC_UNWIND_FP_FRAMES)},
    {"bpfprof_unwind_row_cache_hits_total", C,
     "Frames whose unwind row came from the BPF row cache.", "", BPF(METRIC_UNWIND_CACHE_HITS)},
    {"bpfprof_unwind_seconds_total", C,
     "Time the BPF side spent unwinding and storing "
     "user stacks from tables.",
     "", FIELD(unwind_seconds, F64)},
    {"bpfprof_python_stacks_total", C,
     "Samples given their thread's Python frames (CPython frames walked in BPF).", "",
     BPF(METRIC_PY_STACKS)},
    {"bpfprof_python_walks_failed_total", C,
     "Python stack walks that failed or stopped short, by reason.", "reason=\"no_thread_state\"",
     BPF(METRIC_PY_NO_TSTATE)},
    {"bpfprof_python_walks_failed_total", C, NULL, "reason=\"bad_read\"", BPF(METRIC_PY_BAD_READ)},
    {"bpfprof_python_walks_failed_total", C, NULL, "reason=\"too_deep\"", BPF(METRIC_PY_DEPTH)},
    {"bpfprof_python_walks_failed_total", C, NULL, "reason=\"too_many_threads\"",
     BPF(METRIC_PY_THREADS)},
    {"bpfprof_python_walks_failed_total", C, NULL, "reason=\"map_full\"",
     BPF(METRIC_PY_STACKS_FULL)},
    {"bpfprof_python_frames_total", C, "Python frames of the stacks walked in BPF.", "",
     BPF(METRIC_PY_FRAMES)},
    {"bpfprof_python_seconds_total", C, "Time the BPF side spent walking Python stacks.", "",
     FIELD(python_seconds, F64)},
    {"bpfprof_python_processes_total", C, "CPython processes whose interpreter was found.", "",
     FIELD(sampler.python_st.procs, U64)},
    {"bpfprof_python_processes_not_walked_total", C,
     "CPython processes whose frames are not walked, by reason.", "reason=\"unsupported_version\"",
     FIELD(sampler.python_st.procs_unsupported, U64)},
    {"bpfprof_python_processes_not_walked_total", C, NULL, "reason=\"no_runtime_symbol\"",
     FIELD(sampler.python_st.procs_no_runtime, U64)},
    {"bpfprof_python_processes_not_walked_total", C, NULL, "reason=\"map_full\"",
     FIELD(sampler.python_st.procs_refused, U64)},
    {"bpfprof_python_code_objects_total", C,
     "Code objects read from Python processes, by outcome.", "result=\"read\"",
     FIELD(sampler.python_st.code_reads, U64)},
    {"bpfprof_python_code_objects_total", C, NULL, "result=\"unreadable\"",
     FIELD(sampler.python_st.code_unreadable, U64)},
    {"bpfprof_python_code_objects_total", C, NULL, "result=\"changed\"",
     FIELD(sampler.python_st.code_changed, U64)},
    {"bpfprof_python_memory_reads_failed_total", C,
     "Reads of Python processes' memory not done, by reason: a page that did not come within "
     "1 s (a FUSE file or userfaultfd range held by its owner), or a process left alone for "
     "60 s after that.",
     "reason=\"timeout\"", FIELD(sampler.python_st.mem_timeouts, U64)},
    {"bpfprof_python_memory_reads_failed_total", C, NULL, "reason=\"process_left_alone\"",
     FIELD(sampler.python_st.mem_refused, U64)},
    {"bpfprof_python_code_cache_resets_total", C,
     "Times the code object cache was full and started afresh.", "",
     FIELD(sampler.python_st.cache_resets, U64)},
    {"bpfprof_unwind_table_bytes", G, "Unwind table rows loaded in BPF maps.", "",
     FIELD(unwind_table_bytes, U64)},
    {"bpfprof_unwind_tables", G, "Files with an unwind table loaded.", "",
     FIELD(sampler.unwind.files, SIZE)},
    {"bpfprof_unwind_table_evictions_total", C,
     "Unwind tables evicted (least recently used) to make room.", "",
     FIELD(sampler.unwind.evictions, U64)},
    {"bpfprof_unwind_files_cached", G,
     "Files in the unwind table cache, with a table or without usable CFI.", "",
     FIELD(sampler.unwind.file_entries, SIZE)},
    {"bpfprof_unwind_files_cached_max", G, "Bound of the unwind table file cache.", "",
     FIELD(sampler.unwind.max_files, SIZE)},
    {"bpfprof_unwind_file_evictions_total", C,
     "Files dropped from the unwind table cache (least recently used) to make room.", "",
     FIELD(sampler.unwind.file_evictions, U64)},
    {"bpfprof_unwind_files_refused_total", C,
     "Files not cached because every entry was in use by the load in progress (frame "
     "pointers for them).", "", FIELD(sampler.unwind.files_refused, U64)},
    {"bpfprof_unwind_files_forgotten_total", C,
     "Deleted files dropped from the unwind table cache once no process mapped them.", "",
     FIELD(sampler.unwind.files_forgotten, U64)},
    {"bpfprof_unwind_builds_deferred_total", C,
     "Process loads that left never-seen files to be parsed after the events at hand.", "",
     FIELD(sampler.unwind.builds_deferred, U64)},
    {"bpfprof_unwind_processes", G, "Processes with unwind ranges published.", "",
     FIELD(sampler.unwind.procs, SIZE)},
    {"bpfprof_unwind_go_functions_total", C,
     "Go functions without CFI given unwind rows from their binary's .gopclntab SP deltas.", "",
     FIELD(sampler.unwind.go_funcs, U64)},
    {"bpfprof_unwind_go_functions_bad_total", C,
     "Go functions whose .gopclntab record or SP table was unreadable (no rows for them).", "",
     FIELD(sampler.unwind.go_bad_funcs, U64)},
    {"bpfprof_map_fill_ratio", G, "Entries used at the last drain over the map size, per map.",
     "map=\"counts\"", FIELD(counts_fill, F64)},
    {"bpfprof_map_fill_ratio", G, NULL, "map=\"stacks\"", FIELD(stacks_fill, F64)},
    {"bpfprof_symbolizer_cache_hits_total", C, "Parsed-file cache hits.", "",
     FIELD(sampler.symbolizer.cache_hits, U64)},
    {"bpfprof_symbolizer_cache_misses_total", C, "Parsed-file cache misses.", "",
     FIELD(sampler.symbolizer.cache_misses, U64)},
    {"bpfprof_symbolizer_cache_evictions_total", C, "Parsed files evicted.", "",
     FIELD(sampler.symbolizer.evictions, U64)},
    {"bpfprof_symbolizer_files_cached", G, "Parsed files held in memory.", "",
     FIELD(sampler.symbolizer.files_cached, SIZE)},
    {"bpfprof_symbolizer_perfmap_bytes", G,
     "Memory of the parsed perf maps (JIT symbols) held; at most 256 MB.", "",
     FIELD(sampler.symbolizer.perfmap_memory, SIZE)},
    {"bpfprof_symbolizer_perfmaps_evicted_total", C,
     "Parsed perf maps dropped to stay within that bound (read again when needed).", "",
     FIELD(sampler.symbolizer.perfmaps_evicted, U64)},
    {"bpfprof_symbolizer_debuginfod_pauses_total", C,
     "Times a debuginfod server (DEBUGINFOD_URLS) did not answer within 2 s and was not asked "
     "for 10 minutes.",
     "", FIELD(sampler.symbolizer.debuginfod_pauses, U64)},
    {"bpfprof_symbolizer_go_files_total", C,
     "Files without DWARF whose Go functions are named from their .gopclntab.", "",
     FIELD(sampler.symbolizer.go_files, U64)},
    {"bpfprof_symbolizer_go_errors_total", C,
     "Go function tables (.gopclntab, or searched for in a file without one) that could not be "
     "read or were refused (their Go functions stay unnamed).", "",
     FIELD(sampler.symbolizer.go_errors, U64)},
    {"bpfprof_files_refused_total", C,
     "Files of other processes (perf maps, binaries, debug files, /proc files) not read, by "
     "reason.",
     "reason=\"not_regular\"", FIELD(sampler.files_refused.not_regular, U64)},
    {"bpfprof_files_refused_total", C, NULL, "reason=\"symlink\"",
     FIELD(sampler.files_refused.symlink, U64)},
    {"bpfprof_files_refused_total", C, NULL, "reason=\"owner\"",
     FIELD(sampler.files_refused.owner, U64)},
    {"bpfprof_files_refused_total", C, NULL, "reason=\"too_big\"",
     FIELD(sampler.files_refused.too_big, U64)},
    {"bpfprof_file_pages_truncated_total", C,
     "Pages of binaries or debug files truncated by their owner while read: read as zeros "
     "(what they held is lost).",
     "", FIELD(truncated_pages, U64)},
    {"bpfprof_frames_unresolved_total", C, "Frames left without a function name.", "",
     FIELD(sampler.resolver.unresolved_frames, U64)},
    {"bpfprof_processes_tracked", G, "Processes whose mappings are held.", "",
     FIELD(sampler.procs.procs, SIZE)},
    {"bpfprof_processes_exited_pending", G,
     "Of the tracked processes, those exited and kept until their samples are stored.", "",
     FIELD(sampler.procs.exited, SIZE)},
    {"bpfprof_processes_refused_total", C,
     "Processes not tracked because the process table (65536) was full.", "",
     FIELD(sampler.procs.procs_refused, U64)},
    {"bpfprof_unwind_processes_refused_total", C,
     "Processes whose reloads are not paced because the unwinder's table (65536) was full.",
     "", FIELD(sampler.unwind.procs_refused, U64)},
    {"bpfprof_resolver_cache_resets_total", C,
     "Times the per-address symbol cache reached its bound and started afresh.", "",
     FIELD(sampler.resolver.cache_resets, U64)},
    {"bpfprof_windows_written_total", C, "History windows closed.", "", FIELD(windows_closed, U64)},
    {"bpfprof_window_write_errors_total", C, "Windows that could not be stored, by reason.",
     "reason=\"no_space\"", FIELD(store.write_errors[STORE_WRITE_NO_SPACE], U64)},
    {"bpfprof_window_write_errors_total", C, NULL, "reason=\"read_only\"",
     FIELD(store.write_errors[STORE_WRITE_READ_ONLY], U64)},
    {"bpfprof_window_write_errors_total", C, NULL, "reason=\"other\"",
     FIELD(store.write_errors[STORE_WRITE_OTHER], U64)},
    {"bpfprof_drain_errors_total", C, "Drains of the BPF maps that failed.", "",
     FIELD(drain_errors, U64)},
    {"bpfprof_store_bytes", G, "Bytes of history on disk.", "", FIELD(store.bytes, U64)},
    {"bpfprof_store_windows", G, "History windows on disk.", "", FIELD(store.windows, SIZE)},
    {"bpfprof_store_windows_removed_total", C, "Windows removed by retention or the disk budget.",
     "", FIELD(store.removed, U64)},
    {"bpfprof_store_read_errors_total", C,
     "History windows that could not be read back for a query.", "",
     FIELD(store.read_errors, U64)},
    {"bpfprof_store_files_ignored_total", C,
     "Files named like history windows left out of the history (at start, or found "
     "changed by a query), by reason.",
     "reason=\"not_regular\"", FIELD(store.ignored[STORE_IGNORE_NOT_REGULAR], U64)},
    {"bpfprof_store_files_ignored_total", C, NULL, "reason=\"other_owner\"",
     FIELD(store.ignored[STORE_IGNORE_OWNER], U64)},
    {"bpfprof_store_files_ignored_total", C, NULL, "reason=\"too_big\"",
     FIELD(store.ignored[STORE_IGNORE_TOO_BIG], U64)},
    {"bpfprof_store_files_ignored_total", C, NULL, "reason=\"invalid\"",
     FIELD(store.ignored[STORE_IGNORE_INVALID], U64)},
    {"bpfprof_bpf_run_seconds_total", C,
     "Time spent in the sampling BPF program (counted while kernel.bpf_stats_enabled=1).", "",
     FIELD(bpf_run_seconds, F64)},
    {"bpfprof_bpf_runs_total", C,
     "Runs of the sampling BPF program (counted while kernel.bpf_stats_enabled=1).", "",
     FIELD(sampler.bpf_runs, U64)},
    {"bpfprof_http_requests_total", C, "HTTP requests answered by an endpoint.", "",
     FIELD(http.requests, U64)},
    {"bpfprof_http_refused_total", C, "HTTP requests refused or dropped, by reason.",
     "reason=\"busy\"", FIELD(http.busy, U64)},
    {"bpfprof_http_refused_total", C, NULL, "reason=\"head_timeout\"",
     FIELD(http.head_timeouts, U64)},
    {"bpfprof_http_refused_total", C, NULL, "reason=\"bad_request\"",
     FIELD(http.bad_requests, U64)},
    {"bpfprof_http_refused_total", C, NULL, "reason=\"unauthorized\"",
     FIELD(http.unauthorized, U64)},
    {"bpfprof_http_refused_total", C, NULL, "reason=\"client_gone\"",
     FIELD(http.client_gone, U64)},
    {"bpfprof_http_connections_full_total", C,
     "Times every pending-connection slot was taken (new connections waited in the kernel's "
     "backlog).",
     "", FIELD(http.pending_full, U64)},
    {"bpfprof_push_requests_total", C,
     "Series (one request each) the push target (--push) took.", "", FIELD(push.requests, U64)},
    {"bpfprof_push_samples_total", C, "Samples in the series the push target took.", "",
     FIELD(push.samples, U64)},
    {"bpfprof_push_failed_total", C,
     "Push requests that failed (no answer, timeout, or an error status) and were tried again.",
     "", FIELD(push.failed, U64)},
    {"bpfprof_push_queued_bytes", G, "Bytes of history windows not pushed yet.", "",
     FIELD(push.queued_bytes, U64)},
    {"bpfprof_push_dropped_samples_total", C, "Samples never pushed, by reason.",
     "reason=\"queue_full\"", FIELD(push.dropped_samples[PUSH_DROP_QUEUE_FULL], U64)},
    {"bpfprof_push_dropped_samples_total", C, NULL, "reason=\"retention\"",
     FIELD(push.dropped_samples[PUSH_DROP_RETENTION], U64)},
    {"bpfprof_push_dropped_samples_total", C, NULL, "reason=\"rejected\"",
     FIELD(push.dropped_samples[PUSH_DROP_REJECTED], U64)},
    {"bpfprof_push_dropped_samples_total", C, NULL, "reason=\"unreadable\"",
     FIELD(push.dropped_samples[PUSH_DROP_UNREADABLE], U64)},
    {"bpfprof_push_dropped_windows_total", C,
     "History windows dropped from the push queue unpushed (rejected series count in "
     "samples only), by reason.",
     "reason=\"queue_full\"", FIELD(push.dropped_windows[PUSH_DROP_QUEUE_FULL], U64)},
    {"bpfprof_push_dropped_windows_total", C, NULL, "reason=\"retention\"",
     FIELD(push.dropped_windows[PUSH_DROP_RETENTION], U64)},
    {"bpfprof_push_dropped_windows_total", C, NULL, "reason=\"unreadable\"",
     FIELD(push.dropped_windows[PUSH_DROP_UNREADABLE], U64)},
    {"process_cpu_seconds_total", C, "User and system CPU time of the agent.", "",
     FIELD(cpu_seconds, F64)},
    {"process_resident_memory_bytes", G, "Resident memory of the agent.", "",
     FIELD(rss_bytes, U64)},
};

static void write_value(FILE *f, const struct metric_row *m, const struct agent_snapshot *s)
{
	const char *p = (const char *)s + m->off;
	uint64_t u;
	size_t z;
	double d;

	switch (m->kind) {
	case U64:
		memcpy(&u, p, sizeof(u));
		fprintf(f, "%" PRIu64 "\n", u);
		break;
	case SIZE:
		memcpy(&z, p, sizeof(z));
		fprintf(f, "%zu\n", z);
		break;
	case F64:
		memcpy(&d, p, sizeof(d));
		fprintf(f, "%.9g\n", d);
		break;
	}
}

int metrics__write(FILE *f, const struct agent_snapshot *s)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct metric_row *m = &rows[i];

		if (!i || strcmp(m->name, rows[i - 1].name))
			fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
				m->type);
		if (*m->labels)
			fprintf(f, "%s{%s} ", m->name, m->labels);
		else
			fprintf(f, "%s ", m->name);
		write_value(f, m, s);
	}
	return ferror(f) ? -EIO : 0;
}
